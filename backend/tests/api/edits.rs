//! Editing and deleting messages over the real server: who may (every kind of caller), the
//! edit window, the `edited`/`deleted` events live and on resume, history, and that a
//! deleted text is gone from every answer, the SQLite file and its WAL, and Redis.

use crate::helpers::*;
use crate::people::{session_of, PASSWORD};
use crate::rooms::{cast, SOON};
use common::{Message, StreamEvent};
use reqwest::Method;
use serde_json::json;

fn msg_path(room: u64, id: u64) -> String {
    format!("/api/rooms/{room}/msgs/{id}")
}

impl TestApp {
    async fn edit(
        &self,
        session: Option<&str>,
        room: u64,
        id: u64,
        text: &str,
    ) -> reqwest::Response {
        let body = json!({ "text": text });
        self.api(Method::PATCH, &msg_path(room, id), session, Some(body))
            .await
    }

    async fn delete(&self, session: Option<&str>, room: u64, id: u64) -> reqwest::Response {
        self.api(Method::DELETE, &msg_path(room, id), session, None)
            .await
    }
}

/// The next `edited` or `deleted` event on `stream` (other lines skipped).
async fn next_change(stream: &mut LineStream) -> StreamEvent {
    loop {
        let event = stream.next_non_heartbeat(SOON).await;
        if matches!(
            event,
            StreamEvent::Edited { .. } | StreamEvent::Deleted { .. }
        ) {
            return event;
        }
    }
}

#[tokio::test]
async fn every_kind_of_caller_edits_and_deletes_only_what_they_may() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let dans = app.say(&who.dan, room, "first try").await;
    let bobs = app.say(&who.bob, room, "bob's own").await;

    // The author edits; the answer is the message as it is now.
    let edited = app
        .edit(Some(&who.dan), room, dans.id, "second try @bob")
        .await;
    assert_eq!(edited.status(), 200);
    let edited: Message = edited.json().await.unwrap();
    assert_eq!(
        (edited.id, edited.text.as_str(), edited.edited, edited.time),
        (dans.id, "second try @bob", true, dans.time)
    );
    assert_eq!(edited.mentions, ["bob"], "mentions are parsed again");

    // Nobody else edits: not the room's manager (403); an admin who is not a member of
    // the closed room does not even see it (404), nor edits in the lobby (403).
    let refused = app.edit(Some(&who.bob), room, dans.id, "mine now").await;
    expect_json_error(refused, 403, "author").await;
    let unseen = app.edit(Some(&who.admin), room, dans.id, "mine now").await;
    expect_json_error(unseen, 404, "no room").await;
    let in_lobby = app.say(&who.dan, 0, "lobby words").await;
    let refused = app.edit(Some(&who.admin), 0, in_lobby.id, "mine now").await;
    expect_json_error(refused, 403, "author").await;
    // Outside the room it does not exist (404); a guest signs in (401); foreign pages 403.
    let outsider = app.edit(Some(&who.cat), room, dans.id, "x").await;
    expect_json_error(outsider, 404, "no room").await;
    expect_json_error(app.edit(None, room, dans.id, "x").await, 401, "sign in").await;
    let foreign = app
        .client
        .patch(app.url(&msg_path(room, dans.id)))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.dan))
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;
    // Bad bodies (400), unknown ids and a message of another room (404).
    expect_json_error(app.edit(Some(&who.dan), room, dans.id, "  ").await, 400, "").await;
    let no_text = app
        .api(
            Method::PATCH,
            &msg_path(room, dans.id),
            Some(&who.dan),
            Some(json!({"txt": 1})),
        )
        .await;
    expect_json_error(no_text, 400, "").await;
    expect_json_error(
        app.edit(Some(&who.dan), room, 999_999, "x").await,
        404,
        "no message",
    )
    .await;
    let lobby = app.say(&who.dan, 0, "in the lobby").await;
    let elsewhere = app.edit(Some(&who.dan), room, lobby.id, "x").await;
    expect_json_error(elsewhere, 404, "no message").await;
    let junk = app
        .api(
            Method::DELETE,
            &format!("/api/rooms/{room}/msgs/abc"),
            Some(&who.dan),
            None,
        )
        .await;
    expect_json_error(junk, 404, "no message").await;

    // Deleting: not someone else's message as a member (403), not from outside (404),
    // not as a guest (401), not from a foreign page (403).
    expect_json_error(
        app.delete(Some(&who.dan), room, bobs.id).await,
        403,
        "author",
    )
    .await;
    expect_json_error(
        app.delete(Some(&who.cat), room, bobs.id).await,
        404,
        "no room",
    )
    .await;
    expect_json_error(app.delete(None, room, bobs.id).await, 401, "sign in").await;
    let foreign = app
        .client
        .delete(app.url(&msg_path(room, bobs.id)))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.bob))
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;
    // The room's manager deletes a member's message, the admin anyone's, the author their own.
    assert_eq!(
        app.delete(Some(&who.bob), room, dans.id).await.status(),
        204
    );
    assert_eq!(
        app.delete(Some(&who.admin), 0, in_lobby.id).await.status(),
        204
    );
    assert_eq!(
        app.delete(Some(&who.bob), room, bobs.id).await.status(),
        204
    );
    assert_eq!(app.delete(Some(&who.dan), 0, lobby.id).await.status(), 204);
    // A deleted message is gone for every change.
    let gone = app.edit(Some(&who.dan), room, dans.id, "back").await;
    expect_json_error(gone, 404, "no message").await;
    expect_json_error(
        app.delete(Some(&who.bob), room, dans.id).await,
        404,
        "no message",
    )
    .await;
}

#[tokio::test]
async fn the_edit_window_closes_for_authors_but_not_for_moderators() {
    // 0.02 minutes: 1.2 seconds.
    let app = spawn_app_with(|s| s.edit_window_mins = 0.02).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let old = app.say(&who.dan, room, "soon too old").await;
    let fresh = app.say(&who.dan, room, "fresh").await;
    assert_eq!(
        app.edit(Some(&who.dan), room, fresh.id, "fresh!")
            .await
            .status(),
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    let late = app.edit(Some(&who.dan), room, old.id, "too late").await;
    expect_json_error(late, 403, "edit window is over").await;
    expect_json_error(
        app.delete(Some(&who.dan), room, old.id).await,
        403,
        "edit window",
    )
    .await;
    assert_eq!(
        app.delete(Some(&who.bob), room, old.id).await.status(),
        204,
        "the manager may"
    );

    // 0: always.
    let always = spawn_app_with(|s| s.edit_window_mins = 0.0).await;
    let who = cast(&always).await;
    let message = always.say(&who.dan, who.room.id, "any time").await;
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    let edited = always
        .edit(Some(&who.dan), who.room.id, message.id, "still")
        .await;
    assert_eq!(edited.status(), 200);
}

#[tokio::test]
async fn edits_and_deletions_reach_open_streams_resumes_and_history() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let message = app.say(&who.dan, room, "draft text").await;
    let lobby = app.say(&who.dan, 0, "lobby draft").await;
    let (mut bob, hello) = app.room_stream(Some(&who.bob), "").await;
    let StreamEvent::Hello { epoch, .. } = hello else {
        panic!("a hello first")
    };
    let mut window = app.open_stream("").await;
    window.next_line(SOON).await.expect("the window");

    assert_eq!(
        app.edit(Some(&who.dan), room, message.id, "final text")
            .await
            .status(),
        200
    );
    let StreamEvent::Edited { msg } = next_change(&mut bob).await else {
        panic!("an edit first")
    };
    assert_eq!(
        (msg.id, msg.text.as_str(), msg.edited),
        (message.id, "final text", true)
    );

    assert_eq!(
        app.delete(Some(&who.bob), room, message.id).await.status(),
        204
    );
    let StreamEvent::Deleted { msg } = next_change(&mut bob).await else {
        panic!("then the deletion")
    };
    assert_eq!(
        (msg.id, msg.text.as_str(), msg.deleted),
        (message.id, "", true)
    );

    // The course's window line loses the deleted lobby text.
    assert_eq!(app.delete(Some(&who.dan), 0, lobby.id).await.status(), 204);
    let StreamEvent::Deleted { msg } = next_change(&mut bob).await else {
        panic!("the lobby's deletion")
    };
    assert_eq!(msg.id, lobby.id);
    let mut line = String::new();
    while !line.contains("\"msg\"") {
        line = window.next_line(SOON).await.expect("a new window");
    }
    assert!(
        !line.contains("lobby draft") && line.contains("\"deleted\":true"),
        "{line}"
    );

    // Resumed from before the changes: the message as it is now, text gone.
    let since = message.id;
    let (_, hello) = app
        .room_stream(Some(&who.dan), &format!("?since={since}&epoch={epoch}"))
        .await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!()
    };
    let resumed = msgs
        .iter()
        .find(|m| m.id == message.id)
        .expect("the tombstone");
    assert!(resumed.deleted && resumed.text.is_empty());

    // History shows the latest state: the edit mark, or the deletion.
    let kept = app.say(&who.dan, room, "kept").await;
    app.edit(Some(&who.dan), room, kept.id, "kept, edited")
        .await;
    let history = app.messages_of(&who.bob, room).await;
    let tomb = history
        .iter()
        .find(|m| m.id == message.id)
        .expect("still listed");
    assert!(tomb.deleted && tomb.text.is_empty() && tomb.mentions.is_empty());
    let shown = history.iter().find(|m| m.id == kept.id).unwrap();
    assert_eq!((shown.text.as_str(), shown.edited), ("kept, edited", true));
}

/// Every place the server answers from, after `secret` was posted, edited and deleted.
async fn answers(app: &TestApp, session: &str, room: u64) -> String {
    let mut all = String::new();
    for path in [
        format!("/api/rooms/{room}/history"),
        "/api/rooms/0/history".to_owned(),
        "/msgs/history".to_owned(),
        format!("/api/rooms/{room}"),
        "/api/rooms".to_owned(),
        "/api/search?q=zebra+secret".to_owned(),
        "/api/search?q=okapi".to_owned(),
        "/api/search?q=vexillology".to_owned(),
    ] {
        let response = app.api(Method::GET, &path, Some(session), None).await;
        all.push_str(&response.text().await.unwrap());
    }
    let (_, hello) = app.room_stream(Some(session), "").await;
    all.push_str(&serde_json::to_string(&hello).unwrap());
    let mut window = app.open_stream("").await;
    all.push_str(&window.next_line(SOON).await.unwrap());
    all
}

#[tokio::test]
async fn a_deleted_text_is_left_nowhere() {
    let on_redis = std::env::var("H2CHAT_TEST_STORE").as_deref() == Ok("redis");
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let prefix = crate::redis_server::unique_prefix("edits");
    let (db_path, redis_prefix) = (db.display().to_string(), prefix.clone());
    let app = spawn_app_with(move |s| {
        s.db = db_path;
        s.redis_prefix = redis_prefix;
    })
    .await;
    let who = cast(&app).await;
    let room = who.room.id;
    let message = app
        .say(&who.dan, room, "zebra-secret-first vexillologyfirst")
        .await;
    let lobby = app.say(&who.dan, 0, "okapi-secret-lobby").await;
    app.edit(
        Some(&who.dan),
        room,
        message.id,
        "zebra-secret-edited vexillologyedited",
    )
    .await;
    app.edit(Some(&who.dan), 0, lobby.id, "okapi-secret-edited")
        .await;
    for _ in 0..20 {
        app.say(&who.bob, room, "padding so pages are rewritten")
            .await;
    }
    assert_eq!(
        app.delete(Some(&who.dan), room, message.id).await.status(),
        204
    );
    assert_eq!(
        app.delete(Some(&who.admin), 0, lobby.id).await.status(),
        204
    );
    let seen = answers(&app, &who.bob, room).await;
    for secret in ["zebra-secret", "okapi-secret", "vexillology"] {
        assert!(!seen.contains(secret), "{secret} in an answer: {seen}");
    }
    let found = app
        .api(Method::GET, "/api/search?q=padding", Some(&who.bob), None)
        .await;
    assert!(
        found.text().await.unwrap().contains("padding"),
        "search works"
    );
    if on_redis {
        let client = redis::Client::open(crate::redis_server::shared_redis_url()).unwrap();
        let mut conn = client.get_multiplexed_async_connection().await.unwrap();
        let mut dump = String::new();
        for stream in ["msgs", "log"] {
            let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
                .arg(format!("{prefix}:{stream}"))
                .arg("-")
                .arg("+")
                .query_async(&mut conn)
                .await
                .unwrap();
            dump.push_str(&format!("{entries:?}"));
        }
        let changed: Vec<String> = redis::cmd("HGETALL")
            .arg(format!("{prefix}:changed"))
            .query_async(&mut conn)
            .await
            .unwrap();
        dump.push_str(&format!("{changed:?}"));
        assert!(dump.contains("padding"), "the dump is of this chat");
        for secret in ["zebra-secret", "okapi-secret"] {
            assert!(!dump.contains(secret), "{secret} in Redis");
        }
    }
    // Read while the server runs (its WAL is not folded in at stop yet), and after.
    if !on_redis {
        assert_no_secret_in_files(dir.path());
    }
    app.stop().await;
    if !on_redis {
        assert_no_secret_in_files(dir.path());
    }
}

/// The raw bytes of `dir/chat.db` and its WAL hold the chat but no deleted text, not even
/// in the search index, which keeps words, not texts: `vexillologyfirst` and
/// `vexillologyedited` are words of the deleted message. The index may store a word after
/// the prefix it shares with the word before it, so their ends are looked for.
fn assert_no_secret_in_files(dir: &std::path::Path) {
    let mut bytes = std::fs::read(dir.join("chat.db")).unwrap();
    bytes.extend(std::fs::read(dir.join("chat.db-wal")).unwrap_or_default());
    let holds = |text: &str| bytes.windows(text.len()).any(|w| w == text.as_bytes());
    assert!(holds("padding"), "the file holds the chat");
    for secret in ["zebra-secret", "okapi-secret", "logyfirst", "logyedited"] {
        assert!(!holds(secret), "{secret} in the database file or its WAL");
    }
}

#[tokio::test]
async fn a_change_survives_a_restart_and_a_resume_from_before_it_sees_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db").display().to_string();
    let prefix = crate::redis_server::unique_prefix("edits-restart");
    let settings = move |s: &mut backend::Settings| {
        s.db = db.clone();
        s.redis_prefix = prefix.clone();
    };
    let app = spawn_app_with(settings.clone()).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let edited = app.say(&who.dan, room, "before restart").await;
    let deleted = app.say(&who.dan, 0, "lobby, to go").await;
    let (_, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { epoch, .. } = hello else {
        panic!()
    };
    app.edit(Some(&who.dan), room, edited.id, "after edit")
        .await;
    app.delete(Some(&who.dan), 0, deleted.id).await;
    app.stop().await;

    let app = spawn_app_with(settings).await;
    let dan = session_of(&app.sign_in("dan", PASSWORD).await).unwrap();
    let (_, hello) = app
        .room_stream(Some(&dan), &format!("?since={}&epoch={epoch}", deleted.id))
        .await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!()
    };
    let shown = |id| {
        msgs.iter()
            .find(|m| m.id == id)
            .cloned()
            .expect("in the hello")
    };
    assert_eq!(
        (shown(edited.id).text, shown(edited.id).edited),
        ("after edit".to_owned(), true)
    );
    assert!(shown(deleted.id).deleted && shown(deleted.id).text.is_empty());
    let history = app.messages_of(&dan, room).await;
    assert_eq!(history[0].text, "after edit");
    app.stop().await;
}
