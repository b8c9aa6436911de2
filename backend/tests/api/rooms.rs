//! Rooms over the real server: who may do what on every room endpoint (a room you may not
//! read is 404, never 403), direct conversations, the one stream of every room, what a
//! removed member stops receiving, and resuming across rooms over a restart.

use crate::helpers::*;
use crate::people::*;
use common::room::{RoomId, RoomSummary};
use common::{Message, StreamEvent};
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

const SOON: Duration = Duration::from_secs(10);

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
async fn messages_until(stream: &mut LineStream, marker: &str) -> Vec<Message> {
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

fn room_ids(rooms: &[RoomSummary]) -> Vec<RoomId> {
    rooms.iter().map(|r| r.id).collect()
}

/// ann (admin), bob (creates and manages the closed room), dan (its member), cat (not in
/// it), and eve (added and removed by the matrix).
struct Cast {
    admin: String,
    bob: String,
    cat: String,
    dan: String,
    room: RoomSummary,
}

async fn cast(app: &TestApp) -> Cast {
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
            Method::POST,
            "/api/rooms/999999/msgs".into(),
            Some(json!({"text": "x"})),
            [404; 5],
        ),
        // The lobby is everyone's; guests read it.
        (Method::GET, "/api/rooms/0".into(), None, [200; 5]),
        (Method::GET, "/api/rooms/0/history".into(), None, [200; 5]),
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

#[tokio::test]
async fn one_stream_carries_every_readable_room_and_nothing_more_after_a_removal() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let (mut dan, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { rooms, .. } = hello else {
        panic!("{hello:?}")
    };
    assert_eq!(room_ids(&rooms.unwrap()), vec![0, who.room.id]);
    let (_, guest_hello) = app.room_stream(None, "").await;
    let StreamEvent::Hello { rooms, .. } = guest_hello else {
        panic!()
    };
    assert_eq!(
        room_ids(&rooms.unwrap()),
        vec![0],
        "a guest's stream: the lobby"
    );

    app.say(&who.bob, who.room.id, "before").await;
    let got = messages_until(&mut dan, "before").await;
    assert_eq!(got.last().unwrap().room, who.room.id);
    let removed = app
        .api(
            Method::DELETE,
            &format!("/api/rooms/{}/members/dan", who.room.id),
            Some(&who.bob),
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    loop {
        match dan.next_non_heartbeat(SOON).await {
            StreamEvent::RoomRemoved { id } => {
                assert_eq!(id, who.room.id);
                break;
            }
            StreamEvent::Msgs { msgs } => panic!("nothing before the removal: {msgs:?}"),
            _ => {}
        }
    }
    app.say(&who.bob, who.room.id, "after").await;
    app.say(&who.bob, 0, "lobby after").await;
    let seen = messages_until(&mut dan, "lobby after").await;
    assert!(seen.iter().all(|m| m.text != "after"), "{seen:?}");
    // And a new stream of dan's resumes without the room.
    let (_, hello) = app.room_stream(Some(&who.dan), "?since=0").await;
    let StreamEvent::Hello { msgs, rooms, .. } = hello else {
        panic!()
    };
    assert!(msgs.iter().all(|m| m.room == 0), "{msgs:?}");
    assert_eq!(room_ids(&rooms.unwrap()), vec![0]);
    app.stop().await;
}

#[tokio::test]
async fn resuming_after_a_restart_gives_every_room_s_news_once_and_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db").display().to_string();
    let sqlite = |s: &mut backend::Settings| {
        s.db = db.clone();
        s.redis = None;
    };
    let app = spawn_app_with(sqlite).await;
    let who = cast(&app).await;
    let open = app
        .create_room(&who.cat, json!({"name": "random", "kind": "open"}))
        .await;
    let (mut dan, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { epoch, .. } = hello else {
        panic!()
    };
    app.say(&who.bob, who.room.id, "one").await;
    app.say(&who.cat, open.id, "two").await;
    let seen = messages_until(&mut dan, "two").await;
    let since = seen.last().unwrap().id;
    drop(dan);
    // While dan is away: news in every room, and in a room dan cannot read.
    let secret = app
        .create_room(&who.bob, json!({"name": "secret", "kind": "closed"}))
        .await;
    let mut expected = Vec::new();
    for (session, room, text) in [
        (&who.bob, who.room.id, "three"),
        (&who.cat, 0, "four"),
        (&who.bob, secret.id, "hidden"),
        (&who.cat, open.id, "five"),
        (&who.dan, who.room.id, "six"),
    ] {
        let message = app.say(session, room, text).await;
        if room != secret.id {
            expected.push(message.id);
        }
    }
    app.stop().await;
    let app = spawn_app_with(sqlite).await;
    let dan_session = session_of(&app.sign_in("dan", PASSWORD).await).unwrap();
    let (_, hello) = app
        .room_stream(Some(&dan_session), &format!("?since={since}&epoch={epoch}"))
        .await;
    let StreamEvent::Hello { reset, msgs, .. } = hello else {
        panic!()
    };
    assert!(!reset, "the same history, resumed");
    assert_eq!(
        ids(&msgs),
        expected,
        "no gap, no duplicate, nothing unreadable"
    );
    app.stop().await;
}

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_rustls::client::TlsStream<tokio::net::TcpStream>>;

/// `/api/stream/ws` over TLS + HTTP/1.1 with `session`'s cookie, as a page opens it.
async fn room_socket(app: &TestApp, session: &str) -> Socket {
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let connector =
        tokio_rustls::TlsConnector::from(std::sync::Arc::new(app.tls_config(&[b"http/1.1"])));
    let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
    let tls = connector.connect(name, tcp).await.unwrap();
    let mut request = format!("wss://localhost:{}/api/stream/ws?since=0", app.port)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "cookie",
        format!("__Host-h2chat={session}").parse().unwrap(),
    );
    let (socket, response) = tokio_tungstenite::client_async(request, tls)
        .await
        .expect("upgrade");
    assert_eq!(response.status(), 101);
    socket
}

async fn next_text(socket: &mut Socket) -> String {
    use futures_util::StreamExt;
    loop {
        let frame = tokio::time::timeout(SOON, socket.next())
            .await
            .expect("a frame in time")
            .expect("socket open")
            .expect("frame ok");
        if let tokio_tungstenite::tungstenite::Message::Text(text) = frame {
            return text.to_string();
        }
    }
}

#[tokio::test]
async fn the_socket_of_every_room_posts_where_each_frame_says_and_sse_carries_rooms_too() {
    use futures_util::SinkExt;
    use tokio_tungstenite::tungstenite::Message as Frame;
    let app = spawn_app().await;
    let who = cast(&app).await;
    let mut socket = room_socket(&app, &who.dan).await;
    let hello: StreamEvent = serde_json::from_str(&next_text(&mut socket).await).unwrap();
    assert!(matches!(hello, StreamEvent::Hello { rooms: Some(_), .. }));
    let sse = app
        .client
        .get(app.url("/api/stream/events"))
        .header("cookie", format!("__Host-h2chat={}", who.bob))
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), 200);
    let mut sse = LineStream::from_response(sse);

    let frame = json!({"room": who.room.id, "text": "from the socket"}).to_string();
    socket.send(Frame::text(frame)).await.unwrap();
    let mut posted = None;
    while posted.is_none() {
        if let Ok(common::WsReply::Posted { msg }) =
            serde_json::from_str(&next_text(&mut socket).await)
        {
            posted = Some(msg);
        }
    }
    let posted = posted.unwrap();
    assert_eq!(
        (posted.room, posted.account.as_deref()),
        (who.room.id, Some("dan"))
    );
    // Bob's SSE stream carries it, with its id for Last-Event-ID.
    let mut saw_id = false;
    loop {
        let line = sse.next_line(SOON).await.unwrap();
        saw_id |= line == format!("id: {}", posted.id);
        if line.starts_with("data: ") && line.contains("from the socket") {
            assert!(
                line.contains(&format!("\"room\":{}", who.room.id)),
                "{line}"
            );
            break;
        }
    }
    assert!(saw_id);
    // A room dan may not read, over the socket: the same 404 words as over HTTP.
    let secret = app
        .create_room(&who.bob, json!({"name": "secret", "kind": "closed"}))
        .await;
    let frame = json!({"room": secret.id, "text": "let me in"}).to_string();
    socket.send(Frame::text(frame)).await.unwrap();
    loop {
        if let Ok(common::WsReply::Error { error }) =
            serde_json::from_str(&next_text(&mut socket).await)
        {
            assert!(error.contains(&format!("no room {}", secret.id)), "{error}");
            break;
        }
    }
    app.stop().await;
}
