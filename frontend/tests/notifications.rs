//! The tab's title count, its favicon dot and the notifications a hidden page raises, in
//! headless Chromium. A file of its own: the tests change `document.title`, the favicon and
//! (for the hidden page) the browser's `Notification`, which no other test expects.

use common::account::{AccountView, Role};
use common::room::{NotifyLevel, RoomKind, RoomSummary};
use common::{Message, StreamEvent};
use frontend::session::Identity;
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn bob() -> Identity {
    Identity::SignedIn(AccountView {
        username: "bob".into(),
        display_name: "Bob".into(),
        role: Role::Member,
        active: true,
        created_at: 0,
        bot: false,
    })
}

fn title() -> String {
    web_sys::window().unwrap().document().unwrap().title()
}

fn icon() -> String {
    page_script("const l = document.querySelector(\"link[rel~='icon']\"); return l ? l.getAttribute('href') : '';")
        .as_string()
        .unwrap()
}

fn counted(mut room: RoomSummary, unread: u32, mentions: u32) -> RoomSummary {
    room.unread = unread;
    room.mentions = mentions;
    room
}

fn hello(rooms: Vec<RoomSummary>) -> StreamEvent {
    StreamEvent::Hello {
        epoch: "e".into(),
        reset: false,
        heartbeat_ms: 15_000,
        msgs: vec![message(1, 0, "before")],
        older: false,
        rooms: Some(rooms),
    }
}

fn read(id: u64, read: u64) -> StreamEvent {
    StreamEvent::Read {
        id,
        read,
        unread: 0,
        mentions: 0,
    }
}

#[wasm_bindgen_test]
async fn the_title_counts_what_waits_and_the_icon_has_a_dot_until_it_is_read() {
    web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .set_title("h2chat");
    let page = mount_at("/", bob(), None);
    settle().await;
    assert_eq!(title(), "h2chat");
    assert_eq!(icon(), "/icon.svg");

    // The lobby (level `mentions`) counts its 1 mention of its 5 unread; the direct
    // (`all`) its 2 unread; a room set to `nothing` none of its 4.
    let mut quiet = counted(room(7, RoomKind::Open, "Quiet"), 4, 4);
    quiet.notify = NotifyLevel::Nothing;
    page.apply(hello(vec![
        counted(room(0, RoomKind::Open, "Lobby"), 5, 1),
        counted(room(5, RoomKind::Direct, "Ann"), 2, 0),
        quiet,
    ]));
    wait_until("the count", || title() == "(3) h2chat").await;
    assert_eq!(icon(), "/icon-unread.svg");

    // Reading the direct leaves the lobby's mention.
    page.apply(read(5, 9));
    wait_until("the direct read", || title() == "(1) h2chat").await;
    assert_eq!(icon(), "/icon-unread.svg");

    // The reader switches the lobby to `all`: its 5 unread count.
    let mut lobby = counted(room(0, RoomKind::Open, "Lobby"), 5, 1);
    lobby.notify = NotifyLevel::All;
    page.apply(StreamEvent::RoomUpdated { room: lobby });
    wait_until("the lobby at all", || title() == "(5) h2chat").await;

    page.apply(read(0, 9));
    wait_until("nothing waits", || title() == "h2chat").await;
    assert_eq!(icon(), "/icon.svg");
    drop(page);
}

/// Makes the page hidden and puts a recording `Notification` in place of the browser's (the
/// e2e test raises a real one); the permission is `granted`.
fn hide_and_record_notifications() {
    page_script(
        "Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => window.__visibility });
         window.__visibility = 'visible';
         window.__RealNotification = window.Notification;
         window.__notes = [];
         window.Notification = class {
           constructor(title, options) {
             Object.assign(this, { title, body: options.body, tag: options.tag, icon: options.icon, data: options.data });
             window.__notes.push(this);
           }
           close() { this.closed = true; }
           static get permission() { return 'granted'; }
           static requestPermission() { return Promise.resolve('granted'); }
         };
         return true;",
    );
}

fn restore() {
    page_script(
        "delete document.visibilityState;
         window.Notification = window.__RealNotification;
         return true;",
    );
}

fn notes() -> Vec<serde_json::Value> {
    let text = page_script(
        "return JSON.stringify(window.__notes.map(n => ({ title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data && n.data.url })));",
    )
    .as_string()
    .unwrap();
    serde_json::from_str(&text).unwrap()
}

fn from(id: u64, room: u64, account: &str, text: &str) -> Message {
    Message {
        user: account.to_uppercase(),
        account: Some(account.into()),
        ..message(id, room, text)
    }
}

#[wasm_bindgen_test]
async fn a_hidden_page_raises_a_notification_for_a_qualifying_message_and_its_click_opens_the_room()
{
    hide_and_record_notifications();
    let page = mount_at("/", bob(), None);
    page.apply(hello(vec![
        room(0, RoomKind::Open, "Lobby"),
        room(5, RoomKind::Direct, "Ann"),
    ]));
    settle().await;

    // Visible: the page itself shows the message; no notification.
    page.apply(StreamEvent::Msgs {
        msgs: vec![from(2, 5, "ann", "seen")],
    });
    settle().await;
    assert!(notes().is_empty(), "{:?}", notes());

    page_script("window.__visibility = 'hidden'; return true;");
    // The lobby is at `mentions`: a plain message, and bob's own, raise nothing; the
    // direct (`all`) raises one; then a mention of bob in the lobby does.
    page.apply(StreamEvent::Msgs {
        msgs: vec![
            from(3, 0, "ann", "plain"),
            from(4, 5, "bob", "mine"),
            from(5, 5, "ann", "<b>hello</b> bob"),
        ],
    });
    wait_until("the direct's notification", || notes().len() == 1).await;
    let mention = Message {
        mentions: vec!["bob".into()],
        ..from(6, 0, "ann", "@bob look")
    };
    page.apply(StreamEvent::Msgs {
        msgs: vec![mention],
    });
    wait_until("the mention's notification", || notes().len() == 2).await;
    settle().await;
    let notes = notes();
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert_eq!(
        notes[0],
        serde_json::json!({
            "title": "Ann", "body": "ANN: <b>hello</b> bob", "tag": "h2chat-room-5",
            "icon": "/icon-192.png", "url": "/r/5",
        })
    );
    assert_eq!(notes[1]["tag"], "h2chat-room-0");
    assert_eq!(notes[1]["body"], "ANN: @bob look");

    // Clicking the direct's notification opens the direct.
    page_script("window.__notes[0].onclick(); return true;");
    wait_until("the direct is open", || pathname() == "/r/5").await;
    assert_eq!(
        page_script("return window.__notes[0].closed === true;"),
        wasm_bindgen::JsValue::TRUE
    );
    drop(page);
    restore();
}

#[wasm_bindgen_test]
async fn only_a_signed_in_account_is_offered_notifications_and_asking_waits_for_the_click() {
    hide_and_record_notifications();
    page_script(
        "window.__asked = 0;
         let answer = 'default';
         Object.defineProperty(window.Notification, 'permission', { configurable: true, get: () => answer });
         window.Notification.requestPermission = () => { window.__asked += 1; answer = 'granted'; return Promise.resolve(answer); };
         return true;",
    );
    let guest = mount_at("/", Identity::Guest, None);
    settle().await;
    assert!(guest.all(".enable-notifications").is_empty());
    drop(guest);

    let page = mount_at("/", bob(), None);
    settle().await;
    assert_eq!(page.text(".enable-notifications"), "Enable notifications");
    assert_eq!(
        page_script("return window.__asked;"),
        wasm_bindgen::JsValue::from(0)
    );
    page.click(".enable-notifications");
    wait_until("the answer", || {
        page.all(".notify-state[data-state='granted']").len() == 1
    })
    .await;
    assert_eq!(
        page_script("return window.__asked;"),
        wasm_bindgen::JsValue::from(1)
    );
    assert!(page.all(".enable-notifications").is_empty());
    drop(page);
    restore();
}

#[wasm_bindgen_test]
async fn the_service_workers_open_message_shows_that_room_and_nothing_else() {
    let page = mount_at("/", bob(), None);
    page.apply(hello(vec![
        room(0, RoomKind::Open, "Lobby"),
        room(5, RoomKind::Direct, "Ann"),
    ]));
    settle().await;
    let post = |data: &str| {
        page_script(&format!(
            "navigator.serviceWorker.dispatchEvent(new MessageEvent('message', {{ data: {data} }})); return true;"
        ));
    };
    // What the worker sends when one of its notifications is clicked.
    post("{ type: 'open', url: '/r/5' }");
    wait_until("the direct is open", || pathname() == "/r/5").await;
    // Only the app's rooms: another page, another site or another kind of message is ignored.
    post("{ type: 'open', url: '/admin' }");
    post("{ type: 'open', url: 'https://elsewhere.example/r/1' }");
    post("{ type: 'other', url: '/' }");
    post("'/'");
    settle().await;
    assert_eq!(pathname(), "/r/5");
    post("{ type: 'open', url: '/' }");
    wait_until("the lobby is open", || pathname() == "/").await;
    drop(page);
}
