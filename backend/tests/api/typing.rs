//! Typing over the real server: it reaches the room's readers and nobody else, at most
//! once a second per account and room, and never a history, a hello or a resumed stream.

use crate::helpers::*;
use crate::rooms::{cast, SOON};
use common::StreamEvent;
use reqwest::Method;
use serde_json::json;

/// The `typing` events a stream shows before the message `marker` (heartbeats, room events
/// and other messages skipped).
async fn typing_until(stream: &mut LineStream, marker: &str) -> Vec<(u64, String)> {
    let mut typing = Vec::new();
    loop {
        match stream.next_non_heartbeat(SOON).await {
            StreamEvent::Typing { id, account, .. } => typing.push((id, account)),
            StreamEvent::Msgs { msgs } if msgs.iter().any(|m| m.text == marker) => {
                return typing;
            }
            _ => {}
        }
    }
}

#[tokio::test]
async fn typing_reaches_the_room_s_readers_once_a_second_and_is_never_kept() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let path = format!("/api/rooms/{room}/typing");
    let (mut bob, _) = app.room_stream(Some(&who.bob), "").await;
    let (mut cat, _) = app.room_stream(Some(&who.cat), "").await;

    for _ in 0..3 {
        let typed = app.api(Method::POST, &path, Some(&who.dan), None).await;
        assert_eq!(typed.status(), 204);
    }
    app.say(&who.dan, 0, "marker one").await;
    assert_eq!(
        typing_until(&mut bob, "marker one").await,
        [(room, "dan".to_owned())],
        "three within a second: one passed on"
    );
    assert!(
        typing_until(&mut cat, "marker one").await.is_empty(),
        "cat is not in the room"
    );

    // Who may: not a guest (401), not someone outside the room (404, as everywhere).
    let guest = app.api(Method::POST, &path, None, None).await;
    expect_json_error(guest, 401, "sign in").await;
    let outsider = app.api(Method::POST, &path, Some(&who.cat), None).await;
    expect_json_error(outsider, 404, "no room").await;
    let foreign = app
        .client
        .post(app.url(&path))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.dan))
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;

    // In the lobby everyone's stream hears it.
    let lobby = app
        .api(Method::POST, "/api/rooms/0/typing", Some(&who.cat), None)
        .await;
    assert_eq!(lobby.status(), 204);
    app.say(&who.cat, 0, "marker two").await;
    assert_eq!(
        typing_until(&mut bob, "marker two").await,
        [(0, "cat".to_owned())]
    );

    // An archived room is read-only: nobody types there.
    let archived = app
        .create_room(&who.bob, json!({"name": "old", "kind": "closed"}))
        .await;
    let change = format!("/api/rooms/{}", archived.id);
    let done = app
        .api(
            Method::PATCH,
            &change,
            Some(&who.bob),
            Some(json!({"archived": true})),
        )
        .await;
    assert_eq!(done.status(), 200);
    let typed = app
        .api(
            Method::POST,
            &format!("{change}/typing"),
            Some(&who.bob),
            None,
        )
        .await;
    expect_json_error(typed, 403, "read-only").await;

    // Never kept: a new stream from the start has no typing, and the history neither.
    let (_, hello) = app.room_stream(Some(&who.bob), "?since=0").await;
    let line = serde_json::to_string(&hello).unwrap();
    assert!(!line.contains("typing"), "{line}");
    for path in [
        format!("/api/rooms/{room}/history"),
        "/api/rooms/0/history".into(),
    ] {
        let page = app.api(Method::GET, &path, Some(&who.dan), None).await;
        let text = page.text().await.unwrap();
        assert!(!text.contains("typing"), "{text}");
    }
    app.stop().await;
}
