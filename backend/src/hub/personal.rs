//! The reader's part of what the hub tells: read markers, unread and mention counts and
//! notification levels in the room summaries of a hello, a `room_added` or a
//! `room_updated`, and the events for one account's streams alone (`read`, its own
//! `room_updated` after choosing a level). See [`crate::reads`].

use super::lines::wire_formats;
use super::Hub;
use crate::accounts::Account;
use crate::event::AccountId;
use crate::reads::counts::{count, fill, Counts};
use crate::reads::older::{self, combine, Older};
use crate::store::Mark;
use crate::window::RecentWindow;
use bytes::Bytes;
use common::room::{NotifyLevel, RoomId, RoomSummary};
use common::wire::encode_line;
use common::StreamEvent;
use std::collections::HashMap;

impl Hub {
    /// Fills in `account`'s marker, counts and level in each of `summaries`, counting over
    /// `recent` and adding the counts of older messages the store gave for the same marker
    /// ([`crate::reads::older`]).
    pub(super) fn personalize_with(
        &self,
        recent: &RecentWindow,
        account: &Account,
        summaries: &mut [RoomSummary],
    ) {
        let marks = self.marks.of(account.id);
        let older = self.marks.older(account.id);
        let markers: HashMap<RoomId, u64> = summaries
            .iter()
            .map(|room| (room.id, self.marker(&marks, room.id, account.id)))
            .collect();
        let reader = account.username.to_lowercase();
        let counts = count(recent.window(), &reader, |room| markers.get(&room).copied());
        for summary in summaries {
            let read = markers.get(&summary.id).copied().unwrap_or(0);
            let window = counts.get(&summary.id).copied().unwrap_or_default();
            fill(summary, read, combine(window, older.get(&summary.id), read));
            summary.notify = marks
                .get(&summary.id)
                .and_then(|m| m.notify)
                .unwrap_or(NotifyLevel::default_for(summary.kind));
        }
    }

    /// [`Hub::personalize_with`] over the hub's recent window (`GET /api/rooms`, a read,
    /// a level chosen).
    pub fn personalize(&self, account: &Account, summaries: &mut [RoomSummary]) {
        let inner = self.inner.lock();
        self.personalize_with(&inner.recent, account, summaries);
    }

    /// `account`'s marker in `room`: where they moved it, or else where they could first
    /// read the room.
    fn marker(&self, marks: &HashMap<RoomId, Mark>, room: RoomId, account: AccountId) -> u64 {
        let moved = marks.get(&room).map_or(0, |m| m.read);
        moved.max(self.rooms.joined(room, account))
    }

    /// Where the recent window starts, if the store may hold older messages
    /// ([`crate::window::RecentWindow::older_before`]).
    pub fn window_start(&self) -> Option<u64> {
        self.inner.lock().recent.older_before()
    }

    /// `account`'s rooms whose unread messages reach back before the window's start, with
    /// their markers, and that start; `None` when no room needs the store.
    pub fn older_wanted(&self, account: &Account) -> Option<(u64, Vec<(RoomId, u64)>)> {
        let before = self.window_start()?;
        let mut rooms = self.rooms.summaries_for(Some(account), &self.directory);
        let marks = self.marks.of(account.id);
        for room in &mut rooms {
            room.read = self.marker(&marks, room.id, account.id);
        }
        let wanted = older::wanted(&rooms, before);
        (!wanted.is_empty()).then_some((before, wanted))
    }

    /// Keeps `account`'s counts of messages older than the window (`counted`, and its other
    /// `wanted` rooms' as they are) if the window still starts at `counted_before` (where
    /// it started when they were counted; `None`: no matter); from then on, each message
    /// leaving the window is added as it leaves. Otherwise keeps nothing and answers where
    /// the window starts now.
    pub fn keep_older(
        &self,
        account: &Account,
        counted_before: Option<u64>,
        wanted: &[RoomId],
        counted: HashMap<RoomId, Older>,
    ) -> Result<(), u64> {
        let inner = self.inner.lock();
        match (inner.recent.older_before(), counted_before) {
            (Some(now), Some(before)) if now != before => Err(now),
            _ => {
                let reader = account.username.to_lowercase();
                self.marks.keep_older(account.id, &reader, wanted, counted);
                Ok(())
            }
        }
    }

    /// `account`'s marker and counts in `room` as this node knows them.
    pub fn read_state(&self, account: &Account, room: RoomSummary) -> (u64, Counts) {
        let mut one = [room];
        self.personalize(account, &mut one);
        let [room] = one;
        (
            room.read,
            Counts {
                unread: room.unread,
                mentions: room.mentions,
            },
        )
    }

    /// Passes an event for `account` alone to its streams of every room on this node, after
    /// noting what it says about its marks.
    pub(super) fn deliver_personal(&self, account: AccountId, event: StreamEvent) {
        match &event {
            StreamEvent::Read { id, read, .. } => self.marks.read(account, *id, *read),
            StreamEvent::RoomUpdated { room } => {
                self.marks.read(account, room.id, room.read);
                self.marks.notify(account, room.id, room.notify);
            }
            _ => return,
        }
        let lines = wire_formats(Bytes::from(encode_line(&event)), None, false);
        self.inner.lock().registry.offer_account(account, &lines);
    }
}
