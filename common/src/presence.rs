//! Presence on the wire: who is online, as `GET /api/rooms/{id}/presence` answers it, and
//! the timing rules the `presence` stream line follows ([`crate::wire::StreamEvent::Presence`]).
//!
//! An account is online while at least one of its streams is open, on any node. Presence
//! belongs to accounts, not rooms: every account may read the lobby, where everyone is a
//! member, so who is online is no secret from any reader, and one line tells every room at
//! once (a room's online members are its members that are online; an open room's are
//! everyone online).

use serde::{Deserialize, Serialize};

/// The most often a stream gets a `presence` line: changes are gathered and sent together.
pub const PRESENCE_EVERY_MS: u64 = 1_000;

/// How long an account whose last stream closed still counts as online: a reload or a
/// reconnect within this time shows no one leaving.
pub const OFFLINE_GRACE_MS: u64 = 5_000;

/// Body of `GET /api/rooms/{id}/presence`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoomPresence {
    /// How many of the room's members are online.
    #[serde(default)]
    pub count: u32,
    /// Usernames of the room's members that are online, sorted; empty for a guest, who
    /// is told how many, not who.
    pub online: Vec<String>,
    /// Streams open without an account (the lobby only; left out for other rooms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guests: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::encode_line;
    use crate::StreamEvent;

    #[test]
    fn guests_are_left_out_unless_given() {
        let room = RoomPresence {
            count: 1,
            online: vec!["ann".into()],
            guests: None,
        };
        let json = serde_json::to_string(&room).unwrap();
        assert_eq!(json, r#"{"count":1,"online":["ann"]}"#);
        assert_eq!(serde_json::from_str::<RoomPresence>(&json).unwrap(), room);
        let lobby = RoomPresence {
            count: 2,
            online: vec![],
            guests: Some(3),
        };
        let json = serde_json::to_string(&lobby).unwrap();
        assert_eq!(json, r#"{"count":2,"online":[],"guests":3}"#);
        assert_eq!(serde_json::from_str::<RoomPresence>(&json).unwrap(), lobby);
    }

    #[test]
    fn a_presence_line_is_small_and_leaves_out_what_is_empty() {
        let event = StreamEvent::Presence {
            reset: false,
            online: 4,
            guests: 1,
            joined: vec!["ann".into()],
            left: vec![],
        };
        let line = String::from_utf8(encode_line(&event)).unwrap();
        assert_eq!(
            line,
            "{\"type\":\"presence\",\"online\":4,\"guests\":1,\"joined\":[\"ann\"]}\n"
        );
        assert_eq!(StreamEvent::from_json(&line).unwrap(), event);
        assert_eq!(serde_json::from_str::<StreamEvent>(&line).unwrap(), event);
    }
}
