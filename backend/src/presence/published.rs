//! Who the streams were last told is online: each presence line is the difference between
//! this and who is online now, so a line carries only the names that came and went.

use crate::event::AccountId;
use std::collections::HashSet;

/// The difference between two presence ticks: what one `presence` line says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Change {
    pub joined: Vec<AccountId>,
    pub left: Vec<AccountId>,
    pub online: u32,
    pub guests: u32,
}

#[derive(Debug, Default)]
pub struct Published {
    accounts: HashSet<AccountId>,
    guests: u32,
}

impl Published {
    /// Moves to `now` (the accounts online anywhere, those [`Published`] can name), and
    /// says what changed; `None` when nothing did.
    pub fn advance(&mut self, now: HashSet<AccountId>, guests: u32) -> Option<Change> {
        let mut joined: Vec<AccountId> = now.difference(&self.accounts).copied().collect();
        let mut left: Vec<AccountId> = self.accounts.difference(&now).copied().collect();
        if joined.is_empty() && left.is_empty() && guests == self.guests {
            return None;
        }
        joined.sort_unstable();
        left.sort_unstable();
        self.accounts = now;
        self.guests = guests;
        Some(Change {
            joined,
            left,
            online: self.accounts.len() as u32,
            guests,
        })
    }

    pub fn accounts(&self) -> &HashSet<AccountId> {
        &self.accounts
    }

    pub fn guests(&self) -> u32 {
        self.guests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_difference_is_told_and_nothing_when_nothing_changed() {
        let mut published = Published::default();
        let first = published.advance(HashSet::from([1, 2]), 0).unwrap();
        assert_eq!((first.joined, first.online), (vec![1, 2], 2));
        assert_eq!(published.advance(HashSet::from([1, 2]), 0), None);
        let next = published.advance(HashSet::from([2, 3]), 4).unwrap();
        assert_eq!(
            next,
            Change {
                joined: vec![3],
                left: vec![1],
                online: 2,
                guests: 4
            }
        );
        assert!(
            published.advance(HashSet::from([2, 3]), 1).is_some(),
            "guests"
        );
    }
}
