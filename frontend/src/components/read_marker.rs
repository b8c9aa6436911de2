//! Telling the server what the reader has read: while a room is shown and the page is
//! visible, its newest message is posted as the read marker (`POST /api/rooms/{id}/read`),
//! a moment after it arrives so a burst is one request. The answer's counts replace the
//! room's at once; the reader's other pages get them as a `read` event.

use crate::connection::ConnectionSignals;
use crate::rooms_api;
use common::room::RoomId;
use common::StreamEvent;
use gloo_timers::callback::Timeout;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

/// How long the newest message must stay the newest before it is posted as read.
pub const READ_DEBOUNCE_MS: u32 = 300;

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_some_and(|d| !d.hidden())
}

/// Whether the page is visible, kept current for as long as the calling component lives.
fn visibility() -> RwSignal<bool> {
    let visible = RwSignal::new(page_visible());
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return visible;
    };
    let listener = Closure::<dyn Fn()>::new(move || visible.set(page_visible()));
    let callback: js_sys::Function = listener
        .as_ref()
        .unchecked_ref::<js_sys::Function>()
        .clone();
    let _ = document.add_event_listener_with_callback("visibilitychange", &callback);
    // Leptos cleanups must be Send; the browser has one thread, so these never move.
    let held = SendWrapper::new((document, callback, listener));
    on_cleanup(move || {
        let (document, callback, _listener) = &*held;
        let _ = document.remove_event_listener_with_callback("visibilitychange", callback);
    });
    visible
}

/// Posts `room`'s read marker whenever it has unread messages on screen and the page is
/// visible (signed-in readers only: the caller shows it to them alone).
pub fn keep_read_marker(room: Signal<RoomId>, signed_in: Signal<bool>) {
    let ConnectionSignals { rooms, .. } = expect_context();
    let visible = visibility();
    let due = Memo::new(move |_| {
        if !visible.get() || !signed_in.get() {
            return None;
        }
        let id = room.get();
        rooms.with(|r| {
            let summary = r.get(id)?;
            let newest = r.messages(id).last()?.id;
            let news = summary.unread > 0 || summary.mentions > 0;
            (news && newest > summary.read).then_some((id, newest))
        })
    });
    let pending = StoredValue::new(SendWrapper::new(None::<Timeout>));
    Effect::new(move |_| {
        let timer = due.get().map(|(id, upto)| {
            Timeout::new(READ_DEBOUNCE_MS, move || {
                spawn_local(async move {
                    match rooms_api::mark_read(id, upto).await {
                        Ok(state) => rooms.update(|r| {
                            r.apply(StreamEvent::Read {
                                id,
                                read: state.read,
                                unread: state.unread,
                                mentions: state.mentions,
                            });
                        }),
                        Err(why) => leptos::logging::warn!("posting the read marker: {why}"),
                    }
                });
            })
        });
        // Replacing the timer cancels the one before: only the newest is posted.
        pending.set_value(SendWrapper::new(timer));
    });
}
