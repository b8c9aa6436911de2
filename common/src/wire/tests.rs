use super::*;

fn message(id: u64) -> Message {
    Message {
        id,
        user: "ann".into(),
        text: "hi\nthere".into(),
        time: 1_700_000_000_000,
        ..Default::default()
    }
}

fn summary(id: RoomId) -> RoomSummary {
    RoomSummary {
        id,
        kind: crate::room::RoomKind::Closed,
        name: format!("room {id}"),
        members: vec!["ann".into()],
        last_id: 3,
        archived: id == 6,
        manage: true,
        read: 2,
        unread: 1,
        mentions: 1,
        notify: crate::room::NotifyLevel::Nothing,
    }
}

#[test]
fn a_lobby_message_has_no_room_field_and_others_do() {
    let lobby = serde_json::to_string(&message(1)).unwrap();
    assert!(!lobby.contains("room"), "{lobby}");
    let other = Message {
        room: 5,
        ..message(2)
    };
    let json = serde_json::to_string(&other).unwrap();
    assert!(json.contains("\"room\":5"), "{json}");
    assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), other);
    let post: NewMessage = serde_json::from_str(r#"{"user":"a","text":"b"}"#).unwrap();
    assert_eq!(post.room, LOBBY);
}

#[test]
fn window_line_is_the_course_shape() {
    let line = encode_line(&WindowLine {
        msg: vec![message(1)],
    });
    assert_eq!(
        String::from_utf8(line).unwrap(),
        "{\"msg\":[{\"id\":1,\"user\":\"ann\",\"text\":\"hi\\nthere\",\"time\":1700000000000}]}\n"
    );
}

#[test]
fn events_are_tagged_by_type_and_round_trip() {
    let events = [
        StreamEvent::Hello {
            epoch: "e1".into(),
            reset: true,
            heartbeat_ms: 15_000,
            msgs: vec![message(3)],
            older: false,
            rooms: None,
        },
        StreamEvent::Msgs {
            msgs: vec![message(4)],
        },
        StreamEvent::Heartbeat { time: 5 },
        StreamEvent::Bye {
            reason: "shutdown".into(),
        },
        StreamEvent::Status {
            degraded: true,
            reason: "store unreachable".into(),
        },
    ];
    for event in events {
        let line = encode_line(&event);
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1);
        let back: StreamEvent = serde_json::from_slice(&line).unwrap();
        assert_eq!(back, event);
    }
    let hb = String::from_utf8(encode_line(&StreamEvent::Heartbeat { time: 5 })).unwrap();
    assert_eq!(hb, "{\"type\":\"heartbeat\",\"time\":5}\n");
}

#[test]
fn the_flat_decoder_and_kind_of_agree_with_serde_on_every_shape() {
    let lines = [
        encode_line(&StreamEvent::Hello {
            epoch: "e".into(),
            reset: true,
            heartbeat_ms: 15_000,
            msgs: vec![message(1), message(2)],
            older: true,
            rooms: Some(vec![summary(0), summary(5)]),
        }),
        encode_line(&StreamEvent::RoomAdded { room: summary(5) }),
        encode_line(&StreamEvent::RoomUpdated { room: summary(6) }),
        encode_line(&StreamEvent::RoomRemoved { id: 5 }),
        encode_line(&StreamEvent::Typing {
            id: 5,
            account: "ann".into(),
            user: "Ann".into(),
        }),
        encode_line(&StreamEvent::Msgs {
            msgs: vec![Message {
                room: 5,
                mentions: vec!["bob".into()],
                here: true,
                ..message(4)
            }],
        }),
        encode_line(&StreamEvent::Read {
            id: 5,
            read: 4,
            unread: 2,
            mentions: 1,
        }),
        encode_line(&StreamEvent::Msgs {
            msgs: vec![message(3)],
        }),
        encode_line(&StreamEvent::Presence {
            reset: true,
            online: 2,
            guests: 3,
            joined: vec!["ann".into(), "bob".into()],
            left: vec![],
        }),
        encode_line(&StreamEvent::Presence {
            reset: false,
            online: 1,
            guests: 0,
            joined: vec![],
            left: vec!["bob".into()],
        }),
        encode_line(&StreamEvent::Heartbeat { time: 9 }),
        encode_line(&StreamEvent::Bye {
            reason: "shutdown".into(),
        }),
        encode_line(&StreamEvent::Status {
            degraded: false,
            reason: "ok".into(),
        }),
        br#"{"type":"poll","user":"x"}"#.to_vec(),
        br#"{"type":"posted","msg":{"id":1,"user":"u","text":"t","time":2}}"#.to_vec(),
    ];
    for line in lines {
        let text = std::str::from_utf8(&line).unwrap();
        let by_serde: StreamEvent = serde_json::from_str(text).unwrap();
        assert_eq!(StreamEvent::from_json(text).unwrap(), by_serde, "{text}");
        let value: serde_json::Value = serde_json::from_str(text).unwrap();
        assert_eq!(StreamEvent::kind_of(text), value["type"].as_str(), "{text}");
    }
    assert_eq!(StreamEvent::kind_of("{\"msgs\":[]}"), None);
    assert_eq!(StreamEvent::kind_of("not json"), None);
    assert!(
        StreamEvent::from_json("{\"msgs\":[]}").is_err(),
        "type is required"
    );
    assert!(StreamEvent::from_json("not json").is_err());
}

#[test]
fn transport_names_round_trip() {
    for transport in Transport::ALL {
        assert_eq!(Transport::from_name(transport.name()), Some(transport));
    }
    assert_eq!(Transport::from_name("pigeon"), None);
}

#[test]
fn a_hello_without_older_is_read_as_older_may_exist() {
    let line = r#"{"type":"hello","epoch":"e","reset":false,"msgs":[]}"#;
    for event in [
        StreamEvent::from_json(line).unwrap(),
        serde_json::from_str(line).unwrap(),
    ] {
        assert!(matches!(event, StreamEvent::Hello { older: true, .. }));
    }
}

#[test]
fn unknown_event_types_are_tolerated() {
    let event: StreamEvent = serde_json::from_str(r#"{"type":"poll","user":"x"}"#).unwrap();
    assert_eq!(event, StreamEvent::Unknown);
}

#[test]
fn edited_and_deleted_events_round_trip_and_unedited_messages_keep_their_shape() {
    let edited = Message {
        text: "fixed".into(),
        edited: true,
        ..message(4)
    };
    let deleted = Message {
        text: String::new(),
        deleted: true,
        ..message(5)
    };
    let events = [
        StreamEvent::Edited { msg: edited },
        StreamEvent::Deleted { msg: deleted },
    ];
    for event in events {
        let json = String::from_utf8(encode_line(&event)).unwrap();
        assert_eq!(StreamEvent::from_json(&json).unwrap(), event, "{json}");
        assert_eq!(serde_json::from_str::<StreamEvent>(&json).unwrap(), event);
    }
    let line = String::from_utf8(encode_line(&StreamEvent::Deleted {
        msg: Message {
            text: String::new(),
            deleted: true,
            ..message(5)
        },
    }))
    .unwrap();
    assert!(
        line.starts_with("{\"type\":\"deleted\",\"msg\":{\"id\":5,"),
        "{line}"
    );
    assert!(
        line.contains("\"deleted\":true") && !line.contains("edited"),
        "{line}"
    );
    let plain = serde_json::to_string(&message(1)).unwrap();
    assert!(
        !plain.contains("edited") && !plain.contains("deleted"),
        "{plain}"
    );
    assert_eq!(
        StreamEvent::from_json(r#"{"type":"edited"}"#).unwrap(),
        StreamEvent::Unknown,
        "an edit without its message is not applied"
    );
}

#[test]
fn reaction_events_round_trip_and_messages_without_reactions_keep_their_shape() {
    let event = StreamEvent::Reaction {
        id: 3,
        message: 9,
        emoji: "👍".into(),
        account: "ann".into(),
        added: true,
    };
    let json = String::from_utf8(encode_line(&event)).unwrap();
    assert_eq!(
        json,
        "{\"type\":\"reaction\",\"id\":3,\"message\":9,\"emoji\":\"👍\",\"account\":\"ann\",\"added\":true}\n"
    );
    assert_eq!(StreamEvent::from_json(&json).unwrap(), event);
    assert_eq!(serde_json::from_str::<StreamEvent>(&json).unwrap(), event);
    let reacted = Message {
        reactions: vec![crate::reaction::Reaction {
            emoji: "🎉".into(),
            accounts: vec!["ann".into(), "bob".into()],
        }],
        ..message(4)
    };
    let json = serde_json::to_string(&reacted).unwrap();
    assert!(
        json.ends_with(",\"reactions\":[{\"emoji\":\"🎉\",\"accounts\":[\"ann\",\"bob\"]}]}"),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<Message>(&json).unwrap(), reacted);
    let plain = serde_json::to_string(&message(1)).unwrap();
    assert!(!plain.contains("reactions"), "{plain}");
}
