//! Edited and deleted messages on the chat page, in headless Chromium with a scripted
//! `fetch` in place of the server: the `edited`/`deleted` events applied live, the marks,
//! and who is offered which action.

use common::room::{RoomKind, RoomSummary};
use common::{Message, StreamEvent};
use serde_json::json;
use wasm_bindgen_test::*;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

fn rooms(manage: bool) -> Vec<RoomSummary> {
    let mut ops = room(7, RoomKind::Closed, "ops");
    ops.manage = manage;
    ops.members = vec!["ann".into(), "cy".into()];
    ops.last_id = 4;
    vec![room(0, RoomKind::Open, "Lobby"), ops]
}

fn by(account: &str, id: u64, text: &str) -> Message {
    Message {
        account: Some(account.into()),
        ..message(id, 7, text)
    }
}

fn hello(manage: bool) -> StreamEvent {
    StreamEvent::Hello {
        epoch: "e".into(),
        reset: true,
        heartbeat_ms: 15_000,
        msgs: vec![by("ann", 3, "mine"), by("cy", 4, "theirs")],
        older: false,
        rooms: Some(rooms(manage)),
    }
}

fn mount_ops(manage: bool) -> Mounted {
    let status = open_status();
    let page = mount_at("/r/7", ann(), status);
    page.apply(hello(manage));
    page
}

/// The action buttons of message `id`.
fn actions(page: &Mounted, id: u64) -> Vec<String> {
    page.all(&format!(".message[data-id='{id}'] .message-actions button"))
        .iter()
        .map(|b| b.text_content().unwrap_or_default())
        .collect()
}

#[wasm_bindgen_test]
async fn edits_and_deletions_arriving_on_the_stream_change_the_message_in_place() {
    let page = mount_ops(false);
    settle().await;
    assert_eq!(page.texts(), ["mine", "theirs"]);
    assert!(page.all(".message .edited").is_empty());

    page.apply(StreamEvent::Edited {
        msg: Message {
            edited: true,
            ..by("cy", 4, "theirs, fixed")
        },
    });
    settle().await;
    assert_eq!(page.texts(), ["mine", "theirs, fixed"]);
    assert_eq!(page.text(".message[data-id='4'] .edited"), "(edited)");

    page.apply(StreamEvent::Deleted {
        msg: Message {
            deleted: true,
            ..by("ann", 3, "")
        },
    });
    settle().await;
    assert_eq!(page.texts(), ["message deleted", "theirs, fixed"]);
    assert!(actions(&page, 3).is_empty(), "nothing left to act on");
    assert!(!page
        .one(".messages")
        .text_content()
        .unwrap()
        .contains("mine"));
}

#[wasm_bindgen_test]
async fn authors_edit_and_delete_their_own_and_managers_delete_any() {
    let page = mount_ops(false);
    settle().await;
    assert_eq!(actions(&page, 3), ["Edit", "Delete"]);
    assert!(
        actions(&page, 4).is_empty(),
        "not hers, not her room to manage"
    );
    page.apply(StreamEvent::RoomUpdated {
        room: rooms(true)[1].clone(),
    });
    settle().await;
    assert_eq!(actions(&page, 4), ["Delete"], "a manager deletes any");

    let edited = serde_json::to_string(&Message {
        edited: true,
        ..by("ann", 3, "mine, better")
    })
    .unwrap();
    stub_api(&[("PATCH /api/rooms/7/msgs/3", 200, &edited)]);
    page.click(".message[data-id='3'] .edit-message");
    settle().await;
    page.type_into(".message[data-id='3'] .edit-text", "mine, better");
    page.click(".message[data-id='3'] .edit-form button[type=submit]");
    wait_until("the edit is sent", || {
        !requests_to("PATCH /api/rooms/7/msgs/3").is_empty()
    })
    .await;
    assert_eq!(
        requests_to("PATCH /api/rooms/7/msgs/3")[0],
        json!({"text": "mine, better"})
    );
    wait_until("the form closes", || {
        page.all(".message[data-id='3'] .edit-form").is_empty()
    })
    .await;
    unstub_api();
}
