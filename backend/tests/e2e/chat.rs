//! The chat in the browser: two pages across a restart, literal text, the course's own
//! client, scrolling back, three transports, and the page's files fetched once.

use crate::harness::*;
use serde_json::json;
use std::path::PathBuf;
use std::time::Duration;

/// The `Link` preloads the page's headers announce are used, not fetched beside the
/// page's own requests: each stylesheet, script and wasm file arrives exactly once.
#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn the_page_fetches_each_of_its_files_once() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let backend = start_backend("127.0.0.1:0", &scratch.path().join("certs")).await;
    let (_driver, webdriver) = start_chromedriver().await;
    let page = open_browser(&webdriver, &scratch.path().join("profile")).await;
    page.goto(&backend.url).await.unwrap();
    wait_for("page live", || async { link_state(&page).await == "live" }).await;
    let fetched: Vec<String> = serde_json::from_value(
        js(
            &page,
            "return performance.getEntriesByType('resource').map(e => e.name)\
               .filter(n => /\\.(css|js|wasm)$/.test(n));",
        )
        .await,
    )
    .unwrap();
    for kind in [".css", ".js", ".wasm"] {
        let of_kind: Vec<&String> = fetched.iter().filter(|n| n.ends_with(kind)).collect();
        assert_eq!(
            of_kind.len(),
            1,
            "one {kind} file, fetched once: {fetched:?}"
        );
    }
    page.close().await.unwrap();
    backend.stop().await;
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn two_pages_chat_survive_a_restart_and_never_render_html() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let certs = scratch.path().join("certs");
    let backend = start_backend("127.0.0.1:0", &certs).await;
    let (_driver, webdriver) = start_chromedriver().await;
    let page_a = open_browser(&webdriver, &scratch.path().join("a")).await;
    let page_b = open_browser(&webdriver, &scratch.path().join("b")).await;

    for page in [&page_a, &page_b] {
        page.goto(&backend.url).await.unwrap();
    }
    for page in [&page_a, &page_b] {
        wait_for("page live", || async { link_state(page).await == "live" }).await;
    }

    // Typed and sent in A, shown in B.
    send(&page_a, "alice", "hello from A").await;
    wait_for("B shows A's message", || async {
        texts(&page_b).await == ["hello from A"]
    })
    .await;
    let area = page_a
        .find(fantoccini::Locator::Css("textarea.text"))
        .await
        .unwrap();
    assert_eq!(
        area.prop("value").await.unwrap().as_deref(),
        Some(""),
        "sent text is cleared"
    );

    // User text is text, never markup.
    let hostile = "<img src=x onerror=alert(1)>";
    send(&page_a, "alice", hostile).await;
    for page in [&page_a, &page_b] {
        wait_for("hostile text shown literally", || async {
            texts(page).await.last().map(String::as_str) == Some(hostile)
        })
        .await;
        let images = js(
            page,
            "return document.querySelectorAll('.messages img').length;",
        )
        .await;
        assert_eq!(images, json!(0));
        assert!(page.get_alert_text().await.is_err(), "no alert fired");
    }
    if let Some(path) = std::env::var_os("H2CHAT_SCREENSHOT") {
        std::fs::write(path, page_b.screenshot().await.unwrap()).unwrap();
    }

    // Stop the server: both dots turn red.
    let listen = backend
        .url
        .trim_start_matches("https://")
        .trim_end_matches('/')
        .to_owned();
    backend.stop().await;
    for page in [&page_a, &page_b] {
        wait_for("dot red after stop", || async {
            link_state(page).await == "down"
        })
        .await;
    }

    // Restart on the same address: green again by itself, no reload.
    let backend = start_backend(&listen, &certs).await;
    for page in [&page_a, &page_b] {
        wait_for("dot green after restart", || async {
            link_state(page).await == "live"
        })
        .await;
    }

    // A message after the restart appears exactly once on both pages.
    send(&page_b, "bob", "after the restart").await;
    for page in [&page_a, &page_b] {
        wait_for("post-restart message shown", || async {
            texts(page).await.iter().any(|t| t == "after the restart")
        })
        .await;
    }
    // Give a duplicate (replayed delta, double reconnect) time to show up, then count.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for page in [&page_a, &page_b] {
        let all = texts(page).await;
        let count = all.iter().filter(|t| *t == "after the restart").count();
        assert_eq!(count, 1, "{all:?}");
        assert_eq!(link_state(page).await, "live");
    }

    page_a.close().await.unwrap();
    page_b.close().await.unwrap();
    backend.stop().await;
}

#[tokio::test]
#[ignore = "needs chromium and chromedriver: run by `cargo xtask test`"]
async fn the_course_client_works_unchanged_against_our_backend() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/course-client");
    let backend = start_backend_serving(
        "127.0.0.1:0",
        &scratch.path().join("certs"),
        &fixture,
        &["--db", ":memory:"],
    )
    .await;
    let (_driver, webdriver) = start_chromedriver().await;
    let page = open_browser(&webdriver, &scratch.path().join("profile")).await;
    page.goto(&backend.url).await.unwrap();

    let indicator = "return document.getElementById('presence-indicator').innerText;";
    wait_for("course client connected", || async {
        js(&page, indicator).await == json!("🟢")
    })
    .await;
    let shown =
        "return Array.from(document.querySelectorAll('#msgs li')).map(li => li.textContent);";
    for (i, text) in ["first from the course client", "second, ünïcödé 🦀"]
        .iter()
        .enumerate()
    {
        let user = page.find(fantoccini::Locator::Css("#user")).await.unwrap();
        user.clear().await.unwrap();
        user.send_keys("course").await.unwrap();
        let input = page.find(fantoccini::Locator::Css("#text")).await.unwrap();
        input.send_keys(text).await.unwrap();
        page.find(fantoccini::Locator::Css("button"))
            .await
            .unwrap()
            .click()
            .await
            .unwrap();
        wait_for("course client renders the whole window", || async {
            let items: Vec<String> = serde_json::from_value(js(&page, shown).await).unwrap();
            items.len() == i + 1 && items[i] == format!("course{text}")
        })
        .await;
    }
    assert_eq!(js(&page, indicator).await, json!("🟢"), "still connected");
    page.close().await.unwrap();
    backend.stop().await;
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn scrolling_up_loads_older_history_until_the_beginning() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let certs = scratch.path().join("certs");
    let db = scratch.path().join("chat.db");
    let db_arg = db.display().to_string();
    let backend = start_backend_serving(
        "127.0.0.1:0",
        &certs,
        &release_dist(),
        // 70 posts in a burst from one address: no post rate limit here.
        &["--history", "20", "--post-rate", "0", "--db", &db_arg],
    )
    .await;
    let pem = std::fs::read(certs.join("cert.pem")).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    let total = 70;
    for i in 1..=total {
        let response = http
            .post(format!("{}msgs", backend.url))
            .json(&json!({"user": "hist", "text": format!("m{i}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201);
    }

    let (_driver, webdriver) = start_chromedriver().await;
    let page = open_browser(&webdriver, &scratch.path().join("profile")).await;
    page.goto(&backend.url).await.unwrap();
    wait_for("window shown", || async { texts(&page).await.len() == 20 }).await;
    let older_state = "return document.querySelector('.older').dataset.state;";
    assert_eq!(js(&page, older_state).await, json!("available"));

    let scroll_to_top = "const l = document.querySelector('.messages'); l.scrollTop = 0; l.dispatchEvent(new Event('scroll')); return true;";
    let mut shown = 20;
    while shown < total {
        js(&page, scroll_to_top).await;
        wait_for("an older page loaded", || async {
            texts(&page).await.len() > shown
        })
        .await;
        shown = texts(&page).await.len();
        if shown < total {
            // The reader's place was kept: the list did not stay pinned at the top.
            let top = js(
                &page,
                "return document.querySelector('.messages').scrollTop;",
            )
            .await;
            assert!(top.as_f64().unwrap() > 100.0, "scroll position kept: {top}");
        }
    }
    let expected: Vec<String> = (1..=total).map(|i| format!("m{i}")).collect();
    assert_eq!(texts(&page).await, expected, "all history, in order, once");
    wait_for("beginning reached", || async {
        js(&page, older_state).await == json!("beginning")
    })
    .await;
    page.close().await.unwrap();
    backend.stop().await;
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn three_pages_on_three_transports_chat_with_each_other() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let backend = start_backend("127.0.0.1:0", &scratch.path().join("certs")).await;
    let (_driver, webdriver) = start_chromedriver().await;
    let transports = [
        ("stream", "HTTP/2 stream"),
        ("sse", "Server-Sent Events"),
        ("ws", "WebSocket"),
    ];
    let mut pages = Vec::new();
    for (name, _) in transports {
        let page = open_browser(&webdriver, &scratch.path().join(name)).await;
        page.goto(&format!("{}?transport={name}", backend.url))
            .await
            .unwrap();
        pages.push(page);
    }
    for (page, (_, label)) in pages.iter().zip(transports) {
        wait_for("page live", || async { link_state(page).await == "live" }).await;
        let shown = js(
            page,
            "return document.querySelector('.transport').textContent;",
        )
        .await;
        assert_eq!(shown, json!(label));
    }
    let mut expected = Vec::new();
    for (page, (name, _)) in pages.iter().zip(transports) {
        let text = format!("hello over {name}");
        send(page, name, &text).await;
        expected.push(text);
        for reader in &pages {
            wait_for("every page shows it", || async {
                texts(reader).await.len() == expected.len()
            })
            .await;
        }
    }
    for page in &pages {
        assert_eq!(
            texts(page).await,
            expected,
            "same messages, same order, once each"
        );
    }
    for page in pages {
        page.close().await.unwrap();
    }
    backend.stop().await;
}
