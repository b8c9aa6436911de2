//! h2chat's server: a chat whose every new message is pushed to each browser over one
//! long-lived HTTP/2 response (`GET /msgs`).
//!
//! # Layout
//!
//! The [`hub`] is the centre: the stores feed it committed messages, the routes open
//! streams on it, and it offers every event to every open stream. Leaf modules (the first
//! group) import nothing of the crate above them.
//!
//! Leaves:
//! - `config`: command-line flags and their environment variables ([`Settings`]).
//! - `clock`: wall-clock milliseconds and new history names (epochs).
//! - `periodic`: background tasks on a schedule, for as long as what they serve exists.
//! - `tls`: loads the certificate, or generates a self-signed one on first start; TLS
//!   session tickets so reconnecting browsers resume.
//! - `window`: the recent messages kept in memory for new and resuming clients.
//! - `held`: awareness lines kept beside a stream's queue until its next line, without
//!   waking it.
//! - `inbox`: the receiving end of a stream's queue, which drops the lines of a room its
//!   reader has lost, even those already queued, and hands out the held lines first.
//! - `registry`: one bounded queue per open stream; fan-out and slow-consumer cuts; the
//!   per-room index, so a room's message touches only its readers.
//! - `metrics`: the Prometheus counters behind `GET /metrics`.
//! - `limits`: post rate per client address, caps on open streams, trusted proxies.
//! - `typing`: how often one account's typing in one room is passed on.
//! - [`telemetry`]: `tracing` to stderr.
//! - [`fd_limit`]: raises the open-files limit so thousands of streams fit (the load tool
//!   uses it too).
//! - [`event`]: the chat's log: messages and events (accounts, sessions, invites), one
//!   order for everything.
//! - `moderation`: guest bans in force and the audit log, as the log's events made them.
//!
//! The middle:
//! - [`store`]: where messages live and ids come from: SQLite with group commit on a writer
//!   thread, or (`--redis`) a Redis Stream that every node appends to and tails. Tells its
//!   listener (the hub) about every committed message.
//! - [`rooms`]: the lobby, open and closed rooms and direct conversations, who may read
//!   each (the one rule every endpoint and the stream follow), and the requests that
//!   change them (`rooms/manage.rs`).
//! - `search`: full-text search over what a reader may read, with snippets (the index is
//!   the store's: `store/fts.rs`, on Redis each node's own `store/redis/search_index.rs`).
//! - [`accounts`]: accounts, sessions and invites (the directory every node builds from the
//!   log), password hashing, brute-force limits.
//! - [`hub`]: window and registry under one lock, fed committed entries in id order, so
//!   fan-out order and each new stream's first line agree; it applies events to the
//!   directory and the rooms, ends the streams of sessions that ended, re-indexes the
//!   streams of members who come and go (`hub/rooms.rs`); its `Registration` guard takes
//!   a stream out when the response is dropped.
//! - `auth`: the session cookie, the extractors for who is asking, the same-origin rule.
//! - `client_stream`: the response body of one stream, lines from its queue.
//! - `heartbeat`, `retention`: the background tasks that keep idle streams alive and delete
//!   what `--retain-*` does not keep.
//! - `memory_trim` (feature `alloc-glibc-trim`, on by default): hands glibc's freed heap
//!   back to the OS after a crowd of clients leaves.
//! - [`presence`]: who is online on this node and on the others, with the grace that keeps a
//!   reload from showing anyone leaving; the hub sends what changed once a second.
//! - `post_pipeline`: the one way in for a message, whatever the door (HTTP or WebSocket).
//! - `guest_origins`: where recent guest messages came from, for "ban this guest".
//! - `mentions`: which accounts a post mentions, and who may say `@here`.
//! - `webhooks`: bots' outgoing webhooks, signed, off the posting path.
//! - `reads`: read markers and notification levels, and the unread and mention counts.
//! - `error`: the JSON `{"error": ...}` answers; every conversion into them.
//! - `routes`: the route table and HTTP handlers (`routes/api`: the JSON API and its
//!   OpenAPI document), the built frontend with its headers.
//! - [`shutdown`]: the graceful-stop handle and the signals.
//! - [`startup`]: [`Application`], which builds, runs and stops the server (`startup/server.rs`:
//!   the HTTPS server, its middleware and tuning).

pub mod accounts;
mod auth;
mod client_stream;
mod clock;
pub mod config;
mod error;
pub mod event;
pub mod fd_limit;
mod guest_origins;
mod heartbeat;
mod held;
pub mod hub;
mod inbox;
mod limits;
#[cfg(feature = "alloc-glibc-trim")]
mod memory_trim;
mod mentions;
mod message_changes;
mod metrics;
mod moderation;
mod periodic;
mod post_pipeline;
pub mod presence;
mod reactions;
mod reads;
mod registry;
mod retention;
pub mod rooms;
mod routes;
mod search;
pub mod shutdown;
pub mod startup;
pub mod store;
pub mod telemetry;
mod tls;
mod typing;
mod webhooks;
mod window;

pub use config::Settings;
pub use shutdown::ShutdownHandle;
pub use startup::Application;
