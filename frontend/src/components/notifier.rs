//! What the page does about new messages outside itself: the tab's title counts what waits
//! ("(3) h2chat"), the favicon gets a dot while anything does, and while the tab is hidden
//! a message that [`qualifies`](crate::notifications::qualifies) raises a browser
//! notification; clicking one opens its room. Mounted once, inside the router.

use crate::browser_notification::raise;
use crate::connection::ConnectionSignals;
use crate::notifications::{alerts, attention, attention_title, Arrivals};
use crate::route::Route;
use crate::service_worker::OpenListener;
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use send_wrapper::SendWrapper;
use wasm_bindgen::JsCast;
use web_sys::{Document, HtmlLinkElement, VisibilityState};

/// h2chat's icon, and the same with a dot (both in frontend/icons/).
pub const ICON: &str = "/icon.svg";
pub const ICON_ATTENTION: &str = "/icon-unread.svg";

/// Keeps the title and favicon current and raises notifications; renders nothing.
#[component]
pub fn Notifier() -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let session = expect_context::<Session>();
    let count = Memo::new(move |_| rooms.with(|r| attention(r.list())));
    Effect::new(move |_| show_attention(count.get()));
    on_cleanup(|| show_attention(0));

    let navigate = use_navigate();
    // Only ever a room of this app: whatever a message says, it cannot send us elsewhere.
    let open = move |url: String| {
        if matches!(Route::from_path(&url), Route::Chat(_)) {
            navigate(&url, NavigateOptions::default());
        }
    };
    let listener = SendWrapper::new(OpenListener::start(open.clone()));
    on_cleanup(move || drop(listener));

    Effect::new(move |arrivals: Option<Arrivals>| {
        let mut arrivals = arrivals.unwrap_or_default();
        let reader = session
            .identity
            .with(|i| i.account().map(|a| a.username.clone()));
        let raised = rooms.with(|r| {
            let fresh = arrivals.take(r);
            alerts(r, &fresh, reader.as_deref())
        });
        if !raised.is_empty() && page_hidden() {
            for alert in raised {
                spawn_local(raise(alert, open.clone()));
            }
        }
        arrivals
    });
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

fn page_hidden() -> bool {
    document().is_some_and(|d| d.visibility_state() == VisibilityState::Hidden)
}

/// The title with `count`, and the icon with a dot while `count` is above 0.
fn show_attention(count: u32) {
    let Some(document) = document() else { return };
    let title = attention_title(&document.title(), count);
    if document.title() != title {
        document.set_title(&title);
    }
    if let Some(link) = icon_link(&document) {
        let href = if count > 0 { ICON_ATTENTION } else { ICON };
        if link.get_attribute("href").as_deref() != Some(href) {
            link.set_href(href);
        }
    }
}

/// The page's `<link rel="icon">`, made if the page has none.
fn icon_link(document: &Document) -> Option<HtmlLinkElement> {
    if let Ok(Some(link)) = document.query_selector("link[rel~='icon']") {
        return link.dyn_into().ok();
    }
    let link: HtmlLinkElement = document.create_element("link").ok()?.dyn_into().ok()?;
    link.set_rel("icon");
    link.set_type("image/svg+xml");
    document.head()?.append_child(&link).ok()?;
    Some(link)
}
