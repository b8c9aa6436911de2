//! Rooms over the real server: who may do what on every room endpoint (a room you may not
//! read is 404, never 403), bad input, people to pick, direct conversations. The stream of
//! every room is in `rooms_stream.rs`.

use crate::helpers::*;
use common::room::{RoomId, RoomSummary};
use common::{Message, StreamEvent};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

pub const SOON: Duration = Duration::from_secs(10);

impl TestApp {
    /// `POST /api/rooms` as `session`; the new room.
    pub async fn create_room(&self, session: &str, body: Value) -> RoomSummary {
        let response = self
            .api(Method::POST, "/api/rooms", Some(session), Some(body))
            .await;
        assert_eq!(response.status(), 201, "room created");
        response.json().await.unwrap()
    }

    /// Posts `text` in `room` as `session`; the stored message.
    pub async fn say(&self, session: &str, room: RoomId, text: &str) -> Message {
        let response = self
            .api(
                Method::POST,
                &format!("/api/rooms/{room}/msgs"),
                Some(session),
                Some(json!({ "text": text })),
            )
            .await;
        assert_eq!(response.status(), 201, "post of {text:?} in {room}");
        response.json().await.unwrap()
    }

    /// Opens `/api/stream{query}` with `session`'s cookie (or as a guest); the stream and
    /// its hello.
    pub async fn room_stream(
        &self,
        session: Option<&str>,
        query: &str,
    ) -> (LineStream, StreamEvent) {
        let mut request = self.client.get(self.url(&format!("/api/stream{query}")));
        if let Some(session) = session {
            request = request.header("cookie", format!("__Host-h2chat={session}"));
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        let mut stream = LineStream::from_response(response);
        let hello = stream.next_event(SOON).await;
        (stream, hello)
    }
}

/// The messages of the next `msgs` lines until one holds `marker`, skipping heartbeats and
/// room events; panics if the stream shows anything after the marker's line first.
pub async fn messages_until(stream: &mut LineStream, marker: &str) -> Vec<Message> {
    let mut seen = Vec::new();
    loop {
        if let StreamEvent::Msgs { msgs } = stream.next_non_heartbeat(SOON).await {
            let done = msgs.iter().any(|m| m.text == marker);
            seen.extend(msgs);
            if done {
                return seen;
            }
        }
    }
}

pub fn room_ids(rooms: &[RoomSummary]) -> Vec<RoomId> {
    rooms.iter().map(|r| r.id).collect()
}

/// ann (admin), bob (creates and manages the closed room), dan (its member), cat (not in
/// it), and eve (added and removed by the matrix).
pub struct Cast {
    pub admin: String,
    pub bob: String,
    pub cat: String,
    pub dan: String,
    pub room: RoomSummary,
}

pub async fn cast(app: &TestApp) -> Cast {
    let admin = app.setup_admin("ann").await;
    let bob = app.member(&admin, "bob").await;
    let cat = app.member(&admin, "cat").await;
    let dan = app.member(&admin, "dan").await;
    app.member(&admin, "eve").await;
    let room = app
        .create_room(
            &bob,
            json!({"name": "plans", "kind": "closed", "members": ["dan"]}),
        )
        .await;
    assert_eq!(room.members, vec!["bob", "dan"]);
    assert!(room.manage);
    Cast {
        admin,
        bob,
        cat,
        dan,
        room,
    }
}

#[tokio::test]
async fn every_room_endpoint_answers_every_kind_of_caller_and_hides_what_they_may_not_read() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let r = who.room.id;
    let at = |path: &str| path.replace("R", &r.to_string());
    // Callers: guest, non-member (cat), member (dan), manager (bob), admin outside the room.
    let callers = [
        None,
        Some(who.cat.as_str()),
        Some(who.dan.as_str()),
        Some(who.bob.as_str()),
        Some(who.admin.as_str()),
    ];
    let cases: Vec<(Method, String, Option<Value>, [u16; 5])> = vec![
        (
            Method::GET,
            at("/api/rooms/R"),
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            Method::GET,
            at("/api/rooms/R/history"),
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            Method::GET,
            at("/api/rooms/R/presence"),
            None,
            [404, 404, 200, 200, 404],
        ),
        (
            Method::POST,
            at("/api/rooms/R/msgs"),
            Some(json!({"user": "x", "text": "hi"})),
            [404, 404, 201, 201, 404],
        ),
        (
            Method::PATCH,
            at("/api/rooms/R"),
            Some(json!({"name": "plans 2"})),
            [401, 404, 403, 200, 404],
        ),
        (
            Method::POST,
            at("/api/rooms/R/members"),
            Some(json!({"username": "eve"})),
            [401, 404, 403, 200, 404],
        ),
        (
            Method::DELETE,
            at("/api/rooms/R/members/eve"),
            None,
            [401, 404, 403, 204, 404],
        ),
        // No such room, or not even a number: the same 404 as a room you may not read.
        (Method::GET, "/api/rooms/999999".into(), None, [404; 5]),
        (Method::GET, "/api/rooms/abc/history".into(), None, [404; 5]),
        (
            Method::GET,
            "/api/rooms/999999/presence".into(),
            None,
            [404; 5],
        ),
        (
            Method::POST,
            "/api/rooms/999999/msgs".into(),
            Some(json!({"text": "x"})),
            [404; 5],
        ),
        // The lobby is everyone's; guests read it.
        (Method::GET, "/api/rooms/0".into(), None, [200; 5]),
        (Method::GET, "/api/rooms/0/history".into(), None, [200; 5]),
        (Method::GET, "/api/rooms/0/presence".into(), None, [200; 5]),
        (
            Method::PATCH,
            "/api/rooms/0".into(),
            Some(json!({"name": "Hall"})),
            [401, 403, 403, 403, 200],
        ),
        (
            Method::POST,
            "/api/rooms".into(),
            Some(json!({"name": "more", "kind": "open"})),
            [401, 201, 201, 201, 201],
        ),
        (
            Method::POST,
            "/api/dms".into(),
            Some(json!({"members": ["eve"]})),
            [401, 201, 201, 201, 201],
        ),
    ];
    for (method, path, body, expect) in cases {
        for (caller, want) in callers.iter().zip(expect) {
            let response = app.api(method.clone(), &path, *caller, body.clone()).await;
            let got = response.status().as_u16();
            let text = response.text().await.unwrap();
            assert_eq!(got, want, "{method} {path} as {caller:?}: {text}");
            if got >= 400 {
                let error: Value = serde_json::from_str(&text).unwrap();
                assert!(error["error"].is_string(), "{text}");
                assert!(!text.contains("plans"), "a refusal names no room: {text}");
            }
        }
    }
    // Leaving: the member may, then the room is gone for them.
    let leave = at("/api/rooms/R/leave");
    let left = app.api(Method::POST, &leave, Some(&who.dan), None).await;
    assert_eq!(left.status(), 204);
    let again = app
        .api(Method::GET, &at("/api/rooms/R"), Some(&who.dan), None)
        .await;
    assert_eq!(again.status(), 404);
    let lobby = app
        .api(Method::POST, "/api/rooms/0/leave", Some(&who.dan), None)
        .await;
    assert_eq!(lobby.status(), 409, "nobody leaves an open room");
    app.stop().await;
}

#[tokio::test]
async fn room_requests_from_another_origin_or_with_bad_input_are_refused_clearly() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let foreign = app
        .client
        .post(app.url("/api/rooms"))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.bob))
        .json(&json!({"name": "x", "kind": "open"}))
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;
    for (body, needle) in [
        (json!({"name": " ", "kind": "open"}), "empty"),
        (
            json!({"name": "x".repeat(65), "kind": "closed"}),
            "at most 64",
        ),
        (json!({"name": "x", "kind": "direct"}), "/api/dms"),
        (
            json!({"name": "x", "kind": "closed", "members": ["nobody"]}),
            "nobody",
        ),
        (
            json!({"name": "x", "kind": "open", "members": ["cat"]}),
            "open room",
        ),
    ] {
        let response = app
            .api(Method::POST, "/api/rooms", Some(&who.bob), Some(body))
            .await;
        let status = response.status().as_u16();
        assert!(status == 400 || status == 404, "{status}");
        expect_json_error(response, status, needle).await;
    }
    let lonely = app
        .api(
            Method::POST,
            "/api/dms",
            Some(&who.bob),
            Some(json!({"members": []})),
        )
        .await;
    expect_json_error(lonely, 400, "2 to 8").await;
    let crowd: Vec<String> = (0..8).map(|i| format!("p{i}")).collect();
    for name in &crowd {
        app.member(&who.admin, name).await;
    }
    let too_many = app
        .api(
            Method::POST,
            "/api/dms",
            Some(&who.bob),
            Some(json!({ "members": crowd })),
        )
        .await;
    expect_json_error(too_many, 400, "2 to 8").await;
    let archived = app
        .api(
            Method::PATCH,
            &format!("/api/rooms/{}", who.room.id),
            Some(&who.bob),
            Some(json!({"archived": true})),
        )
        .await;
    assert_eq!(archived.status(), 200);
    let post = app
        .api(
            Method::POST,
            &format!("/api/rooms/{}/msgs", who.room.id),
            Some(&who.dan),
            Some(json!({"text": "still here?"})),
        )
        .await;
    expect_json_error(post, 403, "read-only").await;
    app.stop().await;
}

#[tokio::test]
async fn signed_in_people_can_list_whom_to_pick_and_deactivated_accounts_are_not_there() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let off = app
        .api(
            Method::PATCH,
            "/api/accounts/eve",
            Some(&who.admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.status(), 200);
    let people: Vec<common::account::Person> = app
        .api(Method::GET, "/api/people", Some(&who.cat), None)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<&str> = people.iter().map(|p| p.username.as_str()).collect();
    assert_eq!(names, ["ann", "bob", "cat", "dan"]);
    let guest = app.api(Method::GET, "/api/people", None, None).await;
    expect_json_error(guest, 401, "sign in").await;
    app.stop().await;
}

#[tokio::test]
async fn a_direct_conversation_is_found_again_and_a_third_account_sees_nothing_of_it() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let (mut cat_stream, _) = app.room_stream(Some(&who.cat), "").await;
    let (mut dan_stream, _) = app.room_stream(Some(&who.dan), "").await;
    let first = app
        .api(
            Method::POST,
            "/api/dms",
            Some(&who.bob),
            Some(json!({"members": ["dan"]})),
        )
        .await;
    assert_eq!(first.status(), 201);
    let dm: RoomSummary = first.json().await.unwrap();
    assert_eq!(dm.members, vec!["bob", "dan"]);
    assert!(
        !dm.name.contains("bob"),
        "named for the others: {}",
        dm.name
    );
    let again = app
        .api(
            Method::POST,
            "/api/dms",
            Some(&who.dan),
            Some(json!({"members": ["BOB"]})),
        )
        .await;
    assert_eq!(again.status(), 200, "the same set, the same room");
    let again: RoomSummary = again.json().await.unwrap();
    assert_eq!(again.id, dm.id);
    match dan_stream.next_non_heartbeat(SOON).await {
        StreamEvent::RoomAdded { room } => assert_eq!(room.id, dm.id),
        other => panic!("{other:?}"),
    }
    let secret = app.say(&who.bob, dm.id, "just between us").await;
    assert_eq!(secret.room, dm.id);
    let got = messages_until(&mut dan_stream, "just between us").await;
    assert_eq!(got.last().map(|m| m.room), Some(dm.id));
    // cat: not in the list, 404 everywhere, and the stream shows only the lobby marker.
    let cat_rooms: Vec<RoomSummary> = app
        .api(Method::GET, "/api/rooms", Some(&who.cat), None)
        .await
        .json()
        .await
        .unwrap();
    assert!(!room_ids(&cat_rooms).contains(&dm.id));
    let history = app
        .api(
            Method::GET,
            &format!("/api/rooms/{}/history", dm.id),
            Some(&who.cat),
            None,
        )
        .await;
    assert_eq!(history.status(), 404);
    app.say(&who.bob, 0, "lobby marker").await;
    let seen = messages_until(&mut cat_stream, "lobby marker").await;
    assert!(seen.iter().all(|m| m.room != dm.id), "{seen:?}");
    app.stop().await;
}
