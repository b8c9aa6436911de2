//! Read markers and levels on several nodes (Redis): a read on node A reaches the
//! account's stream on node B (and nobody else's), B's room list counts from the marker A
//! stored, and a level chosen on B reaches the account's stream on A.

use crate::reads::{hello_rooms, personal_until};
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::rooms::messages_until;
use crate::rooms_on_redis::{call, first_admin, join, say, stream};
use crate::scale_out::start_node;
use common::room::{NotifyLevel, ReadState, RoomSummary};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn a_read_on_one_node_reaches_the_account_s_streams_on_the_other() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("reads");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    let ann = first_admin(&a).await;
    let bob = join(&a, &ann, "bob").await;
    let cat = join(&b, &ann, "cat").await;
    let (mut bob_on_b, _) = stream(&b, &bob, "").await;
    let (mut cat_on_b, _) = stream(&b, &cat, "").await;
    let (mut bob_on_a, _) = stream(&a, &bob, "").await;
    say(&a, &cat, 0, "one @bob").await;
    let two = say(&a, &cat, 0, "two").await;
    messages_until(&mut bob_on_b, "two").await;
    messages_until(&mut bob_on_a, "two").await;
    let (_, hello) = stream(&b, &bob, "").await;
    let lobby = hello_rooms(hello).into_iter().find(|r| r.id == 0).unwrap();
    assert_eq!(
        (lobby.unread, lobby.mentions),
        (2, 1),
        "B counts what A stored"
    );

    let read = call(
        &a,
        Method::POST,
        "/api/rooms/0/read",
        &bob,
        Some(json!({"id": two.id})),
    )
    .await;
    assert_eq!(read.status(), 200);
    let state: ReadState = read.json().await.unwrap();
    assert_eq!((state.read, state.unread, state.mentions), (two.id, 0, 0));
    say(&a, &ann, 0, "marker").await;
    let (reads, _) = personal_until(&mut bob_on_b, "marker").await;
    assert_eq!(reads, [(0, two.id, 0, 0)], "bob's stream on B is told");
    let (reads, _) = personal_until(&mut cat_on_b, "marker").await;
    assert!(reads.is_empty(), "cat's is not: {reads:?}");
    let listed: Vec<RoomSummary> = call(&b, Method::GET, "/api/rooms", &bob, None)
        .await
        .json()
        .await
        .unwrap();
    let lobby = listed.iter().find(|r| r.id == 0).unwrap();
    assert_eq!(lobby.read, two.id, "B reads the marker A stored");
    assert_eq!(
        (lobby.unread, lobby.mentions),
        (1, 0),
        "only ann's marker since"
    );

    let chose = call(
        &b,
        Method::PUT,
        "/api/rooms/0/notify",
        &bob,
        Some(json!({"level": "all"})),
    )
    .await;
    assert_eq!(chose.status(), 200);
    say(&b, &ann, 0, "second marker").await;
    let (_, updated) = personal_until(&mut bob_on_a, "second marker").await;
    let levels: Vec<NotifyLevel> = updated.iter().map(|r| r.notify).collect();
    assert_eq!(levels, [NotifyLevel::All], "A tells bob's stream");
}
