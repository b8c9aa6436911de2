//! The registry of open streams. Each client owns a bounded queue; the hub offers every
//! line to every queue with `try_send`, so a stuck client can neither delay the others nor
//! grow memory: when its queue is full it is cut (its queue closed), and it resumes with
//! `since` when it reconnects.

use crate::event::{AccountId, SecretHash};
use bytes::Bytes;
use common::Transport;
use std::collections::HashMap;
use std::net::IpAddr;
use tokio::sync::mpsc::{self, error::TrySendError};

pub type ClientId = u64;

/// One event encoded once for every transport; `None` skips clients of that transport.
#[derive(Debug, Clone, Default)]
pub struct Lines {
    pub window: Option<Bytes>,
    pub stream: Option<Bytes>,
    pub sse: Option<Bytes>,
    pub ws: Option<Bytes>,
}

impl Lines {
    pub fn for_transport(&self, transport: Transport) -> Option<&Bytes> {
        match transport {
            Transport::Window => self.window.as_ref(),
            Transport::Stream => self.stream.as_ref(),
            Transport::Sse => self.sse.as_ref(),
            Transport::Ws => self.ws.as_ref(),
        }
    }
}

/// Who a stream belongs to, when a signed-in account opened it: its streams end when the
/// session ends or the account is deactivated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub account: AccountId,
    pub session: SecretHash,
}

#[derive(Debug)]
struct Client {
    tx: mpsc::Sender<Bytes>,
    transport: Transport,
    ip: Option<IpAddr>,
    owner: Option<Owner>,
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
    /// Open streams per client address, for the per-IP cap.
    per_ip: HashMap<IpAddr, usize>,
    next_id: ClientId,
    queue_capacity: usize,
}

/// Keeps `per_ip` in step when a client leaves, however it leaves.
fn forget(per_ip: &mut HashMap<IpAddr, usize>, ip: Option<IpAddr>) {
    if let Some(ip) = ip {
        if let Some(count) = per_ip.get_mut(&ip) {
            *count -= 1;
            if *count == 0 {
                per_ip.remove(&ip);
            }
        }
    }
}

impl Registry {
    pub fn new(queue_capacity: usize) -> Self {
        Self {
            clients: HashMap::new(),
            per_ip: HashMap::new(),
            next_id: 1,
            queue_capacity: queue_capacity.max(2),
        }
    }

    /// Adds a client whose queue already holds `first_line`.
    pub fn register(
        &mut self,
        transport: Transport,
        first_line: Bytes,
        ip: Option<IpAddr>,
        owner: Option<Owner>,
    ) -> (ClientId, mpsc::Receiver<Bytes>) {
        let (tx, rx) = mpsc::channel(self.queue_capacity);
        // A fresh queue has room for one line.
        let _ = tx.try_send(first_line);
        let id = self.next_id;
        self.next_id += 1;
        if let Some(ip) = ip {
            *self.per_ip.entry(ip).or_default() += 1;
        }
        self.clients.insert(
            id,
            Client {
                tx,
                transport,
                ip,
                owner,
            },
        );
        (id, rx)
    }

    /// Removes a client; returns whether it was still registered.
    pub fn remove(&mut self, id: ClientId) -> bool {
        match self.clients.remove(&id) {
            Some(client) => {
                forget(&mut self.per_ip, client.ip);
                true
            }
            None => false,
        }
    }

    /// Open streams per transport.
    pub fn counts_by_transport(&self) -> [(Transport, usize); 4] {
        let mut counts = Transport::ALL.map(|transport| (transport, 0));
        for client in self.clients.values() {
            if let Some(slot) = counts.iter_mut().find(|(t, _)| *t == client.transport) {
                slot.1 += 1;
            }
        }
        counts
    }

    /// Open streams from `ip`.
    pub fn streams_from(&self, ip: IpAddr) -> usize {
        self.per_ip.get(&ip).copied().unwrap_or(0)
    }

    pub fn len(&self) -> usize {
        self.clients.len()
    }

    /// Offers each client the encoding of its transport. `Bytes` clones share one buffer, so
    /// this allocates nothing per client.
    pub fn broadcast(&mut self, lines: &Lines) -> Fanout {
        let mut fanout = Fanout::default();
        let per_ip = &mut self.per_ip;
        self.clients.retain(|id, client| {
            let Some(line) = lines.for_transport(client.transport) else {
                return true;
            };
            match client.tx.try_send(line.clone()) {
                Ok(()) => {
                    fanout.delivered += 1;
                    true
                }
                Err(TrySendError::Full(_)) => {
                    fanout.cut.push(*id);
                    forget(per_ip, client.ip);
                    false
                }
                // Its response is gone; the drop guard is about to remove it anyway.
                Err(TrySendError::Closed(_)) => {
                    forget(per_ip, client.ip);
                    false
                }
            }
        });
        fanout
    }

    /// Offers a last event (the shutdown notice) without cutting anyone: every stream ends
    /// right after anyway.
    pub fn offer_all(&mut self, lines: &Lines) {
        for client in self.clients.values() {
            if let Some(line) = lines.for_transport(client.transport) {
                let _ = client.tx.try_send(line.clone());
            }
        }
    }

    /// Offers one client its encoding of `lines`, if it has room.
    pub fn offer_to(&mut self, id: ClientId, lines: &Lines) {
        if let Some(client) = self.clients.get(&id) {
            if let Some(line) = lines.for_transport(client.transport) {
                let _ = client.tx.try_send(line.clone());
            }
        }
    }

    /// Closes the queue of every client but the window ones: each such stream sends what
    /// it holds, then ends.
    pub fn end_delta_streams(&mut self) {
        let per_ip = &mut self.per_ip;
        self.clients.retain(|_, client| {
            let keep = client.transport == Transport::Window;
            if !keep {
                forget(per_ip, client.ip);
            }
            keep
        });
    }

    /// Offers `lines` (a goodbye) to the streams `which` picks, then closes their queues:
    /// each sends what it holds and ends. Returns how many.
    pub fn end_where(&mut self, lines: &Lines, which: impl Fn(&Owner) -> bool) -> usize {
        let per_ip = &mut self.per_ip;
        let before = self.clients.len();
        self.clients.retain(|_, client| {
            let ends = client.owner.as_ref().is_some_and(&which);
            if ends {
                if let Some(line) = lines.for_transport(client.transport) {
                    let _ = client.tx.try_send(line.clone());
                }
                forget(per_ip, client.ip);
            }
            !ends
        });
        before - self.clients.len()
    }

    /// Closes every queue: each stream sends what it holds, then ends.
    pub fn clear(&mut self) {
        self.clients.clear();
        self.per_ip.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_queue_cuts_only_that_client() {
        let mut registry = Registry::new(2);
        let (slow, mut slow_rx) = registry.register(
            Transport::Stream,
            Bytes::from_static(b"hello\n"),
            None,
            None,
        );
        let (_fast, mut fast_rx) =
            registry.register(Transport::Window, Bytes::from_static(b"w0\n"), None, None);
        assert_eq!(fast_rx.try_recv().unwrap(), "w0\n");
        let lines = Lines {
            window: Some(Bytes::from_static(b"w\n")),
            stream: Some(Bytes::from_static(b"d\n")),
            ..Lines::default()
        };
        assert_eq!(registry.broadcast(&lines).delivered, 2);
        assert_eq!(fast_rx.try_recv().unwrap(), "w\n");
        // The slow client's queue (hello + d) is now full.
        let fanout = registry.broadcast(&lines);
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
        let (_, rx) = registry.register(Transport::Stream, Bytes::new(), None, None);
        drop(rx);
        let line = Some(Bytes::from_static(b"x\n"));
        let fanout = registry.broadcast(&Lines {
            window: line.clone(),
            stream: line.clone(),
            sse: line.clone(),
            ws: line,
        });
        assert_eq!(fanout, Fanout::default());
        assert_eq!(registry.len(), 0);
    }
}

#[cfg(test)]
mod transport_tests {
    use super::*;

    #[test]
    fn each_transport_gets_its_own_encoding_and_none_skips() {
        let mut registry = Registry::new(4);
        let (_, mut sse) = registry.register(Transport::Sse, Bytes::new(), None, None);
        let (_, mut ws) = registry.register(Transport::Ws, Bytes::new(), None, None);
        sse.try_recv().unwrap();
        ws.try_recv().unwrap();
        let fanout = registry.broadcast(&Lines {
            sse: Some(Bytes::from_static(b"data: x\n\n")),
            ..Lines::default()
        });
        assert_eq!(fanout.delivered, 1);
        assert_eq!(sse.try_recv().unwrap(), "data: x\n\n");
        assert!(ws.try_recv().is_err(), "no ws encoding: skipped, not cut");
        assert_eq!(registry.len(), 2);
    }
}

#[cfg(test)]
mod owner_tests {
    use super::*;

    #[test]
    fn ending_a_session_ends_only_its_streams_after_a_goodbye() {
        let mut registry = Registry::new(4);
        let owner = |account, session: &str| {
            Some(Owner {
                account,
                session: session.into(),
            })
        };
        let (_, mut a1) = registry.register(Transport::Stream, Bytes::new(), None, owner(1, "a"));
        let (_, mut a2) = registry.register(Transport::Stream, Bytes::new(), None, owner(1, "b"));
        let (_, mut guest) = registry.register(Transport::Stream, Bytes::new(), None, None);
        for rx in [&mut a1, &mut a2, &mut guest] {
            rx.try_recv().unwrap();
        }
        let bye = Lines {
            stream: Some(Bytes::from_static(b"bye\n")),
            ..Lines::default()
        };
        assert_eq!(registry.end_where(&bye, |o| o.session == "a"), 1);
        assert_eq!(a1.try_recv().unwrap(), "bye\n");
        assert!(matches!(
            a1.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
        assert_eq!(registry.end_where(&bye, |o| o.account == 1), 1);
        assert_eq!(registry.len(), 1, "the guest stays");
        assert!(guest.try_recv().is_err());
    }
}

#[cfg(test)]
mod per_ip_tests {
    use super::*;

    #[test]
    fn counts_follow_every_way_out() {
        let ip: IpAddr = "10.1.2.3".parse().unwrap();
        let mut registry = Registry::new(2);
        let (a, _rx_a) = registry.register(Transport::Stream, Bytes::new(), Some(ip), None);
        let (_b, rx_b) = registry.register(Transport::Stream, Bytes::new(), Some(ip), None);
        let (_c, _rx_c) = registry.register(Transport::Stream, Bytes::new(), Some(ip), None);
        assert_eq!(registry.streams_from(ip), 3);
        registry.remove(a);
        assert_eq!(registry.streams_from(ip), 2);
        drop(rx_b);
        let line = Bytes::from_static(b"x\n");
        let lines = Lines {
            stream: Some(line),
            ..Lines::default()
        };
        registry.broadcast(&lines); // b is closed, c's queue now full (first + x)
        assert_eq!(registry.streams_from(ip), 1);
        registry.broadcast(&lines); // c is cut
        assert_eq!(registry.streams_from(ip), 0);
        assert_eq!(registry.len(), 0);
    }
}
