//! What the other nodes have online, kept up to date from their changes (Pub/Sub) and
//! their whole states (read from Redis every refresh). A node whose state is gone from
//! Redis (its key expired: the process died) is forgotten with its accounts.

use super::node::{NodeChange, NodeId, NodeState};
use crate::event::AccountId;
use std::collections::HashMap;
use std::time::Instant;

#[derive(Debug, Default)]
pub struct OtherNodes {
    nodes: HashMap<NodeId, Heard>,
}

#[derive(Debug)]
struct Heard {
    state: NodeState,
    /// When a change of this node last arrived.
    at: Instant,
}

impl OtherNodes {
    /// A change published by another node.
    pub fn change(&mut self, change: &NodeChange, now: Instant) {
        let heard = self
            .nodes
            .entry(change.node.clone())
            .or_insert_with(|| Heard {
                state: NodeState::default(),
                at: now,
            });
        heard.state.apply(change);
        heard.at = now;
    }

    /// Every node's whole state, as read from Redis starting at `read_at`. A node missing
    /// from it is gone, unless a change of it arrived after the read began (it started
    /// just then).
    pub fn replace(&mut self, states: HashMap<NodeId, NodeState>, read_at: Instant) {
        self.nodes
            .retain(|node, heard| states.contains_key(node) || heard.at > read_at);
        for (node, state) in states {
            match self.nodes.get_mut(&node) {
                Some(heard) if heard.state.seq > state.seq => {}
                Some(heard) => heard.state = state,
                None => {
                    self.nodes.insert(node, Heard { state, at: read_at });
                }
            }
        }
    }

    /// Forgets every node (Redis has been unreachable for longer than their states live).
    pub fn clear(&mut self) {
        self.nodes.clear();
    }

    pub fn accounts(&self) -> impl Iterator<Item = AccountId> + '_ {
        self.nodes
            .values()
            .flat_map(|h| h.state.accounts.iter().copied())
    }

    pub fn guests(&self) -> u32 {
        self.nodes.values().map(|h| h.state.guests).sum()
    }

    #[cfg(test)]
    pub fn holds(&self, account: AccountId) -> bool {
        self.nodes
            .values()
            .any(|h| h.state.accounts.contains(&account))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;
    use std::time::Duration;

    fn state(seq: u64, accounts: &[AccountId], guests: u32) -> NodeState {
        NodeState {
            seq,
            accounts: accounts.iter().copied().collect(),
            guests,
        }
    }

    #[test]
    fn a_node_missing_from_redis_is_forgotten_unless_heard_from_since() {
        let mut others = OtherNodes::default();
        let t0 = Instant::now();
        others.replace(
            HashMap::from([
                ("a".into(), state(3, &[1], 2)),
                ("b".into(), state(1, &[2], 0)),
            ]),
            t0,
        );
        assert_eq!(
            others.accounts().collect::<HashSet<_>>(),
            HashSet::from([1, 2])
        );
        assert_eq!(others.guests(), 2);
        let read_at = t0 + Duration::from_secs(1);
        others.change(
            &NodeChange {
                node: "c".into(),
                seq: 1,
                online: vec![9],
                offline: vec![],
                guests: 0,
            },
            read_at + Duration::from_millis(5),
        );
        others.replace(HashMap::from([("b".into(), state(1, &[2], 0))]), read_at);
        assert!(!others.holds(1), "a is gone");
        assert!(others.holds(9), "c started during the read");
        assert!(others.holds(2));
    }

    #[test]
    fn an_older_state_does_not_undo_a_newer_change() {
        let mut others = OtherNodes::default();
        let t0 = Instant::now();
        others.change(
            &NodeChange {
                node: "a".into(),
                seq: 5,
                online: vec![],
                offline: vec![1],
                guests: 0,
            },
            t0,
        );
        others.replace(HashMap::from([("a".into(), state(4, &[1], 0))]), t0);
        assert!(!others.holds(1));
        others.replace(HashMap::from([("a".into(), state(6, &[1], 0))]), t0);
        assert!(others.holds(1));
    }
}
