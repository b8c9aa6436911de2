//! Accounts in the browser: first-run setup from the printed link, an invite made on the
//! admin page, a second browser joining with it, both chatting under their names beside a
//! guest, and a guest refused an account's name with the server's own words.

use crate::harness::*;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery";

/// Submits the account form on the page with the keyboard (Enter in its last field).
async fn submit_with_enter(page: &Client, last_field: &str) {
    let input = page.find(Locator::Id(last_field)).await.unwrap();
    input.send_keys("\u{E007}").await.unwrap();
}

/// The name the header shows for whoever is signed in ("Guest" for nobody).
async fn header_name(page: &Client) -> String {
    js(
        page,
        "const n = document.querySelector('.who .name'); return n ? n.textContent : '';",
    )
    .await
    .as_str()
    .unwrap_or("")
    .to_owned()
}

async fn path(page: &Client) -> String {
    js(page, "return location.pathname;")
        .await
        .as_str()
        .unwrap_or("")
        .to_owned()
}

/// (user, guest badge?, text) of every message shown.
async fn shown(page: &Client) -> Vec<(String, bool, String)> {
    let v = js(
        page,
        "return Array.from(document.querySelectorAll('.message')).map(m => [\
           m.querySelector('.user').textContent, !!m.querySelector('.badge.guest'),\
           m.querySelector('.text').textContent]);",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn setup_invite_join_and_chat_with_a_guest_who_cannot_take_a_name() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let backend = start_backend("127.0.0.1:0", &scratch.path().join("certs")).await;
    let setup_line = backend
        .process
        .printed_line("/setup#", WAIT)
        .expect("a fresh chat prints its setup link");
    let setup_link = setup_line.split_whitespace().last().unwrap().to_owned();
    assert!(setup_link.starts_with(&format!("{}setup#", backend.url)));

    let (_driver, webdriver) = start_chromedriver().await;
    let ann = open_browser(&webdriver, &scratch.path().join("ann")).await;
    let bob = open_browser(&webdriver, &scratch.path().join("bob")).await;
    let guest = open_browser(&webdriver, &scratch.path().join("guest")).await;

    // First run: the admin, from the printed link.
    ann.goto(&setup_link).await.unwrap();
    fill(&ann, "username", "ann").await;
    fill(&ann, "display_name", "Ann Admin").await;
    fill(&ann, "password", PASSWORD).await;
    fill(&ann, "confirm", PASSWORD).await;
    submit_with_enter(&ann, "confirm").await;
    wait_for("ann is signed in on the chat", || async {
        header_name(&ann).await == "Ann Admin" && path(&ann).await == "/"
    })
    .await;

    // An invite link from the admin page.
    ann.goto(&format!("{}admin", backend.url)).await.unwrap();
    wait_for("the admin page lists ann", || async {
        js(
            &ann,
            "return document.querySelectorAll('tr.account').length;",
        )
        .await
            == json!(1)
    })
    .await;
    ann.find(Locator::Css(".invite-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let invite_url = "const i = document.querySelector('.invite-url'); return i ? i.value : '';";
    wait_for("an invite link is shown", || async {
        js(&ann, invite_url)
            .await
            .as_str()
            .is_some_and(|url| url.contains("/join/"))
    })
    .await;
    let invite = js(&ann, invite_url).await.as_str().unwrap().to_owned();

    // Bob joins with it in another browser.
    bob.goto(&invite).await.unwrap();
    fill(&bob, "username", "bob").await;
    fill(&bob, "password", PASSWORD).await;
    fill(&bob, "confirm", PASSWORD).await;
    submit_with_enter(&bob, "confirm").await;
    wait_for("bob is signed in", || async {
        header_name(&bob).await == "bob" && path(&bob).await == "/"
    })
    .await;

    // A guest may not be bob; the page shows the server's reason and keeps the text.
    guest.goto(&backend.url).await.unwrap();
    wait_for("the guest's page is live", || async {
        link_state(&guest).await == "live"
    })
    .await;
    assert_eq!(header_name(&guest).await, "Guest");
    send(&guest, "bob", "I am bob, honest").await;
    wait_for("the refusal is shown", || async {
        js(
            &guest,
            "return document.querySelector('.composer ~ .error, p.error').textContent;",
        )
        .await
        .as_str()
        .is_some_and(|e| e.contains("name of an account"))
    })
    .await;
    let kept = guest
        .find(Locator::Css("textarea.text"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("I am bob, honest"), "the text stays");

    // Everyone chats: two accounts under their names, a guest with a badge.
    ann.goto(&backend.url).await.unwrap();
    for page in [&ann, &bob] {
        wait_for("live", || async { link_state(page).await == "live" }).await;
    }
    send_as_member(&ann, "Welcome, everyone").await;
    send_as_member(&bob, "Thanks, Ann!").await;
    let name = guest.find(Locator::Css("input.user")).await.unwrap();
    name.clear().await.unwrap();
    name.send_keys("visitor").await.unwrap();
    let area = guest.find(Locator::Css("textarea.text")).await.unwrap();
    area.clear().await.unwrap();
    area.send_keys("Hello from a guest\u{E007}").await.unwrap();
    let expected = vec![
        (
            "Ann Admin".to_owned(),
            false,
            "Welcome, everyone".to_owned(),
        ),
        ("bob".to_owned(), false, "Thanks, Ann!".to_owned()),
        ("visitor".to_owned(), true, "Hello from a guest".to_owned()),
    ];
    for page in [&ann, &bob, &guest] {
        wait_for(
            "all three messages, with names and the guest badge",
            || async { shown(page).await == expected },
        )
        .await;
    }
    screenshot(&ann, "chat-accounts-and-guest.png").await;

    // The sign-in page, as someone signed out sees it.
    bob.find(Locator::Css(".sign-out"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("bob is signed out", || async {
        header_name(&bob).await == "Guest"
    })
    .await;
    bob.goto(&format!("{}signin", backend.url)).await.unwrap();
    wait_for("the sign-in form", || async {
        bob.find(Locator::Id("password")).await.is_ok()
    })
    .await;
    fill(&bob, "username", "bob").await;
    fill(&bob, "password", "not the password").await;
    submit_with_enter(&bob, "password").await;
    wait_for("the server's refusal, the username kept", || async {
        js(
            &bob,
            "return document.querySelector('.form-error').textContent;",
        )
        .await
        .as_str()
        .is_some_and(|e| e.contains("wrong username or password"))
    })
    .await;
    let username = bob
        .find(Locator::Id("username"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(username.as_deref(), Some("bob"));
    screenshot(&bob, "sign-in.png").await;
    tokio::time::sleep(Duration::from_millis(100)).await;

    for page in [ann, bob, guest] {
        page.close().await.unwrap();
    }
    backend.stop().await;
}
