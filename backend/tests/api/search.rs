//! Search over the real server (`GET /api/search`): ranking, the access rules of every
//! kind of caller, bad input, query syntax that is no syntax, snippets as plain-text
//! parts, edits and deletions, and on Redis a node that starts later building its index
//! from the stream.

use crate::helpers::*;
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::rooms::{cast, SOON};
use common::search::{SearchResults, SnippetPart};
use reqwest::Method;
use serde_json::json;

impl TestApp {
    async fn search(&self, session: Option<&str>, query: &str) -> reqwest::Response {
        self.api(Method::GET, &format!("/api/search?{query}"), session, None)
            .await
    }

    /// The ids found for `query`, the best first (the answer must be 200).
    async fn found(&self, session: Option<&str>, query: &str) -> Vec<u64> {
        let response = self.search(session, query).await;
        assert_eq!(response.status(), 200, "search {query}");
        let results: SearchResults = response.json().await.unwrap();
        results.results.iter().map(|hit| hit.message.id).collect()
    }
}

#[tokio::test]
async fn each_caller_finds_what_they_may_read_the_best_first() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let plans = app.say(&who.dan, room, "the rollout is on friday").await;
    let best = app.say(&who.bob, 0, "rollout rollout: rollout!").await;
    let weak = app
        .say(
            &who.bob,
            0,
            "a long message that mentions a rollout once among many words",
        )
        .await;
    app.say(&who.bob, 0, "nothing to see").await;

    // Members of the closed room find it; the best match first (bm25), prefixes match.
    assert_eq!(
        app.found(Some(&who.dan), "q=rollout").await,
        [best.id, plans.id, weak.id]
    );
    assert_eq!(app.found(Some(&who.dan), "q=ROLL+fri").await, [plans.id]);
    // Others never see it, in any way they ask.
    assert_eq!(
        app.found(Some(&who.cat), "q=rollout").await,
        [best.id, weak.id]
    );
    assert!(app.found(Some(&who.admin), "q=friday").await.is_empty());
    let hidden = format!("q=rollout&room={room}");
    expect_json_error(app.search(Some(&who.cat), &hidden).await, 404, "no room").await;
    expect_json_error(app.search(Some(&who.admin), &hidden).await, 404, "no room").await;
    expect_json_error(
        app.search(Some(&who.cat), "q=x&room=9999").await,
        404,
        "no room",
    )
    .await;
    // One room: only its messages.
    assert_eq!(app.found(Some(&who.bob), &hidden).await, [plans.id]);
    assert_eq!(
        app.found(Some(&who.bob), "q=rollout&room=0").await,
        [best.id, weak.id]
    );
    // Guests (on by default) search the lobby, as they read it; never a room.
    assert_eq!(app.found(None, "q=rollout").await, [best.id, weak.id]);
    expect_json_error(app.search(None, &hidden).await, 404, "no room").await;
    // A room that leaves a member's reach leaves their search too.
    let removed = app
        .api(
            Method::DELETE,
            &format!("/api/rooms/{room}/members/dan"),
            Some(&who.bob),
            None,
        )
        .await;
    assert_eq!(removed.status(), 204);
    assert_eq!(
        app.found(Some(&who.dan), "q=rollout").await,
        [best.id, weak.id]
    );
}

#[tokio::test]
async fn without_guests_a_guest_is_told_to_sign_in() {
    let app = spawn_app_with(|s| s.guests = backend::config::OnOff::Off).await;
    expect_json_error(app.search(None, "q=anything").await, 401, "sign in").await;
}

#[tokio::test]
async fn bad_input_is_400_and_query_syntax_is_only_words() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let hit = app
        .say(
            &who.bob,
            0,
            r#"near the "quoted" star* col:umn AND more OR less, NOT"#,
        )
        .await;
    let long = format!("q={}", "a".repeat(201));
    for (query, needle) in [
        ("", "no words"),
        ("q=", "no words"),
        ("q=+++", "no words"),
        ("q=%22", "no words"),
        ("q=*", "no words"),
        ("q=(-)^:", "no words"),
        (long.as_str(), "too long"),
        ("q=star&room=abc", "room"),
        ("q=star&room=-1", "room"),
    ] {
        expect_json_error(app.search(Some(&who.bob), query).await, 400, needle).await;
    }
    // What would be FTS5 syntax is searched as the words in it.
    for query in [
        "q=NEAR(",
        "q=NEAR(near",
        "q=%22quoted",
        "q=star*",
        "q=col:umn",
        "q=quoted+AND+more",
        "q=near+OR",
        "q=-more",
        "q=NOT+near",
        "q=^near",
        "q=%7Bcol%7D:near",
    ] {
        assert_eq!(app.found(Some(&who.bob), query).await, [hit.id], "{query}");
    }
}

#[tokio::test]
async fn snippets_are_plain_text_parts_with_the_hits_marked() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    app.say(&who.bob, 0, "<b>Launch</b> & <script>x</script> launched")
        .await;
    let response = app.search(Some(&who.bob), "q=launch").await;
    let results: SearchResults = response.json().await.unwrap();
    let part = |text: &str, hit: bool| SnippetPart {
        text: text.into(),
        hit,
    };
    assert_eq!(
        results.results[0].snippet,
        [
            part("<b>", false),
            part("Launch", true),
            part("</b> & <script>x</script> ", false),
            part("launched", true),
        ]
    );
    // A long text is cut around the first hit.
    let long = format!("{} target {}", "filler ".repeat(60), "tail ".repeat(60));
    app.say(&who.bob, 0, &long).await;
    let results: SearchResults = app
        .search(Some(&who.bob), "q=target")
        .await
        .json()
        .await
        .unwrap();
    let snippet = &results.results[0].snippet;
    assert!(snippet[0].text.starts_with('…') && !snippet[0].hit);
    assert!(snippet[snippet.len() - 1].text.ends_with('…'));
    assert!(snippet.contains(&part("target", true)));
}

#[tokio::test]
async fn an_edit_is_found_by_its_new_words_and_a_deletion_by_none() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let message = app.say(&who.dan, 0, "walrus plans").await;
    let path = format!("/api/rooms/0/msgs/{}", message.id);
    let body = json!({"text": "narwhal plans"});
    let edited = app
        .api(Method::PATCH, &path, Some(&who.dan), Some(body))
        .await;
    assert_eq!(edited.status(), 200);
    assert!(app.found(Some(&who.dan), "q=walrus").await.is_empty());
    let response = app.search(Some(&who.dan), "q=narwhal").await;
    let results: SearchResults = response.json().await.unwrap();
    let found = &results.results[0].message;
    assert_eq!(
        (found.id, found.text.as_str(), found.edited),
        (message.id, "narwhal plans", true)
    );
    let deleted = app.api(Method::DELETE, &path, Some(&who.dan), None).await;
    assert_eq!(deleted.status(), 204);
    assert!(app.found(Some(&who.dan), "q=narwhal").await.is_empty());
    assert!(app.found(Some(&who.dan), "q=plans").await.is_empty());
}

/// Polls `app`'s search until it finds `want` (a node's tail may still be on its way).
async fn found_soon(app: &TestApp, session: &str, query: &str, want: &[u64]) {
    let deadline = tokio::time::Instant::now() + SOON;
    loop {
        let found = app.found(Some(session), query).await;
        if found == want || tokio::time::Instant::now() > deadline {
            assert_eq!(found, want, "{query}");
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_redis_node_started_later_builds_its_index_from_the_stream() {
    let prefix = unique_prefix("search");
    let on = |prefix: String| {
        move |s: &mut backend::Settings| {
            s.redis = Some(shared_redis_url());
            s.redis_prefix = prefix;
        }
    };
    let a = spawn_app_with(on(prefix.clone())).await;
    let who = cast(&a).await;
    let room = who.room.id;
    let kept = a.say(&who.dan, room, "penguin colony").await;
    let edited = a.say(&who.dan, 0, "penguin draft").await;
    let deleted = a.say(&who.dan, 0, "penguin secret").await;
    let path = format!("/api/rooms/0/msgs/{}", edited.id);
    let body = json!({"text": "puffin final"});
    assert_eq!(
        a.api(Method::PATCH, &path, Some(&who.dan), Some(body))
            .await
            .status(),
        200
    );
    let path = format!("/api/rooms/0/msgs/{}", deleted.id);
    assert_eq!(
        a.api(Method::DELETE, &path, Some(&who.dan), None)
            .await
            .status(),
        204
    );

    // A second node, started now, knows all of it before it serves.
    let b = spawn_app_with(on(prefix)).await;
    assert_eq!(b.found(Some(&who.dan), "q=penguin").await, [kept.id]);
    assert_eq!(b.found(Some(&who.dan), "q=puffin").await, [edited.id]);
    assert!(b.found(Some(&who.dan), "q=draft").await.is_empty());
    assert!(b.found(Some(&who.dan), "q=secret").await.is_empty());
    assert!(b.found(Some(&who.cat), "q=penguin").await.is_empty());
    // And what happens later on the first node reaches its index through its tail.
    let later = a.say(&who.bob, room, "penguin parade").await;
    found_soon(&b, &who.dan, "q=parade", &[later.id]).await;
    a.api(
        Method::DELETE,
        &format!("/api/rooms/{room}/msgs/{}", later.id),
        Some(&who.bob),
        None,
    )
    .await;
    found_soon(&b, &who.dan, "q=parade", &[]).await;
}
