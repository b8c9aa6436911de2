//! Accounts that come and go: each opens `/api/stream` (coming online), holds it for a
//! while, drops it (going offline once the server's grace has passed) and stays away, over
//! and over. The `presence` benchmark measures what this costs the wire; `rooms --churners`
//! runs it beside a fan-out to measure what it costs the deliveries.

use crate::seed::AccountPlan;
use anyhow::Context;
use bytes::Bytes;
use common::{LineFramer, StreamEvent};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The session cookie's name (`backend/src/auth.rs`).
const SESSION_COOKIE: &str = "__Host-h2chat";

/// What the churners count.
#[derive(Default)]
pub struct Churn {
    pub joins: AtomicU64,
    pub leaves: AtomicU64,
    /// Opening presence lists received, and their bytes.
    pub lists: AtomicU64,
    pub list_bytes: AtomicU64,
}

/// Starts churning `accounts` over `connections` shared HTTP/2 connections: each online for
/// `online`, away for `away`, their first joins spread evenly over one cycle. They stop
/// when `stop` turns true.
pub async fn start(
    authority: &str,
    tls: Arc<rustls::ClientConfig>,
    accounts: &[AccountPlan],
    connections: usize,
    online: Duration,
    away: Duration,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<(Arc<Churn>, Vec<JoinHandle<()>>)> {
    let mut senders = Vec::with_capacity(connections.max(1));
    for _ in 0..connections.max(1) {
        let stream = crate::tls::connect(authority, tls.clone(), b"h2").await?;
        let (send, connection) = h2::client::Builder::new()
            .initial_window_size(1 << 20)
            .handshake::<_, Bytes>(stream)
            .await
            .context("HTTP/2 handshake")?;
        tokio::spawn(connection);
        senders.push(send);
    }
    let churn = Arc::new(Churn::default());
    let cycle = online + away;
    let mut tasks = Vec::with_capacity(accounts.len());
    for (i, account) in accounts.iter().enumerate() {
        let churner = Churner {
            send: senders[i % senders.len()].clone(),
            uri: format!("https://{authority}/api/stream?since=0"),
            cookie: format!("{SESSION_COOKIE}={}", account.token),
            start: cycle.mul_f64(i as f64 / accounts.len().max(1) as f64),
            online,
            away,
        };
        tasks.push(tokio::spawn(churner.run(churn.clone(), stop.clone())));
    }
    Ok((churn, tasks))
}

/// One churning account: online for `online`, away for `away`, over and over.
struct Churner {
    send: h2::client::SendRequest<Bytes>,
    uri: String,
    cookie: String,
    /// When its first join is due, so that the churners' joins spread evenly.
    start: Duration,
    online: Duration,
    away: Duration,
}

impl Churner {
    async fn run(self, churn: Arc<Churn>, mut stop: watch::Receiver<bool>) {
        let mut wait = self.start;
        loop {
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = stop.changed() => return,
            }
            // Online: the stream stays open, read like a browser reads it (so flow control
            // never holds the connection back), until it is dropped.
            // Online from the request on, whether or not the server sends a presence list
            // (a build without presence does not): both builds churn at the same rate.
            let joined_at = tokio::time::Instant::now();
            let mut body = self.join(&churn).await;
            let joined = body.is_some();
            let drain = async {
                if let Some(body) = body.as_mut() {
                    while let Some(Ok(chunk)) = body.data().await {
                        let _ = body.flow_control().release_capacity(chunk.len());
                    }
                }
                std::future::pending::<()>().await;
            };
            tokio::select! {
                _ = tokio::time::sleep_until(joined_at + self.online) => {}
                _ = drain => {}
                _ = stop.changed() => return,
            }
            if joined {
                churn.leaves.fetch_add(1, Ordering::Relaxed);
            }
            drop(body);
            wait = self.away;
        }
    }

    /// Opens the stream and reads up to the opening list; the body, to hold open.
    async fn join(&self, churn: &Churn) -> Option<h2::RecvStream> {
        let request = http::Request::get(&self.uri)
            .header(http::header::COOKIE, &self.cookie)
            .body(())
            .ok()?;
        let mut send = self.send.clone().ready().await.ok()?;
        let (response, _) = send.send_request(request, true).ok()?;
        let response = response.await.ok()?;
        if !response.status().is_success() {
            return None;
        }
        churn.joins.fetch_add(1, Ordering::Relaxed);
        let mut body = response.into_body();
        let mut framer = LineFramer::new();
        let read = async {
            while let Some(Ok(chunk)) = body.data().await {
                let _ = body.flow_control().release_capacity(chunk.len());
                framer.push(&chunk);
                while let Some(Ok(line)) = framer.next_line() {
                    if let Ok(StreamEvent::Presence { reset: true, .. }) =
                        StreamEvent::from_json(&line)
                    {
                        churn.lists.fetch_add(1, Ordering::Relaxed);
                        churn
                            .list_bytes
                            .fetch_add(line.len() as u64 + 1, Ordering::Relaxed);
                        return;
                    }
                }
            }
        };
        let _ = tokio::time::timeout(self.online, read).await;
        Some(body)
    }
}
