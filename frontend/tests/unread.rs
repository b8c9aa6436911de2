//! Unread counts, the "new messages" divider, mentions and their completion on the chat
//! page, in headless Chromium with a scripted `fetch` in place of the server.

use common::room::{NotifyLevel, RoomKind, RoomSummary};
use common::{Message, StreamEvent};
use leptos::prelude::*;
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The lobby (all read), "ops" (7: read up to 2 of 4, one mention of ann), "general" (9).
fn rooms() -> Vec<RoomSummary> {
    let mut lobby = room(0, RoomKind::Open, "Lobby");
    lobby.last_id = 1;
    lobby.read = 1;
    let mut ops = room(7, RoomKind::Closed, "ops");
    ops.members = vec!["ann".into(), "cy".into(), "cyd".into(), "bob".into()];
    ops.last_id = 4;
    ops.read = 2;
    ops.unread = 2;
    ops.mentions = 1;
    let mut general = room(9, RoomKind::Open, "general");
    general.last_id = 1;
    general.read = 1;
    vec![lobby, ops, general]
}

fn by(id: u64, room: u64, author: &str, text: &str, mentions: &[&str]) -> Message {
    Message {
        account: Some(author.into()),
        mentions: mentions.iter().map(|m| m.to_string()).collect(),
        ..message(id, room, text)
    }
}

fn ops_messages() -> Vec<Message> {
    vec![
        by(1, 7, "cy", "old news", &[]),
        by(2, 7, "ann", "read already", &[]),
        by(
            3,
            7,
            "cy",
            "hey @ann and @Bob, not @nobody <b>x</b>",
            &["ann", "bob"],
        ),
        by(4, 7, "cy", "still here", &[]),
    ]
}

fn hello(msgs: Vec<Message>) -> StreamEvent {
    StreamEvent::Hello {
        epoch: "e".into(),
        reset: false,
        heartbeat_ms: 15_000,
        msgs,
        older: false,
        rooms: Some(rooms()),
    }
}

impl Mounted {
    fn badge(&self, room: u64, class: &str) -> Option<String> {
        self.all(&format!(".room-link[data-room='{room}'] .{class}"))
            .first()
            .map(|e| e.text_content().unwrap_or_default())
    }

    fn bold(&self, room: u64) -> bool {
        !self
            .all(&format!(".room-link.unread[data-room='{room}']"))
            .is_empty()
    }
}

const READ_OPS: &str = r#"{"read": 4, "unread": 0, "mentions": 0}"#;

#[wasm_bindgen_test]
async fn the_sidebar_counts_unread_and_mentions_live_and_bolds_rooms_with_news() {
    stub_api(&[
        (
            "POST /api/rooms/0/read",
            200,
            r#"{"read": 13, "unread": 0, "mentions": 0}"#,
        ),
        (
            "GET /api/rooms/0/history",
            200,
            r#"{"msgs": [], "more": false}"#,
        ),
    ]);
    let page = mount_at("/", ann(), open_status());
    page.apply(hello(vec![]));
    settle().await;
    assert_eq!(page.badge(7, "unread-count").as_deref(), Some("2"));
    assert_eq!(page.badge(7, "mentions").as_deref(), Some("@1"));
    assert!(page.bold(7));
    assert!(!page.bold(9) && page.badge(9, "unread-count").is_none());

    // Live: someone else's message counts; one that mentions ann counts as a mention too;
    // ann's own does not; @here is a mention for whoever is online.
    page.apply(StreamEvent::Msgs {
        msgs: vec![
            by(10, 9, "cy", "hello", &[]),
            by(11, 9, "ann", "mine", &[]),
            Message {
                here: true,
                ..by(12, 9, "cy", "@here look", &[])
            },
        ],
    });
    settle().await;
    assert_eq!(page.badge(9, "unread-count").as_deref(), Some("2"));
    assert_eq!(page.badge(9, "mentions").as_deref(), Some("@1"));
    assert!(page.bold(9));

    // Another tab read room 9: its count clears here.
    page.apply(StreamEvent::Read {
        id: 9,
        read: 12,
        unread: 0,
        mentions: 0,
    });
    settle().await;
    assert!(!page.bold(9) && page.badge(9, "mentions").is_none());

    // The room shown (the lobby) is read as messages arrive: its marker is posted.
    page.apply(StreamEvent::Msgs {
        msgs: vec![by(13, 0, "cy", "in the lobby", &[])],
    });
    wait_until("the lobby's marker is posted", || {
        !requests_to("POST /api/rooms/0/read").is_empty()
    })
    .await;
    assert_eq!(requests_to("POST /api/rooms/0/read")[0]["id"], 13);
    wait_until("the lobby's count clears", || !page.bold(0)).await;
}

#[wasm_bindgen_test]
async fn opening_a_room_shows_the_divider_above_the_first_unread_and_highlights_mentions_of_me() {
    stub_api(&[("POST /api/rooms/7/read", 200, READ_OPS)]);
    let page = mount_at("/r/7", ann(), open_status());
    page.apply(hello(ops_messages()));
    settle().await;
    let dividers = page.all(".messages .new-messages");
    assert_eq!(dividers.len(), 1);
    let next = dividers[0].next_element_sibling().unwrap();
    assert_eq!(next.get_attribute("data-id").as_deref(), Some("3"));
    assert_eq!(
        dividers[0].get_attribute("role").as_deref(),
        Some("separator")
    );

    // Mentions the server recognised are styled runs of text; the reader's own stands out.
    let mine = page.all(".message[data-id='3'] .mention.mention-me");
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].text_content().as_deref(), Some("@ann"));
    let others: Vec<String> = page
        .all(".message[data-id='3'] .mention:not(.mention-me)")
        .iter()
        .map(|e| e.text_content().unwrap_or_default())
        .collect();
    assert_eq!(others, ["@Bob"]);
    assert!(page.all(".message[data-id='3'] b").is_empty(), "never HTML");
    assert_eq!(
        page.text(".message[data-id='3'] .text"),
        "hey @ann and @Bob, not @nobody <b>x</b>"
    );
    assert_eq!(page.all(".message.mentions-me").len(), 1);

    // Shown and visible: read at once, and the count goes; the divider stays for the visit.
    wait_until("the marker is posted", || {
        !requests_to("POST /api/rooms/7/read").is_empty()
    })
    .await;
    assert_eq!(requests_to("POST /api/rooms/7/read")[0]["id"], 4);
    wait_until("the count clears", || !page.bold(7)).await;
    assert_eq!(page.all(".messages .new-messages").len(), 1);
}

#[wasm_bindgen_test]
async fn the_notification_level_is_chosen_in_the_room_bar() {
    let mut chosen = rooms()[1].clone();
    chosen.notify = NotifyLevel::Nothing;
    let answer = serde_json::to_string(&chosen).unwrap();
    stub_api(&[
        ("PUT /api/rooms/7/notify", 200, answer.as_str()),
        ("POST /api/rooms/7/read", 200, READ_OPS),
    ]);
    let page = mount_at("/r/7", ann(), open_status());
    page.apply(hello(ops_messages()));
    settle().await;
    let select = page.input(".room-bar select.notify");
    assert_eq!(select.value(), "mentions", "a room's default");
    select.set_value("nothing");
    select
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    wait_until("the level is sent", || {
        !requests_to("PUT /api/rooms/7/notify").is_empty()
    })
    .await;
    assert_eq!(
        requests_to("PUT /api/rooms/7/notify")[0],
        serde_json::json!({"level": "nothing"})
    );
    wait_until("the room takes the answer", || {
        page.signals
            .rooms
            .with_untracked(|r| r.get(7).map(|r| r.notify))
            == Some(NotifyLevel::Nothing)
    })
    .await;
    assert_eq!(page.input(".room-bar select.notify").value(), "nothing");
}

fn key(name: &str) {
    page_script(&format!(
        "document.querySelector('.composer .text').dispatchEvent(
           new KeyboardEvent('keydown', {{ key: '{name}', bubbles: true, cancelable: true }}));
         return true;"
    ));
}

#[wasm_bindgen_test]
async fn typing_at_offers_the_room_s_members_and_the_keyboard_picks_one() {
    stub_api(&[
        ("POST /api/rooms/7/read", 200, READ_OPS),
        ("POST /api/rooms/7/typing", 204, ""),
    ]);
    let page = mount_at("/r/7", ann(), open_status());
    page.apply(hello(ops_messages()));
    settle().await;
    let menu = page.one(".composer .mention-menu");
    assert!(menu.hidden(), "nothing typed yet");
    page.type_into(".composer .text", "hi @c");
    settle().await;
    let options: Vec<String> = page
        .all(".mention-menu [role='option']")
        .iter()
        .map(|o| o.text_content().unwrap_or_default())
        .collect();
    assert_eq!(options, ["@cy", "@cyd"], "members only, ann not offered");
    let area = page.one(".composer .text");
    assert_eq!(area.get_attribute("aria-expanded").as_deref(), Some("true"));
    assert_eq!(
        area.get_attribute("aria-activedescendant").as_deref(),
        Some("mention-option-0")
    );
    key("ArrowDown");
    settle().await;
    assert_eq!(
        page.one(".mention-option.active").text_content().as_deref(),
        Some("@cyd")
    );
    assert_eq!(
        page.one(".mention-option.active")
            .get_attribute("aria-selected")
            .as_deref(),
        Some("true")
    );
    key("Enter");
    settle().await;
    assert_eq!(page.input(".composer .text").value(), "hi @cyd ");
    assert!(page.one(".composer .mention-menu").hidden());
    assert!(
        requests_to("POST /api/rooms/7/msgs").is_empty(),
        "Enter took the name, it did not send"
    );

    // Escape closes the list for that mention; Tab takes the first name of the next.
    page.type_into(".composer .text", "@b");
    settle().await;
    assert!(!page.one(".composer .mention-menu").hidden());
    key("Escape");
    settle().await;
    assert!(page.one(".composer .mention-menu").hidden());
    page.type_into(".composer .text", "@bo");
    settle().await;
    assert!(
        page.one(".composer .mention-menu").hidden(),
        "still dismissed"
    );
    page.type_into(".composer .text", "@bo and @b");
    settle().await;
    key("Tab");
    settle().await;
    assert_eq!(page.input(".composer .text").value(), "@bo and @bob ");
}

#[wasm_bindgen_test]
async fn in_an_open_room_every_active_account_is_offered() {
    stub_api(&[
        (
            "GET /api/people",
            200,
            r#"[{"username": "ann", "display_name": "Ann"},
                {"username": "dee", "display_name": "Dee"},
                {"username": "dan", "display_name": "Dan"}]"#,
        ),
        ("POST /api/rooms/9/typing", 204, ""),
        (
            "GET /api/rooms/9/history",
            200,
            r#"{"msgs": [], "more": false}"#,
        ),
    ]);
    let page = mount_at("/r/9", ann(), open_status());
    page.apply(hello(vec![]));
    settle().await;
    page.type_into(".composer .text", "@d");
    wait_until("the people are offered", || {
        page.all(".mention-menu [role='option']").len() == 2
    })
    .await;
    let options: Vec<String> = page
        .all(".mention-menu [role='option']")
        .iter()
        .map(|o| o.text_content().unwrap_or_default())
        .collect();
    assert_eq!(options, ["@dee", "@dan"]);
    assert_eq!(requests_to("GET /api/people").len(), 1, "asked once");
}
