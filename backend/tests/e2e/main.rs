//! End to end: the real backend binary serving the release frontend build, driven in two
//! headless Chromium pages through chromedriver.
//!
//! Needs `dist/` (trunk build --release) and /usr/bin/chromium + chromedriver, so it is
//! `#[ignore]`d in a plain `cargo test`; `cargo xtask test` builds and installs what it
//! needs and runs it with `--ignored`.

mod accounts;
mod chat;
mod edits;
mod harness;
mod install;
mod notifications;
mod rooms;
mod unread;
