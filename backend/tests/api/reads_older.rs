//! Unread and mention counts of a quiet room whose unread messages have left the hub's
//! recent window (the newest 1000 messages of all rooms): the store counts them, so the
//! room list, one room, the hello and the answer of a read are exact. Runs on Redis too.

use crate::helpers::*;
use crate::reads::hello_rooms;
use crate::rooms::{cast, SOON};
use common::room::{ReadState, RoomId, RoomSummary, UNREAD_COUNT_MAX};
use common::StreamEvent;
use futures_util::StreamExt;
use reqwest::Method;
use serde_json::json;
use std::num::NonZeroUsize;

/// Messages of all rooms the window keeps at least, whatever `--history` says.
const WINDOW: usize = 1000;

impl TestApp {
    /// `room` as `session` sees it in the room list, `GET /api/rooms/{room}` and a new
    /// stream's hello, checked to agree; its (unread, mentions).
    async fn counts_everywhere(&self, session: &str, room: RoomId) -> (u32, u32) {
        let listed = self.listed(session, room).await;
        let one: RoomSummary = self
            .api(
                Method::GET,
                &format!("/api/rooms/{room}"),
                Some(session),
                None,
            )
            .await
            .json()
            .await
            .unwrap();
        let (_, hello) = self.room_stream(Some(session), "").await;
        let from_hello = hello_rooms(hello)
            .into_iter()
            .find(|r| r.id == room)
            .unwrap();
        assert_eq!(one, listed, "GET /api/rooms/{room} agrees with the list");
        assert_eq!(from_hello, listed, "the hello agrees with the list");
        (listed.unread, listed.mentions)
    }

    /// Posts a window's worth of messages in the lobby as `session`, 16 at a time, and
    /// waits until the hub has them all.
    pub async fn fill_window(&self, session: &str) {
        let posted = futures_util::stream::iter(0..WINDOW)
            .map(|i| async move { self.say(session, 0, &format!("filler {i}")).await })
            .buffer_unordered(16)
            .collect::<Vec<_>>()
            .await;
        let newest = posted.iter().map(|m| m.id).max().unwrap();
        self.settled(0, newest).await;
    }
}

#[tokio::test]
async fn counts_include_unread_messages_older_than_the_window() {
    let app = spawn_app_with(|s| s.history = NonZeroUsize::new(10).unwrap()).await;
    let who = cast(&app).await;
    let room = who.room.id;
    let first = app.say(&who.dan, room, "one").await;
    app.settled(room, first.id).await;
    app.mark_read(&who.bob, room, first.id).await;
    app.say(&who.dan, room, "hi @bob").await;
    app.say(&who.bob, room, "mine, @bob").await;
    let two = app.say(&who.dan, room, "two").await;
    let last = app.say(&who.dan, room, "@bob again").await;
    app.settled(room, last.id).await;
    assert_eq!(app.counts_everywhere(&who.bob, room).await, (3, 2));
    assert_eq!(app.counts_everywhere(&who.dan, room).await, (1, 0));

    // The lobby gets a window's worth of messages: the room's all leave the window.
    app.fill_window(&who.cat).await;
    let start = app.hub.window_start().expect("older messages exist");
    assert!(start > last.id, "the room's messages left the window");

    assert_eq!(app.counts_everywhere(&who.bob, room).await, (3, 2));
    assert_eq!(app.counts_everywhere(&who.dan, room).await, (1, 0), "bob's");
    assert_eq!(
        app.counts_everywhere(&who.bob, 0).await,
        (UNREAD_COUNT_MAX, 0),
        "the lobby, from the window alone, capped"
    );

    // One new message, in the window: counted once, beside the older ones.
    let fresh = app.say(&who.dan, room, "fresh @bob").await;
    app.settled(room, fresh.id).await;
    assert_eq!(app.counts_everywhere(&who.bob, room).await, (4, 3));
    // While bob's stream is open, the fresh message leaves the window too: the counts the
    // node keeps take it as it leaves, so a room_updated (the room renamed) still has it.
    let (mut bob_stream, _) = app.room_stream(Some(&who.bob), "").await;
    let rename = async {
        app.fill_window(&who.cat).await;
        assert!(app.hub.window_start().unwrap() > fresh.id);
        let renamed = app
            .api(
                Method::PATCH,
                &format!("/api/rooms/{room}"),
                Some(&who.bob),
                Some(json!({"name": "plans 2"})),
            )
            .await;
        assert_eq!(renamed.status(), 200);
    };
    let updated = async {
        loop {
            if let StreamEvent::RoomUpdated { room: got } =
                bob_stream.next_non_heartbeat(SOON).await
            {
                if got.id == room {
                    return got;
                }
            }
        }
    };
    let ((), updated) = tokio::join!(rename, updated);
    assert_eq!(
        (updated.name.as_str(), updated.unread, updated.mentions),
        ("plans 2", 4, 3)
    );
    assert_eq!(app.counts_everywhere(&who.bob, room).await, (4, 3));
    // A read inside the older messages: the answer counts from the new marker.
    let state = app.mark_read(&who.bob, room, two.id).await;
    assert_eq!(
        state,
        ReadState {
            read: two.id,
            unread: 2,
            mentions: 2
        }
    );
    assert_eq!(app.counts_everywhere(&who.bob, room).await, (2, 2));
    let all = app.mark_read(&who.bob, room, fresh.id).await;
    assert_eq!((all.unread, all.mentions), (0, 0));
    assert_eq!(app.counts_everywhere(&who.bob, room).await, (0, 0));
    app.stop().await;
}
