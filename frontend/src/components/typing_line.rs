//! "Ann is typing…" under a room's messages, from the stream's `typing` events. A timer
//! runs only while someone is shown, to fade them out when they go quiet.

use crate::connection::ConnectionSignals;
use crate::session::Session;
use common::room::RoomId;
use leptos::prelude::*;
use std::time::Duration;

#[component]
pub fn TypingLine(#[prop(into)] room: Signal<RoomId>) -> impl IntoView {
    let ConnectionSignals { typists, .. } = expect_context();
    let session = expect_context::<Session>();
    let line = Memo::new(move |_| {
        let me = session
            .identity
            .with(|i| i.account().map(|a| a.username.clone()))
            .unwrap_or_default();
        typists.with(|t| t.line(room.get(), &me))
    });
    // Fade out the quiet ones once a second, while anyone is shown.
    Effect::new(move |timer: Option<Option<IntervalHandle>>| {
        let timer = timer.flatten();
        let someone = typists.with(|t| !t.is_empty());
        match (someone, timer) {
            (true, Some(timer)) => Some(timer),
            (true, None) => set_interval_with_handle(
                move || {
                    let now = js_sys::Date::now();
                    typists.maybe_update(|t| t.expire(now));
                },
                Duration::from_secs(1),
            )
            .ok(),
            (false, Some(timer)) => {
                timer.clear();
                None
            }
            (false, None) => None,
        }
    });
    view! {
        <p class="typing" aria-live="polite">{move || line.get().unwrap_or_default()}</p>
    }
}
