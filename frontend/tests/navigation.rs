//! Links and the back button, in headless Chromium. A file of its own: the router listens
//! to clicks on the whole window and the first one mounted never lets go (leptos_router
//! keeps its owner for redirects), so a page must hold one router only for clicks to reach
//! it.

use frontend::session::Identity;
use gloo_timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

mod support;
use support::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
async fn links_change_the_address_and_the_back_button_returns() {
    let page = mount_at("/", Identity::Guest, open_status());
    let history = web_sys::window().unwrap().history().unwrap();
    let host = page.host.clone();
    let has = |selector: &str| host.query_selector(selector).unwrap().is_some();
    TimeoutFuture::new(30).await;
    assert!(has(".messages"));

    let link: HtmlElement = host
        .query_selector(".who a[href='/signin']")
        .unwrap()
        .unwrap()
        .unchecked_into();
    link.click();
    wait_until("the sign-in page", || {
        pathname() == "/signin" && has("#username")
    })
    .await;
    assert!(!has(".messages"), "the chat is gone");

    history.back().unwrap();
    wait_until("the chat again", || pathname() == "/" && has(".messages")).await;
    assert!(!has("#username"));

    history.forward().unwrap();
    wait_until("forward again", || {
        pathname() == "/signin" && has("#username")
    })
    .await;
    drop(page);
}
