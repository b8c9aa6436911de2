//! Editing and deleting messages: who may, until when, and what the log records.
//!
//! Authors edit and delete their own messages within the edit window (`--edit-window-mins`,
//! 0 = always); admins and a room's managers delete any message of it, at any time. A room
//! the caller may not read, and a message that is not in that room (or is deleted), is
//! "not found", as everywhere. A change is one log event ([`Event::MessageEdited`],
//! [`Event::MessageDeleted`]): it reaches every node's streams in log order, and the store
//! rewrites the message in place (see `store/changes.rs`). A deletion's event carries no
//! text.

use crate::accounts::{Account, Accounts};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::event::Event;
use crate::mentions::address;
use crate::rooms::{Room, Rooms};
use crate::store::{NewEntry, Store};
use common::room::RoomId;
use common::{Message, MessageText};
use std::sync::Arc;

pub struct MessageChanges {
    store: Store,
    rooms: Arc<Rooms>,
    accounts: Arc<Accounts>,
    /// How long after posting its author may change a message; `None`: always.
    window_ms: Option<u64>,
}

impl MessageChanges {
    /// `window_mins` as `--edit-window-mins` gives it (0: always).
    pub fn new(store: Store, rooms: Arc<Rooms>, accounts: Arc<Accounts>, window_mins: f64) -> Self {
        let window_ms = (window_mins > 0.0).then_some((window_mins * 60_000.0) as u64);
        Self {
            store,
            rooms,
            accounts,
            window_ms,
        }
    }

    /// Replaces the text of `caller`'s message `id` in `room`; returns it as it is now.
    pub async fn edit(
        &self,
        caller: &Account,
        room: RoomId,
        id: u64,
        text: &str,
    ) -> Result<Message, ApiError> {
        let (room, message) = self.find(caller, room, id).await?;
        self.check_author(caller, &room, &message)?;
        let text = MessageText::parse(text)?.into_inner();
        let addressed = address(&text, &room, Some(caller), self.accounts.directory())?;
        let edited = Message {
            text,
            mentions: addressed.mentions,
            here: addressed.here,
            edited: true,
            // Reactions are their own events: the stores and windows keep theirs.
            reactions: Vec::new(),
            ..message
        };
        let event = Event::MessageEdited {
            message: edited.clone(),
        };
        self.store
            .append(NewEntry::Event(event), Vec::new())
            .await?;
        Ok(edited)
    }

    /// Deletes message `id` of `room`: its author within the window, or a moderator.
    pub async fn delete(&self, caller: &Account, room: RoomId, id: u64) -> Result<(), ApiError> {
        let (room, message) = self.find(caller, room, id).await?;
        if !(caller.is_admin() || room.managed_by(caller)) {
            self.check_author(caller, &room, &message)?;
        }
        self.erase(message, Some(caller)).await
    }

    /// Stores `message`'s deletion by `by`: what is left of it is a tombstone.
    async fn erase(&self, message: Message, by: Option<&Account>) -> Result<(), ApiError> {
        let tombstone = Message {
            text: String::new(),
            mentions: Vec::new(),
            here: false,
            edited: false,
            deleted: true,
            reactions: Vec::new(),
            ..message
        };
        let event = Event::MessageDeleted {
            message: tombstone,
            by: by.map(|by| by.id),
        };
        self.store
            .append(NewEntry::Event(event), Vec::new())
            .await?;
        Ok(())
    }

    /// The room, if `caller` may read it, and its message `id`, if it has one not deleted.
    /// Deletes every message `author` wrote, in every room (a ban's "delete their
    /// messages"), as `by`; returns how many. Reads each room's whole history from the
    /// store, page by page: a rare admin action, not a hot path.
    pub async fn purge(&self, by: &Account, author: &Account) -> Result<u32, ApiError> {
        let mut count = 0u32;
        for room in self.rooms.all_ids() {
            let mut before = None;
            loop {
                let (page, more) = self.store.history(room, before, PURGE_PAGE).await?;
                before = page.first().map(|m| m.id);
                for message in page {
                    if message.deleted || message.account.as_deref() != Some(&author.username) {
                        continue;
                    }
                    // Not one audit entry per message: `MessagesPurged` below says who.
                    self.erase(message, None).await?;
                    count += 1;
                }
                if !more || before.is_none() {
                    break;
                }
            }
        }
        let event = Event::MessagesPurged {
            account: author.id,
            count,
            by: by.id,
        };
        self.store
            .append(NewEntry::Event(event), Vec::new())
            .await?;
        Ok(count)
    }

    async fn find(
        &self,
        caller: &Account,
        room: RoomId,
        id: u64,
    ) -> Result<(Room, Message), ApiError> {
        live_message(&self.rooms, &self.store, caller, room, id).await
    }

    /// Only a message's author changes it, in a room that is not archived, within the
    /// edit window.
    fn check_author(
        &self,
        caller: &Account,
        room: &Room,
        message: &Message,
    ) -> Result<(), ApiError> {
        if message.account.as_deref() != Some(caller.username.as_str()) {
            return Err(ApiError::Forbidden(
                "only its author may change a message".into(),
            ));
        }
        if room.archived {
            return Err(ApiError::archived(&room.name));
        }
        if let Some(window) = self.window_ms {
            if now_ms().saturating_sub(message.time) > window {
                return Err(ApiError::Forbidden(format!(
                    "the edit window is over: messages may be changed for {} after posting",
                    minutes(window)
                )));
            }
        }
        Ok(())
    }
}

/// `15 minutes`, `1 minute`, `30 seconds`: the window as people read it.
/// Room `room`, if `reader` may read it, and its message `id` as it is now, unless deleted:
/// what every change to a message (an edit, a deletion, a reaction) starts from. Anything
/// else is "not found", as everywhere.
pub async fn live_message(
    rooms: &Rooms,
    store: &Store,
    reader: &Account,
    room: RoomId,
    id: u64,
) -> Result<(Room, Message), ApiError> {
    let found = rooms
        .readable(room, Some(reader.id))
        .ok_or_else(|| ApiError::NotFound(format!("no room {room}")))?;
    let message = store
        .message(id)
        .await?
        .filter(|m| m.room == room && !m.deleted)
        .ok_or_else(|| ApiError::NotFound(format!("no message {id} in this room")))?;
    Ok((found, message))
}

/// Messages read from the store at a time while purging.
const PURGE_PAGE: usize = 500;

fn minutes(window_ms: u64) -> String {
    match window_ms / 1000 {
        60 => "1 minute".into(),
        1 => "1 second".into(),
        secs if secs % 60 == 0 => format!("{} minutes", secs / 60),
        secs => format!("{secs} seconds"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_window_reads_as_people_say_it() {
        assert_eq!(super::minutes(900_000), "15 minutes");
        assert_eq!(super::minutes(60_000), "1 minute");
        assert_eq!(super::minutes(1_200), "1 second");
        assert_eq!(super::minutes(90_000), "90 seconds");
    }
}
