//! The page: header with presence dot, message list, composer.

mod composer;
mod message_list;
mod presence_dot;

pub use composer::Composer;
pub use message_list::{format_time, MessageList, OlderState};
pub use presence_dot::PresenceDot;

use crate::api;
use crate::connection::{transport_from_search, Connection, ConnectionSignals, Presence};
use crate::timeline::Timeline;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;

/// Messages fetched per scroll-back step.
pub const HISTORY_PAGE: usize = 50;

/// The signals the page shows, created fresh (for the app and for tests).
pub fn new_signals() -> ConnectionSignals {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    ConnectionSignals {
        timeline: RwSignal::new(Timeline::default()),
        presence: RwSignal::new(Presence::Connecting),
        transport: RwSignal::new(transport_from_search(&search)),
        notice: RwSignal::new(None),
        degraded: RwSignal::new(None),
    }
}

/// The app: provides the signals as context and owns the connection for as long as it is
/// mounted.
#[component]
pub fn App() -> impl IntoView {
    let signals = new_signals();
    provide_context(signals);
    // Leptos cleanups must be Send; the browser has one thread, so the wrapper never moves.
    let connection = SendWrapper::new(Connection::start(signals));
    on_cleanup(move || connection.stop());
    view! { <ChatView /> }
}

/// Everything visible, driven by the [`ConnectionSignals`] in context (so tests can provide
/// them and drive the page without a server).
#[component]
pub fn ChatView() -> impl IntoView {
    let ConnectionSignals {
        timeline,
        presence,
        transport,
        notice,
        degraded,
    } = expect_context();
    // Cloned once per timeline change and shared by every reader (the list, its scroll
    // effect, `older`), which re-run only if the messages differ: the memo compares.
    let messages = Memo::new(move |_| timeline.with(|t| t.messages().to_vec()));
    let loading_older = RwSignal::new(false);
    let load_older = Callback::new(move |()| {
        if loading_older.get_untracked() {
            return;
        }
        let Some(before) = timeline.with_untracked(|t| t.can_load_older().then(|| t.first_id()))
        else {
            return;
        };
        loading_older.set(true);
        spawn_local(async move {
            match api::fetch_history(before, HISTORY_PAGE).await {
                Ok(page) => timeline.update(|t| {
                    t.prepend(page);
                }),
                Err(why) => leptos::logging::warn!("loading older messages: {why}"),
            }
            loading_older.set(false);
        });
    });
    let older = Memo::new(move |_| {
        if loading_older.get() {
            OlderState::Loading
        } else if messages.with(Vec::is_empty) {
            OlderState::Nothing
        } else if timeline.with(Timeline::can_load_older) {
            OlderState::Available
        } else {
            OlderState::Beginning
        }
    });
    view! {
        <main class="chat">
            <header class="bar">
                <h1>"h2chat"</h1>
                <span class="status">
                    <span class="transport" title="How new messages reach this page">
                        {move || transport.get().label()}
                    </span>
                    <PresenceDot presence />
                </span>
            </header>
            <p class="notice" role="status" hidden=move || notice.with(Option::is_none)>
                {move || notice.get().unwrap_or_default()}
            </p>
            <p class="notice degraded" role="alert" hidden=move || degraded.with(Option::is_none)>
                {move || degraded.get().unwrap_or_default()}
            </p>
            <MessageList messages older load_older />
            <Composer />
        </main>
    }
}
