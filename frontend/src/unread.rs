//! Unread and mention counts as the page keeps them between hellos (pure logic).
//!
//! The server counts in every hello and room list (`RoomSummary.read`, `unread`,
//! `mentions`); after that, each message that arrives live is counted here: one by someone
//! else after the reader's marker is unread, and a mention when it names the reader or
//! says `@here` (the server never counts `@here`: it is meant for those online when it
//! arrives, which is exactly who receives it live). A `read` event (this tab's marker, or
//! another tab's) replaces the counts with the server's.

use common::room::{RoomSummary, UNREAD_COUNT_MAX};
use common::Message;

/// Whether `message` was written by `me` (a lowercase username).
pub fn is_own(message: &Message, me: Option<&str>) -> bool {
    match (message.account.as_deref(), me) {
        (Some(author), Some(me)) => author.to_lowercase() == me,
        _ => false,
    }
}

/// Whether `message` mentions `me`, or everyone online.
pub fn mentions_me(message: &Message, me: Option<&str>) -> bool {
    message.here || me.is_some_and(|me| message.mentions.iter().any(|name| name == me))
}

/// Counts a message that just arrived in `room`'s summary; returns whether it changed.
/// A message the summary already covers (its id is not past `last_id`) is not counted
/// again.
pub fn count_live(room: &mut RoomSummary, message: &Message, me: Option<&str>) -> bool {
    if message.id <= room.last_id {
        return false;
    }
    room.last_id = message.id;
    if message.id > room.read && !is_own(message, me) {
        room.unread = (room.unread + 1).min(UNREAD_COUNT_MAX);
        if mentions_me(message, me) {
            room.mentions = (room.mentions + 1).min(UNREAD_COUNT_MAX);
        }
    }
    true
}

/// The message the "new messages" divider goes above: the first by someone else after
/// `read`.
pub fn first_unread(messages: &[Message], read: u64, me: Option<&str>) -> Option<u64> {
    messages
        .iter()
        .find(|m| m.id > read && !is_own(m, me))
        .map(|m| m.id)
}

/// How a count reads in the sidebar: the number, or "999+" at the cap.
pub fn count_label(count: u32) -> String {
    if count >= UNREAD_COUNT_MAX {
        format!("{UNREAD_COUNT_MAX}+")
    } else {
        count.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::room::{NotifyLevel, RoomId, RoomKind};
    use common::StreamEvent;

    fn summary() -> RoomSummary {
        RoomSummary {
            id: 7,
            kind: RoomKind::Closed,
            name: "ops".into(),
            members: vec![],
            last_id: 10,
            archived: false,
            manage: false,
            read: 10,
            unread: 0,
            mentions: 0,
            notify: NotifyLevel::Mentions,
        }
    }

    fn by(id: u64, author: &str, mentions: &[&str], here: bool) -> Message {
        Message {
            id,
            room: 7,
            account: Some(author.into()),
            mentions: mentions.iter().map(|m| m.to_string()).collect(),
            here,
            ..Default::default()
        }
    }

    #[test]
    fn others_messages_count_and_mentions_of_me_or_here_count_twice() {
        let mut room = summary();
        let me = Some("ann");
        assert!(count_live(&mut room, &by(11, "bob", &[], false), me));
        assert!(count_live(&mut room, &by(12, "bob", &["ann"], false), me));
        assert!(count_live(&mut room, &by(13, "bob", &[], true), me));
        assert!(
            count_live(&mut room, &by(14, "Ann", &["ann"], true), me),
            "mine"
        );
        assert!(count_live(&mut room, &by(15, "bob", &["cy"], false), me));
        assert_eq!((room.unread, room.mentions, room.last_id), (4, 2, 15));
        assert!(
            !count_live(&mut room, &by(12, "bob", &["ann"], false), me),
            "a replay"
        );
        assert_eq!(room.unread, 4);
    }

    #[test]
    fn what_is_read_already_does_not_count() {
        let mut room = summary();
        room.read = 20;
        count_live(&mut room, &by(15, "bob", &["ann"], false), Some("ann"));
        assert_eq!((room.unread, room.mentions, room.last_id), (0, 0, 15));
    }

    #[test]
    fn the_cap_holds() {
        let mut room = summary();
        room.unread = UNREAD_COUNT_MAX;
        count_live(&mut room, &by(11, "bob", &[], false), None);
        assert_eq!(room.unread, UNREAD_COUNT_MAX);
        assert_eq!(count_label(UNREAD_COUNT_MAX), "999+");
        assert_eq!(count_label(3), "3");
    }

    #[test]
    fn the_divider_goes_above_the_first_message_of_someone_else_after_the_marker() {
        let messages = [
            by(9, "bob", &[], false),
            by(11, "ann", &[], false),
            by(12, "bob", &[], false),
            by(13, "bob", &[], false),
        ];
        assert_eq!(first_unread(&messages, 10, Some("ann")), Some(12));
        assert_eq!(first_unread(&messages, 13, Some("ann")), None);
        assert_eq!(first_unread(&messages, 0, None), Some(9));
    }

    fn m(id: u64, room: RoomId) -> Message {
        Message {
            id,
            room,
            ..Default::default()
        }
    }

    fn three() -> Vec<RoomSummary> {
        [
            (0, RoomKind::Open),
            (5, RoomKind::Direct),
            (7, RoomKind::Closed),
        ]
        .into_iter()
        .map(|(id, kind)| RoomSummary {
            id,
            kind,
            ..summary()
        })
        .map(|mut r| {
            r.last_id = 0;
            r.read = 0;
            r
        })
        .collect()
    }

    fn hello(msgs: Vec<Message>, rooms: Vec<RoomSummary>) -> StreamEvent {
        StreamEvent::Hello {
            epoch: "e".into(),
            reset: false,
            heartbeat_ms: 15_000,
            msgs,
            older: true,
            rooms: Some(rooms),
        }
    }

    #[test]
    fn live_messages_count_until_a_read_event_clears_them() {
        let mut r = crate::rooms::Rooms::default();
        r.set_me(Some("Ann"));
        let mut rooms = three();
        rooms[2].last_id = 3;
        rooms[2].read = 3;
        r.apply(hello(vec![m(3, 7)], rooms));
        let mut mine = m(4, 7);
        mine.account = Some("ann".into());
        let mut mention = m(5, 7);
        mention.mentions = vec!["ann".into()];
        r.apply(StreamEvent::Msgs {
            msgs: vec![mine, mention, m(6, 7), m(7, 0)],
        });
        let ops = r.get(7).unwrap();
        assert_eq!((ops.unread, ops.mentions, ops.last_id), (2, 1, 6));
        assert_eq!(r.get(0).unwrap().unread, 1);
        // A hello's messages are counted by the server, not again here.
        let mut again = three();
        again[2].last_id = 6;
        again[2].read = 3;
        again[2].unread = 2;
        r.apply(hello(vec![m(8, 5)], again));
        assert_eq!(r.get(5).unwrap().unread, 0);
        assert_eq!(r.get(7).unwrap().unread, 2);
        assert!(r.apply(StreamEvent::Read {
            id: 7,
            read: 6,
            unread: 0,
            mentions: 0
        }));
        assert_eq!(r.get(7).unwrap().unread, 0);
        assert!(
            !r.apply(StreamEvent::Read {
                id: 7,
                read: 5,
                unread: 1,
                mentions: 0
            }),
            "an older marker arriving late changes nothing"
        );
    }
}
