use crate::connection::Link;
use leptos::prelude::*;

/// Green while the stream is live, red otherwise (amber while connecting).
#[component]
pub fn LinkDot(#[prop(into)] link: Signal<Link>) -> impl IntoView {
    let state = move || match link.get() {
        Link::Live => "live",
        Link::Connecting => "connecting",
        Link::Down => "down",
    };
    let label = move || match link.get() {
        Link::Live => "Connected: new messages arrive live",
        Link::Connecting => "Connecting…",
        Link::Down => "Disconnected: reconnecting…",
    };
    view! {
        <span class="link-dot" data-state=state title=label role="status" aria-label=label>
            <span class="dot" aria-hidden="true"></span>
        </span>
    }
}
