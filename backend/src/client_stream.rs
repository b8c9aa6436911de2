//! The body of one `/msgs` or `/msgs/events` response: lines from the client's registry
//! queue.
//!
//! The hub's [`Registration`] guard lives inside the body, so the moment actix drops the
//! response (client gone, stream reset, server stopping) the client leaves the registry.
//!
//! Awareness lines (presence, typing) are *deferred*: a stream holds them up to
//! [`HOLD_MAX`] and sends them with the next line that is not. In a busy room they ride
//! with a message's write instead of costing every stream a write (an HTTP/2 frame and a
//! TLS record) of their own; in a quiet one they leave a quarter of a second late.

use crate::hub::{Registration, Subscription};
use crate::inbox::Inbox;
use bytes::{Bytes, BytesMut};
use common::Transport;
use futures_util::Stream;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::time::{Instant, Sleep};

/// Most bytes joined into one chunk when several lines are queued.
pub const COALESCE_MAX: usize = 16 * 1024;

/// Longest a deferred line waits for company.
pub const HOLD_MAX: Duration = Duration::from_millis(250);

/// A stream of ready-made lines; it ends when the hub closes the client's queue.
#[derive(Debug)]
pub struct ClientStream {
    rx: Inbox,
    _registration: Registration,
    /// Join lines that are already queued into one chunk: one HTTP/2 DATA frame, one TLS
    /// record and one write instead of several when a client has fallen a little behind.
    coalesce: bool,
    /// Deferred lines waiting for the next write.
    held: BytesMut,
    /// When `held` leaves anyway; armed while it is not empty.
    hold_until: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl ClientStream {
    pub fn new(subscription: Subscription) -> Self {
        Self {
            rx: subscription.rx,
            _registration: subscription.registration,
            // The course client parses every chunk as one JSON document: never join there.
            coalesce: subscription.transport != Transport::Window,
            held: BytesMut::new(),
            hold_until: None,
            armed: false,
        }
    }

    /// Keeps a deferred line for the next write, starting the clock on the first.
    fn hold(&mut self, line: &[u8]) {
        if !self.armed {
            let deadline = Instant::now() + HOLD_MAX;
            match &mut self.hold_until {
                Some(sleep) => sleep.as_mut().reset(deadline),
                None => self.hold_until = Some(Box::pin(tokio::time::sleep_until(deadline))),
            }
            self.armed = true;
        }
        self.held.extend_from_slice(line);
    }

    /// Everything held, as one chunk.
    fn release(&mut self) -> Option<Bytes> {
        self.armed = false;
        (!self.held.is_empty()).then(|| self.held.split().freeze())
    }

    /// Whether the held lines' time is up.
    fn hold_expired(&mut self, cx: &mut Context<'_>) -> bool {
        self.armed
            && self
                .hold_until
                .as_mut()
                .is_some_and(|sleep| sleep.as_mut().poll(cx).is_ready())
    }
}

impl Stream for ClientStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let first = loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(queued)) if queued.deferred && self.coalesce => {
                    self.hold(&queued.line);
                    if self.held.len() >= COALESCE_MAX {
                        return Poll::Ready(self.release().map(Ok));
                    }
                }
                Poll::Ready(Some(queued)) => break queued.line,
                // The queue is closed: what is held leaves, then the stream ends.
                Poll::Ready(None) => return Poll::Ready(self.release().map(Ok)),
                Poll::Pending if self.hold_expired(cx) => {
                    return Poll::Ready(self.release().map(Ok))
                }
                Poll::Pending => return Poll::Pending,
            }
        };
        if !self.coalesce {
            return Poll::Ready(Some(Ok(first)));
        }
        let mut joined: Option<BytesMut> = None;
        if !self.held.is_empty() {
            let mut held = self.held.split();
            held.extend_from_slice(&first);
            self.armed = false;
            joined = Some(held);
        }
        while joined.as_ref().map_or(first.len(), BytesMut::len) < COALESCE_MAX {
            let Ok(next) = self.rx.try_recv() else { break };
            joined
                .get_or_insert_with(|| BytesMut::from(&first[..]))
                .extend_from_slice(&next.line);
        }
        Poll::Ready(Some(Ok(joined.map_or(first, BytesMut::freeze))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    use crate::inbox::Queued;
    use std::sync::Weak;
    use tokio::sync::mpsc;

    fn queued(line: &'static str, deferred: bool) -> Queued {
        Queued {
            line: Bytes::from_static(line.as_bytes()),
            room: None,
            deferred,
        }
    }

    /// A stream and the sending end of its queue.
    fn open_stream(transport: Transport) -> (mpsc::Sender<Queued>, ClientStream) {
        let (tx, rx) = mpsc::channel(16);
        let stream = ClientStream::new(Subscription {
            rx: Inbox::new(rx, None),
            registration: Registration::new(Weak::new(), 1, None),
            transport,
        });
        (tx, stream)
    }

    fn stream_with(transport: Transport, lines: &[&'static str]) -> ClientStream {
        let (tx, stream) = open_stream(transport);
        for line in lines {
            tx.try_send(queued(line, false)).unwrap();
        }
        stream
    }

    async fn chunks(mut stream: ClientStream) -> Vec<Bytes> {
        let mut out = Vec::new();
        while let Some(Ok(chunk)) = stream.next().await {
            out.push(chunk);
        }
        out
    }

    #[tokio::test]
    async fn queued_delta_lines_leave_as_one_chunk() {
        let got = chunks(stream_with(Transport::Stream, &["a\n", "b\n", "c\n"])).await;
        assert_eq!(got, vec![Bytes::from_static(b"a\nb\nc\n")]);
    }

    #[tokio::test]
    async fn window_lines_are_never_joined() {
        let got = chunks(stream_with(
            Transport::Window,
            &["{\"msg\":[]}\n", "{\"msg\":[]}\n"],
        ))
        .await;
        assert_eq!(
            got.len(),
            2,
            "the course client parses each chunk as one document"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_deferred_line_rides_with_the_next_message() {
        let (tx, mut stream) = open_stream(Transport::Stream);
        tx.try_send(queued("presence\n", true)).unwrap();
        tx.try_send(queued("typing\n", true)).unwrap();
        let waited = tokio::time::timeout(HOLD_MAX / 2, stream.next()).await;
        assert!(waited.is_err(), "held, not written alone");
        tx.try_send(queued("msg\n", false)).unwrap();
        let chunk = stream.next().await.unwrap().unwrap();
        assert_eq!(chunk, "presence\ntyping\nmsg\n", "one write for all three");
        // The clock was stopped by the message: nothing is left to leave later.
        let later = tokio::time::timeout(HOLD_MAX * 4, stream.next()).await;
        assert!(later.is_err(), "nothing held any more");
    }

    #[tokio::test(start_paused = true)]
    async fn a_deferred_line_alone_leaves_after_the_hold() {
        let (tx, mut stream) = open_stream(Transport::Sse);
        let start = tokio::time::Instant::now();
        tx.try_send(queued("presence\n", true)).unwrap();
        let chunk = stream.next().await.unwrap().unwrap();
        assert_eq!(chunk, "presence\n");
        assert_eq!(
            start.elapsed(),
            HOLD_MAX,
            "the clock is paused: exactly the hold"
        );
        // A second lone line gets a fresh hold of its own.
        tx.try_send(queued("typing\n", true)).unwrap();
        let again = tokio::time::Instant::now();
        assert_eq!(stream.next().await.unwrap().unwrap(), "typing\n");
        assert_eq!(again.elapsed(), HOLD_MAX);
    }

    #[tokio::test(start_paused = true)]
    async fn held_lines_leave_before_the_stream_ends() {
        let (tx, stream) = open_stream(Transport::Stream);
        tx.try_send(queued("presence\n", true)).unwrap();
        drop(tx);
        let got = chunks(stream).await;
        assert_eq!(got, vec![Bytes::from_static(b"presence\n")]);
    }

    #[tokio::test(start_paused = true)]
    async fn window_clients_hold_nothing() {
        let (tx, mut stream) = open_stream(Transport::Window);
        tx.try_send(queued("{}\n", true)).unwrap();
        let start = tokio::time::Instant::now();
        assert_eq!(stream.next().await.unwrap().unwrap(), "{}\n");
        assert!(start.elapsed() < HOLD_MAX);
    }
}
