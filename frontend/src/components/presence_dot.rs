use crate::connection::Presence;
use leptos::prelude::*;

/// Green while the stream is live, red otherwise (amber while connecting).
#[component]
pub fn PresenceDot(#[prop(into)] presence: Signal<Presence>) -> impl IntoView {
    let state = move || match presence.get() {
        Presence::Live => "live",
        Presence::Connecting => "connecting",
        Presence::Down => "down",
    };
    let label = move || match presence.get() {
        Presence::Live => "Connected: new messages arrive live",
        Presence::Connecting => "Connecting…",
        Presence::Down => "Disconnected: reconnecting…",
    };
    view! {
        <span class="presence" data-state=state title=label role="status" aria-label=label>
            <span class="dot" aria-hidden="true"></span>
        </span>
    }
}
