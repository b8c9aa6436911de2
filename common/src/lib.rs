//! What the h2chat backend and frontend must agree on, tested once, here.
//!
//! # Layout
//! - [`wire`]: the JSON shapes on `/msgs` (request bodies and stream lines).
//! - [`room`]: rooms and direct messages on the wire, and the rules a room's name meets.
//! - [`presence`]: who is online, and how often the stream says so.
//! - [`account`]: the `/api` bodies for accounts, and the rules their fields meet.
//! - [`reaction`]: one emoji on a message, and how a change to who reacted applies.
//! - [`bot`]: bots' `/api/bots` bodies, and what their webhooks receive and answer.
//! - [`mention`]: `@username` and `@here` in a message's text.
//! - [`search`]: what a search query may be, and the results' shape.
//! - [`validation`]: the limits a message must meet, as parse-don't-validate newtypes.
//! - [`framer`]: splits an arbitrarily chunked byte stream into newline-delimited lines.
//!
//! The crate has no I/O and no platform code, so the same logic runs in the
//! server and in the browser's wasm.

pub mod account;
pub mod bot;
pub mod framer;
pub mod mention;
pub mod moderation;
pub mod presence;
pub mod reaction;
pub mod room;
pub mod search;
pub mod validation;
pub mod wire;

pub use framer::{FrameError, LineFramer};
pub use validation::{MessageText, UserName, ValidNewMessage, ValidationError};
pub use wire::{
    ErrorBody, HistoryPage, Message, MessageEdit, NewMessage, StreamEvent, Transport, WindowLine,
    WsReply,
};
