//! Reactions on the chat page, in headless Chromium with a scripted `fetch` in place of
//! the server: chips drawn from the hello, `reaction` events applied live (a replay
//! changes nothing), and a click on a chip, on the short list or on a typed emoji sends
//! the reaction.

use common::reaction::{Reaction, QUICK_REACTIONS};
use common::room::{RoomKind, RoomSummary};
use common::{Message, StreamEvent};
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rooms() -> Vec<RoomSummary> {
    let mut ops = room(7, RoomKind::Closed, "ops");
    ops.members = vec!["ann".into(), "cy".into()];
    ops.last_id = 4;
    vec![room(0, RoomKind::Open, "Lobby"), ops]
}

fn mount_ops() -> Mounted {
    let page = mount_at("/r/7", ann(), open_status());
    let liked = Message {
        account: Some("cy".into()),
        reactions: vec![Reaction {
            emoji: "👍".into(),
            accounts: vec!["cy".into()],
        }],
        ..message(4, 7, "ship it")
    };
    page.apply(StreamEvent::Hello {
        epoch: "e".into(),
        reset: true,
        heartbeat_ms: 15_000,
        msgs: vec![message(3, 7, "plain"), liked],
        older: false,
        rooms: Some(rooms()),
    });
    page
}

fn react(emoji: &str, account: &str, added: bool) -> StreamEvent {
    StreamEvent::Reaction {
        id: 7,
        message: 4,
        emoji: emoji.into(),
        account: account.into(),
        added,
    }
}

/// The chips of message `id`: (text, who, pressed).
fn chips(page: &Mounted, id: u64) -> Vec<(String, String, String)> {
    page.all(&format!(".message[data-id='{id}'] .reaction"))
        .iter()
        .map(|chip| {
            (
                chip.text_content().unwrap_or_default(),
                chip.title(),
                chip.get_attribute("aria-pressed").unwrap_or_default(),
            )
        })
        .collect()
}

fn chip(text: &str, who: &str, pressed: bool) -> (String, String, String) {
    (text.into(), who.into(), pressed.to_string())
}

fn path(emoji: &str) -> String {
    let emoji = String::from(js_sys::encode_uri_component(emoji));
    format!("/api/rooms/7/msgs/4/reactions/{emoji}")
}

#[wasm_bindgen_test]
async fn chips_show_counts_and_who_and_follow_the_stream() {
    let page = mount_ops();
    settle().await;
    assert!(chips(&page, 3).is_empty());
    assert_eq!(chips(&page, 4), [chip("👍 1", "cy", false)]);

    page.apply(react("👍", "ann", true));
    page.apply(react("🎉", "cy", true));
    settle().await;
    assert_eq!(
        chips(&page, 4),
        [chip("👍 2", "cy, ann", true), chip("🎉 1", "cy", false)]
    );
    page.apply(react("👍", "ann", true));
    settle().await;
    assert_eq!(
        chips(&page, 4)[0],
        chip("👍 2", "cy, ann", true),
        "a replay"
    );

    page.apply(react("👍", "ann", false));
    page.apply(react("🎉", "cy", false));
    settle().await;
    assert_eq!(chips(&page, 4), [chip("👍 1", "cy", false)]);
    // Text, never markup.
    page.apply(react("<b>x</b>", "cy", true));
    settle().await;
    assert!(page.all(".message[data-id='4'] .reaction b").is_empty());
}

#[wasm_bindgen_test]
async fn a_click_on_a_chip_the_short_list_or_a_typed_emoji_sends_the_reaction() {
    let page = mount_ops();
    settle().await;
    let (thumb, party, crab) = (path("👍"), path("🎉"), path("🦀"));
    let ok = r#"{"reactions":[]}"#;
    stub_api(&[
        (&format!("PUT {thumb}"), 200, ok),
        (&format!("DELETE {thumb}"), 200, ok),
        (&format!("PUT {party}"), 200, ok),
        (
            &format!("PUT {crab}"),
            400,
            r#"{"error":"a reaction must be exactly one emoji"}"#,
        ),
    ]);
    // Not hers yet: a click adds; once the stream says so, a click takes it back.
    page.click(".message[data-id='4'] .reaction");
    wait_until("the reaction is sent", || {
        requests()
            .iter()
            .any(|(key, _, _)| *key == format!("PUT {thumb}"))
    })
    .await;
    page.apply(react("👍", "ann", true));
    settle().await;
    page.click(".message[data-id='4'] .reaction");
    wait_until("the reaction is taken back", || {
        requests()
            .iter()
            .any(|(key, _, _)| *key == format!("DELETE {thumb}"))
    })
    .await;

    // The short list, under the add button of a message without reactions too.
    page.click(".message[data-id='3'] .add-reaction");
    settle().await;
    assert_eq!(
        page.all(".message[data-id='3'] .quick-reaction").len(),
        QUICK_REACTIONS.len()
    );
    page.click(".message[data-id='4'] .add-reaction");
    settle().await;
    let quick = page.all(".message[data-id='4'] .quick-reaction");
    let party_button = quick
        .iter()
        .find(|b| b.text_content().as_deref() == Some("🎉"))
        .expect("🎉 on the short list");
    party_button.click();
    wait_until("🎉 is sent", || {
        requests()
            .iter()
            .any(|(key, _, _)| *key == format!("PUT {party}"))
    })
    .await;
    assert!(
        page.all(".message[data-id='4'] .reaction-picker")
            .is_empty(),
        "closed after"
    );

    // Any emoji, typed; the server's refusal is shown.
    page.click(".message[data-id='4'] .add-reaction");
    settle().await;
    page.type_into(".message[data-id='4'] .any-reaction", "🦀");
    page.click(".message[data-id='4'] .reaction-picker button[type=submit]");
    wait_until("the refusal is shown", || {
        page.all(".message[data-id='4'] .reactions .error")
            .first()
            .is_some_and(|e| e.text_content().unwrap_or_default().contains("one emoji"))
    })
    .await;
    unstub_api();
}

#[wasm_bindgen_test]
async fn a_guest_sees_chips_but_cannot_react() {
    let page = mount_at("/", frontend::session::Identity::Guest, open_status());
    let mut liked = message(5, 0, "hi");
    liked.reactions = vec![Reaction {
        emoji: "👀".into(),
        accounts: vec!["cy".into()],
    }];
    page.apply(StreamEvent::Hello {
        epoch: "e".into(),
        reset: true,
        heartbeat_ms: 15_000,
        msgs: vec![liked],
        older: false,
        rooms: Some(vec![room(0, RoomKind::Open, "Lobby")]),
    });
    settle().await;
    let chip = page.one(".message[data-id='5'] .reaction");
    assert_eq!(chip.text_content().unwrap_or_default(), "👀 1");
    assert!(chip.has_attribute("disabled"));
    assert!(page.all(".add-reaction").is_empty());
}
