//! The page's side of the service worker (`/sw.js`): registering it, finding it to show a
//! notification, and hearing which room a clicked notification asks for.
//!
//! The worker keeps h2chat's own files for an offline start and shows notifications that
//! outlive the tab's focus. It is an improvement, never a requirement: browsers without
//! service workers, insecure origins and a failed registration all leave a working page.

use leptos::logging;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    MessageEvent, RegistrationOptions, ServiceWorkerContainer, ServiceWorkerRegistration,
};

/// Where the worker's script lives; its scope is the whole origin.
pub const SCRIPT: &str = "/sw.js";

/// The script URL for the page's build: `/sw.js?build=NAME`, where NAME is the hashed file
/// name of the page's own module (`frontend-1a2b….js`). A new build is a new URL, so the
/// browser installs a new worker, which keeps the new build's files under a new cache and
/// drops the old one. Without a hashed module (a build without hashes) it is plain `/sw.js`.
pub fn script_url(module_href: Option<&str>) -> String {
    let name = module_href
        .and_then(|href| href.rsplit('/').next())
        .map(|name| name.split(['?', '#']).next().unwrap_or_default())
        .filter(|name| {
            !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        });
    match name {
        Some(name) => format!("{SCRIPT}?build={name}"),
        None => SCRIPT.to_owned(),
    }
}

fn container() -> Option<ServiceWorkerContainer> {
    let window = web_sys::window()?;
    // `navigator.serviceWorker` is missing outside secure contexts (and in some browsers'
    // private modes); web-sys would throw on reading it.
    let present = js_sys::Reflect::has(&window.navigator(), &"serviceWorker".into()).ok()?;
    (present && window.is_secure_context()).then(|| window.navigator().service_worker())
}

/// Registers the worker for this build, scope `/`. Only in secure contexts (HTTPS or
/// localhost); a failure (a self-signed certificate the browser was told to accept, an old
/// browser) is logged and changes nothing else.
pub fn register() {
    let Some(container) = container() else {
        logging::log!("service worker: not available here (needs HTTPS or localhost)");
        return;
    };
    let module = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("link[rel=modulepreload][href]")
                .ok()
                .flatten()
        })
        .and_then(|link| link.get_attribute("href"));
    let url = script_url(module.as_deref());
    let options = RegistrationOptions::new();
    options.set_scope("/");
    let promise = container.register_with_options(&url, &options);
    wasm_bindgen_futures::spawn_local(async move {
        if let Err(why) = JsFuture::from(promise).await {
            logging::warn!("service worker not registered: {why:?}");
        }
    });
}

/// The worker registered for this page, if any.
pub async fn registration() -> Option<ServiceWorkerRegistration> {
    let found = JsFuture::from(container()?.get_registration()).await.ok()?;
    found.dyn_into().ok()
}

/// Listens for the worker's `{type: "open", url: "/r/ID"}` (a notification was clicked
/// while this page was open) and hands `url` to `open`. Dropping it stops listening.
pub struct OpenListener {
    container: ServiceWorkerContainer,
    callback: Closure<dyn FnMut(MessageEvent)>,
}

impl OpenListener {
    pub fn start(open: impl Fn(String) + 'static) -> Option<Self> {
        let container = container()?;
        let callback = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Some(url) = open_request(&event.data()) {
                open(url);
            }
        });
        container
            .add_event_listener_with_callback("message", callback.as_ref().unchecked_ref())
            .ok()?;
        Some(Self {
            container,
            callback,
        })
    }
}

impl Drop for OpenListener {
    fn drop(&mut self) {
        let _ = self
            .container
            .remove_event_listener_with_callback("message", self.callback.as_ref().unchecked_ref());
    }
}

/// The `url` of an `open` message, if that is what `data` is.
fn open_request(data: &JsValue) -> Option<String> {
    let field = |name: &str| js_sys::Reflect::get(data, &name.into()).ok()?.as_string();
    (field("type")? == "open").then(|| field("url")).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_script_url_names_the_build() {
        assert_eq!(
            script_url(Some("/frontend-1a2b3c4d5e6f7a8b.js")),
            "/sw.js?build=frontend-1a2b3c4d5e6f7a8b.js"
        );
        assert_eq!(
            script_url(Some("https://h.example/frontend-1a2b.js?x=1")),
            "/sw.js?build=frontend-1a2b.js"
        );
        assert_eq!(script_url(None), "/sw.js");
        assert_eq!(script_url(Some("/")), "/sw.js");
        assert_eq!(script_url(Some("/a&b=c.js")), "/sw.js");
    }
}
