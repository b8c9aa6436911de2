//! The registry of open streams. Each client owns a bounded queue; the hub offers every
//! line to every queue with `try_send`, so a stuck client can neither delay the others nor
//! grow memory: when its queue is full it is cut (its queue closed), and it resumes with
//! `since` when it reconnects.

use bytes::Bytes;
use std::collections::HashMap;
use tokio::sync::mpsc::{self, error::TrySendError};

pub type ClientId = u64;

/// Which line shape a client reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// The course's contract: every line is the whole window, `{"msg":[...]}`.
    Window,
    /// Our protocol: a hello line, then only new messages (`?since=`).
    Delta,
}

#[derive(Debug)]
struct Client {
    tx: mpsc::Sender<Bytes>,
    mode: Mode,
}

/// Outcome of offering one line to every client.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Fanout {
    pub delivered: usize,
    /// Clients removed because their queue was full.
    pub cut: Vec<ClientId>,
}

#[derive(Debug)]
pub struct Registry {
    clients: HashMap<ClientId, Client>,
    next_id: ClientId,
    queue_capacity: usize,
}

impl Registry {
    pub fn new(queue_capacity: usize) -> Self {
        Self {
            clients: HashMap::new(),
            next_id: 1,
            queue_capacity: queue_capacity.max(2),
        }
    }

    /// Adds a client whose queue already holds `first_line`.
    pub fn register(&mut self, mode: Mode, first_line: Bytes) -> (ClientId, mpsc::Receiver<Bytes>) {
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        // A fresh queue has room for one line.
        let _ = tx.try_send(first_line);
        let id = self.next_id;
        self.next_id += 1;
        self.clients.insert(id, Client { tx, mode });
        (id, rx)
    }

    /// Removes a client; returns whether it was still registered.
    pub fn remove(&mut self, id: ClientId) -> bool {
        self.clients.remove(&id).is_some()
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Offers `window_line` to window-mode clients and `delta_line` to delta-mode clients.
    /// `Bytes` clones share one buffer, so this allocates nothing per client.
    pub fn broadcast(&mut self, window_line: &Bytes, delta_line: &Bytes) -> Fanout {
        let mut fanout = Fanout::default();
        self.clients.retain(|id, client| {
            let line = match client.mode {
                Mode::Window => window_line,
                Mode::Delta => delta_line,
            };
            match client.tx.try_send(line.clone()) {
                Ok(()) => {
                    fanout.delivered += 1;
                    true
                }
                Err(TrySendError::Full(_)) => {
                    fanout.cut.push(*id);
                    false
                }
                // Its response is gone; the drop guard is about to remove it anyway.
                Err(TrySendError::Closed(_)) => false,
            }
        });
        fanout
    }

    /// Offers `line` to the clients of one mode only (e.g. the shutdown notice). A full
    /// queue is not cut here: the stream ends right after anyway.
    pub fn broadcast_to(&mut self, mode: Mode, line: &Bytes) -> usize {
        self.clients
            .values()
            .filter(|c| c.mode == mode)
            .filter(|c| c.tx.try_send(line.clone()).is_ok())
            .count()
    }

    /// Closes every queue: each stream sends what it holds, then ends.
    pub fn clear(&mut self) {
        self.clients.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_queue_cuts_only_that_client() {
        let mut registry = Registry::new(2);
        let (slow, mut slow_rx) = registry.register(Mode::Delta, Bytes::from_static(b"hello\n"));
        let (_fast, mut fast_rx) = registry.register(Mode::Window, Bytes::from_static(b"w0\n"));
        assert_eq!(fast_rx.try_recv().unwrap(), "w0\n");
        let w = Bytes::from_static(b"w\n");
        let d = Bytes::from_static(b"d\n");
        assert_eq!(registry.broadcast(&w, &d).delivered, 2);
        assert_eq!(fast_rx.try_recv().unwrap(), "w\n");
        // The slow client's queue (hello + d) is now full.
        let fanout = registry.broadcast(&w, &d);
        assert_eq!(fanout.cut, vec![slow]);
        assert_eq!(fanout.delivered, 1);
        assert_eq!(registry.len(), 1);
        // It still gets what was queued, then the end of its stream.
        assert_eq!(slow_rx.try_recv().unwrap(), "hello\n");
        assert_eq!(slow_rx.try_recv().unwrap(), "d\n");
        assert!(matches!(
            slow_rx.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }

    #[test]
    fn dropped_receivers_are_pruned_on_send() {
        let mut registry = Registry::new(4);
        let (_, rx) = registry.register(Mode::Delta, Bytes::new());
        drop(rx);
        let line = Bytes::from_static(b"x\n");
        let fanout = registry.broadcast(&line, &line);
        assert_eq!(fanout, Fanout::default());
        assert!(registry.is_empty());
    }
}
