//! When a message notifies its reader, and what the tab's title says (pure logic). The
//! effects (the browser `Notification`, `document.title`, the favicon) live in
//! [`crate::components::Notifier`].
//!
//! A room's [`NotifyLevel`] is the reader's own choice per room (`PUT
//! /api/rooms/{id}/notify`); [`NotifyLevel::default_for`] gives it when they never chose.

use crate::rooms::Rooms;
use crate::route::room_path;
use common::room::{NotifyLevel, RoomId, RoomSummary};
use common::Message;

/// What the tab is called with nothing waiting.
pub const APP_TITLE: &str = "h2chat";

/// Longest notification body, in characters (the browser cuts it anyway; this keeps a long
/// message from sending kilobytes to the notification service).
pub const BODY_MAX_CHARS: usize = 140;

/// Whether `msg`, arriving live in a room where the reader's level is `level`, notifies
/// `reader` (their username; `None` for a guest, who gets no notifications). Your own
/// messages never notify you.
pub fn qualifies(level: NotifyLevel, reader: Option<&str>, msg: &Message) -> bool {
    let Some(reader) = reader else {
        return false;
    };
    if msg.account.as_deref() == Some(reader) {
        return false;
    }
    match level {
        NotifyLevel::All => true,
        NotifyLevel::Mentions => msg.here || msg.mentions.iter().any(|m| m == reader),
        NotifyLevel::Nothing => false,
    }
}

/// What waits for the reader in one room, by its level: every unread message (`all`), the
/// unread mentions (`mentions`), nothing (`nothing`).
pub fn room_attention(room: &RoomSummary) -> u32 {
    match room.notify {
        NotifyLevel::All => room.unread,
        NotifyLevel::Mentions => room.mentions,
        NotifyLevel::Nothing => 0,
    }
}

/// The number the title shows: [`room_attention`] summed over every room.
pub fn attention(rooms: &[RoomSummary]) -> u32 {
    rooms
        .iter()
        .map(room_attention)
        .fold(0, u32::saturating_add)
}

/// The tab's title for `count`: `current` without any count it carried, prefixed with
/// `(count) ` when there is something waiting. An empty title becomes [`APP_TITLE`].
pub fn attention_title(current: &str, count: u32) -> String {
    let base = strip_count(current).trim();
    let base = if base.is_empty() { APP_TITLE } else { base };
    if count == 0 {
        base.to_owned()
    } else {
        format!("({count}) {base}")
    }
}

/// `current` without a leading `(N) `.
fn strip_count(current: &str) -> &str {
    let Some(rest) = current.strip_prefix('(') else {
        return current;
    };
    match rest.split_once(") ") {
        Some((digits, base))
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            base
        }
        _ => current,
    }
}

/// A notification's body: `User: text`, as plain text, cut to [`BODY_MAX_CHARS`] with `…`.
pub fn notification_body(msg: &Message) -> String {
    let text = format!("{}: {}", msg.user, msg.text);
    if text.chars().count() <= BODY_MAX_CHARS {
        return text;
    }
    let mut cut: String = text.chars().take(BODY_MAX_CHARS - 1).collect();
    cut.push('…');
    cut
}

/// The tag of a room's notifications: a burst in one room replaces its notification rather
/// than stacking.
pub fn notification_tag(room: RoomId) -> String {
    format!("h2chat-room-{room}")
}

/// One notification to raise.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// The room's name.
    pub title: String,
    /// Plain text (notifications never render HTML): [`notification_body`].
    pub body: String,
    /// [`notification_tag`]: replaces the room's earlier notification.
    pub tag: String,
    /// The page that shows the room (`/` or `/r/ID`), opened when it is clicked.
    pub url: String,
}

/// The notifications for messages that just arrived (`fresh`, from [`Arrivals::take`]):
/// of those that [`qualifies`] for `reader`, the newest in each room.
pub fn alerts(rooms: &Rooms, fresh: &[(NotifyLevel, Message)], reader: Option<&str>) -> Vec<Alert> {
    let mut alerts: Vec<(RoomId, Alert)> = Vec::new();
    for (level, msg) in fresh {
        if !qualifies(*level, reader, msg) {
            continue;
        }
        let title = rooms
            .get(msg.room)
            .map_or_else(|| APP_TITLE.to_owned(), |r| r.name.clone());
        let alert = Alert {
            title,
            body: notification_body(msg),
            tag: notification_tag(msg.room),
            url: room_path(msg.room),
        };
        match alerts.iter_mut().find(|(room, _)| *room == msg.room) {
            Some((_, known)) => *known = alert,
            None => alerts.push((msg.room, alert)),
        }
    }
    alerts.into_iter().map(|(_, alert)| alert).collect()
}

/// Which messages arrived since it last looked: remembers, per room, the newest id it has
/// seen. A room seen for the first time (the first hello, a room added later) counts as
/// read up to its newest message then, so neither the backlog nor a history page fetched
/// later ever notifies. A reset (the stream's position went back: a new epoch) starts over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Arrivals {
    seen: Vec<(RoomId, u64)>,
    position: u64,
}

impl Arrivals {
    /// The messages that arrived since the last call, with their room's level, oldest first.
    pub fn take(&mut self, rooms: &Rooms) -> Vec<(NotifyLevel, Message)> {
        if !rooms.known() {
            return Vec::new();
        }
        if rooms.position() < self.position {
            self.seen.clear();
        }
        self.position = rooms.position();
        let mut fresh = Vec::new();
        for room in rooms.list() {
            let messages = rooms.messages(room.id);
            let newest = messages.last().map_or(0, |m| m.id);
            match self.seen.iter_mut().find(|(id, _)| *id == room.id) {
                Some((_, seen)) => {
                    let start = messages.partition_point(|m| m.id <= *seen);
                    fresh.extend(messages[start..].iter().map(|m| (room.notify, m.clone())));
                    *seen = (*seen).max(newest);
                }
                None => self.seen.push((room.id, newest.max(room.last_id))),
            }
        }
        self.seen
            .retain(|(id, _)| rooms.list().iter().any(|r| r.id == *id));
        fresh.sort_by_key(|(_, m)| m.id);
        fresh
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::room::RoomKind;
    use common::StreamEvent;

    fn msg(id: u64, room: RoomId, account: Option<&str>) -> Message {
        Message {
            id,
            user: account.unwrap_or("guest").to_uppercase(),
            text: format!("t{id}"),
            room,
            account: account.map(str::to_owned),
            ..Default::default()
        }
    }

    fn summary(id: RoomId, kind: RoomKind, unread: u32, mentions: u32) -> RoomSummary {
        RoomSummary {
            id,
            kind,
            name: format!("r{id}"),
            members: vec![],
            last_id: 0,
            archived: false,
            manage: false,
            read: 0,
            unread,
            mentions,
            notify: NotifyLevel::default_for(kind),
        }
    }

    #[test]
    fn levels_decide_which_messages_notify() {
        let plain = msg(1, 0, Some("ann"));
        let mention = Message {
            mentions: vec!["bob".into()],
            ..plain.clone()
        };
        let other_mention = Message {
            mentions: vec!["cy".into()],
            ..plain.clone()
        };
        let here = Message {
            here: true,
            ..plain.clone()
        };
        let bob = Some("bob");
        assert!(qualifies(NotifyLevel::All, bob, &plain));
        assert!(qualifies(NotifyLevel::All, bob, &mention));
        assert!(!qualifies(NotifyLevel::Mentions, bob, &plain));
        assert!(!qualifies(NotifyLevel::Mentions, bob, &other_mention));
        assert!(qualifies(NotifyLevel::Mentions, bob, &mention));
        assert!(qualifies(NotifyLevel::Mentions, bob, &here));
        for m in [&plain, &mention, &here] {
            assert!(!qualifies(NotifyLevel::Nothing, bob, m));
            // Guests get none; nobody is notified of their own message.
            assert!(!qualifies(NotifyLevel::All, None, m));
            assert!(!qualifies(NotifyLevel::All, Some("ann"), m));
            assert!(!qualifies(NotifyLevel::Mentions, Some("ann"), m));
        }
        // A guest's message (no account) notifies an account whose level is `all`.
        assert!(qualifies(NotifyLevel::All, bob, &msg(2, 0, None)));
    }

    #[test]
    fn attention_counts_by_each_rooms_level() {
        let mut rooms = vec![
            summary(0, RoomKind::Open, 5, 1),
            summary(3, RoomKind::Direct, 2, 0),
            summary(4, RoomKind::Closed, 7, 2),
        ];
        // Rooms count their mentions, directs every unread message.
        assert_eq!(attention(&rooms), 1 + 2 + 2);
        rooms[0].notify = NotifyLevel::All;
        rooms[1].notify = NotifyLevel::Nothing;
        assert_eq!(attention(&rooms), 5 + 2);
        rooms[2].unread = u32::MAX;
        rooms[2].notify = NotifyLevel::All;
        assert_eq!(attention(&rooms), u32::MAX);
        assert_eq!(attention(&[]), 0);
    }

    #[test]
    fn title_carries_the_count_on_its_base() {
        assert_eq!(attention_title("h2chat", 0), "h2chat");
        assert_eq!(attention_title("h2chat", 3), "(3) h2chat");
        assert_eq!(attention_title("(3) h2chat", 12), "(12) h2chat");
        assert_eq!(attention_title("(12) h2chat", 0), "h2chat");
        assert_eq!(attention_title("", 1), "(1) h2chat");
        assert_eq!(attention_title("Team chat", 2), "(2) Team chat");
        // Only a count is taken off, not other parentheses.
        assert_eq!(attention_title("(beta) chat", 1), "(1) (beta) chat");
        assert_eq!(attention_title("() chat", 0), "() chat");
    }

    #[test]
    fn body_is_user_and_text_cut_to_length() {
        let mut m = msg(1, 0, Some("ann"));
        m.text = "<b>hi</b>".into();
        assert_eq!(notification_body(&m), "ANN: <b>hi</b>");
        m.text = "é".repeat(500);
        let body = notification_body(&m);
        assert_eq!(body.chars().count(), BODY_MAX_CHARS);
        assert!(body.starts_with("ANN: éé") && body.ends_with('…'));
        assert_eq!(notification_tag(7), "h2chat-room-7");
    }

    fn hello(msgs: Vec<Message>, rooms: Vec<RoomSummary>, reset: bool) -> StreamEvent {
        StreamEvent::Hello {
            epoch: "e".into(),
            reset,
            heartbeat_ms: 15_000,
            msgs,
            older: false,
            rooms: Some(rooms),
        }
    }

    #[test]
    fn arrivals_are_what_the_stream_adds_after_the_first_look() {
        let mut rooms = Rooms::default();
        let mut arrivals = Arrivals::default();
        assert!(arrivals.take(&rooms).is_empty());
        let mut direct = summary(5, RoomKind::Direct, 0, 0);
        direct.notify = NotifyLevel::All;
        rooms.apply(hello(
            vec![msg(1, 0, Some("ann")), msg(2, 5, Some("ann"))],
            vec![summary(0, RoomKind::Open, 0, 0), direct],
            false,
        ));
        assert!(
            arrivals.take(&rooms).is_empty(),
            "the backlog never notifies"
        );
        rooms.apply(StreamEvent::Msgs {
            msgs: vec![msg(3, 5, Some("ann")), msg(4, 0, Some("cy"))],
        });
        let fresh = arrivals.take(&rooms);
        let got: Vec<(NotifyLevel, u64)> = fresh.iter().map(|(l, m)| (*l, m.id)).collect();
        assert_eq!(got, [(NotifyLevel::All, 3), (NotifyLevel::Mentions, 4)]);
        assert!(arrivals.take(&rooms).is_empty(), "each arrives once");

        // A room added later with history: neither its summary's newest message nor a
        // history page fetched afterwards notifies; what arrives after does.
        let mut closed = summary(9, RoomKind::Closed, 0, 0);
        closed.last_id = 8;
        rooms.apply(StreamEvent::RoomAdded { room: closed });
        assert!(arrivals.take(&rooms).is_empty());
        rooms.timeline_mut(9).prepend(common::HistoryPage {
            msgs: vec![msg(7, 9, Some("cy")), msg(8, 9, Some("cy"))],
            more: false,
        });
        assert!(arrivals.take(&rooms).is_empty());
        rooms.apply(StreamEvent::Msgs {
            msgs: vec![msg(10, 9, Some("cy"))],
        });
        assert_eq!(arrivals.take(&rooms)[0].1.id, 10);

        // A new epoch: its backlog is a first look again.
        rooms.apply(hello(
            vec![msg(1, 5, Some("ann"))],
            vec![
                summary(0, RoomKind::Open, 0, 0),
                summary(5, RoomKind::Direct, 0, 0),
            ],
            true,
        ));
        assert!(arrivals.take(&rooms).is_empty());
        rooms.apply(StreamEvent::Msgs {
            msgs: vec![msg(2, 5, Some("ann"))],
        });
        assert_eq!(arrivals.take(&rooms)[0].1.id, 2);
    }

    #[test]
    fn alerts_name_the_room_and_keep_each_rooms_newest() {
        let mut rooms = Rooms::default();
        let mut direct = summary(5, RoomKind::Direct, 0, 0);
        direct.name = "Ann".into();
        rooms.apply(hello(
            vec![],
            vec![summary(0, RoomKind::Open, 0, 0), direct],
            false,
        ));
        let mention = Message {
            mentions: vec!["bob".into()],
            ..msg(4, 0, Some("cy"))
        };
        let fresh = vec![
            (NotifyLevel::All, msg(1, 5, Some("ann"))),
            (NotifyLevel::Mentions, msg(2, 0, Some("cy"))),
            (NotifyLevel::All, msg(3, 5, Some("ann"))),
            (NotifyLevel::Mentions, mention),
            (NotifyLevel::All, msg(6, 5, Some("bob"))),
        ];
        let got = alerts(&rooms, &fresh, Some("bob"));
        assert_eq!(
            got,
            [
                Alert {
                    title: "Ann".into(),
                    body: "ANN: t3".into(),
                    tag: "h2chat-room-5".into(),
                    url: "/r/5".into(),
                },
                Alert {
                    title: "r0".into(),
                    body: "CY: t4".into(),
                    tag: "h2chat-room-0".into(),
                    url: "/".into(),
                },
            ]
        );
        assert!(alerts(&rooms, &fresh, None).is_empty());
    }
}
