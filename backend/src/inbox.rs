//! A stream's inbox: the receiving end of its registry queue, which drops what the reader
//! may no longer read by the time it leaves.
//!
//! Lines of a closed or direct room are queued with their room. When an account loses a
//! room, the hub takes the room out of the stream's [`Grants`] under its lock; from that
//! instant nothing of the room leaves the inbox, not even lines queued before. Lines of
//! the lobby and open rooms carry no room and are never checked, so the lobby's fan-out
//! pays nothing for this. The same holds for the awareness lines held beside the queue
//! ([`crate::held`]), which the inbox hands out before the next line.

use crate::held::Held;
use bytes::Bytes;
use common::room::RoomId;
use parking_lot::Mutex;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::task::{Context, Poll};
use tokio::sync::mpsc::{self, error::TryRecvError};

/// One queued line, and the restricted room it belongs to, if any.
#[derive(Debug, Clone)]
pub struct Queued {
    pub line: Bytes,
    pub room: Option<RoomId>,
}

impl Queued {
    /// A line anyone on the stream may read (the lobby, an open room, a heartbeat).
    pub fn open(line: Bytes) -> Self {
        Self { line, room: None }
    }

    /// No line: wakes the stream to send what it holds ([`crate::held`]).
    pub fn flush() -> Self {
        Self::open(Bytes::new())
    }

    pub fn is_flush(&self) -> bool {
        self.line.is_empty()
    }
}

/// The closed and direct rooms a stream may read right now, shared by the registry (which
/// changes it) and the stream's inbox (which checks it).
#[derive(Debug, Default)]
pub struct Grants(Mutex<BTreeSet<RoomId>>);

impl Grants {
    pub fn new(rooms: BTreeSet<RoomId>) -> Arc<Self> {
        Arc::new(Self(Mutex::new(rooms)))
    }

    pub fn allows(&self, room: RoomId) -> bool {
        self.0.lock().contains(&room)
    }

    pub fn grant(&self, room: RoomId) {
        self.0.lock().insert(room);
    }

    pub fn revoke(&self, room: RoomId) {
        self.0.lock().remove(&room);
    }

    /// Nothing restricted may leave any more (the session ended, the account was
    /// deactivated): what is queued of closed and direct rooms is dropped.
    pub fn revoke_all(&self) {
        self.0.lock().clear();
    }

    pub fn rooms(&self) -> BTreeSet<RoomId> {
        self.0.lock().clone()
    }
}

/// The receiving end of a stream's queue.
#[derive(Debug)]
pub struct Inbox {
    rx: mpsc::Receiver<Queued>,
    grants: Option<Arc<Grants>>,
    held: Option<Arc<Held>>,
}

impl Inbox {
    pub fn new(
        rx: mpsc::Receiver<Queued>,
        grants: Option<Arc<Grants>>,
        held: Option<Arc<Held>>,
    ) -> Self {
        Self { rx, grants, held }
    }

    fn admits(&self, room: Option<RoomId>) -> bool {
        match (room, &self.grants) {
            (None, _) => true,
            (Some(room), Some(grants)) => grants.allows(room),
            (Some(_), None) => false,
        }
    }

    /// The held awareness lines the reader may still read, oldest first; they go before
    /// the next line ([`crate::held`]).
    pub fn take_held(&self) -> Vec<Bytes> {
        let Some(held) = &self.held else {
            return Vec::new();
        };
        held.take()
            .into_iter()
            .filter(|(room, _)| self.admits(*room))
            .map(|(_, line)| line)
            .collect()
    }

    /// The next line the reader may still read; `None` once the queue is closed and empty.
    pub fn poll_recv(&mut self, cx: &mut Context<'_>) -> Poll<Option<Queued>> {
        loop {
            match self.rx.poll_recv(cx) {
                Poll::Ready(Some(queued)) if !self.admits(queued.room) => continue,
                other => return other,
            }
        }
    }

    /// Like [`Inbox::poll_recv`], without waiting.
    pub fn try_recv(&mut self) -> Result<Queued, TryRecvError> {
        loop {
            let queued = self.rx.try_recv()?;
            if self.admits(queued.room) {
                return Ok(queued);
            }
        }
    }

    /// The next line (a WebSocket's: it holds nothing, and sends each line as its own
    /// message).
    pub async fn recv(&mut self) -> Option<Bytes> {
        std::future::poll_fn(|cx| self.poll_recv(cx))
            .await
            .map(|queued| queued.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_revoked_room_is_dropped_even_when_already_queued() {
        let (tx, rx) = mpsc::channel(8);
        let grants = Grants::new(BTreeSet::from([5, 6]));
        let mut inbox = Inbox::new(rx, Some(grants.clone()), None);
        for (line, room) in [("a", Some(5)), ("b", None), ("c", Some(6)), ("d", Some(5))] {
            tx.try_send(Queued {
                line: Bytes::from_static(line.as_bytes()),
                room,
            })
            .unwrap();
        }
        grants.revoke(5);
        assert_eq!(inbox.try_recv().unwrap().line, "b");
        assert_eq!(inbox.try_recv().unwrap().line, "c");
        assert!(matches!(inbox.try_recv(), Err(TryRecvError::Empty)));
        grants.grant(5);
        tx.try_send(Queued {
            line: Bytes::from_static(b"e"),
            room: Some(5),
        })
        .unwrap();
        assert_eq!(inbox.try_recv().unwrap().line, "e", "granted again");
    }

    #[test]
    fn a_stream_without_grants_reads_only_open_lines() {
        let (tx, rx) = mpsc::channel(8);
        let mut inbox = Inbox::new(rx, None, None);
        tx.try_send(Queued {
            line: Bytes::from_static(b"x"),
            room: Some(1),
        })
        .unwrap();
        tx.try_send(Queued::open(Bytes::from_static(b"y"))).unwrap();
        drop(tx);
        assert_eq!(inbox.try_recv().unwrap().line, "y");
        assert!(matches!(inbox.try_recv(), Err(TryRecvError::Disconnected)));
    }
}
