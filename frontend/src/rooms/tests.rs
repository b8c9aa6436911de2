use super::*;
use common::HistoryPage;

fn m(id: u64, room: RoomId) -> Message {
    Message {
        id,
        user: "u".into(),
        text: format!("t{id}"),
        time: 0,
        room,
        ..Default::default()
    }
}

fn room(id: RoomId, kind: RoomKind, name: &str) -> RoomSummary {
    RoomSummary {
        id,
        kind,
        name: name.into(),
        members: vec![],
        last_id: 0,
        archived: false,
        manage: false,
        read: 0,
        unread: 0,
        mentions: 0,
        notify: common::room::NotifyLevel::default_for(kind),
    }
}

fn hello(epoch: &str, reset: bool, msgs: Vec<Message>, rooms: Vec<RoomSummary>) -> StreamEvent {
    StreamEvent::Hello {
        epoch: epoch.into(),
        reset,
        heartbeat_ms: 15_000,
        msgs,
        older: true,
        rooms: Some(rooms),
    }
}

fn ids(rooms: &Rooms, id: RoomId) -> Vec<u64> {
    rooms.messages(id).iter().map(|m| m.id).collect()
}

fn three() -> Vec<RoomSummary> {
    vec![
        room(0, RoomKind::Open, "lobby"),
        room(5, RoomKind::Direct, "Bob"),
        room(7, RoomKind::Closed, "ops"),
    ]
}

#[test]
fn messages_go_to_their_room_and_the_position_is_the_newest_of_all() {
    let mut r = Rooms::default();
    assert_eq!(r.resume_query(), "?since=0");
    assert!(r.apply(hello("e", false, vec![m(1, 0), m(3, 7)], three())));
    assert!(r.apply(StreamEvent::Msgs {
        msgs: vec![m(8, 5), m(9, 0)]
    }));
    assert_eq!(ids(&r, 0), vec![1, 9]);
    assert_eq!(ids(&r, 5), vec![8]);
    assert_eq!(ids(&r, 7), vec![3]);
    assert_eq!(r.position(), 9);
    assert_eq!(r.resume_query(), "?since=9&epoch=e");
    assert!(
        !r.apply(StreamEvent::Msgs {
            msgs: vec![m(9, 0)]
        }),
        "a replay"
    );
    assert!(!r.apply(StreamEvent::Heartbeat { time: 1 }));
}

#[test]
fn a_room_added_without_messages_offers_nothing_older() {
    let mut rooms = Rooms::default();
    rooms.apply(hello("e", true, vec![m(1, 0)], three()));
    let mut fresh = room(40, RoomKind::Closed, "fresh");
    fresh.last_id = 0;
    rooms.apply(StreamEvent::RoomAdded { room: fresh });
    let mut joined = room(41, RoomKind::Closed, "joined");
    joined.last_id = 30;
    rooms.apply(StreamEvent::RoomAdded { room: joined });
    rooms.apply(StreamEvent::Msgs {
        msgs: vec![m(50, 40), m(51, 41)],
    });
    assert!(
        !rooms.timeline(40).can_load_older(),
        "born empty: all is here"
    );
    assert!(
        rooms.timeline(41).can_load_older(),
        "joined late: 30 and before exist"
    );
}

#[test]
fn rooms_come_before_directs() {
    let mut r = Rooms::default();
    r.apply(hello("e", false, vec![], three()));
    let rooms: Vec<&str> = r.rooms().map(|r| r.name.as_str()).collect();
    let directs: Vec<&str> = r.directs().map(|r| r.name.as_str()).collect();
    assert_eq!(rooms, vec!["lobby", "ops"]);
    assert_eq!(directs, vec!["Bob"]);
}

#[test]
fn the_hellos_list_replaces_and_drops_what_is_gone() {
    let mut r = Rooms::default();
    r.apply(hello("e", false, vec![m(1, 0), m(3, 7)], three()));
    // Reconnected: room 7 went while we were away.
    let fewer = vec![
        room(0, RoomKind::Open, "lobby"),
        room(5, RoomKind::Direct, "Bob"),
    ];
    assert!(r.apply(hello("e", false, vec![m(4, 5)], fewer)));
    assert!(r.get(7).is_none());
    assert!(r.messages(7).is_empty());
    assert_eq!(ids(&r, 0), vec![1]);
    assert_eq!(ids(&r, 5), vec![4]);
}

#[test]
fn a_reset_replaces_every_timeline() {
    let mut r = Rooms::default();
    r.apply(hello("old", false, vec![m(1, 0), m(3, 7)], three()));
    assert!(r.apply(hello("new", true, vec![m(2, 7)], three())));
    assert!(r.messages(0).is_empty());
    assert_eq!(ids(&r, 7), vec![2]);
    assert_eq!(r.resume_query(), "?since=2&epoch=new");
}

#[test]
fn rooms_are_added_updated_and_removed() {
    let mut r = Rooms::default();
    r.apply(hello("e", false, vec![m(3, 7)], three()));
    let mut renamed = room(7, RoomKind::Closed, "ops team");
    renamed.archived = true;
    assert!(r.apply(StreamEvent::RoomUpdated {
        room: renamed.clone()
    }));
    assert_eq!(r.get(7), Some(&renamed));
    assert!(!r.apply(StreamEvent::RoomUpdated { room: renamed }));
    assert!(r.apply(StreamEvent::RoomAdded {
        room: room(11, RoomKind::Open, "new")
    }));
    assert_eq!(r.list().last().map(|r| r.id), Some(11));

    assert!(r.apply(StreamEvent::RoomRemoved { id: 7 }));
    assert!(r.get(7).is_none() && r.messages(7).is_empty());
    assert!(!r.apply(StreamEvent::RoomRemoved { id: 7 }));
    assert_eq!(r.position(), 3, "the position stays");
}

#[test]
fn a_room_with_history_but_nothing_shown_needs_it() {
    let mut r = Rooms::default();
    let mut rooms = three();
    rooms[2].last_id = 3;
    r.apply(hello("e", false, vec![], rooms));
    assert!(r.needs_history(7));
    assert!(!r.needs_history(5), "nothing was ever said there");
    r.timeline_mut(7).prepend(HistoryPage {
        msgs: vec![m(3, 7)],
        more: false,
    });
    assert!(!r.needs_history(7));
    assert_eq!(r.position(), 0, "history is not the stream's position");
}

#[test]
fn a_room_whose_history_is_gone_asks_once_and_shows_nothing_older() {
    // Its newest id says it had messages, but retention deleted them all.
    let mut r = Rooms::default();
    let mut rooms = three();
    rooms[2].last_id = 3;
    r.apply(hello("e", false, vec![], rooms));
    assert!(r.needs_history(7));
    assert!(!r.timeline_mut(7).prepend(HistoryPage {
        msgs: vec![],
        more: false,
    }));
    assert!(!r.needs_history(7), "not asked again");
    assert!(!r.timeline(7).can_load_older());
    assert!(r.messages(7).is_empty());
}

#[test]
fn usernames_from_every_room_once() {
    let mut rooms = three();
    rooms[1].members = vec!["bob".into(), "ann".into()];
    rooms[2].members = vec!["cy".into(), "ann".into()];
    let mut r = Rooms::default();
    r.apply(hello("e", false, vec![], rooms));
    assert_eq!(r.known_usernames(), vec!["ann", "bob", "cy"]);
}

#[test]
fn edits_and_deletions_change_the_message_in_its_room_only() {
    let mut r = Rooms::default();
    r.apply(hello("e", true, vec![m(1, 0), m(3, 7)], three()));
    let edited = Message {
        text: "better".into(),
        edited: true,
        ..m(3, 7)
    };
    assert!(r.apply(StreamEvent::Edited {
        msg: edited.clone()
    }));
    assert_eq!(r.messages(7), [edited]);
    let deleted = Message {
        text: String::new(),
        deleted: true,
        ..m(1, 0)
    };
    assert!(r.apply(StreamEvent::Deleted {
        msg: deleted.clone()
    }));
    assert!(!r.apply(StreamEvent::Deleted { msg: deleted }), "a replay");
    assert!(r.messages(0)[0].deleted && r.messages(0)[0].text.is_empty());
    assert!(
        !r.apply(StreamEvent::Edited { msg: m(3, 5) }),
        "no message 3 in room 5"
    );
    assert_eq!(r.position(), 3, "a change moves no position");
}

#[test]
fn reactions_change_the_message_in_their_room_once_and_survive_an_edit() {
    let mut r = Rooms::default();
    r.apply(hello("e", true, vec![m(1, 0), m(3, 7)], three()));
    let react = |id, message, emoji: &str, added| StreamEvent::Reaction {
        id,
        message,
        emoji: emoji.into(),
        account: "ann".into(),
        added,
    };
    assert!(r.apply(react(7, 3, "👍", true)));
    assert!(!r.apply(react(7, 3, "👍", true)), "a replay");
    assert!(
        !r.apply(react(0, 3, "👍", true)),
        "no message 3 in the lobby"
    );
    assert_eq!(r.messages(7)[0].reactions[0].accounts, ["ann"]);
    let edited = Message {
        text: "better".into(),
        edited: true,
        ..m(3, 7)
    };
    assert!(r.apply(StreamEvent::Edited { msg: edited }));
    assert_eq!(r.messages(7)[0].reactions.len(), 1, "kept through the edit");
    assert!(r.apply(react(7, 3, "👍", false)));
    assert!(r.messages(7)[0].reactions.is_empty());
    let deleted = Message {
        deleted: true,
        ..m(1, 0)
    };
    r.apply(StreamEvent::Deleted { msg: deleted });
    assert!(
        !r.apply(react(0, 1, "🎉", true)),
        "a deleted message takes none"
    );
}
