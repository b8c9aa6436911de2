//! A moderator deletes a message in the browser, and a second page sees it disappear.

use crate::harness::*;
use crate::rooms::{api, api_client, make_accounts, sign_in};
use serde_json::json;

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn a_moderator_deletes_a_message_and_a_second_page_sees_it_disappear() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let certs = scratch.path().join("certs");
    let backend = start_backend("127.0.0.1:0", &certs).await;
    let base = backend.url.clone();
    let origin = base.trim_end_matches('/').to_owned();
    let client = api_client(&certs);
    let sessions = make_accounts(&backend, &client, &origin, &[("bob", "Bob")]).await;
    let bob_session = sessions[1].clone();

    let (_driver, webdriver) = start_chromedriver().await;
    let ann = open_browser(&webdriver, &scratch.path().join("ann")).await;
    let bob = open_browser(&webdriver, &scratch.path().join("bob")).await;
    sign_in(&ann, &base, "ann").await;
    sign_in(&bob, &base, "bob").await;
    let posted = api(
        &client,
        &origin,
        "/api/rooms/0/msgs",
        Some(&bob_session),
        json!({"text": "something to take back"}),
    )
    .await;
    assert_eq!(posted.status(), 201);
    for page in [&ann, &bob] {
        wait_for("the message is shown", || async {
            texts(page)
                .await
                .iter()
                .any(|t| t == "something to take back")
        })
        .await;
    }

    // Ann, an admin, manages the lobby: her page offers Delete on Bob's message.
    let click = "window.confirm = () => true; \
        const m = Array.from(document.querySelectorAll('.message')).find(m => \
          m.querySelector('.text').textContent === 'something to take back'); \
        const b = m && m.querySelector('.delete-message'); if (b) b.click(); return !!b;";
    assert_eq!(js(&ann, click).await, json!(true), "a Delete action");
    for page in [&bob, &ann] {
        wait_for("the message is deleted on the page", || async {
            let shown = texts(page).await;
            shown.iter().any(|t| t == "message deleted")
                && !shown.iter().any(|t| t.contains("take back"))
        })
        .await;
    }
    for page in [ann, bob] {
        page.close().await.unwrap();
    }
    backend.stop().await;
}
