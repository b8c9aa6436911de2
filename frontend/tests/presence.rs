//! Presence on the chat page, in headless Chromium: a scripted `/api/stream` brings a hello
//! and `presence` lines through the real connection, and the room shows who of its people
//! is online (dots) and how many (the count; the lobby adds its guests); a server with
//! `--presence off` and `--typing off` gets neither the list nor typing.

use common::account::ServerStatus;
use common::room::{RoomKind, RoomSummary};
use common::StreamEvent;
use frontend::connection::Connection;
use leptos::prelude::*;
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rooms() -> Vec<RoomSummary> {
    let mut ops = room(7, RoomKind::Closed, "ops");
    ops.members = vec!["ann".into(), "cy".into(), "dan".into()];
    vec![room(0, RoomKind::Open, "Lobby"), ops]
}

fn line(event: &StreamEvent) -> String {
    serde_json::to_string(event).unwrap()
}

fn presence(reset: bool, guests: u32, joined: &[&str], left: &[&str]) -> String {
    line(&StreamEvent::Presence {
        reset,
        online: 0,
        guests,
        joined: joined.iter().map(|s| s.to_string()).collect(),
        left: left.iter().map(|s| s.to_string()).collect(),
    })
}

/// Replaces `fetch`: `/api/stream` answers a body that delivers `lines` at once and later
/// whatever `push_line` sends; anything else is a 404. [`Mounted`]'s drop restores it.
fn scripted_stream(lines: &[String]) {
    let first: String = lines
        .iter()
        .map(|l| format!("window.__push({l:?});"))
        .collect();
    page_script(&format!(
        "if (!window.__realFetch) window.__realFetch = window.fetch;
         window.fetch = function (req) {{
           const url = new URL(typeof req === 'string' ? req : req.url, location.href);
           if (url.pathname !== '/api/stream') {{
             return Promise.resolve(new Response('{{\"error\":\"no\"}}', {{ status: 404 }}));
           }}
           const body = new ReadableStream({{ start(controller) {{
             const encoder = new TextEncoder();
             window.__push = (text) => controller.enqueue(encoder.encode(text + '\\n'));
             {first}
           }} }});
           return Promise.resolve(new Response(body, {{ status: 200 }}));
         }};
         return true;"
    ));
}

fn push_line(text: &str) {
    page_script(&format!("window.__push({text:?}); return true;"));
}

/// The names the room's list shows online, and those it shows offline.
fn dots(page: &Mounted) -> (Vec<String>, Vec<String>) {
    let names = |selector: &str| -> Vec<String> {
        page.all(selector)
            .iter()
            .map(|p| p.text_content().unwrap().trim().to_owned())
            .collect()
    };
    (
        names(".room-people .person[data-online='true']"),
        names(".room-people .person[data-online='false']"),
    )
}

fn hello() -> String {
    line(&StreamEvent::Hello {
        epoch: "e".into(),
        reset: false,
        heartbeat_ms: 15_000,
        msgs: vec![],
        older: false,
        rooms: Some(rooms()),
    })
}

#[wasm_bindgen_test]
async fn a_closed_room_shows_its_members_with_dots_and_counts_who_is_online() {
    let page = mount_at("/r/7", ann(), open_status());
    scripted_stream(&[hello(), presence(true, 2, &["ann", "dan", "zed"], &[])]);
    let connection = Connection::start(page.signals);
    wait_until("the count", || {
        page.all(".room-people .online-count").len() == 1
            && page.text(".room-people .online-count") == "2 online"
    })
    .await;
    assert_eq!(
        dots(&page),
        (vec!["ann".into(), "dan".into()], vec!["cy".into()]),
        "zed is online but not in ops"
    );

    // Who came and went: cy arrives, dan leaves.
    push_line(&presence(false, 2, &["cy"], &["dan"]));
    wait_until("cy online", || dots(&page).0.contains(&"cy".to_string())).await;
    assert_eq!(
        dots(&page),
        (vec!["ann".into(), "cy".into()], vec!["dan".into()])
    );
    assert_eq!(page.text(".room-people .online-count"), "2 online");
    connection.stop();
    page.signals
        .presence
        .with_untracked(|p| assert_eq!(p.guests(), 2));
}

#[wasm_bindgen_test]
async fn the_lobby_shows_everyone_online_and_its_guests() {
    let page = mount_at("/", ann(), open_status());
    scripted_stream(&[hello(), presence(true, 3, &["ann", "dan"], &[])]);
    let connection = Connection::start(page.signals);
    wait_until("the count", || {
        page.all(".room-people .online-count").len() == 1
            && page.text(".room-people .online-count") == "2 online · 3 guests"
    })
    .await;
    assert_eq!(dots(&page), (vec!["ann".into(), "dan".into()], vec![]));
    push_line(&presence(false, 1, &["bob"], &["ann"]));
    wait_until("bob in, ann out", || {
        page.text(".room-people .online-count") == "2 online · 1 guest"
    })
    .await;
    assert_eq!(dots(&page), (vec!["bob".into(), "dan".into()], vec![]));
    connection.stop();
}

#[wasm_bindgen_test]
async fn a_server_with_presence_and_typing_off_gets_no_online_list_and_no_typing() {
    stub_api(&[("POST /api/rooms/7/typing", 204, "")]);
    let off = open_status().map(|status| ServerStatus {
        presence: false,
        typing: false,
        ..status
    });
    let page = mount_at("/r/7", ann(), off);
    page.apply(serde_json::from_str(&hello()).unwrap());
    settle().await;
    assert!(page.all(".room-people").is_empty(), "nobody shown online");
    page.type_into(".composer .text", "hello");
    settle().await;
    assert!(requests_to("POST /api/rooms/7/typing").is_empty());

    // The same page once the server says it tells both: the list, and typing told.
    page.session.status.set(open_status());
    settle().await;
    assert_eq!(page.all(".room-people .online-count").len(), 1);
    page.type_into(".composer .text", "hello again");
    wait_until("typing told", || {
        requests_to("POST /api/rooms/7/typing").len() == 1
    })
    .await;
}
