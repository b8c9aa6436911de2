//! Notifications and the offline start in Chromium: Bob enables notifications (the driver
//! grants the permission the browser would ask him for), his tab goes to the background,
//! Ann writes him directly and his page raises a real notification through its service
//! worker; and a page loaded once starts again from the worker's cache with the network
//! gone.

use crate::harness::*;
use crate::rooms::{api, api_client, make_accounts, sign_in};
use fantoccini::{Client, Locator};
use serde_json::{json, Value};

/// The browser's switches for these tests. The backend's certificate is self-signed:
/// WebDriver's `acceptInsecureCerts` lets pages load, but Chromium registers a service
/// worker from such an origin only when told to ignore certificate errors.
const SWITCHES: &[&str] = &["--ignore-certificate-errors"];

/// The script URL of the service worker controlling the page ("" while none does).
async fn controller(page: &Client) -> String {
    js(
        page,
        "const c = navigator.serviceWorker && navigator.serviceWorker.controller;
         return c ? c.scriptURL : '';",
    )
    .await
    .as_str()
    .unwrap_or_default()
    .to_owned()
}

/// Waits until the page's service worker is active and controls the page; returns its
/// script URL.
async fn worker_in_control(page: &Client) -> String {
    wait_for("the service worker controls the page", || async {
        !controller(page).await.is_empty()
    })
    .await;
    controller(page).await
}

/// The notifications the origin's service worker shows (asked from `page`).
async fn notifications(page: &Client) -> Value {
    page.execute_async(
        "const done = arguments[arguments.length - 1];
         navigator.serviceWorker.ready
           .then(r => r.getNotifications())
           .then(list => done(list.map(n => ({
             title: n.title, body: n.body, tag: n.tag, icon: n.icon, url: n.data && n.data.url,
           }))))
           .catch(e => done(String(e)));",
        vec![],
    )
    .await
    .unwrap()
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn a_hidden_page_raises_a_notification_for_a_direct_message() {
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

    let (_driver, webdriver) = start_chromedriver().await;
    let bob = open_browser_with(&webdriver, &scratch.path().join("bob"), SWITCHES).await;
    sign_in(&bob, &base, "bob").await;
    let worker = worker_in_control(&bob).await;
    assert!(
        worker.starts_with(&format!("{base}sw.js?build=frontend-")),
        "{worker}"
    );

    // Nothing is asked until Bob clicks; the driver answers the browser's question.
    let button = "document.querySelector('.enable-notifications')";
    assert_eq!(
        js(&bob, "return Notification.permission;").await,
        json!("default")
    );
    assert_eq!(js(&bob, &format!("return !!{button};")).await, json!(true));
    driver_command(
        &webdriver,
        &bob,
        "/permissions",
        json!({"descriptor": {"name": "notifications"}, "state": "granted"}),
    )
    .await;
    bob.find(Locator::Css(".enable-notifications"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for("notifications are on", || async {
        js(
            &bob,
            "const s = document.querySelector('.notify-state'); return s ? s.dataset.state : null;",
        )
        .await
            == json!("granted")
    })
    .await;

    // Bob's page notes when it is hidden (also where a page of its origin in another tab
    // can read it); then another tab comes to the front.
    js(
        &bob,
        "window.__visibility = [];
         document.addEventListener('visibilitychange', () => {
           window.__visibility.push(document.visibilityState);
           localStorage.setItem('e2e-visibility', document.visibilityState);
         });
         return true;",
    )
    .await;
    let bob_tab = bob.window().await.unwrap();
    let other = bob.new_window(true).await.unwrap();
    bob.switch_to_window(other.handle).await.unwrap();
    // A page of the same origin in the front tab: it asks the worker, below, what it shows.
    // The browser tells Bob's tab it is hidden a moment later; a message that came first
    // would find it visible and rightly raise nothing, so Ann writes only after.
    bob.goto(&format!("{base}icon-192.png")).await.unwrap();
    wait_for("Bob's tab hidden", || async {
        js(&bob, "return localStorage.getItem('e2e-visibility');").await == json!("hidden")
    })
    .await;

    // Ann writes to Bob directly (a direct room notifies every message by default).
    let direct: Value = api(
        &client,
        &origin,
        "/api/dms",
        Some(&ann),
        json!({"members": ["bob"]}),
    )
    .await
    .json()
    .await
    .unwrap();
    let id = direct["id"].as_u64().expect("the direct room's id");
    let sent = api(
        &client,
        &origin,
        &format!("/api/rooms/{id}/msgs"),
        Some(&ann),
        json!({"text": "are you there, <b>Bob</b>?"}),
    )
    .await;
    assert_eq!(sent.status(), 201);

    // The notification is the worker's (Bob's own tab stays in the back meanwhile).
    wait_for("the notification", || async {
        notifications(&bob)
            .await
            .as_array()
            .is_some_and(|list| !list.is_empty())
    })
    .await;
    let shown = notifications(&bob).await;
    assert_eq!(
        shown,
        json!([{
            "title": "Ann",
            "body": "Ann: are you there, <b>Bob</b>?",
            "tag": format!("h2chat-room-{id}"),
            "icon": format!("{base}icon-192.png"),
            "url": format!("/r/{id}"),
        }])
    );
    bob.switch_to_window(bob_tab).await.unwrap();
    let visibility = js(&bob, "return window.__visibility;").await;
    assert_eq!(visibility[0], json!("hidden"), "{visibility}");
    // While it waits unread, the tab says so in its title and its icon.
    wait_for("the title's count", || async {
        js(&bob, "return document.title;").await == json!("(1) h2chat")
    })
    .await;
    assert_eq!(
        js(
            &bob,
            "return document.querySelector(\"link[rel~='icon']\").getAttribute('href');"
        )
        .await,
        json!("/icon-unread.svg")
    );
    bob.close().await.unwrap();
    backend.stop().await;
}

/// What the worker's caches hold: `[[cache name, [paths]]]`.
async fn cached(page: &Client) -> Vec<(String, Vec<String>)> {
    let v = page
        .execute_async(
            "const done = arguments[arguments.length - 1];
             caches.keys().then(names => Promise.all(names.map(name =>
               caches.open(name).then(c => c.keys()).then(keys =>
                 [name, keys.map(k => new URL(k.url).pathname + new URL(k.url).search)]))))
               .then(done).catch(e => done(String(e)));",
            vec![],
        )
        .await
        .unwrap();
    serde_json::from_value(v.clone()).unwrap_or_else(|_| panic!("caches: {v}"))
}

/// Whether the app itself runs in the page: the header is drawn by the wasm.
async fn app_drawn(page: &Client) -> bool {
    js(
        page,
        "const h = document.querySelector('header.bar h1'); return !!h && h.textContent === 'h2chat';",
    )
    .await
        == json!(true)
}

#[tokio::test]
#[ignore = "needs chromium, chromedriver and dist/: run by `cargo xtask test`"]
async fn a_page_loaded_once_starts_again_with_the_server_gone() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let scratch = tempfile::tempdir().unwrap();
    let backend = start_backend("127.0.0.1:0", &scratch.path().join("certs")).await;
    let base = backend.url.clone();
    let (_driver, webdriver) = start_chromedriver().await;
    let page = open_browser_with(&webdriver, &scratch.path().join("page"), SWITCHES).await;
    page.goto(&base).await.unwrap();
    wait_for("the page is live", || async {
        link_state(&page).await == "live"
    })
    .await;
    let worker = worker_in_control(&page).await;
    let build = worker.rsplit("build=").next().unwrap().to_owned();

    // The shell is kept under this build's name: the page, its module, wasm, stylesheet,
    // manifest and icons; nothing of the API or the streams.
    let caches = cached(&page).await;
    assert_eq!(caches.len(), 1, "{caches:?}");
    let (name, paths) = &caches[0];
    assert_eq!(name, &format!("h2chat-shell-{build}"));
    for wanted in [
        "/",
        "/manifest.webmanifest",
        "/icon.svg",
        "/icon-unread.svg",
    ] {
        assert!(paths.iter().any(|p| p == wanted), "{wanted} in {paths:?}");
    }
    let module = format!("/{build}");
    assert!(paths.contains(&module), "{module} in {paths:?}");
    assert!(
        paths.iter().any(|p| p.ends_with("_bg.wasm")),
        "the wasm in {paths:?}"
    );
    assert!(
        paths.iter().any(|p| p.ends_with(".css")),
        "the stylesheet in {paths:?}"
    );
    assert!(
        !paths
            .iter()
            .any(|p| p.starts_with("/api") || p.starts_with("/msgs")),
        "no data in {paths:?}"
    );

    // The server goes away; the page starts again from the cache, at / and at a room.
    backend.stop().await;
    page.refresh().await.unwrap();
    wait_for("the app runs without its server", || app_drawn(&page)).await;
    assert_ne!(link_state(&page).await, "live");
    page.goto(&format!("{base}r/42")).await.unwrap();
    wait_for("a room's address starts the app too", || app_drawn(&page)).await;
    assert_eq!(js(&page, "return location.pathname;").await, json!("/r/42"));
    page.close().await.unwrap();
}
