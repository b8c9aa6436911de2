//! Searching on the chat page, in headless Chromium with a scripted `fetch` in place of
//! the server: the results with their hits marked as text (never HTML), and choosing one
//! opens its room, loads older history until the message is there, and highlights it.

use common::room::{RoomKind, RoomSummary};
use common::search::{SearchHit, SearchResults, SnippetPart};
use common::{HistoryPage, Message, StreamEvent};
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rooms() -> Vec<RoomSummary> {
    let mut ops = room(7, RoomKind::Closed, "ops");
    ops.members = vec!["ann".into(), "cy".into()];
    ops.last_id = 31;
    vec![room(0, RoomKind::Open, "Lobby"), ops]
}

fn part(text: &str, hit: bool) -> SnippetPart {
    SnippetPart {
        text: text.into(),
        hit,
    }
}

fn found() -> String {
    let results = SearchResults {
        results: vec![SearchHit {
            message: message(5, 7, "<b>deploy</b> friday"),
            snippet: vec![
                part("<b>", false),
                part("deploy", true),
                part("</b> friday", false),
            ],
        }],
    };
    serde_json::to_string(&results).unwrap()
}

fn older() -> String {
    let page = HistoryPage {
        msgs: vec![
            message(4, 7, "before it"),
            message(5, 7, "<b>deploy</b> friday"),
            message(6, 7, "after it"),
        ],
        more: true,
    };
    serde_json::to_string(&page).unwrap()
}

fn recent() -> Vec<Message> {
    vec![message(30, 7, "recent"), message(31, 7, "newest")]
}

#[wasm_bindgen_test]
async fn a_result_shows_its_hits_as_text_and_opens_its_room_at_the_message() {
    let page = mount_at("/", ann(), open_status());
    page.apply(StreamEvent::Hello {
        epoch: "e".into(),
        reset: true,
        heartbeat_ms: 15_000,
        msgs: recent(),
        older: true,
        rooms: Some(rooms()),
    });
    let (results, history) = (found(), older());
    stub_api(&[
        ("GET /api/search", 200, &results),
        ("GET /api/rooms/7/history", 200, &history),
    ]);
    settle().await;
    page.type_into(".search-query", "deploy friday?");
    page.click(".search-box button[type=submit]");
    wait_until("results shown", || !page.all(".search-hit").is_empty()).await;
    let asked: Vec<String> = requests_with_queries()
        .into_iter()
        .filter(|r| r.0 == "GET /api/search")
        .map(|r| r.3.trim_end_matches('&').to_owned())
        .collect();
    assert_eq!(asked, ["?q=deploy%20friday%3F"]);

    // The snippet is text: the markup in the message is shown, not made; the hit is a mark.
    assert_eq!(page.text(".search-hit .snippet"), "<b>deploy</b> friday");
    assert!(page.all(".search-hit .snippet b").is_empty());
    let marks: Vec<String> = page
        .all(".search-hit mark")
        .iter()
        .map(|m| m.text_content().unwrap_or_default())
        .collect();
    assert_eq!(marks, ["deploy"]);
    assert_eq!(page.text(".search-hit .room-name"), "ops");
    assert_eq!(page.text(".search-hit .user"), "Cy");

    // Choosing it opens the room, goes back to the message and highlights it.
    page.click(".search-hit button");
    wait_until("the room opens", || pathname() == "/r/7").await;
    wait_until("the message is highlighted", || {
        !page.all(".message.jumped[data-id='5']").is_empty()
    })
    .await;
    let loaded: Vec<String> = requests_with_queries()
        .into_iter()
        .filter(|r| r.0 == "GET /api/rooms/7/history")
        .map(|r| r.3.trim_end_matches('&').to_owned())
        .collect();
    assert_eq!(loaded, ["?before=30&limit=200"]);
    assert_eq!(
        page.texts(),
        [
            "before it",
            "<b>deploy</b> friday",
            "after it",
            "recent",
            "newest"
        ]
    );
    assert_eq!(page.all(".message.jumped").len(), 1);
}

#[wasm_bindgen_test]
async fn a_refused_search_says_why() {
    let page = mount_at("/", ann(), open_status());
    page.apply(StreamEvent::Hello {
        epoch: "e".into(),
        reset: true,
        heartbeat_ms: 15_000,
        msgs: vec![],
        older: false,
        rooms: Some(rooms()),
    });
    stub_api(&[(
        "GET /api/search",
        400,
        r#"{"error": "the search has no words (letters or digits)"}"#,
    )]);
    settle().await;
    page.type_into(".search-query", "***");
    page.click(".search-box button[type=submit]");
    wait_until("the refusal is shown", || page.visible(".search-error")).await;
    assert_eq!(
        page.text(".search-error"),
        "the search has no words (letters or digits)"
    );
    assert!(page.all(".search-hit").is_empty());
}
