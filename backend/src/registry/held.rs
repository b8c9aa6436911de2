//! When held lines must leave on their own ([`crate::held`]): the registry notes each
//! stream's first held line, and every [`FLUSH_EVERY`] the hub asks it to wake the streams
//! whose lines have waited long enough with a flush marker. In a busy room the next message
//! has taken them long before, and the marker is never sent.

use super::{ClientId, Fanout, Registry, Tally};
use crate::held::{FLUSH_EVERY, HOLD_MAX};
use crate::inbox::Queued;
use std::collections::VecDeque;
use tokio::time::Instant;

/// Streams that began holding lines, oldest first.
#[derive(Debug, Default)]
pub(super) struct Due(VecDeque<(Instant, ClientId)>);

impl Due {
    /// Client `id` holds a first line now.
    pub(super) fn note(&mut self, id: ClientId) {
        self.0.push_back((Instant::now(), id));
    }
}

impl Registry {
    /// Wakes every stream whose first held line came at least `HOLD_MAX - FLUSH_EVERY`
    /// before `now` and that still holds lines; called every [`FLUSH_EVERY`], so no line
    /// waits longer than [`HOLD_MAX`]. A stream whose queue is full is cut, as for any line.
    pub fn flush_held(&mut self, now: Instant) -> Fanout {
        let mut tally = Tally::default();
        while let Some(&(since, id)) = self.due.0.front() {
            if now.saturating_duration_since(since) < HOLD_MAX - FLUSH_EVERY {
                break;
            }
            self.due.0.pop_front();
            let Some(client) = self.clients.get(&id) else {
                continue;
            };
            if client.held.as_ref().is_none_or(|held| held.is_empty()) {
                continue;
            }
            tally.add(id, client.queue(Queued::flush()));
        }
        self.settle(tally)
    }
}
