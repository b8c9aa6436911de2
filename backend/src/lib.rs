//! h2chat's server: a chat whose every new message is pushed to each browser over one
//! long-lived HTTP/2 response (`GET /msgs`).
//!
//! # Layout
//! - [`config`]: command-line flags and their environment variables.
//! - [`tls`]: loads the certificate, or generates a self-signed one on first start.
//! - [`store`]: where messages live and ids come from: SQLite with group commit on a writer
//!   thread, or (`--redis`) a Redis Stream that every node appends to and tails.
//! - [`window`]: the recent messages kept in memory for new and resuming clients.
//! - [`registry`]: one bounded queue per open stream; fan-out and slow-consumer cuts.
//! - [`hub`]: window and registry under one lock, fed committed messages in id order, so
//!   fan-out order and each new stream's first line agree.
//! - [`retention`]: the background task that deletes what `--retain-*` does not keep.
//! - [`client_stream`]: the response body of one `/msgs` client, with the drop guard that
//!   removes it from the registry.
//! - [`metrics`]: the Prometheus counters behind `GET /metrics`.
//! - [`limits`]: post rate per client IP and caps on open streams.
//! - [`heartbeat`]: the periodic line that keeps idle streams alive and finds dead ones.
//! - [`routes`]: HTTP handlers; [`static_files`]: the built frontend with its headers.
//! - [`error`]: the JSON `{"error": ...}` responses.
//! - [`fd_limit`]: raises the open-files limit so thousands of streams fit.
//! - [`startup`]: [`startup::Application`], which binds, runs and stops the server.

pub mod client_stream;
pub mod config;
pub mod error;
pub mod fd_limit;
pub mod heartbeat;
pub mod hub;
pub mod limits;
pub mod metrics;
pub mod registry;
pub mod retention;
pub mod routes;
pub mod startup;
pub mod static_files;
pub mod store;
pub mod telemetry;
pub mod tls;
pub mod window;

pub use config::Settings;
pub use startup::Application;
