//! What one node tells the others about its streams (with Redis): a change as it happens,
//! and now and then everything. Accounts go by id, which is the same on every node (the
//! log gives it).

use crate::event::AccountId;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Names one run of one node's process; a new one every start.
pub type NodeId = String;

/// Accounts that came and went on `node`, published as they settle. `seq` grows by one per
/// change, so a node can tell a change it already has (in a [`NodeState`] it read) from a
/// new one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodeChange {
    pub node: NodeId,
    pub seq: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub online: Vec<AccountId>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub offline: Vec<AccountId>,
    /// The node's guest streams after the change.
    pub guests: u32,
}

/// Everything online on one node, as of its change `seq`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NodeState {
    pub seq: u64,
    pub accounts: HashSet<AccountId>,
    pub guests: u32,
}

impl NodeState {
    /// Applies `change` if it is newer than what this state holds.
    pub fn apply(&mut self, change: &NodeChange) {
        if change.seq <= self.seq {
            return;
        }
        self.seq = change.seq;
        self.accounts.extend(change.online.iter().copied());
        for account in &change.offline {
            self.accounts.remove(account);
        }
        self.guests = change.guests;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_apply_once_and_in_order() {
        let mut state = NodeState::default();
        let on = NodeChange {
            node: "a".into(),
            seq: 1,
            online: vec![1, 2],
            offline: vec![],
            guests: 3,
        };
        let off = NodeChange {
            seq: 2,
            online: vec![],
            offline: vec![2],
            guests: 1,
            ..on.clone()
        };
        state.apply(&on);
        state.apply(&off);
        state.apply(&on);
        assert_eq!(state.accounts, HashSet::from([1]));
        assert_eq!((state.seq, state.guests), (2, 1));
        let json = serde_json::to_string(&off).unwrap();
        assert_eq!(json, r#"{"node":"a","seq":2,"offline":[2],"guests":1}"#);
    }
}
