//! Unit tests of the rooms as the log makes them: who reads what, direct rooms by member
//! set, members coming and going.

use super::*;
use crate::event::{Entry, Event, Record};
use common::account::Role;
use common::Message;

fn event(id: u64, event: Event) -> Entry {
    Entry {
        id,
        time: 0,
        record: Record::Event(event),
    }
}

fn account(id: u64, name: &str) -> Entry {
    event(
        id,
        Event::AccountCreated {
            username: name.into(),
            display_name: name.to_uppercase(),
            password_hash: String::new(),
            role: if id == 1 { Role::Admin } else { Role::Member },
            invite: None,
        },
    )
}

/// Accounts ann (1, admin), bob (2), cat (3); a closed room 10 of ann and bob; an open
/// room 11 by cat; a direct room 12 of bob and cat.
fn log() -> Vec<Entry> {
    vec![
        account(1, "ann"),
        account(2, "bob"),
        account(3, "cat"),
        event(
            10,
            Event::RoomCreated {
                kind: RoomKind::Closed,
                name: "plans".into(),
                created_by: 1,
                members: vec![1, 2],
            },
        ),
        event(
            11,
            Event::RoomCreated {
                kind: RoomKind::Open,
                name: "random".into(),
                created_by: 3,
                members: vec![3],
            },
        ),
        event(
            12,
            Event::RoomCreated {
                kind: RoomKind::Direct,
                name: String::new(),
                created_by: 2,
                members: vec![2, 3],
            },
        ),
    ]
}

fn setup() -> (Rooms, Directory) {
    let log = log();
    (Rooms::new(&log), Directory::new(&log, 12))
}

#[test]
fn each_reader_reads_the_lobby_open_rooms_and_their_own() {
    let (rooms, directory) = setup();
    let ids = |reader: Option<u64>| -> Vec<RoomId> {
        let account = reader.and_then(|id| directory.account(id));
        rooms
            .summaries_for(account.as_ref(), &directory)
            .iter()
            .map(|r| r.id)
            .collect()
    };
    assert_eq!(ids(None), vec![LOBBY], "a guest reads the lobby alone");
    assert_eq!(ids(Some(1)), vec![LOBBY, 10, 11]);
    assert_eq!(ids(Some(2)), vec![LOBBY, 10, 11, 12]);
    assert_eq!(ids(Some(3)), vec![LOBBY, 11, 12]);
    assert!(!rooms.may_read(10, Some(3)), "cat is not in plans");
    assert!(
        !rooms.may_read(12, Some(1)),
        "nor is ann in bob and cat's DM"
    );
    assert!(!rooms.may_read(11, None), "guests read the lobby only");
    assert!(!rooms.may_read(99, Some(1)), "no such room");
    assert_eq!(rooms.restricted_rooms_of(2), BTreeSet::from([10, 12]));
}

#[test]
fn a_direct_room_is_named_for_the_others_and_found_by_its_members() {
    let (rooms, directory) = setup();
    let bob = directory.account(2).unwrap();
    let view = rooms.summary_for(12, Some(&bob), &directory).unwrap();
    assert_eq!(view.name, "CAT");
    assert_eq!(view.members, vec!["bob", "cat"]);
    assert!(!view.manage, "nobody manages a direct room");
    assert_eq!(rooms.direct_between(&BTreeSet::from([3, 2])), Some(12));
    assert_eq!(rooms.direct_between(&BTreeSet::from([1, 2])), None);
}

#[test]
fn managers_are_the_creator_and_admins() {
    let (rooms, directory) = setup();
    let [ann, bob, cat] = [1, 2, 3].map(|id| directory.account(id).unwrap());
    let plans = rooms.get(10).unwrap();
    assert!(plans.managed_by(&ann));
    assert!(!plans.managed_by(&bob));
    let random = rooms.get(11).unwrap();
    assert!(random.managed_by(&cat) && random.managed_by(&ann) && !random.managed_by(&bob));
    let lobby = rooms.get(LOBBY).unwrap();
    assert!(lobby.managed_by(&ann) && !lobby.managed_by(&cat));
}

#[test]
fn members_come_and_go_and_each_change_is_reported_once() {
    let (rooms, _) = setup();
    let added = event(
        20,
        Event::MemberAdded {
            room: 10,
            account: 3,
        },
    );
    assert_eq!(
        rooms.apply(&added),
        Some(RoomChange::Joined {
            room: 10,
            account: 3
        })
    );
    assert!(rooms.may_read(10, Some(3)));
    assert_eq!(rooms.apply(&added), None, "a member already");
    let removed = event(
        21,
        Event::MemberRemoved {
            room: 10,
            account: 3,
        },
    );
    assert_eq!(
        rooms.apply(&removed),
        Some(RoomChange::Left {
            room: 10,
            account: 3
        })
    );
    assert!(!rooms.may_read(10, Some(3)));
    assert_eq!(rooms.apply(&removed), None);
    assert_eq!(
        rooms.apply(&event(
            22,
            Event::MemberAdded {
                room: 11,
                account: 2
            }
        )),
        None,
        "open rooms have no member list"
    );
    let renamed = event(
        23,
        Event::RoomChanged {
            room: 10,
            name: Some("launch".into()),
            archived: Some(true),
        },
    );
    assert_eq!(rooms.apply(&renamed), Some(RoomChange::Updated(10)));
    let plans = rooms.get(10).unwrap();
    assert_eq!((plans.name.as_str(), plans.archived), ("launch", true));
}

#[test]
fn messages_move_their_room_s_newest_id_only() {
    let (rooms, _) = setup();
    rooms.apply(&Entry {
        id: 30,
        time: 0,
        record: Record::Message(Message {
            id: 30,
            room: 10,
            ..Default::default()
        }),
    });
    rooms.saw(11, 31);
    assert_eq!(rooms.get(10).unwrap().last_id, 30);
    assert_eq!(rooms.get(11).unwrap().last_id, 31);
    assert_eq!(rooms.get(LOBBY).unwrap().last_id, 0);
}

#[test]
fn the_store_s_newest_ids_restore_quiet_rooms_and_retention_forgets_emptied_ones() {
    let (rooms, _) = setup();
    rooms.saw_messages(&[Message {
        id: 40,
        room: LOBBY,
        ..Default::default()
    }]);
    // Room 10's newest message is older than the window's; 99 is no room.
    rooms.saw_last_ids(&HashMap::from([(10, 25), (LOBBY, 40), (99, 7)]));
    assert_eq!(rooms.get(10).unwrap().last_id, 25);
    assert_eq!(rooms.get(LOBBY).unwrap().last_id, 40);
    assert_eq!(rooms.get(11).unwrap().last_id, 0, "no message: none");
    assert!(rooms.get(99).is_none());
    rooms.saw_last_ids(&HashMap::from([(10, 20)]));
    assert_eq!(rooms.get(10).unwrap().last_id, 25, "never moves back");

    rooms.retained(30);
    assert_eq!(
        rooms.get(10).unwrap().last_id,
        0,
        "every message of room 10 was deleted"
    );
    assert_eq!(rooms.get(LOBBY).unwrap().last_id, 40, "kept");
}

#[test]
fn read_markers_start_where_the_reader_could_first_read() {
    let (rooms, _) = setup();
    assert_eq!(
        rooms.joined(LOBBY, 2),
        2,
        "the lobby: since the account exists"
    );
    assert_eq!(rooms.joined(11, 2), 2, "an open room: the same");
    assert_eq!(
        rooms.joined(10, 2),
        10,
        "a closed room: since it was made with them"
    );
    assert_eq!(rooms.joined(10, 3), 0, "not a member");
    rooms.apply(&event(
        30,
        Event::MemberAdded {
            room: 10,
            account: 3,
        },
    ));
    assert_eq!(rooms.joined(10, 3), 30, "since they joined");
}
