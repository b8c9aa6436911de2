//! h2chat's browser client: a Leptos CSR app that reads `GET /api/stream?since=…` (every
//! room the reader may read; a guest: the lobby) as one long-lived HTTP/2 response and
//! re-renders as lines arrive.
//!
//! # Layout
//! - [`rooms`]: the rooms, one timeline each, and the resume position (pure logic).
//! - [`timeline`]: one room's messages (pure logic).
//! - [`typists`]: who is typing where, and the line that says so (pure logic).
//! - [`unread`]: unread and mention counts between hellos, the "new messages" divider
//!   (pure logic).
//! - [`mention_complete`]: the composer's `@name` completion (pure logic).
//! - [`presence`]: who is online, and who of a room's people (pure logic).
//! - [`linkify`]: the links in a message's text (pure logic).
//! - [`notifications`]: which messages notify, and the tab's title count (pure logic).
//! - [`browser_notification`]: the browser's permission and raising a notification.
//! - [`service_worker`]: registering `/sw.js` (offline start) and its messages to the page.
//! - [`stream_reader`]: `ReadableStream` → `TextDecoder` → line framer → lines.
//! - [`connection`]: fetch, read, reconnect with backoff, cancel on cleanup.
//! - [`backoff`]: the reconnect delay schedule.
//! - [`api`]: a guest's `POST /msgs` and its error messages.
//! - [`rooms_api`]: the `/api/rooms` and `/api/dms` endpoints, one function each.
//! - [`search`]: `GET /api/search`, and going back to a result's message (pure logic).
//! - [`room_forms`]: what the room forms check before sending (pure logic).
//! - [`account_api`]: the `/api` endpoints for accounts, one function each.
//! - [`moderation_api`]: the `/api` endpoints of moderation (bans, the audit log).
//! - [`session`]: who is signed in and what the server allows (context).
//! - [`forms`]: what the account forms check before sending (pure logic).
//! - [`route`]: which page a path names (pure logic).
//! - [`storage`]: the remembered user name.
//! - [`components`]: the pages and their routes.

pub mod account_api;
pub mod api;
pub mod backoff;
pub mod bot_api;
pub mod browser_notification;
pub mod components;
pub mod connection;
pub mod forms;
pub mod linkify;
pub mod mention_complete;
pub mod moderation_api;
pub mod notifications;
pub mod presence;
pub mod room_forms;
pub mod rooms;
pub mod rooms_api;
pub mod route;
pub mod search;
pub mod service_worker;
pub mod session;
pub mod storage;
pub mod stream_reader;
pub mod timeline;
pub mod typists;
pub mod unread;

/// Mounts the app into `<body>`.
pub fn mount() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(components::App);
}
