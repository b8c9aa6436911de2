//! The `rooms` benchmark's poster: rounds of stamped posts, one in every room per round,
//! on a thread and runtime of its own (on the readers' runtime a post's answer would wait
//! behind thousands of reader tasks).

use crate::readers::now_micros;
use crate::seed::Plan;
use anyhow::bail;
use futures_util::stream::{FuturesUnordered, StreamExt};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The session cookie's name (`backend/src/auth.rs`).
const SESSION_COOKIE: &str = "__Host-h2chat";

/// Posts `rounds` rounds `interval` apart, one stamped message in every room per round,
/// from a member that changes from round to round, spread over `connections` HTTP/2
/// connections; on its own thread and runtime.
pub struct RoundPoster {
    pub base: String,
    pub tls: Arc<rustls::ClientConfig>,
    pub plan: Arc<Plan>,
    pub rounds: usize,
    pub interval: Duration,
    pub connections: usize,
}

impl RoundPoster {
    /// When the first round was due, how long the rounds took, and each post's latency.
    pub fn run(self) -> anyhow::Result<(Instant, Duration, Vec<Duration>)> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(self.post_all())
    }

    async fn post_all(self) -> anyhow::Result<(Instant, Duration, Vec<Duration>)> {
        let mut clients = Vec::with_capacity(self.connections);
        for _ in 0..self.connections {
            let client = crate::tls::h2_client(self.tls.clone())?;
            client.get(format!("{}/healthz", self.base)).send().await?;
            clients.push(client);
        }
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(self.rounds * self.plan.rooms.len());
        for round in 0..self.rounds {
            // A round that ran late delays the next; the achieved rate is reported.
            tokio::time::sleep_until((started + self.interval * round as u32).into()).await;
            let mut posts: FuturesUnordered<_> = self
                .plan
                .rooms
                .iter()
                .enumerate()
                .filter_map(|(k, room)| {
                    let author =
                        &self.plan.accounts[*room.members.get(round % room.members.len())?];
                    let client = &clients[k % clients.len()];
                    let text = format!("lg {round} {}", now_micros());
                    let request = client
                        .post(format!("{}/api/rooms/{}/msgs", self.base, room.id))
                        .header(reqwest::header::ORIGIN, &self.base)
                        .header(
                            reqwest::header::COOKIE,
                            format!("{SESSION_COOKIE}={}", author.token),
                        )
                        .json(&serde_json::json!({ "text": text }));
                    Some(async move {
                        let t = Instant::now();
                        let response = request.send().await?;
                        if response.status() != 201 {
                            bail!("a post in room {} answered {}", room.id, response.status());
                        }
                        Ok(t.elapsed())
                    })
                })
                .collect();
            while let Some(post) = posts.next().await {
                latencies.push(post?);
            }
        }
        Ok((started, started.elapsed(), latencies))
    }
}
