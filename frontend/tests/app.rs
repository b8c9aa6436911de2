//! The whole app, its connection included, in headless Chromium with a scripted `fetch`.
//! A file of its own: the app's connection runs until the app is gone, and its requests
//! must not reach another test's stand-in server.

use frontend::components::App;
use gloo_timers::future::TimeoutFuture;
use js_sys::Function;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

fn page_script(source: &str) -> JsValue {
    Function::new_no_args(source).call0(&JsValue::NULL).unwrap()
}

async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out: {what}");
}

fn count(key: &str) -> u32 {
    page_script(&format!(
        "return window.__requests.filter(k => k === {key:?}).length;"
    ))
    .as_f64()
    .unwrap() as u32
}

#[wasm_bindgen_test]
async fn the_stream_reconnects_when_the_session_changes() {
    // A server where ann is signed in, whose stream stays open without a word.
    page_script(
        r#"window.__realFetch = window.fetch;
           window.__requests = [];
           const json = (body, status) => new Response(body === null ? null : JSON.stringify(body),
             { status, headers: { 'content-type': 'application/json' } });
           window.fetch = async function (req) {
             const path = new URL(req.url, location.href).pathname;
             const key = req.method + ' ' + path;
             window.__requests.push(key);
             switch (key) {
               case 'GET /api/stream':
                 return new Response(new ReadableStream({ pull() { return new Promise(() => {}); } }));
               case 'GET /api/status':
                 return json({ setup_needed: false, signup: 'invite', guests: true }, 200);
               case 'GET /api/me':
                 return json({ username: 'ann', display_name: 'Ann', role: 'member', active: true, created_at: 0 }, 200);
               case 'DELETE /api/session':
                 return json(null, 204);
               default:
                 return json({ error: 'not stubbed: ' + key }, 404);
             }
           };
           return true;"#,
    );
    let window = web_sys::window().unwrap();
    let url = window.location().href().unwrap();
    let history = window.history().unwrap();
    history
        .replace_state_with_url(&JsValue::NULL, "", Some("/"))
        .unwrap();
    let document = window.document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let handle = leptos::mount::mount_to(host.clone(), App);
    let text = |selector: &str| {
        host.query_selector(selector)
            .unwrap()
            .and_then(|e| e.text_content())
            .unwrap_or_default()
    };

    wait_until("signed in", || text(".who .name") == "Ann").await;
    wait_until("one stream", || count("GET /api/stream") == 1).await;
    TimeoutFuture::new(100).await;
    assert_eq!(
        count("GET /api/stream"),
        1,
        "nothing changed, no new stream"
    );

    let sign_out: HtmlElement = host
        .query_selector(".sign-out")
        .unwrap()
        .unwrap()
        .unchecked_into();
    sign_out.click();
    wait_until("signed out", || text(".who .name") == "Guest").await;
    wait_until("a new stream", || count("GET /api/stream") == 2).await;

    drop(handle);
    host.remove();
    history
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .unwrap();
    page_script("window.fetch = window.__realFetch; return true;");
}
