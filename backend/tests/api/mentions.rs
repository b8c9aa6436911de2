//! Mentions over the real server: parsed once, whatever the door (HTTP or WebSocket), kept
//! with the message (only accounts that exist), returned on the stream, in the history and
//! after a restart (with the read markers); `@here` in a room of more than 50 members only
//! for admins and the room's managers.

use crate::helpers::*;
use crate::rooms::{cast, messages_until};
use crate::rooms_stream::room_socket;
use crate::sse_and_websocket::next_text;
use common::mention::HERE_MAX_MEMBERS;
use common::room::RoomSummary;
use common::{Message, StreamEvent};
use futures_util::SinkExt;
use reqwest::Method;
use serde_json::json;
use tokio_tungstenite::tungstenite::Message as Frame;

const TEXT: &str = "hi @Dan and @nobody, mail dan@example.com, `@cat` @BOB @here @dan";

fn check(message: &Message) {
    assert_eq!(message.mentions, ["dan", "bob"], "{message:?}");
    assert!(message.here, "{message:?}");
}

#[tokio::test]
async fn mentions_are_parsed_on_the_server_kept_and_returned_whatever_the_door() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let (mut dan_stream, _) = app.room_stream(Some(&who.dan), "").await;
    let by_http = app.say(&who.bob, room, TEXT).await;
    check(&by_http);

    let mut socket = room_socket(&app, &who.bob).await;
    let frame = json!({"room": room, "text": TEXT}).to_string();
    socket.send(Frame::text(frame)).await.unwrap();
    let by_socket = loop {
        if let Ok(common::WsReply::Posted { msg }) =
            serde_json::from_str(&next_text(&mut socket).await)
        {
            break msg;
        }
    };
    check(&by_socket);
    app.say(&who.bob, room, "plain").await;
    let seen = messages_until(&mut dan_stream, "plain").await;
    assert_eq!(seen.len(), 3);
    seen[..2].iter().for_each(check);
    assert!(seen[2].mentions.is_empty() && !seen[2].here);
    let json = serde_json::to_string(&seen[2]).unwrap();
    assert!(
        !json.contains("mentions") && !json.contains("here"),
        "{json}"
    );

    let history = app.messages_of(&who.dan, room).await;
    let texts: Vec<&Message> = history.iter().filter(|m| m.text == TEXT).collect();
    assert_eq!(texts.len(), 2);
    texts.into_iter().for_each(check);
    // A guest's mention in the lobby counts the same.
    let guest = app
        .post_json(&json!({"user": "visitor", "text": "@bob look"}))
        .await;
    assert_eq!(guest.status(), 201);
    let guest: Message = guest.json().await.unwrap();
    assert_eq!(guest.mentions, ["bob"]);
    app.stop().await;
}

#[tokio::test]
async fn mentions_survive_a_restart_and_a_resumed_stream() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db").display().to_string();
    let prefix = crate::redis_server::unique_prefix("mentions");
    let same_store = |s: &mut backend::Settings| {
        s.db = db.clone();
        s.redis_prefix = prefix.clone();
    };
    let app = spawn_app_with(same_store).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let before = app.say(&who.bob, room, "before").await;
    let (_, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { epoch, .. } = hello else {
        panic!()
    };
    let stored = app.say(&who.bob, room, TEXT).await;
    app.settled(room, stored.id).await;
    assert_eq!(app.mark_read(&who.dan, room, before.id).await.unread, 1);
    app.stop().await;

    let app = spawn_app_with(same_store).await;
    let (_, hello) = app
        .room_stream(
            Some(&who.dan),
            &format!("?since={}&epoch={epoch}", before.id),
        )
        .await;
    let StreamEvent::Hello { reset, msgs, .. } = hello else {
        panic!()
    };
    assert!(!reset);
    assert_eq!(
        msgs,
        std::slice::from_ref(&stored),
        "resumed with its mentions"
    );
    let history = app.messages_of(&who.dan, room).await;
    assert_eq!(history.last(), Some(&stored));
    // The read marker is kept too, and the count after it is the same.
    let kept = app.listed(&who.dan, room).await;
    assert_eq!((kept.read, kept.unread, kept.mentions), (before.id, 1, 1));
    app.stop().await;
}

#[tokio::test]
async fn here_in_a_room_of_more_than_fifty_is_for_admins_and_managers() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    // Small rooms: anyone (the cast's room has 2 members, the lobby 5 accounts).
    assert!(app.say(&who.dan, who.room.id, "@here small").await.here);
    assert!(app.say(&who.dan, 0, "@here lobby").await.here);

    let mut names = Vec::new();
    for i in 0..HERE_MAX_MEMBERS {
        let name = format!("m{i:02}");
        app.member(&who.admin, &name).await;
        names.push(name);
    }
    names.push("dan".into());
    names.push("ann".into());
    let big: RoomSummary = app
        .create_room(
            &who.bob,
            json!({"name": "all hands", "kind": "closed", "members": names}),
        )
        .await;
    assert!(big.members.len() > HERE_MAX_MEMBERS);
    let path = format!("/api/rooms/{}/msgs", big.id);
    let refused = app
        .api(
            Method::POST,
            &path,
            Some(&who.dan),
            Some(json!({"text": "@here everyone"})),
        )
        .await;
    expect_json_error(refused, 403, "@here").await;
    let code = app
        .api(
            Method::POST,
            &path,
            Some(&who.dan),
            Some(json!({"text": "`@here` is only code"})),
        )
        .await;
    assert_eq!(code.status(), 201, "inside code it is no @here");
    assert!(
        app.say(&who.bob, big.id, "@here from the manager")
            .await
            .here
    );
    assert!(
        app.say(&who.admin, big.id, "@here from an admin")
            .await
            .here
    );
    // The lobby now has more than 50 active accounts: the same rule.
    let lobby = app
        .api(
            Method::POST,
            "/api/rooms/0/msgs",
            Some(&who.dan),
            Some(json!({"text": "@here lobby"})),
        )
        .await;
    expect_json_error(lobby, 403, "admins").await;
    let guest = app
        .post_json(&json!({"user": "visitor", "text": "@here hello"}))
        .await;
    expect_json_error(guest, 403, "@here").await;
    assert!(app.say(&who.admin, 0, "@here from the admin").await.here);
    app.stop().await;
}
