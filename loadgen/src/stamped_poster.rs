//! The `fanout` benchmark's poster: stamped messages at a steady interval from a thread of
//! its own, and (`--wire raw`) the very lines h2chat would send, for a relay to pass on.

use crate::readers::now_micros;
use anyhow::bail;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What the server speaks on `/msgs`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Wire {
    /// h2chat: posts are `{"user","text"}`, answered 201; the server builds each stream line,
    /// and `GET /msgs?since=0` starts with a hello.
    H2chat,
    /// A peer that relays each posted body verbatim, followed by a newline (nchan's
    /// http-raw-stream subscriber at `GET /msgs`, its publisher at `POST /msgs`): posts are
    /// the `msgs` line h2chat would send for them, answered 201 or 202. Before the readers
    /// connect, a hello is published for the relay to give each of them first. HTTP/2
    /// stream transport only.
    Raw,
}

/// Posts `messages` stamped messages `interval` apart, alternating over `bases`, on its
/// own thread and runtime; returns each post's latency.
pub struct StampedPoster {
    pub bases: Vec<String>,
    pub tls: Arc<rustls::ClientConfig>,
    pub wire: Wire,
    pub messages: usize,
    pub interval: Duration,
}

impl StampedPoster {
    /// When the first post was due, and each post's latency.
    pub fn run(self) -> anyhow::Result<(Instant, Vec<Duration>)> {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?
            .block_on(self.post_all())
    }

    async fn post_all(self) -> anyhow::Result<(Instant, Vec<Duration>)> {
        let poster = crate::tls::h2_client(self.tls)?;
        for base in &self.bases {
            poster.get(format!("{base}/healthz")).send().await?;
        }
        let started = Instant::now();
        let mut latencies = Vec::with_capacity(self.messages);
        for seq in 0..self.messages {
            tokio::time::sleep_until((started + self.interval * seq as u32).into()).await;
            let text = format!("lg {seq} {}", now_micros());
            let t = Instant::now();
            let request = poster.post(format!("{}/msgs", self.bases[seq % self.bases.len()]));
            let request = match self.wire {
                Wire::H2chat => request.json(&serde_json::json!({"user": "loadgen", "text": text})),
                Wire::Raw => request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(event_line(seq, text)?),
            };
            let response = request.send().await?;
            // nchan answers 202 when no subscriber was there to take the message; the missing
            // deliveries are then counted like any other.
            let accepted = match self.wire {
                Wire::H2chat => response.status() == 201,
                Wire::Raw => [201, 202].contains(&response.status().as_u16()),
            };
            if !accepted {
                bail!("post {seq} answered {}", response.status());
            }
            latencies.push(t.elapsed());
        }
        Ok((started, latencies))
    }
}

/// Publishes, on each of `bases`, the hello h2chat sends first on every new stream (a relay
/// has none of its own), before any reader connects: nchan then gives it to each subscriber
/// as its first line (`nchan_subscriber_first_message oldest`, `bench/nchan.conf`).
///
/// Needed as well as fair: nginx 1.22 over TLS leaves the HEADERS frame of a response that
/// has no body yet in its TLS buffer until a DATA frame flushes it, so without a first line
/// every stream after the first on a connection would wait for its 200 until the first
/// message.
pub async fn publish_hello(
    bases: &[String],
    tls: &Arc<rustls::ClientConfig>,
) -> anyhow::Result<()> {
    let client = crate::tls::h2_client(tls.clone())?;
    let hello = common::StreamEvent::Hello {
        epoch: format!("{:016x}", now_micros()),
        reset: false,
        heartbeat_ms: 0,
        msgs: Vec::new(),
        older: false,
        rooms: None,
    };
    for base in bases {
        let response = client
            .post(format!("{base}/msgs"))
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(serde_json::to_vec(&hello)?)
            .send()
            .await?;
        if ![201, 202].contains(&response.status().as_u16()) {
            bail!(
                "{base}: publishing the hello answered {}",
                response.status()
            );
        }
    }
    Ok(())
}

/// The stream line h2chat sends for the `seq`th post (ids from 1, as on a fresh server; the
/// time in milliseconds), without its newline: what `--wire raw` publishes, so a relay
/// delivers the same bytes h2chat does.
fn event_line(seq: usize, text: String) -> anyhow::Result<Vec<u8>> {
    let msg = common::Message {
        id: seq as u64 + 1,
        user: "loadgen".to_owned(),
        text,
        time: now_micros() / 1000,
        room: 0,
        account: None,
        // The load tool posts as a guest on h2chat: the same bytes.
        guest: true,
        ..Default::default()
    };
    Ok(serde_json::to_vec(&common::StreamEvent::Msgs {
        msgs: vec![msg],
    })?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::readers::{Seen, Totals};
    use std::sync::atomic::Ordering;

    #[test]
    fn a_raw_post_is_a_line_the_readers_record() {
        let line = event_line(6, format!("lg 6 {}", now_micros())).unwrap();
        let text = String::from_utf8(line).unwrap();
        assert!(text.starts_with(r#"{"type":"msgs","msgs":[{"id":7,"user":"loadgen","#));
        assert!(!text.contains('\n'), "the relay adds the newline");
        let totals = Totals::default();
        let mut seen = Seen::default();
        seen.record(common::StreamEvent::from_json(&text).unwrap(), &totals);
        assert_eq!(seen.seqs, [6]);
        assert_eq!(totals.deliveries.load(Ordering::Relaxed), 1);
    }
}
