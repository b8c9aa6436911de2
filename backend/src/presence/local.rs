//! This node's streams per account, and the grace before an account whose last stream
//! closed counts as gone: a reload closes a stream and opens another within a second, and
//! nobody should see that as leaving and coming back.

use crate::event::AccountId;
use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

/// What changed on this node since the last [`LocalStreams::settle`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Settled {
    /// Accounts online here now that were not.
    pub online: Vec<AccountId>,
    /// Accounts that were online here and are not any more (their grace passed).
    pub offline: Vec<AccountId>,
    /// Whether the guest count changed.
    pub guests_changed: bool,
}

impl Settled {
    pub fn is_empty(&self) -> bool {
        self.online.is_empty() && self.offline.is_empty() && !self.guests_changed
    }
}

#[derive(Debug)]
pub struct LocalStreams {
    grace: Duration,
    /// Open streams per account (only accounts with at least one).
    open: HashMap<AccountId, u32>,
    /// Accounts whose last stream closed, and when: online until the grace passes.
    leaving: HashMap<AccountId, Instant>,
    /// Accounts touched since the last settle.
    touched: HashSet<AccountId>,
    /// What the last settle reported as online here.
    reported: HashSet<AccountId>,
    /// Streams open without an account.
    guests: u32,
    /// Guest streams that closed within the grace, oldest first: still counted, until a new
    /// guest stream takes the place of one (a reload) or the grace passes.
    guests_leaving: VecDeque<Instant>,
    reported_guests: u32,
}

impl LocalStreams {
    pub fn new(grace: Duration) -> Self {
        Self {
            grace,
            open: HashMap::new(),
            leaving: HashMap::new(),
            touched: HashSet::new(),
            reported: HashSet::new(),
            guests: 0,
            guests_leaving: VecDeque::new(),
            reported_guests: 0,
        }
    }

    /// A stream of `who` (a guest: `None`) opened.
    pub fn opened(&mut self, who: Option<AccountId>) {
        match who {
            Some(account) => {
                *self.open.entry(account).or_default() += 1;
                self.leaving.remove(&account);
                self.touched.insert(account);
            }
            None => {
                self.guests += 1;
                // A reconnect takes the place of a stream that just closed.
                self.guests_leaving.pop_back();
            }
        }
    }

    /// A stream of `who` closed at `now`.
    pub fn closed(&mut self, who: Option<AccountId>, now: Instant) {
        match who {
            Some(account) => {
                let Some(count) = self.open.get_mut(&account) else {
                    return;
                };
                *count -= 1;
                if *count == 0 {
                    self.open.remove(&account);
                    self.leaving.insert(account, now);
                    self.touched.insert(account);
                }
            }
            None => {
                self.guests = self.guests.saturating_sub(1);
                self.guests_leaving.push_back(now);
            }
        }
    }

    /// Lets the graces that passed by `now` end, and says what changed since the last call.
    pub fn settle(&mut self, now: Instant) -> Settled {
        let grace = self.grace;
        let gone = |at: &Instant| now.saturating_duration_since(*at) >= grace;
        self.leaving.retain(|account, at| {
            if gone(at) {
                self.touched.insert(*account);
                false
            } else {
                true
            }
        });
        while self.guests_leaving.front().is_some_and(gone) {
            self.guests_leaving.pop_front();
        }
        let mut settled = Settled::default();
        for account in self.touched.drain() {
            let online = self.open.contains_key(&account) || self.leaving.contains_key(&account);
            if online && self.reported.insert(account) {
                settled.online.push(account);
            } else if !online && self.reported.remove(&account) {
                settled.offline.push(account);
            }
        }
        settled.online.sort_unstable();
        settled.offline.sort_unstable();
        let guests = self.guests();
        settled.guests_changed = guests != self.reported_guests;
        self.reported_guests = guests;
        settled
    }

    /// The accounts online here as of the last settle.
    pub fn online(&self) -> &HashSet<AccountId> {
        &self.reported
    }

    /// Guest streams open here, those within their grace included.
    pub fn guests(&self) -> u32 {
        self.guests + self.guests_leaving.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_secs(5);

    #[test]
    fn online_with_a_stream_and_offline_only_after_the_grace() {
        let mut local = LocalStreams::new(GRACE);
        let t0 = Instant::now();
        local.opened(Some(1));
        local.opened(Some(1));
        let first = local.settle(t0);
        assert_eq!(first.online, [1]);
        local.closed(Some(1), t0);
        local.closed(Some(1), t0);
        assert!(local.settle(t0 + Duration::from_secs(4)).is_empty());
        assert!(local.online().contains(&1), "still within the grace");
        assert_eq!(local.settle(t0 + GRACE).offline, [1]);
        assert!(local.online().is_empty());
    }

    #[test]
    fn a_reload_within_the_grace_changes_nothing() {
        let mut local = LocalStreams::new(GRACE);
        let t0 = Instant::now();
        local.opened(Some(7));
        local.opened(None);
        local.settle(t0);
        local.closed(Some(7), t0);
        local.closed(None, t0);
        local.opened(Some(7));
        local.opened(None);
        let later = local.settle(t0 + Duration::from_secs(60));
        assert!(later.is_empty(), "{later:?}");
        assert_eq!(local.guests(), 1);
    }

    #[test]
    fn closed_guest_streams_count_until_the_grace_passes() {
        let mut local = LocalStreams::new(GRACE);
        let t0 = Instant::now();
        local.opened(None);
        local.opened(None);
        assert!(local.settle(t0).guests_changed);
        local.closed(None, t0);
        assert!(!local.settle(t0 + Duration::from_secs(1)).guests_changed);
        assert_eq!(local.guests(), 2);
        assert!(local.settle(t0 + GRACE).guests_changed);
        assert_eq!(local.guests(), 1);
    }

    #[test]
    fn a_close_of_an_unknown_account_is_ignored() {
        let mut local = LocalStreams::new(GRACE);
        local.closed(Some(3), Instant::now());
        assert!(local.settle(Instant::now()).is_empty());
    }
}
