//! Rooms on the wire: the lobby, open and closed rooms and direct messages, the `/api/rooms`
//! bodies, and the rules a room's name meets.
//!
//! A room's id is the log id of the event that created it, so it never changes and is never
//! reused; the lobby, which always exists, is [`LOBBY`] (0). Messages carry their room; a
//! lobby message leaves the field out, so the course's lines are unchanged.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A room's id.
pub type RoomId = u64;

/// The lobby: the open room every install has, the course's `/msgs`, where guests talk.
pub const LOBBY: RoomId = 0;

/// Longest room name, in characters.
pub const ROOM_NAME_MAX_CHARS: usize = 64;
/// Most accounts in a direct conversation (its starter included), and fewest.
pub const DIRECT_MAX_MEMBERS: usize = 8;
pub const DIRECT_MIN_MEMBERS: usize = 2;

/// Who may read a room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RoomKind {
    /// Every account (and, in the lobby only, guests).
    Open,
    /// Only its members, added by its managers.
    Closed,
    /// A private conversation of a fixed set of 2 to 8 accounts.
    Direct,
}

/// A room as one account sees it: `GET /api/rooms`, and `room_added` / `room_updated` on the
/// stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomSummary {
    pub id: RoomId,
    pub kind: RoomKind,
    /// For a direct room, the other members' display names joined (the server fills it in
    /// for each reader).
    pub name: String,
    /// Usernames of the members, for closed and direct rooms; empty for open rooms, whose
    /// members are everyone.
    #[serde(default)]
    pub members: Vec<String>,
    /// The newest message's id in this room (0: none yet).
    #[serde(default)]
    pub last_id: u64,
    /// Archived rooms are read-only.
    #[serde(default)]
    pub archived: bool,
    /// Whether the reader may rename, archive and change members.
    #[serde(default)]
    pub manage: bool,
    /// The reader's read marker: the newest message of this room they have read (0: none).
    /// It only moves forward (`POST /api/rooms/{id}/read`).
    #[serde(default)]
    pub read: u64,
    /// Messages after [`RoomSummary::read`] that others wrote (counted up to
    /// [`UNREAD_COUNT_MAX`]).
    #[serde(default)]
    pub unread: u32,
    /// Of those, the ones that mention the reader by name.
    #[serde(default)]
    pub mentions: u32,
    /// When the reader wants to be notified of this room's messages.
    #[serde(default)]
    pub notify: NotifyLevel,
}

/// The most unread messages counted per room; a page shows more as "99+"-style caps.
pub const UNREAD_COUNT_MAX: u32 = 999;

/// When a room's messages notify its reader (per account and room; `PUT
/// /api/rooms/{id}/notify`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NotifyLevel {
    /// Every message someone else writes (the default for direct rooms).
    All,
    /// Only messages that mention the reader, or `@here` while they are online (the default
    /// for other rooms).
    #[default]
    Mentions,
    /// Never.
    Nothing,
}

impl NotifyLevel {
    /// The level an account has in a room it never chose one for.
    pub fn default_for(kind: RoomKind) -> Self {
        match kind {
            RoomKind::Direct => Self::All,
            RoomKind::Open | RoomKind::Closed => Self::Mentions,
        }
    }
}

/// Body of `POST /api/rooms/{id}/read`: the newest message read; the marker never moves back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadMarker {
    pub id: u64,
}

/// Answer to `POST /api/rooms/{id}/read`: the marker as it stands and the counts after it
/// (the same as the `read` event the account's other streams get).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadState {
    pub read: u64,
    pub unread: u32,
    pub mentions: u32,
}

/// Body of `PUT /api/rooms/{id}/notify`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotifyChoice {
    pub level: NotifyLevel,
}

/// Body of `POST /api/rooms`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewRoom {
    pub name: String,
    /// `open` or `closed` (a direct room is made with `POST /api/dms`).
    pub kind: RoomKind,
    /// Usernames to add besides the creator (closed rooms).
    #[serde(default)]
    pub members: Vec<String>,
}

/// Body of `PATCH /api/rooms/{id}`: what to change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomChange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived: Option<bool>,
}

/// Body of `POST /api/rooms/{id}/members`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewMember {
    pub username: String,
}

/// Body of `POST /api/dms`: the other members (the caller is added).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewDirect {
    pub members: Vec<String>,
}

/// Body of `POST /api/rooms/{id}/msgs`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomPost {
    pub text: String,
}

/// Why a room's name was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RoomNameError {
    #[error("room name must not be empty")]
    Empty,
    #[error("room name is {got} characters long; at most {ROOM_NAME_MAX_CHARS} are allowed")]
    TooLong { got: usize },
    #[error("room name contains the control character U+{code:04X}; none are allowed")]
    ControlChar { code: u32 },
}

/// A room's name: 1 to 64 characters after trimming, no control characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomName(String);

impl RoomName {
    pub fn parse(raw: &str) -> Result<Self, RoomNameError> {
        let name = raw.trim();
        if name.is_empty() {
            return Err(RoomNameError::Empty);
        }
        let got = name.chars().count();
        if got > ROOM_NAME_MAX_CHARS {
            return Err(RoomNameError::TooLong { got });
        }
        if let Some(c) = name.chars().find(|c| c.is_control()) {
            return Err(RoomNameError::ControlChar { code: c as u32 });
        }
        Ok(Self(name.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_names_are_trimmed_bounded_and_printable() {
        assert_eq!(RoomName::parse("  ops ").unwrap().as_str(), "ops");
        assert_eq!(RoomName::parse(" "), Err(RoomNameError::Empty));
        assert_eq!(
            RoomName::parse(&"é".repeat(65)),
            Err(RoomNameError::TooLong { got: 65 })
        );
        assert!(RoomName::parse(&"é".repeat(64)).is_ok());
        assert_eq!(
            RoomName::parse("a\u{7}b"),
            Err(RoomNameError::ControlChar { code: 7 })
        );
    }

    #[test]
    fn summaries_round_trip_and_kinds_are_lowercase() {
        let summary = RoomSummary {
            id: 7,
            kind: RoomKind::Direct,
            name: "Bob".into(),
            members: vec!["ann".into(), "bob".into()],
            last_id: 9,
            archived: false,
            manage: false,
            read: 8,
            unread: 1,
            mentions: 0,
            notify: NotifyLevel::All,
        };
        let json = serde_json::to_string(&summary).unwrap();
        assert!(json.contains("\"kind\":\"direct\""), "{json}");
        assert_eq!(serde_json::from_str::<RoomSummary>(&json).unwrap(), summary);
        let new: NewRoom = serde_json::from_str(r#"{"name":"ops","kind":"closed"}"#).unwrap();
        assert!(new.members.is_empty());
    }
}
