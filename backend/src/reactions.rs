//! Reactions: who may react to a message, and what the log records.
//!
//! An account that may post in a room reacts to its messages: one emoji
//! ([`common::reaction::Emoji`]) per reaction, at most [`MAX_REACTIONS`] distinct emoji
//! per message. Guests do not react: a guest's name is only what it typed, so nothing
//! would tell whose reaction a later removal takes back. A room the caller may not read,
//! and a message not in it (or deleted), is "not found", as everywhere; an archived room is
//! read-only. A change is one log event ([`Event::Reaction`]): it reaches every node's
//! streams in log order, and the stores keep who reacted with what beside the message
//! (`store/reactions.rs`, `store/redis/reactions.rs`). Adding what is there, or removing
//! what is not, writes nothing; every change that is written spends one post of the
//! caller's address's budget and of its account's (`--post-rate`, `--account-post-rate`),
//! so toggling cannot grow the log faster than posting can.

use crate::accounts::Account;
use crate::error::ApiError;
use crate::event::Event;
use crate::limits::PostLimiter;
use crate::message_changes::live_message;
use crate::rooms::Rooms;
use crate::store::{NewEntry, Store};
use common::reaction::{self, Emoji, Reaction, MAX_REACTIONS};
use common::room::RoomId;
use std::net::IpAddr;
use std::sync::Arc;

pub struct MessageReactions {
    store: Store,
    rooms: Arc<Rooms>,
    limiter: Arc<PostLimiter>,
}

impl MessageReactions {
    pub fn new(store: Store, rooms: Arc<Rooms>, limiter: Arc<PostLimiter>) -> Self {
        Self {
            store,
            rooms,
            limiter,
        }
    }

    /// `caller` (at `ip`) adds (`added`) or removes `emoji` on message `id` of `room`.
    /// Returns the message's reactions with this change applied.
    pub async fn change(
        &self,
        (caller, ip): (&Account, Option<IpAddr>),
        room: RoomId,
        id: u64,
        emoji: &str,
        added: bool,
    ) -> Result<Vec<Reaction>, ApiError> {
        let (found, message) = live_message(&self.rooms, &self.store, caller, room, id).await?;
        if found.archived {
            return Err(ApiError::archived(&found.name));
        }
        let emoji = Emoji::parse(emoji)?;
        let mut reactions = message.reactions;
        let account = caller.username.as_str();
        if !reaction::apply(&mut reactions, emoji.as_str(), account, added) {
            let full = added && !reactions.iter().any(|r| r.emoji == emoji.as_str());
            if full {
                return Err(ApiError::Conflict(format!(
                    "a message takes at most {MAX_REACTIONS} different emoji"
                )));
            }
            return Ok(reactions);
        }
        // A written change spends a post of the address's and the account's budgets.
        self.limiter.check(ip, Some(caller.id))?;
        let event = Event::Reaction {
            room,
            message: id,
            emoji: emoji.as_str().to_owned(),
            account: account.to_owned(),
            added,
        };
        self.store
            .append(NewEntry::Event(event), Vec::new())
            .await?;
        Ok(reactions)
    }
}
