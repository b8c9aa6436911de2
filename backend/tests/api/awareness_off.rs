//! `--presence off` and `--typing off`: `/api/status` says so, the presence and typing
//! endpoints answer 404 with the reason (after the usual refusals), and no stream hears of
//! anyone coming, going or typing. Both are on by default (`accounts.rs` checks the status).

use crate::helpers::*;
use crate::rooms::{cast, SOON};
use backend::config::OnOff;
use common::account::ServerStatus;
use common::StreamEvent;
use reqwest::Method;
use std::time::Duration;

#[tokio::test]
async fn with_presence_and_typing_off_nobody_is_told_who_is_here_or_typing() {
    let app = spawn_app_with(|settings| {
        settings.presence = OnOff::Off;
        settings.typing = OnOff::Off;
    })
    .await;
    let status: ServerStatus = app
        .api(Method::GET, "/api/status", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert!(!status.presence && !status.typing, "{status:?}");

    let who = cast(&app).await;
    let room = who.room.id;
    let (mut bob, _) = app.room_stream(Some(&who.bob), "").await;
    // Dan comes online and types.
    let (_dan, _) = app.room_stream(Some(&who.dan), "").await;
    let typing = format!("/api/rooms/{room}/typing");
    let typed = app.api(Method::POST, &typing, Some(&who.dan), None).await;
    expect_json_error(typed, 404, "typing is off").await;
    let presence = format!("/api/rooms/{room}/presence");
    let asked = app.api(Method::GET, &presence, Some(&who.dan), None).await;
    expect_json_error(asked, 404, "presence is off").await;

    // The usual refusals come first: a guest may not type, an outsider sees no room.
    let guest = app.api(Method::POST, &typing, None, None).await;
    expect_json_error(guest, 401, "sign in").await;
    let outsider = app.api(Method::GET, &presence, Some(&who.cat), None).await;
    expect_json_error(outsider, 404, "no room").await;

    // Past two presence ticks, Bob's stream has heard of nobody.
    tokio::time::sleep(Duration::from_millis(2_200)).await;
    app.say(&who.dan, room, "marker").await;
    loop {
        match bob.next_event(SOON).await {
            event @ (StreamEvent::Presence { .. } | StreamEvent::Typing { .. }) => {
                panic!("told with presence and typing off: {event:?}")
            }
            StreamEvent::Msgs { msgs } if msgs.iter().any(|m| m.text == "marker") => break,
            _ => {}
        }
    }
    app.stop().await;
}
