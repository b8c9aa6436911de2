//! Reactions over the real server: who may react (every kind of caller and every bad
//! input), the `reaction` event live, on resume and after a restart, history, and that a
//! deleted message's reactions are gone from every answer and from the store.

use crate::helpers::*;
use crate::people::{session_of, PASSWORD};
use crate::rooms::{cast, SOON};
use common::reaction::{Reaction, MAX_REACTIONS};
use common::{Message, StreamEvent};
use reqwest::Method;
use serde_json::Value;

fn reaction_path(room: u64, id: u64, emoji: &str) -> String {
    format!("/api/rooms/{room}/msgs/{id}/reactions/{emoji}")
}

fn on_redis() -> bool {
    std::env::var("H2CHAT_TEST_STORE").as_deref() == Ok("redis")
}

impl TestApp {
    /// `PUT` (`added`) or `DELETE` a reaction as the chat's page does.
    pub async fn react(
        &self,
        session: Option<&str>,
        (room, id): (u64, u64),
        emoji: &str,
        added: bool,
    ) -> reqwest::Response {
        let method = if added { Method::PUT } else { Method::DELETE };
        self.api(method, &reaction_path(room, id, emoji), session, None)
            .await
    }

    /// Reacts and expects it to work; the message's reactions after.
    async fn reacted(&self, session: &str, at: (u64, u64), emoji: &str, added: bool) -> Value {
        let response = self.react(Some(session), at, emoji, added).await;
        assert_eq!(response.status(), 200, "{emoji} on {at:?}");
        response.json().await.unwrap()
    }
}

fn one(emoji: &str, accounts: &[&str]) -> Reaction {
    Reaction {
        emoji: emoji.into(),
        accounts: accounts.iter().map(|a| a.to_string()).collect(),
    }
}

/// The next `reaction` event on `stream` (other lines skipped).
async fn next_reaction(stream: &mut LineStream) -> StreamEvent {
    loop {
        let event = stream.next_non_heartbeat(SOON).await;
        if matches!(event, StreamEvent::Reaction { .. }) {
            return event;
        }
    }
}

#[tokio::test]
async fn members_react_and_take_it_back_and_everyone_else_is_refused() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let message = app.say(&who.bob, room, "ship it?").await;
    let at = (room, message.id);

    // Add (twice: the same), a second account, and take back (twice: the same).
    let answer = app.reacted(&who.dan, at, "👍", true).await;
    assert_eq!(
        answer["reactions"],
        serde_json::json!([{"emoji": "👍", "accounts": ["dan"]}])
    );
    let again = app.reacted(&who.dan, at, "👍", true).await;
    assert_eq!(again, answer, "adding again changes nothing");
    app.reacted(&who.bob, at, "👍", true).await;
    // ❤ and ❤️ are one emoji: the qualified form is kept.
    let hearts = app.reacted(&who.bob, at, "❤", true).await;
    assert_eq!(hearts["reactions"][1]["emoji"], "❤️");
    let taken = app.reacted(&who.dan, at, "👍", false).await;
    assert_eq!(
        taken["reactions"],
        serde_json::json!([{"emoji": "👍", "accounts": ["bob"]}, {"emoji": "❤️", "accounts": ["bob"]}])
    );
    let again = app.reacted(&who.dan, at, "👍", false).await;
    assert_eq!(
        again, taken,
        "taking back what is not there changes nothing"
    );
    let shown = app.messages_of(&who.dan, room).await;
    assert_eq!(
        shown[0].reactions,
        vec![one("👍", &["bob"]), one("❤️", &["bob"])]
    );

    // A guest signs in (401); a non-member does not see the room (404), nor does an
    // admin outside it; foreign pages are refused (403).
    expect_json_error(app.react(None, at, "👍", true).await, 401, "sign in").await;
    expect_json_error(
        app.react(Some(&who.cat), at, "👍", true).await,
        404,
        "no room",
    )
    .await;
    expect_json_error(
        app.react(Some(&who.admin), at, "👍", false).await,
        404,
        "no room",
    )
    .await;
    for method in [Method::PUT, Method::DELETE] {
        let foreign = app
            .client
            .request(method, app.url(&reaction_path(room, message.id, "👍")))
            .header("origin", "https://evil.example")
            .header("cookie", format!("__Host-h2chat={}", who.dan))
            .send()
            .await
            .unwrap();
        expect_json_error(foreign, 403, "Origin").await;
    }
    // Not exactly one emoji (400).
    for bad in ["a", "ok", "👍👍", "👍%20🎉", "%07", "%F0%9F", "%20"] {
        let refused = app.react(Some(&who.dan), at, bad, true).await;
        expect_json_error(refused, 400, "emoji").await;
    }
    // Unknown rooms and messages, one of another room, and ids that are not ids (404).
    let lobby = app.say(&who.dan, 0, "in the lobby").await;
    for (path_room, path_msg) in [
        (room.to_string(), "999999".to_owned()),
        (room.to_string(), lobby.id.to_string()),
        ("77777".to_owned(), message.id.to_string()),
        (room.to_string(), "abc".to_owned()),
        ("abc".to_owned(), message.id.to_string()),
    ] {
        let path = format!("/api/rooms/{path_room}/msgs/{path_msg}/reactions/👍");
        let refused = app.api(Method::PUT, &path, Some(&who.dan), None).await;
        expect_json_error(refused, 404, "no ").await;
    }
    // Anyone who may post in the lobby reacts there.
    app.reacted(&who.cat, (0, lobby.id), "🎉", true).await;

    // At most MAX_REACTIONS different emoji (409); one already there still takes more.
    let crowded = app.say(&who.bob, room, "so many").await;
    let at = (room, crowded.id);
    let all = [
        "😀", "😃", "😄", "😁", "😆", "😅", "🤣", "😂", "🙂", "🙃", "😉", "😊", "😇", "🥰", "😍",
        "🤩", "😘", "😗", "😚", "😙", "😋",
    ];
    assert_eq!(all.len(), MAX_REACTIONS + 1);
    for emoji in &all[..MAX_REACTIONS] {
        app.reacted(&who.bob, at, emoji, true).await;
    }
    let full = app
        .react(Some(&who.dan), at, all[MAX_REACTIONS], true)
        .await;
    expect_json_error(full, 409, "at most").await;
    let joined = app.reacted(&who.dan, at, all[0], true).await;
    assert_eq!(
        joined["reactions"][0]["accounts"],
        serde_json::json!(["bob", "dan"])
    );

    // A deleted message takes none; an archived room is read-only.
    assert_eq!(app.delete_message(&who.bob, room, crowded.id).await, 204);
    expect_json_error(
        app.react(Some(&who.dan), at, "👍", true).await,
        404,
        "no message",
    )
    .await;
    let archived = app
        .api(
            Method::PATCH,
            &format!("/api/rooms/{room}"),
            Some(&who.bob),
            Some(serde_json::json!({"archived": true})),
        )
        .await;
    assert_eq!(archived.status(), 200);
    let refused = app
        .react(Some(&who.dan), (room, message.id), "🎉", true)
        .await;
    expect_json_error(refused, 403, "archived").await;
}

impl TestApp {
    async fn delete_message(&self, session: &str, room: u64, id: u64) -> u16 {
        let path = format!("/api/rooms/{room}/msgs/{id}");
        let response = self.api(Method::DELETE, &path, Some(session), None).await;
        response.status().as_u16()
    }
}

#[tokio::test]
async fn reactions_reach_open_streams_resumes_and_history_and_go_with_their_message() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let message = app.say(&who.bob, room, "lunch?").await;
    let lobby = app.say(&who.bob, 0, "hello all").await;
    let (mut bob, hello) = app.room_stream(Some(&who.bob), "").await;
    let StreamEvent::Hello { epoch, .. } = hello else {
        panic!("a hello first")
    };
    let mut window = app.open_stream("").await;
    window.next_line(SOON).await.expect("the window");

    // Live, to another account's stream.
    app.reacted(&who.dan, (room, message.id), "🎉", true).await;
    let event = next_reaction(&mut bob).await;
    assert_eq!(
        event,
        StreamEvent::Reaction {
            id: room,
            message: message.id,
            emoji: "🎉".into(),
            account: "dan".into(),
            added: true
        }
    );
    // In the lobby, the course's window line carries them too.
    app.reacted(&who.cat, (0, lobby.id), "👀", true).await;
    assert!(matches!(
        next_reaction(&mut bob).await,
        StreamEvent::Reaction { added: true, .. }
    ));
    let mut line = String::new();
    while !line.contains("👀") {
        line = window.next_line(SOON).await.expect("a new window");
    }
    assert!(
        line.contains("\"reactions\":[{\"emoji\":\"👀\",\"accounts\":[\"cat\"]}]"),
        "{line}"
    );

    // Resumed from before the reaction: the message with it.
    let (_, hello) = app
        .room_stream(
            Some(&who.dan),
            &format!("?since={}&epoch={epoch}", lobby.id),
        )
        .await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!()
    };
    let resumed = msgs
        .iter()
        .find(|m| m.id == message.id)
        .expect("in the hello");
    assert_eq!(resumed.reactions, vec![one("🎉", &["dan"])]);
    // History, on every path that lists messages.
    let history = app.messages_of(&who.bob, room).await;
    assert_eq!(history[0].reactions, vec![one("🎉", &["dan"])]);
    let course: common::HistoryPage = app
        .api(Method::GET, "/msgs/history", Some(&who.bob), None)
        .await
        .json()
        .await
        .unwrap();
    let shown = course.msgs.iter().find(|m| m.id == lobby.id).unwrap();
    assert_eq!(shown.reactions, vec![one("👀", &["cat"])]);

    // Taking back is live too; an edit keeps the reactions.
    app.reacted(&who.dan, (room, message.id), "👍", true).await;
    app.reacted(&who.dan, (room, message.id), "🎉", false).await;
    let mut seen = Vec::new();
    while seen.len() < 2 {
        seen.push(next_reaction(&mut bob).await);
    }
    assert!(matches!(&seen[1], StreamEvent::Reaction { emoji, added: false, .. } if emoji == "🎉"));
    let edit = app
        .api(
            Method::PATCH,
            &format!("/api/rooms/{room}/msgs/{}", message.id),
            Some(&who.bob),
            Some(serde_json::json!({"text": "lunch at 1?"})),
        )
        .await;
    assert_eq!(edit.status(), 200);
    let history = app.messages_of(&who.bob, room).await;
    assert_eq!(history[0].reactions, vec![one("👍", &["dan"])]);
    let (_, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!()
    };
    let held = msgs.iter().find(|m| m.id == message.id).unwrap();
    assert_eq!(
        (held.text.as_str(), held.reactions.clone()),
        ("lunch at 1?", vec![one("👍", &["dan"])])
    );

    // Deleted: no reactions anywhere.
    assert_eq!(app.delete_message(&who.bob, room, message.id).await, 204);
    let history = app.messages_of(&who.bob, room).await;
    assert!(history[0].deleted && history[0].reactions.is_empty());
    let (_, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!()
    };
    let tomb = msgs.iter().find(|m| m.id == message.id).unwrap();
    assert!(tomb.deleted && tomb.reactions.is_empty());
}

#[tokio::test]
async fn reactions_are_stored_and_a_deleted_messages_are_erased_from_the_store() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db");
    let prefix = crate::redis_server::unique_prefix("reactions");
    let (db_path, redis_prefix) = (db.display().to_string(), prefix.clone());
    let settings = move |s: &mut backend::Settings| {
        s.db = db_path.clone();
        s.redis_prefix = redis_prefix.clone();
    };
    let app = spawn_app_with(settings.clone()).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let kept = app.say(&who.bob, room, "kept").await;
    let gone = app.say(&who.bob, room, "to go").await;
    let (_, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { epoch, .. } = hello else {
        panic!()
    };
    app.reacted(&who.dan, (room, kept.id), "🙏", true).await;
    app.reacted(&who.bob, (room, kept.id), "🙏", true).await;
    app.reacted(&who.dan, (room, gone.id), "😢", true).await;
    app.reacted(&who.bob, (room, gone.id), "😮", true).await;
    app.reacted(&who.bob, (room, gone.id), "😮", false).await;
    assert_eq!(app.delete_message(&who.bob, room, gone.id).await, 204);
    app.stop().await;

    // After a restart: kept as they were, in the hello of a resume and in history.
    let app = spawn_app_with(settings).await;
    let dan = session_of(&app.sign_in("dan", PASSWORD).await).unwrap();
    let (_, hello) = app
        .room_stream(Some(&dan), &format!("?since={}&epoch={epoch}", gone.id))
        .await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!()
    };
    let by_id = |id| {
        msgs.iter()
            .find(|m: &&Message| m.id == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(by_id(kept.id).reactions, vec![one("🙏", &["dan", "bob"])]);
    assert!(by_id(gone.id).reactions.is_empty());
    let history = app.messages_of(&dan, room).await;
    assert_eq!(history[0].reactions, vec![one("🙏", &["dan", "bob"])]);
    assert!(history[1].reactions.is_empty());

    // The store holds the kept message's reactions and nothing of the deleted one's.
    let (held, log) = if on_redis() {
        redis_dump(&prefix, kept.id, gone.id).await
    } else {
        sqlite_dump(&db, gone.id)
    };
    assert_eq!(held, 2, "the kept message's two reactions");
    assert!(log.contains("🙏"), "the kept reactions' events: {log}");
    assert!(!log.contains("😢") && !log.contains("😮"), "{log}");
    app.stop().await;
}

/// The number of reactions kept for `kept`, and every reaction event left in the log
/// plus whatever is kept for `gone`.
fn sqlite_dump(db: &std::path::Path, gone: u64) -> (usize, String) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let held: i64 = conn
        .query_row("SELECT COUNT(*) FROM reactions", [], |row| row.get(0))
        .unwrap();
    let mut log: Vec<String> = conn
        .prepare("SELECT event FROM log WHERE event LIKE '%\"reaction\"%'")
        .unwrap()
        .query_map([], |row| row.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let left: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM reactions WHERE message = ?1",
            [gone as i64],
            |row| row.get(0),
        )
        .unwrap();
    log.push(format!("{left} rows of the deleted message"));
    (held as usize, log.join("\n"))
}

async fn redis_dump(prefix: &str, kept: u64, gone: u64) -> (usize, String) {
    let client = redis::Client::open(crate::redis_server::shared_redis_url()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let held: usize = redis::cmd("ZCARD")
        .arg(format!("{prefix}:reactions:{kept}"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let entries: Vec<(String, Vec<String>)> = redis::cmd("XRANGE")
        .arg(format!("{prefix}:log"))
        .arg("-")
        .arg("+")
        .query_async(&mut conn)
        .await
        .unwrap();
    let mut log = format!("{entries:?}");
    for key in ["reactions", "reacted"] {
        let exists: bool = redis::cmd("EXISTS")
            .arg(format!("{prefix}:{key}:{gone}"))
            .query_async(&mut conn)
            .await
            .unwrap();
        log.push_str(&format!("\n{key} of the deleted message kept: {exists}"));
        assert!(!exists, "{key} of the deleted message");
    }
    (held, log)
}

#[tokio::test]
async fn reactions_spend_the_post_budget_but_idempotent_repeats_do_not() {
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 3;
    })
    .await;
    let who = cast(&app).await;
    let room = who.room.id;
    let message = app.say(&who.bob, room, "rate me").await;
    let at = (room, message.id);
    app.reacted(&who.dan, at, "👍", true).await;
    // Were repeats counted, these would spend the burst (one more per second at most).
    for _ in 0..10 {
        app.reacted(&who.dan, at, "👍", true).await;
    }
    app.reacted(&who.dan, at, "🎉", true).await;
    let mut refused = None;
    for emoji in ["👀", "🙏", "😮", "😢"] {
        let response = app.react(Some(&who.dan), at, emoji, true).await;
        if response.status() != 200 {
            refused = Some(response);
            break;
        }
    }
    expect_json_error(refused.expect("the budget runs out"), 429, "wait").await;
}
