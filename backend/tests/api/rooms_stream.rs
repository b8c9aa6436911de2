//! The one stream of every room over the real server: what it carries, what a removed
//! member stops receiving, resuming across rooms over a restart, and the WebSocket and SSE
//! forms of it.

use crate::helpers::*;
use crate::people::*;
use crate::rooms::{cast, messages_until, room_ids, SOON};
use crate::sse_and_websocket::{next_text, Socket};
use common::StreamEvent;
use reqwest::Method;
use serde_json::json;

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
/// `/api/stream/ws` over TLS + HTTP/1.1 with `session`'s cookie, as a page opens it.
pub async fn room_socket(app: &TestApp, session: &str) -> Socket {
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
