//! Presence over the real server: who comes and goes reaches other accounts' streams once
//! a second at most, a reload within the grace shows nobody leaving, a closed room's
//! presence lists its members only, and the same refusals as every room endpoint.

use crate::helpers::*;
use crate::rooms::{cast, SOON};
use common::presence::RoomPresence;
use common::StreamEvent;
use reqwest::Method;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A `presence` line and when it arrived.
#[derive(Debug, Clone)]
pub struct Seen {
    pub at: Instant,
    pub reset: bool,
    pub online: u32,
    pub guests: u32,
    pub joined: Vec<String>,
    pub left: Vec<String>,
}

/// The `presence` lines `stream` shows for `during` (other lines skipped).
pub async fn presence_for(stream: &mut LineStream, during: Duration) -> Vec<Seen> {
    let end = Instant::now() + during;
    let mut seen = Vec::new();
    while let Some(left) = end.checked_duration_since(Instant::now()) {
        let Ok(line) = tokio::time::timeout(left, stream.next_line(SOON + during)).await else {
            break;
        };
        let line = line.expect("stream still open");
        if let Ok(StreamEvent::Presence {
            reset,
            online,
            guests,
            joined,
            left,
        }) = serde_json::from_str(&line)
        {
            seen.push(Seen {
                at: Instant::now(),
                reset,
                online,
                guests,
                joined,
                left,
            });
        }
    }
    seen
}

/// Reads `presence` lines until one satisfies `done`; every line read, that one last.
pub async fn presence_until(
    stream: &mut LineStream,
    within: Duration,
    done: impl Fn(&Seen) -> bool,
) -> Vec<Seen> {
    let end = Instant::now() + within;
    let mut seen = Vec::new();
    loop {
        let left = end
            .checked_duration_since(Instant::now())
            .unwrap_or_else(|| panic!("no such presence line within {within:?}: {seen:?}"));
        let batch = presence_for(stream, left.min(Duration::from_millis(300))).await;
        for line in batch {
            let found = done(&line);
            seen.push(line);
            if found {
                return seen;
            }
        }
    }
}

/// Asserts at most one line a second: over any 3 s from a line, at most 4 lines (the
/// server sends one a tick; a busy test runtime may read two ticks' lines together, so the
/// gap between two lines alone proves nothing).
pub fn at_most_one_a_second(seen: &[Seen]) {
    for (i, first) in seen.iter().enumerate() {
        let within = seen[i..]
            .iter()
            .take_while(|s| s.at.duration_since(first.at) < Duration::from_secs(3))
            .count();
        assert!(within <= 4, "{within} presence lines within 3 s: {seen:?}");
    }
}

impl TestApp {
    /// `GET /api/rooms/{room}/presence` as `session` (a guest: `None`).
    pub async fn room_presence(&self, session: Option<&str>, room: u64) -> RoomPresence {
        let path = format!("/api/rooms/{room}/presence");
        let response = self.api(Method::GET, &path, session, None).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }
}

#[tokio::test]
async fn who_comes_and_goes_reaches_other_streams_and_a_reload_shows_nobody_leaving() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let (mut bob, hello) = app.room_stream(Some(&who.bob), "").await;
    assert!(matches!(hello, StreamEvent::Hello { .. }));
    // Right after the hello: who is online now (nobody yet: bob's own stream settles at
    // the next tick).
    let first = presence_for(&mut bob, Duration::from_millis(200)).await;
    assert!(first.first().is_some_and(|s| s.reset), "{first:?}");

    let (dan, _) = app.room_stream(Some(&who.dan), "").await;
    let seen = presence_until(&mut bob, SOON, |s| s.joined.contains(&"dan".into())).await;
    let dan_in = seen.last().unwrap().clone();
    assert!(dan_in.online >= 2, "bob and dan: {dan_in:?}");
    let lobby = app.room_presence(Some(&who.cat), 0).await;
    assert_eq!(lobby.online, ["bob", "dan"]);
    assert_eq!(lobby.guests, Some(0));
    let metrics = crate::metrics::scrape(&app).await;
    assert_eq!(metrics[r#"h2chat_presence{who="accounts"}"#], 2.0);
    assert_eq!(metrics[r#"h2chat_presence{who="guests"}"#], 0.0);

    // A reload: the stream closes and another opens at once. Nobody sees dan leave.
    drop(dan);
    let (dan, _) = app.room_stream(Some(&who.dan), "").await;
    let during = presence_for(&mut bob, Duration::from_millis(7_000)).await;
    assert!(
        during.iter().all(|s| !s.left.contains(&"dan".into())),
        "a reload flickered: {during:?}"
    );

    // Gone for good: offline once the grace has passed, not before.
    let closed = Instant::now();
    drop(dan);
    let seen = presence_until(&mut bob, SOON, |s| s.left.contains(&"dan".into())).await;
    let after = seen.last().unwrap().at.duration_since(closed);
    assert!(
        after >= Duration::from_millis(4_500),
        "offline after {after:?}, before the grace passed"
    );
    assert_eq!(app.room_presence(Some(&who.bob), 0).await.online, ["bob"]);

    // A guest counts in the lobby, by number.
    let guest = app.open_stream("?since=0").await;
    let seen = presence_until(&mut bob, SOON, |s| s.guests == 1).await;
    assert!(seen.last().unwrap().joined.is_empty());
    assert_eq!(app.room_presence(None, 0).await.guests, Some(1));
    drop(guest);

    // A guest on /api/stream is told how many are online, never who: not on its stream,
    // not by the endpoint.
    let (mut guest, _) = app.room_stream(None, "").await;
    let opening = presence_for(&mut guest, Duration::from_millis(300)).await;
    let list = opening.first().expect("the opening presence line");
    assert!(
        list.reset && list.online == 1 && list.joined.is_empty(),
        "{opening:?}"
    );
    let (_dan, _) = app.room_stream(Some(&who.dan), "").await;
    let seen = presence_until(&mut guest, SOON, |s| s.online == 2).await;
    assert!(
        seen.iter()
            .all(|s| s.joined.is_empty() && s.left.is_empty()),
        "a guest was told names: {seen:?}"
    );
    presence_until(&mut bob, SOON, |s| s.joined.contains(&"dan".into())).await;
    let told = app.room_presence(None, 0).await;
    assert_eq!((told.count, told.online.len()), (2, 0), "{told:?}");
    assert_eq!(
        app.room_presence(Some(&who.bob), 0).await.online,
        ["bob", "dan"]
    );
    app.stop().await;
}

#[tokio::test]
async fn many_arrivals_within_a_second_come_as_one_line_and_a_room_lists_its_members_only() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let mut people = Vec::new();
    for i in 0..6 {
        people.push(app.member(&who.admin, &format!("p{i}")).await);
    }
    let (mut bob, _) = app.room_stream(Some(&who.bob), "").await;
    presence_until(&mut bob, SOON, |s| s.joined.contains(&"bob".into())).await;

    let mut streams = Vec::new();
    for session in people.iter().chain([&who.cat, &who.dan]) {
        streams.push(app.room_stream(Some(session), "").await.0);
    }
    let seen = presence_until(&mut bob, SOON, |s| s.online == 9).await;
    at_most_one_a_second(&seen);
    let joined: BTreeSet<&String> = seen.iter().flat_map(|s| &s.joined).collect();
    assert_eq!(joined.len(), 8, "{seen:?}");
    assert!(seen.len() <= 3, "eight arrivals in {} lines", seen.len());

    // The closed room's presence is its members' (bob and dan), whoever else is online.
    let room = format!("/api/rooms/{}/presence", who.room.id);
    let plans = app.room_presence(Some(&who.dan), who.room.id).await;
    assert_eq!(
        plans,
        RoomPresence {
            count: 2,
            online: vec!["bob".into(), "dan".into()],
            guests: None
        }
    );
    // The same refusals as the room's history: 404 outside it (a guest too), 401 without
    // guests.
    for session in [Some(who.cat.as_str()), None] {
        let refused = app.api(Method::GET, &room, session, None).await;
        expect_json_error(refused, 404, "no room").await;
    }
    let nothing = app
        .api(
            Method::GET,
            "/api/rooms/99999/presence",
            Some(&who.bob),
            None,
        )
        .await;
    expect_json_error(nothing, 404, "no room").await;
    let word = app
        .api(Method::GET, "/api/rooms/abc/presence", Some(&who.bob), None)
        .await;
    expect_json_error(word, 404, "no room").await;
    app.stop().await;

    let closed = spawn_app_with(|s| s.guests = backend::config::OnOff::Off).await;
    let refused = closed
        .api(Method::GET, "/api/rooms/0/presence", None, None)
        .await;
    expect_json_error(refused, 401, "sign in").await;
    closed.stop().await;
}
