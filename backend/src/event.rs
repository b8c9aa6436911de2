//! The chat's log: every change the chat remembers, in one order shared by every node.
//!
//! A log entry is either a message or an [`Event`]: a change to accounts, sessions, invites,
//! rooms and their members. The store keeps entries (SQLite's `messages` and `log` tables, or
//! the Redis streams `PREFIX:msgs` and `PREFIX:log`) under one sequence of ids, and every
//! node applies them in id order: SQLite's writer hands them over as it commits, each
//! Redis node tails them. So a session created on node A is known to node B, and an
//! account deactivated on A has its streams cut on B, without a table per store.
//!
//! Events are stored as JSON (`serde`, tagged by `type`), so new kinds can be added without
//! a schema change; an event a node does not know is kept and skipped.

use common::account::Role;
use common::room::{RoomId, RoomKind};
use common::Message;
use serde::{Deserialize, Serialize};

/// An account's id: the log id of the event that created it, so it never changes and is
/// never reused.
pub type AccountId = u64;

/// The SHA-256 (hex) of a session cookie's token or of an invite code: secrets are stored
/// and logged only this way.
pub type SecretHash = String;

/// A change to accounts, sessions or invites. (First-run setup tokens are not events: they
/// are kept beside the log, so a fresh chat's first message is still id 1.)
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    AccountCreated {
        username: String,
        display_name: String,
        /// Argon2id, PHC string format (salt and parameters included).
        password_hash: String,
        role: Role,
        /// The invite it was created with, if any.
        #[serde(default)]
        invite: Option<SecretHash>,
    },
    PasswordChanged {
        account: AccountId,
        password_hash: String,
    },
    /// Deactivated accounts cannot sign in; their sessions end. `by`: the admin who did it
    /// (for the audit log; events from before it was kept have none).
    AccountActive {
        account: AccountId,
        active: bool,
        #[serde(default)]
        by: Option<AccountId>,
    },
    RoleChanged {
        account: AccountId,
        role: Role,
        #[serde(default)]
        by: Option<AccountId>,
    },
    SessionStarted {
        session: SecretHash,
        account: AccountId,
    },
    /// The session was used on this day (its idle expiry starts over). Written at most once
    /// a day per session.
    SessionSeen {
        session: SecretHash,
    },
    /// Signed out.
    SessionEnded {
        session: SecretHash,
    },
    /// Every session of the account ends, but `except` (sign out everywhere else, after a
    /// password change).
    SessionsEnded {
        account: AccountId,
        #[serde(default)]
        except: Option<SecretHash>,
    },
    InviteCreated {
        code: SecretHash,
        created_by: AccountId,
        expires_at: u64,
        #[serde(default)]
        max_uses: Option<u32>,
    },
    InviteRevoked {
        code: SecretHash,
    },
    /// A room; its id is this event's. `members` are those of a closed or direct room (the
    /// creator included); an open room's are every account.
    RoomCreated {
        kind: RoomKind,
        name: String,
        created_by: AccountId,
        #[serde(default)]
        members: Vec<AccountId>,
    },
    /// Renamed, archived (read-only) or taken out of the archive.
    RoomChanged {
        room: RoomId,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        archived: Option<bool>,
    },
    MemberAdded {
        room: RoomId,
        account: AccountId,
    },
    /// Removed by a manager, or left.
    MemberRemoved {
        room: RoomId,
        account: AccountId,
    },
    /// A message's text was changed by its author: `message` is it as it is now. The
    /// stores rewrite the message in place too (history reads the latest text); a later
    /// [`Event::MessageDeleted`] erases this event's text as well.
    MessageEdited {
        message: Message,
    },
    /// A message was deleted: `message` is what is left (no text, `deleted`). The stores
    /// erase the text everywhere they kept it (see `store/changes.rs`). `by`: who deleted
    /// it (the audit log lists those deleted by someone else than their author); `None`
    /// in events from before it was kept and in a ban's purge (whose
    /// [`Event::MessagesPurged`] says who).
    MessageDeleted {
        message: Message,
        #[serde(default)]
        by: Option<AccountId>,
    },
    /// Every message of `account` was deleted when it was banned (`count` of them, each by
    /// its own [`Event::MessageDeleted`] before this).
    MessagesPurged {
        account: AccountId,
        count: u32,
        by: AccountId,
    },
    /// Guests from `address` (see `common::moderation::GuestAddress`) may not post until
    /// `until` (ms since the epoch).
    GuestBanned {
        address: String,
        until: u64,
        #[serde(default)]
        reason: String,
        by: AccountId,
    },
    /// A guest ban lifted before its time.
    GuestUnbanned {
        address: String,
        by: AccountId,
    },
    /// Account `account` (a username) added (`added`) or removed `emoji` on message
    /// `message` of `room` (see `reactions.rs`). The stores keep who reacted with what
    /// beside the message and forget it, and these events, when it is deleted.
    Reaction {
        room: RoomId,
        message: u64,
        emoji: String,
        account: String,
        added: bool,
    },
    /// A bot account (it never signs in: no password); its id is this event's. `token` is
    /// its API token's hash.
    BotCreated {
        username: String,
        display_name: String,
        created_by: AccountId,
        #[serde(default)]
        webhook_url: Option<String>,
        token: SecretHash,
    },
    /// A bot's API token was replaced (`Some`: rotated) or revoked (`None`).
    BotTokenChanged {
        account: AccountId,
        #[serde(default)]
        token: Option<SecretHash>,
    },
    /// A newer server's event: kept in the log, ignored here.
    #[serde(other)]
    Unknown,
}

/// What an entry of the log holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Record {
    Message(Message),
    Event(Event),
}

/// One entry of the log: its id (the position every stream resumes from), when it was
/// stored, and what it records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: u64,
    pub time: u64,
    pub record: Record,
}

impl Entry {
    pub fn message(&self) -> Option<&Message> {
        match &self.record {
            Record::Message(message) => Some(message),
            Record::Event(_) => None,
        }
    }

    /// The message as it is after this entry, when the entry edits or deletes one.
    pub fn changed_message(&self) -> Option<&Message> {
        match &self.record {
            Record::Event(Event::MessageEdited { message })
            | Record::Event(Event::MessageDeleted { message, .. }) => Some(message),
            _ => None,
        }
    }
}

/// Serializes an event for the store.
pub fn to_json(event: &Event) -> String {
    // Plain enums of strings and numbers: serializing cannot fail.
    serde_json::to_string(event).unwrap_or_else(|_| "{\"type\":\"unknown\"}".into())
}

/// Reads an event back; an unreadable one is [`Event::Unknown`] (and says so in the log).
pub fn from_json(id: u64, json: &str) -> Event {
    serde_json::from_str(json).unwrap_or_else(|err| {
        tracing::warn!(entry = id, error = %err, "skipping a log event this server cannot read");
        Event::Unknown
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_unknown_ones_are_kept_apart() {
        let events = [
            Event::AccountCreated {
                username: "ann".into(),
                display_name: "Ann".into(),
                password_hash: "$argon2id$...".into(),
                role: Role::Admin,
                invite: None,
            },
            Event::SessionsEnded {
                account: 3,
                except: Some("cd".into()),
            },
            Event::InviteCreated {
                code: "ef".into(),
                created_by: 3,
                expires_at: 9,
                max_uses: Some(2),
            },
            Event::RoomCreated {
                kind: RoomKind::Direct,
                name: String::new(),
                created_by: 3,
                members: vec![3, 4],
            },
            Event::RoomChanged {
                room: 9,
                name: None,
                archived: Some(true),
            },
            Event::MemberRemoved {
                room: 9,
                account: 4,
            },
            Event::MessageEdited {
                message: Message {
                    id: 7,
                    text: "fixed".into(),
                    edited: true,
                    ..Default::default()
                },
            },
            Event::MessageDeleted {
                message: Message {
                    id: 8,
                    deleted: true,
                    ..Default::default()
                },
                by: Some(3),
            },
            Event::GuestBanned {
                address: "203.0.113.7".into(),
                until: 99,
                reason: "spam".into(),
                by: 3,
            },
            Event::Reaction {
                room: 9,
                message: 7,
                emoji: "👍".into(),
                account: "ann".into(),
                added: true,
            },
            Event::BotCreated {
                username: "helper".into(),
                display_name: "Helper".into(),
                created_by: 3,
                webhook_url: Some("https://bots.example/hook".into()),
                token: "ab".into(),
            },
            Event::BotTokenChanged {
                account: 10,
                token: None,
            },
        ];
        assert_eq!(
            from_json(1, r#"{"type":"account_active","account":4,"active":false}"#),
            Event::AccountActive {
                account: 4,
                active: false,
                by: None
            },
            "events from before `by` was kept read as before"
        );
        for event in events {
            assert_eq!(from_json(1, &to_json(&event)), event);
        }
        assert_eq!(
            from_json(1, r#"{"type":"reaction_added","emoji":"x"}"#),
            Event::Unknown
        );
        assert_eq!(from_json(1, "not json"), Event::Unknown);
    }
}
