//! Switching rooms from the sidebar, and the back button, in headless Chromium. A file of
//! its own: the router listens to clicks on the whole window and the first one mounted
//! never lets go, so a page must hold one router only for clicks to reach it.

use common::account::{AccountView, Role};
use common::room::RoomKind;
use common::StreamEvent;
use frontend::session::Identity;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn switching_rooms_shows_that_rooms_messages_and_back_returns() {
    let identity = Identity::SignedIn(AccountView {
        username: "ann".into(),
        display_name: "Ann".into(),
        role: Role::Member,
        active: true,
        created_at: 0,
        bot: false,
    });
    let page = mount_at("/", identity, None);
    let history = web_sys::window().unwrap().history().unwrap();
    let host = page.host.clone();
    page.apply(StreamEvent::Hello {
        epoch: "e".into(),
        reset: false,
        heartbeat_ms: 15_000,
        msgs: vec![
            message(1, 0, "lobby one"),
            message(2, 5, "direct two"),
            message(3, 0, "lobby three"),
        ],
        older: false,
        rooms: Some(vec![
            room(0, RoomKind::Open, "Lobby"),
            room(5, RoomKind::Direct, "Bob"),
        ]),
    });
    let texts = || page.texts();
    wait_until("the lobby", || texts() == ["lobby one", "lobby three"]).await;

    let link: HtmlElement = host
        .query_selector(".room-link[data-room='5'] a")
        .unwrap()
        .unwrap()
        .unchecked_into();
    link.click();
    wait_until("the direct", || {
        pathname() == "/r/5" && texts() == ["direct two"]
    })
    .await;
    // Messages keep arriving for every room, each shown in its own.
    page.apply(StreamEvent::Msgs {
        msgs: vec![message(4, 0, "lobby four"), message(5, 5, "direct five")],
    });
    wait_until("the direct grew", || {
        texts() == ["direct two", "direct five"]
    })
    .await;

    history.back().unwrap();
    wait_until("the lobby again", || {
        pathname() == "/" && texts() == ["lobby one", "lobby three", "lobby four"]
    })
    .await;
    drop(page);
}
