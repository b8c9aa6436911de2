//! "Enable notifications": the browser asks for the permission only when the person clicks
//! this, never by itself. Afterwards a short word says what they chose.

use crate::browser_notification::{permission, request_permission, Permission};
use crate::session::Session;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The button (signed-in accounts, while the browser has not been told yet), or the state.
#[component]
pub fn NotifyPermission() -> impl IntoView {
    let session = expect_context::<Session>();
    let state = RwSignal::new(permission());
    let asking = RwSignal::new(false);
    let ask = move |_| {
        asking.set(true);
        spawn_local(async move {
            state.set(request_permission().await);
            asking.set(false);
        });
    };
    let signed_in = move || session.identity.with(|i| i.account().is_some());
    move || {
        if !signed_in() {
            return ().into_any();
        }
        match state.get() {
            Permission::Unsupported => ().into_any(),
            Permission::Ask => view! {
                <button
                    type="button"
                    class="link enable-notifications"
                    on:click=ask
                    disabled=move || asking.get()
                >
                    "Enable notifications"
                </button>
            }
            .into_any(),
            Permission::Granted => view! {
                <span class="notify-state" data-state="granted">"Notifications on"</span>
            }
            .into_any(),
            Permission::Denied => view! {
                <span
                    class="notify-state"
                    data-state="denied"
                    title="The browser blocks notifications from this site; its site settings can allow them."
                >
                    "Notifications blocked"
                </span>
            }
            .into_any(),
        }
    }
}
