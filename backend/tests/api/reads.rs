//! Read markers and notification levels over the real server: a marker only moves forward,
//! reaches every stream of its account and no one else's, fills in the counts of the room
//! list and the hello; levels round-trip; every refusal.

use crate::helpers::*;
use crate::rooms::{cast, SOON};
use common::room::{NotifyLevel, ReadState, RoomId, RoomSummary};
use common::StreamEvent;
use reqwest::Method;
use serde_json::json;

impl TestApp {
    /// `POST /api/rooms/{room}/read` as `session`; the answer.
    pub async fn mark_read(&self, session: &str, room: RoomId, id: u64) -> ReadState {
        let response = self
            .api(
                Method::POST,
                &format!("/api/rooms/{room}/read"),
                Some(session),
                Some(json!({ "id": id })),
            )
            .await;
        assert_eq!(response.status(), 200, "read marker in {room}");
        response.json().await.unwrap()
    }

    /// Waits until this node's hub has applied message `id` of `room` (a 201 goes out just
    /// before the hub applies it).
    pub async fn settled(&self, room: RoomId, id: u64) {
        for _ in 0..1000 {
            if self.hub.rooms().get(room).is_some_and(|r| r.last_id >= id) {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        panic!("room {room} never reached message {id}");
    }

    /// Room `room` as `session` sees it in `GET /api/rooms`.
    pub async fn listed(&self, session: &str, room: RoomId) -> RoomSummary {
        let response = self
            .api(Method::GET, "/api/rooms", Some(session), None)
            .await;
        assert_eq!(response.status(), 200);
        let list: Vec<RoomSummary> = response.json().await.unwrap();
        list.into_iter().find(|r| r.id == room).expect("listed")
    }
}

/// The rooms of a hello.
pub fn hello_rooms(hello: StreamEvent) -> Vec<RoomSummary> {
    match hello {
        StreamEvent::Hello {
            rooms: Some(rooms), ..
        } => rooms,
        other => panic!("not a hello with rooms: {other:?}"),
    }
}

/// The `read` events and `room_updated` rooms a stream shows before the message `marker`.
pub async fn personal_until(
    stream: &mut LineStream,
    marker: &str,
) -> (Vec<(RoomId, u64, u32, u32)>, Vec<RoomSummary>) {
    let mut reads = Vec::new();
    let mut updated = Vec::new();
    loop {
        match stream.next_non_heartbeat(SOON).await {
            StreamEvent::Read {
                id,
                read,
                unread,
                mentions,
            } => reads.push((id, read, unread, mentions)),
            StreamEvent::RoomUpdated { room } => updated.push(room),
            StreamEvent::Msgs { msgs } if msgs.iter().any(|m| m.text == marker) => {
                return (reads, updated);
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn a_read_marker_moves_forward_only_and_reaches_every_stream_of_its_account_alone() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let (mut bob_one, _) = app.room_stream(Some(&who.bob), "").await;
    let (mut bob_two, _) = app.room_stream(Some(&who.bob), "").await;
    let (mut dan_stream, _) = app.room_stream(Some(&who.dan), "").await;
    let first = app.say(&who.dan, room, "one").await;
    let second = app.say(&who.dan, room, "two").await;
    let third = app.say(&who.dan, room, "three").await;
    app.settled(room, third.id).await;

    let before = app.listed(&who.bob, room).await;
    assert_eq!((before.read, before.unread, before.mentions), (room, 3, 0));
    assert_eq!(app.listed(&who.dan, room).await.unread, 0, "dan wrote them");

    let state = app.mark_read(&who.bob, room, second.id).await;
    assert_eq!(
        state,
        ReadState {
            read: second.id,
            unread: 1,
            mentions: 0
        }
    );
    // Back is no move: answered with the marker as it stands, and nobody is told.
    let back = app.mark_read(&who.bob, room, first.id).await;
    assert_eq!(back, state);
    app.say(&who.dan, room, "marker").await;
    for stream in [&mut bob_one, &mut bob_two] {
        let (reads, _) = personal_until(stream, "marker").await;
        assert_eq!(
            reads,
            [(room, second.id, 1, 0)],
            "once, to both of bob's streams"
        );
    }
    let (reads, _) = personal_until(&mut dan_stream, "marker").await;
    assert!(reads.is_empty(), "not to dan: {reads:?}");

    // Past the newest message: the newest (the marker message, by dan, is now unread too).
    let all = app.mark_read(&who.bob, room, u64::MAX / 2).await;
    assert!(all.read > third.id);
    assert_eq!((all.unread, all.mentions), (0, 0));
    let (_, hello) = app.room_stream(Some(&who.bob), "").await;
    let listed = hello_rooms(hello);
    let mine = listed.iter().find(|r| r.id == room).unwrap();
    assert_eq!((mine.read, mine.unread), (all.read, 0), "the hello agrees");
    let got: RoomSummary = app
        .api(
            Method::GET,
            &format!("/api/rooms/{room}"),
            Some(&who.bob),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!((got.read, got.unread), (all.read, 0));
    app.stop().await;
}

#[tokio::test]
async fn reading_is_refused_to_guests_strangers_other_origins_and_bad_bodies() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let path = format!("/api/rooms/{room}/read");
    let body = Some(json!({"id": 1}));
    let guest = app.api(Method::POST, &path, None, body.clone()).await;
    expect_json_error(guest, 401, "sign in").await;
    let outsider = app
        .api(Method::POST, &path, Some(&who.cat), body.clone())
        .await;
    expect_json_error(outsider, 404, "no room").await;
    for missing in ["/api/rooms/999999/read", "/api/rooms/x/read"] {
        let none = app
            .api(Method::POST, missing, Some(&who.bob), body.clone())
            .await;
        expect_json_error(none, 404, "no room").await;
    }
    let foreign = app
        .client
        .post(app.url(&path))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.bob))
        .json(&json!({"id": 1}))
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;
    for bad in [json!({"id": "x"}), json!({}), json!({"id": -1}), json!("1")] {
        let refused = app
            .api(Method::POST, &path, Some(&who.bob), Some(bad))
            .await;
        assert_eq!(refused.status(), 400);
        let error: serde_json::Value = refused.json().await.unwrap();
        assert!(error["error"].is_string(), "{error}");
    }
    let notify = format!("/api/rooms/{room}/notify");
    let level = Some(json!({"level": "nothing"}));
    let guest = app.api(Method::PUT, &notify, None, level.clone()).await;
    expect_json_error(guest, 401, "sign in").await;
    let outsider = app
        .api(Method::PUT, &notify, Some(&who.cat), level.clone())
        .await;
    expect_json_error(outsider, 404, "no room").await;
    let foreign = app
        .client
        .put(app.url(&notify))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.bob))
        .json(&json!({"level": "nothing"}))
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;
    for bad in [json!({"level": "loud"}), json!({}), json!({"level": 1})] {
        let refused = app
            .api(Method::PUT, &notify, Some(&who.bob), Some(bad))
            .await;
        assert_eq!(refused.status(), 400);
    }
    app.stop().await;
}

#[tokio::test]
async fn counts_in_the_room_list_and_hello_are_others_messages_after_the_marker_and_mentions() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    app.say(&who.cat, 0, "hi @bob").await;
    app.say(&who.cat, 0, "@BOB, again").await;
    app.say(&who.cat, 0, "no one").await;
    app.say(&who.bob, 0, "mine, @bob").await;
    let last = app.say(&who.dan, 0, "mail bob@example.com").await;
    app.settled(0, last.id).await;
    let lobby = app.listed(&who.bob, 0).await;
    assert_eq!((lobby.unread, lobby.mentions), (4, 2));
    let (_, hello) = app.room_stream(Some(&who.bob), "").await;
    let from_hello = hello_rooms(hello).into_iter().find(|r| r.id == 0).unwrap();
    assert_eq!(from_hello, lobby, "the hello and the list agree");
    let one: RoomSummary = app
        .api(Method::GET, "/api/rooms/0", Some(&who.bob), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one, lobby);
    // Someone who joins later starts with nothing unread: older news is not theirs.
    let fay = app.member(&who.admin, "fay").await;
    assert_eq!(app.listed(&fay, 0).await.unread, 0);
    let welcome = app.say(&who.cat, 0, "welcome @fay").await;
    app.settled(0, welcome.id).await;
    let fays = app.listed(&fay, 0).await;
    assert_eq!((fays.unread, fays.mentions), (1, 1));
    app.stop().await;
}

#[tokio::test]
async fn notification_levels_default_by_kind_round_trip_and_reach_the_account_s_streams_only() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let direct: RoomSummary = app
        .api(
            Method::POST,
            "/api/dms",
            Some(&who.bob),
            Some(json!({"members": ["dan"]})),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(direct.notify, NotifyLevel::All, "direct rooms: all");
    assert_eq!(
        app.listed(&who.bob, room).await.notify,
        NotifyLevel::Mentions
    );
    assert_eq!(app.listed(&who.bob, 0).await.notify, NotifyLevel::Mentions);

    let (mut bob_stream, _) = app.room_stream(Some(&who.bob), "").await;
    let (mut dan_stream, _) = app.room_stream(Some(&who.dan), "").await;
    let chose = app
        .api(
            Method::PUT,
            &format!("/api/rooms/{room}/notify"),
            Some(&who.bob),
            Some(json!({"level": "nothing"})),
        )
        .await;
    assert_eq!(chose.status(), 200);
    let view: RoomSummary = chose.json().await.unwrap();
    assert_eq!((view.id, view.notify), (room, NotifyLevel::Nothing));
    let quiet = app
        .api(
            Method::PUT,
            &format!("/api/rooms/{}/notify", direct.id),
            Some(&who.bob),
            Some(json!({"level": "mentions"})),
        )
        .await;
    assert_eq!(quiet.status(), 200);
    app.say(&who.dan, 0, "marker").await;
    let (_, updated) = personal_until(&mut bob_stream, "marker").await;
    let levels: Vec<(RoomId, NotifyLevel)> = updated.iter().map(|r| (r.id, r.notify)).collect();
    assert_eq!(
        levels,
        [
            (room, NotifyLevel::Nothing),
            (direct.id, NotifyLevel::Mentions)
        ]
    );
    let (_, updated) = personal_until(&mut dan_stream, "marker").await;
    assert!(
        updated.is_empty(),
        "dan's levels did not change: {updated:?}"
    );
    assert_eq!(
        app.listed(&who.bob, room).await.notify,
        NotifyLevel::Nothing
    );
    assert_eq!(
        app.listed(&who.dan, room).await.notify,
        NotifyLevel::Mentions
    );
    let (_, hello) = app.room_stream(Some(&who.bob), "").await;
    let rooms = hello_rooms(hello);
    let dm = rooms.iter().find(|r| r.id == direct.id).unwrap();
    assert_eq!(dm.notify, NotifyLevel::Mentions, "kept, and in the hello");
    app.stop().await;
}
