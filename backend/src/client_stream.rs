//! The body of one `/msgs` or `/msgs/events` response: lines from the client's registry
//! queue.
//!
//! The hub's [`Registration`] guard lives inside the body, so the moment actix drops the
//! response (client gone, stream reset, server stopping) the client leaves the registry.

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
    /// Join lines that are already queued into one chunk: one HTTP/2 DATA frame, one TLS
    /// record and one write instead of several when a client has fallen a little behind.
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
}

impl Stream for ClientStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let first = match self.rx.poll_recv(cx) {
            Poll::Ready(Some(line)) => line,
            other => return other.map(|line| line.map(Ok)),
        };
        if !self.coalesce {
            return Poll::Ready(Some(Ok(first)));
        }
        let mut joined: Option<BytesMut> = None;
        while joined.as_ref().map_or(first.len(), BytesMut::len) < COALESCE_MAX {
            let Ok(next) = self.rx.try_recv() else { break };
            joined
                .get_or_insert_with(|| BytesMut::from(&first[..]))
                .extend_from_slice(&next);
        }
        Poll::Ready(Some(Ok(joined.map_or(first, BytesMut::freeze))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures_util::StreamExt;

    use std::sync::Weak;

    fn stream_with(transport: Transport, lines: &[&'static str]) -> ClientStream {
        let (tx, rx) = tokio::sync::mpsc::channel(16);
        for line in lines {
            tx.try_send(crate::inbox::Queued::open(Bytes::from_static(
                line.as_bytes(),
            )))
            .unwrap();
        }
        drop(tx);
        ClientStream::new(Subscription {
            rx: Inbox::new(rx, None),
            registration: Registration::new(Weak::new(), 1, None),
            transport,
        })
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
}
