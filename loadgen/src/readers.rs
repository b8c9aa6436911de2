//! What every streaming client records, and the WebSocket client (the HTTP/2 clients are in
//! `h2_streams`). For each message, a reader records the delay since the poster stamped it
//! (`lg <seq> <micros>` in the text).

use crate::tls::WsSocket;
use common::room::RoomId;
use common::StreamEvent;
use futures_util::StreamExt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use tokio::sync::{oneshot, watch, OwnedSemaphorePermit};

/// Microseconds since the Unix epoch (poster and readers share this machine's clock).
pub fn now_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as u64)
}

/// Counters shared by all readers.
#[derive(Default)]
pub struct Totals {
    pub deliveries: AtomicU64,
    pub bytes: AtomicU64,
    /// Streams whose hello has arrived.
    pub hellos: AtomicU64,
    /// Stamped messages of another room than the reader's own (`loadgen rooms`): each one a
    /// message delivered to someone who may not read it.
    pub violations: AtomicU64,
    /// `presence` lines after the first (the changes, not a stream's opening list), and
    /// their bytes (the JSON and its newline): what `loadgen presence` measures.
    pub presence_lines: AtomicU64,
    pub presence_bytes: AtomicU64,
}

impl Totals {
    /// Waits until `expected` deliveries were counted, or `within` is over (the report then
    /// says how many are missing).
    pub async fn wait_for_deliveries(&self, expected: u64, within: std::time::Duration) {
        let until = std::time::Instant::now() + within;
        while self.deliveries.load(std::sync::atomic::Ordering::Relaxed) < expected
            && std::time::Instant::now() < until
        {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// What one reader saw.
#[derive(Default)]
pub struct Seen {
    pub latencies_us: Vec<u32>,
    pub seqs: Vec<u32>,
    /// The one room this reader may read, if it is checked (`loadgen rooms`).
    pub room: Option<RoomId>,
}

impl Seen {
    pub fn in_room(room: Option<RoomId>) -> Self {
        Self {
            room,
            ..Self::default()
        }
    }

    /// Records one line's event (`json`, without its newline). Only hellos and messages are
    /// decoded; the other kinds are told apart by their type alone. Decoding them would
    /// spend the server's own cores on what browsers do on theirs: with presence and typing
    /// lines that cost this tool 1–2 % more CPU, which on a saturated machine became 10 %
    /// more delivery latency (docs/BENCHMARKS.md).
    pub fn record_line(&mut self, json: &str, totals: &Totals) {
        match StreamEvent::kind_of(json) {
            Some("hello" | "msgs") | None => {}
            Some("presence") => {
                // A change: every presence line but a stream's opening list.
                if !json.contains(r#""reset":true"#) {
                    totals.presence_lines.fetch_add(1, Ordering::Relaxed);
                    totals
                        .presence_bytes
                        .fetch_add(json.len() as u64 + 1, Ordering::Relaxed);
                }
                return;
            }
            Some(_) => return,
        }
        if let Ok(event) = StreamEvent::from_json(json) {
            self.record(event, totals);
        }
    }

    pub fn record(&mut self, event: StreamEvent, totals: &Totals) {
        if let StreamEvent::Hello { .. } = event {
            totals.hellos.fetch_add(1, Ordering::Relaxed);
        }
        if let StreamEvent::Msgs { msgs } = event {
            let now = now_micros();
            for m in msgs {
                if self.room.is_some_and(|room| room != m.room) {
                    totals.violations.fetch_add(1, Ordering::Relaxed);
                }
                let mut parts = m.text.split(' ');
                if parts.next() != Some("lg") {
                    continue;
                }
                let seq = parts.next().and_then(|s| s.parse().ok());
                let sent = parts.next().and_then(|s| s.parse::<u64>().ok());
                if let (Some(seq), Some(sent)) = (seq, sent) {
                    self.seqs.push(seq);
                    self.latencies_us
                        .push(now.saturating_sub(sent).min(u32::MAX as u64) as u32);
                    totals.deliveries.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }
}

/// What opening one task's streams gave.
pub struct Opened {
    pub streams: usize,
    /// Why the rest did not open (the first reason), if any did not.
    pub error: Option<anyhow::Error>,
}

/// Opens one WebSocket, reports it on `opened`, releases `permit`, then reads until `stop`.
pub async fn run_ws_client(
    url: &str,
    tls: Arc<rustls::ClientConfig>,
    permit: OwnedSemaphorePermit,
    opened: oneshot::Sender<Opened>,
    totals: Arc<Totals>,
    stop: watch::Receiver<bool>,
) -> Vec<Seen> {
    match crate::tls::open_ws(url, tls).await {
        Ok(socket) => {
            drop(permit);
            let _ = opened.send(Opened {
                streams: 1,
                error: None,
            });
            vec![read_ws(socket, totals, stop).await]
        }
        Err(err) => {
            let _ = opened.send(Opened {
                streams: 0,
                error: Some(err),
            });
            Vec::new()
        }
    }
}

/// Reads WebSocket text frames until `stop`.
async fn read_ws(
    mut socket: WsSocket,
    totals: Arc<Totals>,
    mut stop: watch::Receiver<bool>,
) -> Seen {
    let mut seen = Seen::default();
    loop {
        let frame = tokio::select! {
            frame = socket.next() => frame,
            _ = stop.changed() => break,
        };
        let Some(Ok(frame)) = frame else { break };
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            totals.bytes.fetch_add(text.len() as u64, Ordering::Relaxed);
            seen.record_line(&text, &totals);
        }
    }
    let _ = socket.close(None).await;
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_hellos_and_messages_are_decoded_and_presence_changes_are_counted() {
        let totals = Totals::default();
        let mut seen = Seen::default();
        let lines = [
            r#"{"type":"hello","epoch":"e","reset":false,"msgs":[]}"#.to_owned(),
            r#"{"type":"presence","reset":true,"online":2,"guests":0,"joined":["a","b"]}"#
                .to_owned(),
            r#"{"type":"presence","online":1,"guests":0,"left":["b"]}"#.to_owned(),
            r#"{"type":"typing","id":7,"account":"a","user":"A"}"#.to_owned(),
            format!(
                r#"{{"type":"msgs","msgs":[{{"id":1,"user":"u","text":"lg 3 {}","time":1}}]}}"#,
                now_micros()
            ),
        ];
        for line in &lines {
            seen.record_line(line, &totals);
        }
        assert_eq!(totals.hellos.load(Ordering::Relaxed), 1);
        assert_eq!(
            totals.presence_lines.load(Ordering::Relaxed),
            1,
            "the change alone"
        );
        assert_eq!(
            totals.presence_bytes.load(Ordering::Relaxed),
            lines[2].len() as u64 + 1
        );
        assert_eq!(seen.seqs, [3]);
        assert_eq!(totals.deliveries.load(Ordering::Relaxed), 1);
    }
}
