//! A room's newest message id (`last_id`) after a restart, when all its messages are older
//! than the node's recent window (the newest 1000 of all rooms): the store gives it, so the
//! room list and the hello say the room has messages, its history is read, and a member
//! with an older marker has an unread count. Runs on Redis too; the last test is Redis's
//! own (a chat whose messages were appended before the store kept the newest ids).

use crate::helpers::*;
use crate::reads::hello_rooms;
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::rooms::cast;
use backend::store::{Retention, Store};
use common::room::RoomId;
use common::{HistoryPage, StreamEvent};
use reqwest::Method;
use std::num::NonZeroUsize;

impl TestApp {
    /// `GET /api/rooms/{room}/history` as `session`: the status, and the page if 200.
    pub async fn history_of(&self, session: &str, room: RoomId) -> (u16, Option<HistoryPage>) {
        let response = self
            .api(
                Method::GET,
                &format!("/api/rooms/{room}/history"),
                Some(session),
                None,
            )
            .await;
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        let page = (status == 200).then(|| serde_json::from_str(&body).unwrap());
        (status, page)
    }

    /// A room's history as `session` reads it (it must be readable).
    pub async fn messages_of(&self, session: &str, room: RoomId) -> Vec<common::Message> {
        let (status, page) = self.history_of(session, room).await;
        assert_eq!(status, 200);
        page.expect("a history page").msgs
    }

    /// `room`'s (last_id, unread) as `session` sees it in the room list and in a new
    /// stream's hello, checked to agree.
    async fn newest_and_unread(&self, session: &str, room: RoomId) -> (u64, u32) {
        let listed = self.listed(session, room).await;
        let (_, hello) = self.room_stream(Some(session), "").await;
        let from_hello = hello_rooms(hello)
            .into_iter()
            .find(|r| r.id == room)
            .unwrap();
        assert_eq!(from_hello, listed, "the hello agrees with the list");
        (listed.last_id, listed.unread)
    }
}

#[tokio::test]
async fn a_quiet_room_keeps_its_newest_id_history_and_unread_count_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("chat.db").display().to_string();
    let prefix = unique_prefix("last-ids");
    let same_store = |s: &mut backend::Settings| {
        s.db = db.clone();
        s.redis_prefix = prefix.clone();
        s.history = NonZeroUsize::new(10).unwrap();
    };
    let app = spawn_app_with(same_store).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let one = app.say(&who.bob, room, "one").await;
    app.settled(room, one.id).await;
    app.mark_read(&who.dan, room, one.id).await;
    let two = app.say(&who.bob, room, "two").await;
    let three = app.say(&who.bob, room, "three").await;
    app.settled(room, three.id).await;
    app.fill_window(&who.cat).await;
    assert!(
        app.hub.window_start().unwrap() > three.id,
        "left the window"
    );
    app.stop().await;

    let app = spawn_app_with(same_store).await;
    assert_eq!(app.hub.rooms().get(room).unwrap().last_id, three.id);
    let (_, hello) = app.room_stream(Some(&who.dan), "").await;
    let StreamEvent::Hello { msgs, .. } = hello else {
        panic!("{hello:?}")
    };
    assert!(
        msgs.iter().all(|m| m.room != room),
        "the hello brings none of the room's messages: the page reads its history"
    );
    assert_eq!(
        app.newest_and_unread(&who.dan, room).await,
        (three.id, 2),
        "dan read `one` only"
    );
    assert_eq!(app.newest_and_unread(&who.bob, room).await, (three.id, 0));
    let (status, page) = app.history_of(&who.dan, room).await;
    assert_eq!(status, 200);
    let page = page.unwrap();
    assert_eq!(ids(&page.msgs), [one.id, two.id, three.id]);
    assert!(!page.more);
    assert_eq!(app.history_of(&who.cat, room).await.0, 404, "not a member");
    let lobby = app.listed(&who.cat, 0).await.last_id;
    assert!(lobby > three.id, "the lobby's newest is the last filler");

    // SQLite's retention deletes the room's messages: no newest id claims a history that
    // is gone, now or after a restart; the next message is its newest again.
    let Store::Sqlite(_) = &app.store else {
        return app.stop().await;
    };
    let deleted = app
        .store
        .retain(Retention {
            days: None,
            messages: Some(1),
        })
        .await
        .unwrap();
    assert!(deleted > 1000, "{deleted}");
    assert_eq!(app.newest_and_unread(&who.dan, room).await, (0, 0));
    let (_, page) = app.history_of(&who.dan, room).await;
    assert_eq!(page.map(|p| (p.msgs.len(), p.more)), Some((0, false)));
    assert_eq!(app.listed(&who.cat, 0).await.last_id, lobby, "kept");
    app.stop().await;
    let app = spawn_app_with(same_store).await;
    assert_eq!(app.newest_and_unread(&who.dan, room).await, (0, 0));
    let four = app.say(&who.bob, room, "four").await;
    app.settled(room, four.id).await;
    assert_eq!(app.newest_and_unread(&who.dan, room).await, (four.id, 1));
    app.stop().await;
}

/// Runs `command` on the shared Redis.
fn redis_do<T: redis::FromRedisValue>(command: &mut redis::Cmd) -> T {
    let client = redis::Client::open(shared_redis_url()).unwrap();
    let mut conn = client.get_connection().unwrap();
    command.query(&mut conn).unwrap()
}

#[tokio::test]
async fn on_redis_rooms_from_before_the_newest_ids_were_kept_are_found_in_the_stream_once() {
    let prefix = unique_prefix("last-ids-backfill");
    let on_redis = |s: &mut backend::Settings| {
        s.redis = Some(shared_redis_url());
        s.redis_prefix = prefix.clone();
        s.history = NonZeroUsize::new(10).unwrap();
    };
    let app = spawn_app_with(on_redis).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let said = app.say(&who.bob, room, "said before").await;
    let quiet = app
        .create_room(
            &who.bob,
            serde_json::json!({"name": "quiet", "kind": "closed", "members": ["dan"]}),
        )
        .await;
    app.settled(room, said.id).await;
    app.fill_window(&who.cat).await;
    let lobby = app.hub.rooms().get(0).unwrap().last_id;
    app.stop().await;
    // As a release that did not keep them left the chat: no hash, no mark.
    let hash = format!("{prefix}:last_ids");
    let deleted: u32 = redis_do(redis::cmd("DEL").arg(&hash).arg(format!("{hash}:since")));
    assert_eq!(deleted, 2);

    let app = spawn_app_with(on_redis).await;
    assert_eq!(app.newest_and_unread(&who.dan, room).await, (said.id, 1));
    assert_eq!(app.newest_and_unread(&who.dan, quiet.id).await, (0, 0));
    assert_eq!(app.hub.rooms().get(0).unwrap().last_id, lobby);
    // Written back: the rooms' newest ids, 0 for a room with none, never looked for again.
    let kept = |room: RoomId| -> Option<u64> { redis_do(redis::cmd("HGET").arg(&hash).arg(room)) };
    assert_eq!(kept(room), Some(said.id));
    assert_eq!(kept(quiet.id), Some(0));
    assert_eq!(kept(0), Some(lobby));
    // An append keeps the hash current from then on, on its own.
    let later = app.say(&who.dan, quiet.id, "later").await;
    assert_eq!(kept(quiet.id), Some(later.id));
    app.stop().await;
}
