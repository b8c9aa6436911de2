//! The body of one `/msgs` or `/msgs/events` response: lines from the client's registry
//! queue.
//!
//! The hub's [`Registration`] guard lives inside the body, so the moment actix drops the
//! response (client gone, stream reset, server stopping) the client leaves the registry.
//!
//! Awareness lines (presence, typing) wait beside the queue ([`crate::held`]) and leave
//! in front of the next line: in a busy room they ride with a message's write instead of
//! costing every stream a write (an HTTP/2 frame and a TLS record) of their own; in a quiet
//! one a flush marker sends them at most [`crate::held::HOLD_MAX`] late.

use crate::hub::{Registration, Subscription};
use crate::inbox::Inbox;
use bytes::{Bytes, BytesMut};
use common::Transport;
use futures_util::Stream;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};

/// Most bytes joined into one chunk when several lines are queued.
pub const COALESCE_MAX: usize = 16 * 1024;

/// A stream of ready-made lines; it ends when the hub closes the client's queue.
#[derive(Debug)]
pub struct ClientStream {
    rx: Inbox,
    _registration: Registration,
    /// Join lines that are already queued (and held) into one chunk: one HTTP/2 DATA
    /// frame, one TLS record and one write instead of several when a client has fallen a
    /// little behind.
    coalesce: bool,
}

impl ClientStream {
    pub fn new(subscription: Subscription) -> Self {
        Self {
            rx: subscription.rx,
            _registration: subscription.registration,
            // The course client parses every chunk as one JSON document: never join there.
            coalesce: subscription.transport != Transport::Window,
        }
    }

    /// The held lines, then `line` (a flush marker adds nothing), then whatever else is
    /// queued, up to [`COALESCE_MAX`]; `None` when that is nothing at all. A lone line
    /// leaves as it is, its buffer shared with every other stream.
    fn chunk(&mut self, line: Bytes) -> Option<Bytes> {
        let mut joined = BytesMut::new();
        for held in self.rx.take_held() {
            joined.extend_from_slice(&held);
        }
        let mut first = None;
        if joined.is_empty() {
            first = (!line.is_empty()).then_some(line);
        } else {
            joined.extend_from_slice(&line);
        }
        while joined.len() + first.as_ref().map_or(0, Bytes::len) < COALESCE_MAX {
            let Ok(next) = self.rx.try_recv() else { break };
            if let Some(first) = first.take() {
                joined.extend_from_slice(&first);
            }
            joined.extend_from_slice(&next.line);
        }
        first.or_else(|| (!joined.is_empty()).then(|| joined.freeze()))
    }
}

impl Stream for ClientStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(queued)) if !self.coalesce => {
                    if !queued.is_flush() {
                        return Poll::Ready(Some(Ok(queued.line)));
                    }
                }
                Poll::Ready(Some(queued)) => {
                    if let Some(chunk) = self.chunk(queued.line) {
                        return Poll::Ready(Some(Ok(chunk)));
                    }
                }
                // The queue is closed: what is held leaves, then the stream ends.
                Poll::Ready(None) => return Poll::Ready(self.chunk(Bytes::new()).map(Ok)),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    use crate::held::Held;
    use crate::inbox::{Grants, Queued};
    use std::collections::BTreeSet;
    use std::sync::{Arc, Weak};
    use std::time::Duration;
    use tokio::sync::mpsc;

    fn queued(line: &'static str) -> Queued {
        Queued::open(Bytes::from_static(line.as_bytes()))
    }

    /// A stream of `transport` reading closed room 7, the sending end of its queue and
    /// where its held lines go (as the registry makes them).
    fn open_stream(
        transport: Transport,
    ) -> (
        mpsc::Sender<Queued>,
        Option<Arc<Held>>,
        Arc<Grants>,
        ClientStream,
    ) {
        let (tx, rx) = mpsc::channel(16);
        let held = Held::for_transport(transport);
        let grants = Grants::new(BTreeSet::from([7]));
        let stream = ClientStream::new(Subscription {
            rx: Inbox::new(rx, Some(grants.clone()), held.clone()),
            registration: Registration::new(Weak::new(), 1, None),
            transport,
        });
        (tx, held, grants, stream)
    }

    fn stream_with(transport: Transport, lines: &[&'static str]) -> ClientStream {
        let (tx, _, _, stream) = open_stream(transport);
        for line in lines {
            tx.try_send(queued(line)).unwrap();
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

    /// Nothing comes out for a while (a held line alone wakes nobody).
    async fn silent(stream: &mut ClientStream) -> bool {
        tokio::time::timeout(Duration::from_secs(5), stream.next())
            .await
            .is_err()
    }

    #[tokio::test]
    async fn queued_delta_lines_leave_as_one_chunk() {
        let got = chunks(stream_with(Transport::Stream, &["a\n", "b\n", "c\n"])).await;
        assert_eq!(got, vec![Bytes::from_static(b"a\nb\nc\n")]);
    }

    #[tokio::test]
    async fn a_lone_line_leaves_without_a_copy() {
        let (tx, _, _, mut stream) = open_stream(Transport::Stream);
        let line = Bytes::from(b"shared by every stream\n".to_vec());
        tx.try_send(Queued::open(line.clone())).unwrap();
        let chunk = stream.next().await.unwrap().unwrap();
        assert_eq!(chunk.as_ptr(), line.as_ptr(), "the fan-out's one buffer");
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
    async fn held_lines_ride_with_the_next_line() {
        let (tx, held, _, mut stream) = open_stream(Transport::Stream);
        let held = held.unwrap();
        held.keep(None, Bytes::from_static(b"presence\n"));
        held.keep(Some(7), Bytes::from_static(b"typing\n"));
        assert!(silent(&mut stream).await, "held, not written alone");
        tx.try_send(queued("msg\n")).unwrap();
        let chunk = stream.next().await.unwrap().unwrap();
        assert_eq!(chunk, "presence\ntyping\nmsg\n", "one write for all three");
        assert!(held.is_empty());
    }

    #[tokio::test(start_paused = true)]
    async fn a_flush_marker_sends_the_held_lines_alone_and_is_nothing_otherwise() {
        let (tx, held, _, mut stream) = open_stream(Transport::Sse);
        held.unwrap().keep(None, Bytes::from_static(b"presence\n"));
        tx.try_send(Queued::flush()).unwrap();
        assert_eq!(stream.next().await.unwrap().unwrap(), "presence\n");
        tx.try_send(Queued::flush()).unwrap();
        assert!(silent(&mut stream).await, "nothing held: no empty chunk");
        tx.try_send(queued("msg\n")).unwrap();
        assert_eq!(stream.next().await.unwrap().unwrap(), "msg\n");
    }

    #[tokio::test(start_paused = true)]
    async fn held_lines_of_a_room_lost_meanwhile_are_dropped() {
        let (tx, held, grants, mut stream) = open_stream(Transport::Stream);
        let held = held.unwrap();
        held.keep(Some(7), Bytes::from_static(b"typing in 7\n"));
        held.keep(None, Bytes::from_static(b"presence\n"));
        grants.revoke(7);
        tx.try_send(queued("msg\n")).unwrap();
        assert_eq!(stream.next().await.unwrap().unwrap(), "presence\nmsg\n");
    }

    #[tokio::test(start_paused = true)]
    async fn held_lines_leave_before_the_stream_ends() {
        let (tx, held, _, stream) = open_stream(Transport::Stream);
        held.unwrap().keep(None, Bytes::from_static(b"presence\n"));
        drop(tx);
        let got = chunks(stream).await;
        assert_eq!(got, vec![Bytes::from_static(b"presence\n")]);
    }
}
