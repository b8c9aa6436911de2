//! Unread counts in the browser: Bob has two pages open on the lobby; Ann writes in their
//! closed room (mentioning him); both pages count it in the sidebar; Bob opens the room in
//! one page, and the other page's count clears through the stream.

use crate::harness::*;
use crate::rooms::{api, api_client, make_accounts, open_room, sign_in};
use fantoccini::Client;
use serde_json::{json, Value};

/// The unread and mention badges of the sidebar's room named `name`: (unread, mentions),
/// empty strings for none.
async fn badges(page: &Client, name: &str) -> Value {
    let script = format!(
        "const l = Array.from(document.querySelectorAll('.room-link')).find(l => \
           l.querySelector('.name').textContent === {name:?}); \
         if (!l) return null; \
         const t = s => {{ const e = l.querySelector(s); return e ? e.textContent : ''; }}; \
         return [t('.unread-count'), t('.mentions'), l.classList.contains('unread')];"
    );
    js(page, &script).await
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn reading_a_room_in_one_page_clears_its_count_in_the_other() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let certs = scratch.path().join("certs");
    let backend = start_backend("127.0.0.1:0", &certs).await;
    let base = backend.url.clone();
    let origin = base.trim_end_matches('/').to_owned();

    let client = api_client(&certs);
    let ann = make_accounts(&backend, &client, &origin, &[("bob", "Bob")])
        .await
        .remove(0);
    let room: Value = api(
        &client,
        &origin,
        "/api/rooms",
        Some(&ann),
        json!({"name": "plans", "kind": "closed", "members": ["bob"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let room_id = room["id"].as_u64().unwrap();

    let (_driver, webdriver) = start_chromedriver().await;
    let first = open_browser(&webdriver, &scratch.path().join("bob-1")).await;
    let second = open_browser(&webdriver, &scratch.path().join("bob-2")).await;
    for page in [&first, &second] {
        sign_in(page, &base, "bob").await;
        wait_for("plans is listed, nothing unread", || async {
            badges(page, "plans").await == json!(["", "", false])
        })
        .await;
    }

    for text in ["first news", "and @bob, look"] {
        let posted = api(
            &client,
            &origin,
            &format!("/api/rooms/{room_id}/msgs"),
            Some(&ann),
            json!({ "text": text }),
        )
        .await;
        assert_eq!(posted.status(), 201);
    }
    for page in [&first, &second] {
        wait_for("both pages count two unread, one mention", || async {
            badges(page, "plans").await == json!(["2", "@1", true])
        })
        .await;
    }

    open_room(&first, "plans").await;
    wait_for("the page that opened it shows the divider", || async {
        js(
            &first,
            "return document.querySelectorAll('.new-messages').length;",
        )
        .await
            == json!(1)
    })
    .await;
    for page in [&first, &second] {
        wait_for("the count clears in both pages", || async {
            badges(page, "plans").await == json!(["", "", false])
        })
        .await;
    }
    let highlighted = js(
        &first,
        "return Array.from(document.querySelectorAll('.mention.mention-me')).map(e => e.textContent);",
    )
    .await;
    assert_eq!(highlighted, json!(["@bob"]));
    for page in [first, second] {
        page.close().await.unwrap();
    }
    backend.stop().await;
}
