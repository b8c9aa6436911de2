//! Presence: which accounts are online, on this node and on every other.
//!
//! An account is online while at least one of its streams is open, anywhere. Each node
//! counts its own streams ([`local`]); when an account's last stream closes it stays online
//! for [`OFFLINE_GRACE_MS`] ("the grace"), so a reload shows nobody leaving. With Redis,
//! every node publishes what settled on it and keeps its whole state in a key that expires
//! unless refreshed ([`node`], `store/redis/presence.rs`), and follows the others
//! ([`others`]): a node that dies takes its accounts offline when its key expires.
//!
//! Streams are not told at every change: once every [`PRESENCE_EVERY_MS`] the hub asks
//! [`Presence::tick`] what changed since the last tick ([`published`]) and sends that as one
//! `presence` line, so a crowd coming and going costs one line a second, carrying only the
//! names that came and went.

mod local;
mod node;
mod others;
mod published;

pub use node::{NodeChange, NodeId, NodeState};
pub use published::Change;

use crate::event::AccountId;
use common::presence::{OFFLINE_GRACE_MS, PRESENCE_EVERY_MS};
use local::LocalStreams;
use others::OtherNodes;
use parking_lot::Mutex;
use published::Published;
use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

/// How often the streams are told who came and went.
pub const EVERY: Duration = Duration::from_millis(PRESENCE_EVERY_MS);

/// What one tick found: what to tell the other nodes, and what to tell the streams.
#[derive(Debug, Default)]
pub struct Tick {
    pub to_nodes: Option<NodeChange>,
    pub to_streams: Option<Change>,
}

#[derive(Debug)]
pub struct Presence {
    node: NodeId,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    local: LocalStreams,
    others: OtherNodes,
    published: Published,
    /// This node's changes so far (see [`NodeChange::seq`]).
    seq: u64,
}

impl Presence {
    /// Presence of a node named `node` (a new name every start).
    pub fn new(node: NodeId) -> Self {
        Self::with_grace(node, Duration::from_millis(OFFLINE_GRACE_MS))
    }

    fn with_grace(node: NodeId, grace: Duration) -> Self {
        Self {
            node,
            state: Mutex::new(State {
                local: LocalStreams::new(grace),
                others: OtherNodes::default(),
                published: Published::default(),
                seq: 0,
            }),
        }
    }

    pub fn node(&self) -> &str {
        &self.node
    }

    /// A stream of `who` (a guest: `None`) opened on this node.
    pub fn opened(&self, who: Option<AccountId>) {
        self.state.lock().local.opened(who);
    }

    /// A stream of `who` closed on this node.
    pub fn closed(&self, who: Option<AccountId>) {
        self.state.lock().local.closed(who, Instant::now());
    }

    /// Settles this node at `now` and compares who is online anywhere with what the
    /// streams were last told. Accounts `known` does not name yet (another node's newest
    /// account, before this node applied it) wait for a later tick.
    pub fn tick(&self, now: Instant, known: impl Fn(AccountId) -> bool) -> Tick {
        let mut state = self.state.lock();
        let state = &mut *state;
        let settled = state.local.settle(now);
        let to_nodes = (!settled.is_empty()).then(|| {
            state.seq += 1;
            NodeChange {
                node: self.node.clone(),
                seq: state.seq,
                online: settled.online,
                offline: settled.offline,
                guests: state.local.guests(),
            }
        });
        let online: HashSet<AccountId> = state
            .local
            .online()
            .iter()
            .copied()
            .chain(state.others.accounts())
            .filter(|account| known(*account))
            .collect();
        let guests = state.local.guests() + state.others.guests();
        Tick {
            to_nodes,
            to_streams: state.published.advance(online, guests),
        }
    }

    /// This node's whole state, for the other nodes.
    pub fn local_state(&self) -> NodeState {
        let state = self.state.lock();
        NodeState {
            seq: state.seq,
            accounts: state.local.online().clone(),
            guests: state.local.guests(),
        }
    }

    /// A change another node published.
    pub fn other_change(&self, change: &NodeChange) {
        if change.node != self.node {
            self.state.lock().others.change(change, Instant::now());
        }
    }

    /// Every other node's whole state, read starting at `read_at`.
    pub fn other_states(&self, mut states: HashMap<NodeId, NodeState>, read_at: Instant) {
        states.remove(&self.node);
        self.state.lock().others.replace(states, read_at);
    }

    /// Forgets the other nodes: nothing can be known of them any more.
    pub fn forget_others(&self) {
        self.state.lock().others.clear();
    }

    /// Who the streams were last told is online, and the guests.
    pub fn published(&self) -> (Vec<AccountId>, u32) {
        let state = self.state.lock();
        let accounts = state.published.accounts().iter().copied().collect();
        (accounts, state.published.guests())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_tick_tells_the_nodes_what_settled_and_the_streams_what_changed_anywhere() {
        let presence = Presence::with_grace("me".into(), Duration::from_secs(5));
        let t0 = Instant::now();
        presence.opened(Some(1));
        presence.opened(None);
        let tick = presence.tick(t0, |_| true);
        let to_nodes = tick.to_nodes.unwrap();
        assert_eq!(
            (to_nodes.seq, to_nodes.online, to_nodes.guests),
            (1, vec![1], 1)
        );
        assert_eq!(tick.to_streams.unwrap().joined, [1]);
        presence.other_change(&NodeChange {
            node: "other".into(),
            seq: 1,
            online: vec![1, 2],
            offline: vec![],
            guests: 2,
        });
        let tick = presence.tick(t0, |account| account != 2);
        assert!(tick.to_nodes.is_none(), "nothing changed here");
        let change = tick.to_streams.unwrap();
        assert_eq!(
            (change.joined, change.guests),
            (vec![], 3),
            "2 is not known yet"
        );
        presence.closed(Some(1));
        let tick = presence.tick(t0 + Duration::from_secs(6), |_| true);
        assert_eq!(tick.to_nodes.unwrap().offline, [1]);
        let change = tick.to_streams.unwrap();
        assert_eq!(
            (change.joined, change.left, change.online),
            (vec![2], vec![], 2)
        );
        let (mut online, guests) = presence.published();
        online.sort_unstable();
        assert_eq!(
            (online, guests),
            (vec![1, 2], 3),
            "1 is still online elsewhere"
        );
        presence.other_states(HashMap::new(), t0 + Duration::from_secs(7));
        let change = presence
            .tick(t0 + Duration::from_secs(8), |_| true)
            .to_streams
            .unwrap();
        assert_eq!((change.left, change.online), (vec![1, 2], 0));
    }
}
