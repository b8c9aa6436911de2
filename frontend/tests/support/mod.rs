//! What the page tests share: a stand-in server in place of `fetch`, the app mounted at a
//! path with its contexts, waiting for the page, and small builders of wire values.
//!
//! Each test binary uses its own share of it.
#![allow(dead_code)]

use common::account::{AccountView, Role, ServerStatus, SignupMode};
use common::room::{RoomId, RoomKind, RoomSummary};
use common::{Message, StreamEvent};
use frontend::components::{new_signals, AppRoutes};
use frontend::connection::ConnectionSignals;
use frontend::session::{Identity, Session};
use gloo_timers::future::TimeoutFuture;
use js_sys::Function;
use leptos::prelude::*;
use serde_json::{json, Value};
use std::any::Any;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{HtmlElement, HtmlInputElement};

/// Runs `source` (JS) in the page.
pub fn page_script(source: &str) -> JsValue {
    Function::new_no_args(source).call0(&JsValue::NULL).unwrap()
}

/// Replaces `fetch` with a stand-in server: `routes` maps `"METHOD /path"` to a status, a
/// JSON body (`""` for none) and extra headers. Every request is recorded, with its body
/// and content type, for [`requests`]; anything else gets a 404.
pub fn stub_api(routes: &[(&str, u16, &str)]) {
    stub_api_with_headers(
        &routes
            .iter()
            .map(|(key, status, body)| (*key, *status, *body, json!({})))
            .collect::<Vec<_>>(),
    );
}

pub fn stub_api_with_headers(routes: &[(&str, u16, &str, Value)]) {
    let table: String = routes
        .iter()
        .map(|(key, status, body, headers)| {
            let body = if body.is_empty() { "null" } else { body };
            format!("{key:?}: [{status}, {body}, {headers}],")
        })
        .collect();
    page_script(&format!(
        "if (!window.__realFetch) window.__realFetch = window.fetch;
         window.__requests = [];
         const routes = {{ {table} }};
         window.fetch = async function (req) {{
           const path = new URL(req.url, location.href).pathname;
           const key = req.method + ' ' + path;
           const body = (req.method === 'GET' || req.method === 'HEAD') ? null : await req.text();
           window.__requests.push({{ key, body, type: req.headers.get('content-type'), search: new URL(req.url, location.href).search }});
           const route = routes[key];
           if (!route) {{
             return new Response(JSON.stringify({{ error: 'not stubbed: ' + key }}), {{ status: 404 }});
           }}
           const [status, json, headers] = route;
           const text = json === null ? null : JSON.stringify(json);
           return new Response(text, {{ status, headers: Object.assign({{ 'content-type': 'application/json' }}, headers) }});
         }};
         return true;"
    ));
}

pub fn unstub_api() {
    page_script(
        "if (window.__realFetch) { window.fetch = window.__realFetch; delete window.__realFetch; } return true;",
    );
}

/// The requests the stand-in server saw: `(\"METHOD /path\", body as JSON, content type)`.
pub fn requests() -> Vec<(String, Value, Option<String>)> {
    requests_with_queries()
        .into_iter()
        .map(|(key, body, kind, _)| (key, body, kind))
        .collect()
}

/// [`requests`], each with its query string.
pub fn requests_with_queries() -> Vec<(String, Value, Option<String>, String)> {
    let text = page_script("return JSON.stringify(window.__requests || []);")
        .as_string()
        .unwrap();
    let list: Vec<Value> = serde_json::from_str(&text).unwrap();
    list.into_iter()
        .map(|r| {
            let body = r["body"]
                .as_str()
                .map(|b| serde_json::from_str(b).unwrap_or(Value::String(b.into())))
                .unwrap_or(Value::Null);
            (
                r["key"].as_str().unwrap().to_owned(),
                body,
                r["type"].as_str().map(str::to_owned),
                r["search"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

pub fn requests_to(key: &str) -> Vec<Value> {
    requests()
        .into_iter()
        .filter(|(k, _, _)| k == key)
        .map(|(_, body, _)| body)
        .collect()
}

/// The app's routes mounted at `path`, with these contexts; unmounted (and the page's URL
/// put back) on drop.
pub struct Mounted {
    pub host: HtmlElement,
    handle: Option<Box<dyn Any>>,
    url: String,
    pub signals: ConnectionSignals,
    pub session: Session,
}

impl Drop for Mounted {
    fn drop(&mut self) {
        self.handle.take();
        let history = web_sys::window().unwrap().history().unwrap();
        history
            .replace_state_with_url(&JsValue::NULL, "", Some(&self.url))
            .unwrap();
        self.host.remove();
        unstub_api();
    }
}

pub fn mount_at(path: &str, identity: Identity, status: Option<ServerStatus>) -> Mounted {
    let window = web_sys::window().unwrap();
    let url = window.location().href().unwrap();
    window
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(path))
        .unwrap();
    let document = window.document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let signals = new_signals();
    let session = Session::new(identity, status);
    let handle = leptos::mount::mount_to(host.clone(), move || {
        provide_context(signals);
        provide_context(session);
        view! { <AppRoutes /> }
    });
    Mounted {
        host,
        handle: Some(Box::new(handle)),
        url,
        signals,
        session,
    }
}

impl Mounted {
    pub fn all(&self, selector: &str) -> Vec<HtmlElement> {
        let list = self.host.query_selector_all(selector).unwrap();
        (0..list.length())
            .map(|i| list.item(i).unwrap().unchecked_into())
            .collect()
    }

    pub fn one(&self, selector: &str) -> HtmlElement {
        self.host
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("nothing matches {selector}"))
            .unchecked_into()
    }

    pub fn text(&self, selector: &str) -> String {
        self.one(selector).text_content().unwrap_or_default()
    }

    pub fn input(&self, selector: &str) -> HtmlInputElement {
        self.one(selector).unchecked_into()
    }

    /// Types `value` into the input, as a person would (the page listens to `input`).
    pub fn type_into(&self, selector: &str, value: &str) {
        let input = self.input(selector);
        input.set_value(value);
        input
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    }

    pub fn click(&self, selector: &str) {
        self.one(selector).click();
    }

    /// Whether an element matching `selector` is there and not hidden.
    pub fn visible(&self, selector: &str) -> bool {
        self.all(selector).iter().any(|e| !e.hidden())
    }
}

pub async fn settle() {
    TimeoutFuture::new(30).await;
}

pub async fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    for _ in 0..300 {
        if check() {
            return;
        }
        TimeoutFuture::new(10).await;
    }
    panic!("timed out: {what}");
}

pub fn pathname() -> String {
    web_sys::window().unwrap().location().pathname().unwrap()
}

impl Mounted {
    /// Applies a stream event as the connection would.
    pub fn apply(&self, event: StreamEvent) {
        self.signals.rooms.update(|r| {
            r.apply(event);
        });
    }

    /// The texts of the messages shown.
    pub fn texts(&self) -> Vec<String> {
        self.all(".message .text")
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }
}

/// Ann, a signed-in member.
pub fn ann() -> Identity {
    Identity::SignedIn(AccountView {
        username: "ann".into(),
        display_name: "Ann".into(),
        role: Role::Member,
        active: true,
        created_at: 0,
        bot: false,
    })
}

/// A server set up, joined by invite, open to guests.
pub fn open_status() -> Option<ServerStatus> {
    Some(ServerStatus {
        setup_needed: false,
        signup: SignupMode::Invite,
        guests: true,
        presence: true,
        typing: true,
    })
}

pub fn room(id: RoomId, kind: RoomKind, name: &str) -> RoomSummary {
    RoomSummary {
        id,
        kind,
        name: name.into(),
        members: vec![],
        last_id: 0,
        archived: false,
        manage: false,
        read: 0,
        unread: 0,
        mentions: 0,
        notify: common::room::NotifyLevel::default_for(kind),
    }
}

pub fn message(id: u64, room: RoomId, text: &str) -> Message {
    Message {
        id,
        user: "Cy".into(),
        text: text.into(),
        time: 1_700_000_000_000,
        room,
        ..Default::default()
    }
}
