//! A reconnect storm: 1 000 streams (500 of ten accounts, 500 of guests) all drop and come
//! back at once, three times. Someone watching sees at most one presence line a second and
//! nobody leaving, and the guest count never drops.

use crate::helpers::*;
use crate::presence::{at_most_one_a_second, presence_for, presence_until};
use crate::rooms::{cast, SOON};
use futures_util::future::join_all;
use std::time::Duration;

const ACCOUNTS: usize = 10;
const STREAMS_PER_ACCOUNT: usize = 50;
const GUESTS: usize = 500;
/// HTTP/2 connections the streams share.
const CONNECTIONS: usize = 10;

/// Opens every stream at once: each of `sessions` (a guest: `None`) over the connections in
/// turn.
async fn open_all(
    app: &TestApp,
    clients: &[reqwest::Client],
    sessions: &[Option<String>],
) -> Vec<reqwest::Response> {
    let requests = sessions.iter().enumerate().map(|(i, session)| {
        let mut request = clients[i % clients.len()].get(app.url("/api/stream"));
        if let Some(session) = session {
            request = request.header("cookie", format!("__Host-h2chat={session}"));
        }
        async move {
            let response = tokio::time::timeout(SOON, request.send())
                .await
                .expect("stream opened in time")
                .expect("stream opened");
            assert_eq!(response.status(), 200);
            response
        }
    });
    join_all(requests).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reconnect_storm_of_a_thousand_streams_shows_nobody_leaving_and_one_line_a_second() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let mut sessions = Vec::new();
    for i in 0..ACCOUNTS {
        let session = app.member(&who.admin, &format!("storm{i}")).await;
        sessions.extend(std::iter::repeat_n(Some(session), STREAMS_PER_ACCOUNT));
    }
    sessions.extend(std::iter::repeat_n(None, GUESTS));
    let clients: Vec<reqwest::Client> = (0..CONNECTIONS).map(|_| app.new_client(|b| b)).collect();
    let (mut watch, _) = app.room_stream(Some(&who.cat), "").await;

    let mut open = open_all(&app, &clients, &sessions).await;
    let everyone = (ACCOUNTS + 1) as u32;
    presence_until(&mut watch, Duration::from_secs(30), |s| {
        s.online == everyone && s.guests == GUESTS as u32
    })
    .await;

    let watching =
        tokio::spawn(async move { presence_for(&mut watch, Duration::from_secs(14)).await });
    for _ in 0..3 {
        drop(std::mem::take(&mut open));
        open = open_all(&app, &clients, &sessions).await;
        tokio::time::sleep(Duration::from_millis(1_500)).await;
    }
    let seen = watching.await.unwrap();
    at_most_one_a_second(&seen);
    for line in &seen {
        assert!(line.left.is_empty(), "someone flickered offline: {line:?}");
        assert!(line.guests >= GUESTS as u32, "guests dropped: {line:?}");
        assert_eq!(line.online, everyone, "{line:?}");
    }
    app.wait_for_clients(ACCOUNTS * STREAMS_PER_ACCOUNT + GUESTS, SOON)
        .await;
    drop(open);
    app.stop().await;
}
