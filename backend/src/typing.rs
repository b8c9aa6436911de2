//! How often typing is passed on: at most once per [`TYPING_EVERY_MS`] per account and
//! room, whatever the page sends. The rest are answered like the first and dropped, so a
//! page that sends on every key press costs a hash lookup, not a fan-out.

use crate::event::AccountId;
use common::room::RoomId;
use common::wire::{TYPING_EVERY_MS, TYPING_SHOWN_MS};
use parking_lot::Mutex;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Entries kept before the stale ones are swept.
const SWEEP_ABOVE: usize = 10_000;

#[derive(Debug, Default)]
pub struct TypingGate {
    last: Mutex<HashMap<(AccountId, RoomId), Instant>>,
    /// `--typing off`: nothing is passed on, and the route says so.
    off: bool,
}

impl TypingGate {
    /// A gate that passes nothing (`--typing off`).
    pub fn turned_off() -> Self {
        Self {
            off: true,
            ..Self::default()
        }
    }

    /// Whether typing is passed on at all on this server.
    pub fn is_on(&self) -> bool {
        !self.off
    }

    /// Whether `account`'s typing in `room` at `now` is passed on.
    pub fn pass(&self, account: AccountId, room: RoomId, now: Instant) -> bool {
        if self.off {
            return false;
        }
        let every = Duration::from_millis(TYPING_EVERY_MS);
        let mut last = self.last.lock();
        if last.len() > SWEEP_ABOVE {
            let shown = Duration::from_millis(TYPING_SHOWN_MS);
            last.retain(|_, at| now.saturating_duration_since(*at) < shown);
        }
        match last.get(&(account, room)) {
            Some(at) if now.saturating_duration_since(*at) < every => false,
            _ => {
                last.insert((account, room), now);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn once_a_second_per_account_and_room() {
        let gate = TypingGate::default();
        let t0 = Instant::now();
        assert!(gate.pass(1, 7, t0));
        assert!(!gate.pass(1, 7, t0 + Duration::from_millis(400)));
        assert!(gate.pass(1, 8, t0), "another room");
        assert!(gate.pass(2, 7, t0), "another account");
        assert!(gate.pass(1, 7, t0 + Duration::from_millis(1_000)));
    }

    #[test]
    fn a_gate_turned_off_passes_nothing() {
        let gate = TypingGate::turned_off();
        assert!(!gate.is_on());
        assert!(!gate.pass(1, 7, Instant::now()));
        assert!(TypingGate::default().is_on());
    }

    #[test]
    fn stale_entries_are_swept_when_many() {
        let gate = TypingGate::default();
        let t0 = Instant::now();
        for account in 0..=SWEEP_ABOVE as u64 {
            gate.pass(account, 1, t0);
        }
        gate.pass(0, 2, t0 + Duration::from_secs(10));
        assert_eq!(gate.last.lock().len(), 1);
    }
}
