//! Rooms on the chat page, in headless Chromium with a scripted `fetch` in place of the
//! server: the sidebar, a room going away, links in messages, archived rooms, room posts
//! and history.

use common::room::{RoomKind, RoomSummary};
use common::{HistoryPage, Message, StreamEvent};
use frontend::session::Identity;
use leptos::prelude::*;
use serde_json::{json, Value};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The requests made to `key`: (body as JSON, query string).
fn requests_to(key: &str) -> Vec<(Value, String)> {
    requests_with_queries()
        .into_iter()
        .filter(|(k, ..)| k == key)
        .map(|(_, body, _, search)| (body, search))
        .collect()
}

fn mount(path: &str, identity: Identity) -> Mounted {
    mount_at(path, identity, open_status())
}

/// The lobby, a direct with Bob, a closed room "ops" (managed by ann), an open "general".
fn four_rooms() -> Vec<RoomSummary> {
    let mut ops = room(7, RoomKind::Closed, "ops");
    ops.manage = true;
    ops.members = vec!["ann".into(), "cy".into()];
    let mut bob = room(5, RoomKind::Direct, "Bob");
    bob.members = vec!["ann".into(), "bob".into()];
    vec![
        room(0, RoomKind::Open, "Lobby"),
        bob,
        ops,
        room(9, RoomKind::Open, "general"),
    ]
}

fn hello(msgs: Vec<Message>, rooms: Vec<RoomSummary>) -> StreamEvent {
    StreamEvent::Hello {
        epoch: "e".into(),
        reset: false,
        heartbeat_ms: 15_000,
        msgs,
        older: false,
        rooms: Some(rooms),
    }
}

impl Mounted {
    /// The room ids a sidebar section links to, in order.
    fn section(&self, index: usize) -> Vec<String> {
        let lists = self.all(".sidebar .room-links");
        let items = lists[index].query_selector_all(".room-link").unwrap();
        (0..items.length())
            .map(|i| {
                let item: HtmlElement = items.item(i).unwrap().unchecked_into();
                item.get_attribute("data-room").unwrap()
            })
            .collect()
    }
}

fn pathname() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

#[wasm_bindgen_test]
async fn the_sidebar_lists_rooms_then_directs_from_the_hello() {
    let page = mount("/", ann());
    page.apply(hello(vec![message(1, 0, "hi")], four_rooms()));
    settle().await;
    let headings: Vec<String> = page
        .all(".sidebar .section")
        .iter()
        .map(|h| h.text_content().unwrap())
        .collect();
    assert_eq!(headings, vec!["Rooms", "Direct messages"]);
    assert_eq!(page.section(0), vec!["0", "7", "9"]);
    assert_eq!(page.section(1), vec!["5"]);
    let names: Vec<String> = page
        .all(".sidebar .room-link .name")
        .iter()
        .map(|n| n.text_content().unwrap())
        .collect();
    assert_eq!(names, vec!["Lobby", "ops", "general", "Bob"]);
    let link = page.one(".room-link[data-room='7'] a");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/r/7"));
    let current = page.one(".room-link a[aria-current='page']");
    assert_eq!(current.get_attribute("href").as_deref(), Some("/"));
    assert_eq!(
        page.one(".room-bar .room-name").text_content().unwrap(),
        "Lobby"
    );

    // On a narrow screen the sidebar hides behind the room bar's button.
    let toggle = page.one(".room-bar .rooms-toggle");
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("false")
    );
    assert!(page.all(".sidebar.open").is_empty());
    toggle.click();
    settle().await;
    assert_eq!(
        toggle.get_attribute("aria-expanded").as_deref(),
        Some("true")
    );
    assert_eq!(page.all(".sidebar.open").len(), 1);
    page.one(".room-links").click();
    settle().await;
    assert!(
        page.all(".sidebar.open").is_empty(),
        "choosing a room closes it"
    );

    // A later hello's list replaces this one.
    page.apply(hello(vec![], four_rooms()[..2].to_vec()));
    settle().await;
    assert_eq!(page.section(0), vec!["0"]);
    assert_eq!(page.section(1), vec!["5"]);
}

#[wasm_bindgen_test]
async fn a_guest_sees_the_lobby_without_a_sidebar() {
    let page = mount("/", Identity::Guest);
    page.apply(hello(vec![message(1, 0, "hi")], four_rooms()[..1].to_vec()));
    settle().await;
    assert!(page.all(".sidebar").is_empty());
    assert!(page.all(".room-bar").is_empty());
    assert_eq!(page.texts(), vec!["hi"]);
    assert_eq!(page.all("input.user").len(), 1, "the guest's name field");
}

#[wasm_bindgen_test]
async fn a_removed_room_goes_away_and_its_reader_back_to_the_lobby() {
    let page = mount("/r/7", ann());
    page.apply(hello(
        vec![message(1, 0, "in the lobby"), message(2, 7, "in ops")],
        four_rooms(),
    ));
    settle().await;
    assert_eq!(page.texts(), vec!["in ops"]);
    assert_eq!(
        page.one(".room-bar .room-name").text_content().unwrap(),
        "ops"
    );

    page.apply(StreamEvent::RoomRemoved { id: 7 });
    wait_until("back in the lobby", || pathname() == "/").await;
    settle().await;
    assert_eq!(page.section(0), vec!["0", "9"]);
    assert_eq!(page.texts(), vec!["in the lobby"]);
    assert!(page
        .signals
        .rooms
        .with_untracked(|r| r.messages(7).is_empty()));

    // Another room going away leaves the reader where they are.
    page.apply(StreamEvent::RoomRemoved { id: 9 });
    settle().await;
    assert_eq!(pathname(), "/");
    assert_eq!(page.section(0), vec!["0"]);
}

#[wasm_bindgen_test]
async fn a_room_one_cannot_read_says_so() {
    let page = mount("/r/42", ann());
    page.apply(hello(vec![], four_rooms()));
    settle().await;
    assert!(page
        .one(".missing-room")
        .text_content()
        .unwrap()
        .contains("does not exist"));
    assert!(page.all("textarea.text").is_empty());
}

#[wasm_bindgen_test]
async fn links_in_messages_are_anchors_and_nothing_becomes_html() {
    let page = mount("/", Identity::Guest);
    let hostile = "<b>x</b> https://a.example/?q=<i> and (http://b.example/y).";
    page.apply(StreamEvent::Msgs {
        msgs: vec![message(1, 0, hostile)],
    });
    settle().await;
    assert_eq!(page.texts(), vec![hostile]);
    assert!(page.all(".message .text b, .message .text i").is_empty());
    let anchors = page.all(".message .text a");
    let hrefs: Vec<String> = anchors
        .iter()
        .map(|a| a.get_attribute("href").unwrap())
        .collect();
    assert_eq!(hrefs, vec!["https://a.example/?q=", "http://b.example/y"]);
    for anchor in &anchors {
        assert_eq!(
            anchor.get_attribute("rel").as_deref(),
            Some("noopener noreferrer nofollow")
        );
        assert_eq!(anchor.get_attribute("target").as_deref(), Some("_blank"));
        assert_eq!(anchor.text_content(), anchor.get_attribute("href"));
    }
}

#[wasm_bindgen_test]
async fn an_account_posts_in_the_room_shown_and_an_archived_room_is_read_only() {
    let posted = serde_json::to_string(&message(3, 7, "hello ops")).unwrap();
    stub_api(&[("POST /api/rooms/7/msgs", 201, &posted)]);
    let page = mount("/r/7", ann());
    page.apply(hello(vec![], four_rooms()));
    settle().await;
    let textarea: web_sys::HtmlTextAreaElement = page.one("textarea.text").unchecked_into();
    textarea.set_value("hello ops");
    textarea
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    page.one("button.send").click();
    wait_until("posted", || {
        !requests_to("POST /api/rooms/7/msgs").is_empty()
    })
    .await;
    assert_eq!(
        requests_to("POST /api/rooms/7/msgs")[0].0,
        json!({"text": "hello ops"})
    );

    let mut archived = four_rooms()[2].clone();
    archived.archived = true;
    page.apply(StreamEvent::RoomUpdated { room: archived });
    settle().await;
    assert!(page.all("textarea.text").is_empty());
    assert!(page
        .one(".composer.archived")
        .text_content()
        .unwrap()
        .contains("archived"));
    assert_eq!(
        page.one(".room-bar .archive").text_content().unwrap(),
        "Unarchive"
    );
}

#[wasm_bindgen_test]
async fn a_room_the_stream_brought_no_messages_for_loads_its_history() {
    let page_body = serde_json::to_string(&HistoryPage {
        msgs: vec![message(2, 9, "older"), message(4, 9, "newest")],
        more: false,
    })
    .unwrap();
    stub_api(&[("GET /api/rooms/9/history", 200, &page_body)]);
    let page = mount("/r/9", ann());
    let mut rooms = four_rooms();
    rooms[3].last_id = 4;
    page.apply(hello(vec![message(6, 0, "lobby")], rooms));
    wait_until("history shown", || page.texts() == ["older", "newest"]).await;
    let asked = requests_to("GET /api/rooms/9/history");
    assert_eq!(asked.len(), 1);
    assert!(!asked[0].1.contains("before"), "{}", asked[0].1);
    assert_eq!(
        page.one(".older").get_attribute("data-state").as_deref(),
        Some("beginning")
    );
}

#[wasm_bindgen_test]
async fn a_new_room_is_created_listed_and_opened() {
    let mut made = room(12, RoomKind::Closed, "design");
    made.manage = true;
    let body = serde_json::to_string(&made).unwrap();
    stub_api(&[("POST /api/rooms", 201, &body)]);
    let page = mount("/", ann());
    page.apply(hello(vec![], four_rooms()));
    settle().await;
    page.one(".sidebar .new-room").click();
    settle().await;
    let name: web_sys::HtmlInputElement = page.one("#room-name").unchecked_into();
    name.set_value(" design ");
    name.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    let closed: web_sys::HtmlInputElement = page
        .one(".new-room-form input[name='closed']")
        .unchecked_into();
    closed.set_checked(true);
    closed
        .dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    settle().await;
    let members: web_sys::HtmlInputElement = page.one("#room-members").unchecked_into();
    members.set_value("bob, cy");
    members
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    page.one(".new-room-form button[type='submit']").click();
    wait_until("opened", || pathname() == "/r/12").await;
    settle().await;
    assert_eq!(
        requests_to("POST /api/rooms")[0].0,
        json!({"name": "design", "kind": "closed", "members": ["bob", "cy"]})
    );
    assert_eq!(page.section(0), vec!["0", "7", "9", "12"]);
    assert_eq!(
        page.one(".room-bar .room-name").text_content().unwrap(),
        "design"
    );
    assert!(page.all(".room-dialog").is_empty(), "the form closed");
}

#[wasm_bindgen_test]
async fn a_direct_is_started_with_people_picked_and_typed_and_managers_invite() {
    let mut direct = room(14, RoomKind::Direct, "Bob, dee");
    direct.members = vec!["ann".into(), "bob".into(), "dee".into()];
    let mut ops = four_rooms()[2].clone();
    ops.members.push("eve".into());
    stub_api(&[
        (
            "POST /api/dms",
            201,
            &serde_json::to_string(&direct).unwrap(),
        ),
        (
            "POST /api/rooms/7/members",
            200,
            &serde_json::to_string(&ops).unwrap(),
        ),
    ]);
    let page = mount("/", ann());
    page.apply(hello(vec![], four_rooms()));
    settle().await;
    page.one(".sidebar .new-direct").click();
    settle().await;
    // The people from ann's rooms, ann aside.
    let people: Vec<String> = page
        .all(".new-direct-form input[name='person']")
        .iter()
        .map(|i| i.get_attribute("value").unwrap())
        .collect();
    assert_eq!(people, vec!["bob", "cy"]);
    let bob: web_sys::HtmlInputElement = page
        .one(".new-direct-form input[value='bob']")
        .unchecked_into();
    bob.set_checked(true);
    bob.dispatch_event(&web_sys::Event::new("change").unwrap())
        .unwrap();
    let typed: web_sys::HtmlInputElement = page.one("#direct-members").unchecked_into();
    typed.set_value("@dee");
    typed
        .dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    page.one(".new-direct-form button[type='submit']").click();
    wait_until("opened", || pathname() == "/r/14").await;
    settle().await;
    assert_eq!(
        requests_to("POST /api/dms")[0].0,
        json!({"members": ["bob", "dee"]})
    );
    assert_eq!(page.section(1), vec!["5", "14"]);

    // ops is closed and ann manages it: she can invite.
    page.apply(StreamEvent::Msgs {
        msgs: vec![message(20, 7, "ops talk")],
    });
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .push_state_with_url(&JsValue::NULL, "", Some("/r/7"))
        .unwrap();
    web_sys::window()
        .unwrap()
        .dispatch_event(&web_sys::Event::new("popstate").unwrap())
        .unwrap();
    wait_until("in ops", || page.texts() == ["ops talk"]).await;
    assert!(!page.one(".room-bar .invite").hidden());
    page.one(".room-bar .invite").click();
    settle().await;
    let name: web_sys::HtmlInputElement = page.one("#member-username").unchecked_into();
    name.set_value("eve");
    name.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    page.one(".invite-member-form button[type='submit']")
        .click();
    wait_until("invited", || {
        !requests_to("POST /api/rooms/7/members").is_empty()
    })
    .await;
    assert_eq!(
        requests_to("POST /api/rooms/7/members")[0].0,
        json!({"username": "eve"})
    );
    wait_until("listed", || {
        page.signals.rooms.with_untracked(|r| {
            r.get(7)
                .is_some_and(|s| s.members.contains(&"eve".to_owned()))
        })
    })
    .await;
    settle().await;
    assert!(page.all(".room-dialog").is_empty(), "the form closed");
}
