//! Rooms in the browser: three accounts, a closed room for two made on the page (where one
//! sees the other typing), which the third sees nothing of (not in the sidebar, not by its
//! link), and a direct conversation;
//! the phone-width layout. With `H2CHAT_SCREENSHOT_DIR` set it saves the docs' pictures
//! (`rooms-desktop.png`, `rooms-phone.png`).

use crate::harness::*;
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

pub(crate) const PASSWORD: &str = "correct horse battery";

/// A client of the backend's API, trusting exactly its certificate.
pub(crate) fn api_client(certs: &std::path::Path) -> reqwest::Client {
    let pem = std::fs::read(certs.join("cert.pem")).unwrap();
    reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

/// A request as the chat's own page makes it.
pub(crate) async fn api(
    client: &reqwest::Client,
    origin: &str,
    path: &str,
    session: Option<&str>,
    body: Value,
) -> reqwest::Response {
    let mut request = client
        .post(format!("{origin}{path}"))
        .header("origin", origin)
        .json(&body);
    if let Some(session) = session {
        request = request.header("cookie", format!("__Host-h2chat={session}"));
    }
    request.send().await.unwrap()
}

pub(crate) fn session_of(response: &reqwest::Response) -> String {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|c| c.strip_prefix("__Host-h2chat="))
        .and_then(|c| c.split(';').next())
        .unwrap()
        .to_owned()
}

/// Accounts made through the API on a fresh server: Ann, the admin, from the setup link
/// the backend printed, then `others` (username, display name) from her invites. Their
/// sessions, Ann's first.
pub(crate) async fn make_accounts(
    backend: &Backend,
    client: &reqwest::Client,
    origin: &str,
    others: &[(&str, &str)],
) -> Vec<String> {
    let token = backend
        .process
        .printed_line("/setup#", WAIT)
        .unwrap()
        .rsplit('#')
        .next()
        .unwrap()
        .trim()
        .to_owned();
    let setup =
        json!({"token": token, "username": "ann", "display_name": "Ann", "password": PASSWORD});
    let done = api(client, origin, "/api/setup", None, setup).await;
    assert_eq!(done.status(), 201);
    let mut sessions = vec![session_of(&done)];
    for (username, display) in others {
        let invite: Value = api(
            client,
            origin,
            "/api/invites",
            Some(&sessions[0]),
            json!({}),
        )
        .await
        .json()
        .await
        .unwrap();
        let body = json!({"invite": invite["code"], "username": username,
                          "display_name": display, "password": PASSWORD});
        let joined = api(client, origin, "/api/signup", None, body).await;
        assert_eq!(joined.status(), 201, "{username} joins");
        sessions.push(session_of(&joined));
    }
    sessions
}

pub(crate) async fn sign_in(page: &Client, base: &str, username: &str) {
    page.goto(&format!("{base}signin")).await.unwrap();
    wait_for("the sign-in form", || async {
        page.find(Locator::Id("password")).await.is_ok()
    })
    .await;
    fill(page, "username", username).await;
    fill(page, "password", PASSWORD).await;
    page.find(Locator::Id("password"))
        .await
        .unwrap()
        .send_keys("\u{E007}")
        .await
        .unwrap();
    wait_for("signed in, on the chat", || async {
        link_state(page).await == "live"
            && js(page, "return location.pathname;").await == json!("/")
    })
    .await;
}

/// (kind, name) of every room in the sidebar, in order.
async fn sidebar(page: &Client) -> Vec<(String, String)> {
    let v = js(
        page,
        "return Array.from(document.querySelectorAll('.room-link')).map(l => \
           [l.dataset.kind, l.querySelector('.name').textContent]);",
    )
    .await;
    serde_json::from_value(v).unwrap()
}

/// Opens the room named `name` from the sidebar.
pub(crate) async fn open_room(page: &Client, name: &str) {
    let script = format!(
        "const l = Array.from(document.querySelectorAll('.room-link a')).find(a => \
           a.querySelector('.name').textContent === {name:?}); if (l) l.click(); return !!l;"
    );
    wait_for("the room's link is there", || async {
        js(page, &script).await == json!(true)
    })
    .await;
    let heading = "const h = document.querySelector('.room-name'); return h ? h.textContent : '';";
    wait_for("the room is open", || async {
        js(page, heading).await == json!(name)
    })
    .await;
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn a_closed_room_for_two_is_invisible_to_the_third_and_a_direct_conversation_works() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let certs = scratch.path().join("certs");
    let backend = start_backend("127.0.0.1:0", &certs).await;
    let base = backend.url.clone();
    let origin = base.trim_end_matches('/').to_owned();

    // Three accounts, made through the API (the account pages have their own test).
    let client = api_client(&certs);
    make_accounts(
        &backend,
        &client,
        &origin,
        &[("bob", "Bob"), ("cat", "Cat")],
    )
    .await;

    let (_driver, webdriver) = start_chromedriver().await;
    let ann = open_browser(&webdriver, &scratch.path().join("ann")).await;
    let bob = open_browser(&webdriver, &scratch.path().join("bob")).await;
    let cat = open_browser(&webdriver, &scratch.path().join("cat")).await;
    for (page, name) in [(&ann, "ann"), (&bob, "bob"), (&cat, "cat")] {
        sign_in(page, &base, name).await;
    }

    // Bob makes a closed room for himself and Ann on the page.
    bob.find(Locator::Css(".new-room"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("the new-room form", || async {
        bob.find(Locator::Id("room-name")).await.is_ok()
    })
    .await;
    fill(&bob, "room-name", "plans").await;
    js(
        &bob,
        "const c = document.querySelector('input[name=closed]'); if (!c.checked) c.click(); return c.checked;",
    )
    .await;
    wait_for("the members field", || async {
        bob.find(Locator::Id("room-members")).await.is_ok()
    })
    .await;
    fill(&bob, "room-members", "ann").await;
    bob.find(Locator::Css(".new-room-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let closed = ("closed".to_owned(), "plans".to_owned());
    for page in [&bob, &ann] {
        wait_for("plans is in the sidebar", || async {
            sidebar(page).await.contains(&closed)
        })
        .await;
    }
    open_room(&bob, "plans").await;
    send_as_member(&bob, "Launch on Friday: https://example.com/launch").await;
    open_room(&ann, "plans").await;
    wait_for("ann reads bob's message in plans", || async {
        texts(&ann)
            .await
            .iter()
            .any(|t| t.starts_with("Launch on Friday"))
    })
    .await;
    // Who is online: both members of plans, with their dots, on the real stream.
    wait_for("ann sees bob online in plans", || async {
        js(
            &ann,
            "const c = document.querySelector('.room-people .online-count'); \
             return c ? c.textContent : null;",
        )
        .await
            == json!("2 online")
            && js(
                &ann,
                "return Array.from(document.querySelectorAll(\
                 '.room-people .person[data-online=\"true\"]')).map(p => p.textContent.trim());",
            )
            .await
                == json!(["ann", "bob"])
    })
    .await;
    let link = js(
        &ann,
        "const a = document.querySelector('.message .text a'); \
         return a ? [a.getAttribute('href'), a.rel, a.target] : null;",
    )
    .await;
    assert_eq!(
        link,
        json!([
            "https://example.com/launch",
            "noopener noreferrer nofollow",
            "_blank"
        ])
    );
    // Ann types: Bob sees it under the messages until her message arrives.
    let area = ann.find(Locator::Css("textarea.text")).await.unwrap();
    area.send_keys("I will bring").await.unwrap();
    let typing = "const t = document.querySelector('.typing'); return t ? t.textContent : '';";
    wait_for("bob sees ann typing", || async {
        js(&bob, typing).await == json!("Ann is typing…")
    })
    .await;
    assert_eq!(js(&ann, typing).await, json!(""), "not to herself");
    area.clear().await.unwrap();
    send_as_member(&ann, "I will bring the slides").await;
    wait_for(
        "bob reads ann's answer, and the typing line is gone",
        || async {
            texts(&bob)
                .await
                .iter()
                .any(|t| t == "I will bring the slides")
                && js(&bob, typing).await == json!("")
        },
    )
    .await;
    screenshot(&ann, "rooms-desktop.png").await;

    // Cat sees nothing of it: not in the sidebar, not by its link.
    assert!(
        !sidebar(&cat).await.contains(&closed),
        "{:?}",
        sidebar(&cat).await
    );
    let room_path = js(&bob, "return location.pathname;").await;
    let room_path = room_path.as_str().unwrap().to_owned();
    assert!(room_path.starts_with("/r/"), "{room_path}");
    cat.goto(&format!("{origin}{room_path}")).await.unwrap();
    wait_for("cat's page is live", || async {
        link_state(&cat).await == "live"
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let cat_sees = js(&cat, "return document.body.innerText;").await;
    let cat_sees = cat_sees.as_str().unwrap();
    assert!(
        !cat_sees.contains("Launch on Friday") && !cat_sees.contains("plans"),
        "{cat_sees}"
    );

    // Ann starts a direct conversation with Cat; Cat reads it on a phone-width window.
    cat.set_window_size(390, 844).await.unwrap();
    cat.goto(&base).await.unwrap();
    wait_for("cat is live again", || async {
        link_state(&cat).await == "live"
    })
    .await;
    ann.find(Locator::Css(".new-direct"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("the direct form", || async {
        ann.find(Locator::Id("direct-members")).await.is_ok()
    })
    .await;
    fill(&ann, "direct-members", "cat").await;
    ann.find(Locator::Css(".new-direct-form button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    open_room(&ann, "Cat").await;
    send_as_member(&ann, "Cat, a word in private?").await;
    let direct = ("direct".to_owned(), "Ann".to_owned());
    wait_for("the direct conversation reaches cat's sidebar", || async {
        sidebar(&cat).await.contains(&direct)
    })
    .await;
    let toggle_shown = js(
        &cat,
        "const t = document.querySelector('.rooms-toggle'); \
         return !!t && getComputedStyle(t).display !== 'none';",
    )
    .await;
    assert_eq!(
        toggle_shown,
        json!(true),
        "at 390 px the sidebar hides behind a button"
    );
    cat.find(Locator::Css(".rooms-toggle"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    open_room(&cat, "Ann").await;
    wait_for("cat reads the direct message", || async {
        texts(&cat)
            .await
            .iter()
            .any(|t| t == "Cat, a word in private?")
    })
    .await;
    let wide = js(&cat, "return document.documentElement.scrollWidth <= 390;").await;
    assert_eq!(wide, json!(true), "nothing wider than the phone");
    screenshot(&cat, "rooms-phone.png").await;
    assert!(
        !sidebar(&bob).await.iter().any(|(kind, _)| kind == "direct"),
        "bob is not in it"
    );

    for page in [ann, bob, cat] {
        page.close().await.unwrap();
    }
    backend.stop().await;
}
