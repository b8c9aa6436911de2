//! Typists: accounts telling a room they are typing (`POST /api/rooms/{id}/typing`) at a
//! steady rate, as busy people do while a room is read; `rooms --typing-per-sec` runs them
//! beside a fan-out to measure what the typing lines cost the deliveries.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The session cookie's name (`backend/src/auth.rs`).
const SESSION_COOKIE: &str = "__Host-h2chat";

/// What the typists did.
#[derive(Default)]
pub struct Typed {
    /// Requests answered 204 (passed on), and any other answer.
    pub passed: AtomicU64,
    pub refused: AtomicU64,
}

/// Starts `per_sec` typing requests a second in `room`, taking `tokens` (session tokens) in
/// turn, so each account types at most `per_sec / tokens.len()` times a second, until `stop`
/// turns true.
pub fn start(
    base: String,
    tls: Arc<rustls::ClientConfig>,
    room: u64,
    tokens: Vec<String>,
    per_sec: u32,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<(Arc<Typed>, JoinHandle<()>)> {
    let client = crate::tls::h2_client(tls)?;
    let typed = Arc::new(Typed::default());
    let counts = typed.clone();
    let task = tokio::spawn(async move {
        if per_sec == 0 || tokens.is_empty() {
            return;
        }
        let mut tick = tokio::time::interval(Duration::from_secs(1) / per_sec);
        let url = format!("{base}/api/rooms/{room}/typing");
        for token in tokens.iter().cycle() {
            tokio::select! {
                _ = tick.tick() => {}
                _ = stop.changed() => return,
            }
            let request = client
                .post(&url)
                .header(reqwest::header::ORIGIN, &base)
                .header(reqwest::header::COOKIE, format!("{SESSION_COOKIE}={token}"))
                .json(&serde_json::json!({}));
            let counts = counts.clone();
            tokio::spawn(async move {
                let passed = request.send().await.is_ok_and(|r| r.status().is_success());
                let counter = if passed {
                    &counts.passed
                } else {
                    &counts.refused
                };
                counter.fetch_add(1, Ordering::Relaxed);
            });
        }
    });
    Ok((typed, task))
}
