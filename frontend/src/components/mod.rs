//! The page: header with presence dot, message list, composer.

mod composer;
mod message_list;
mod presence_dot;

pub use composer::Composer;
pub use message_list::{format_time, MessageList, OlderState};
pub use presence_dot::PresenceDot;

use crate::api;
use crate::connection::{Connection, Presence};
use crate::timeline::Timeline;
use leptos::prelude::*;
use leptos::task::spawn_local;
use send_wrapper::SendWrapper;

/// Messages fetched per scroll-back step.
pub const HISTORY_PAGE: usize = 50;

/// The app: owns the connection for as long as it is mounted.
#[component]
pub fn App() -> impl IntoView {
    let timeline = RwSignal::new(Timeline::default());
    let presence = RwSignal::new(Presence::Connecting);
    // Leptos cleanups must be Send; the browser has one thread, so the wrapper never moves.
    let connection = SendWrapper::new(Connection::start(timeline, presence));
    on_cleanup(move || connection.stop());
    view! { <ChatView timeline presence /> }
}

/// Everything visible, driven by two signals (so tests can drive it without a server).
#[component]
pub fn ChatView(timeline: RwSignal<Timeline>, presence: RwSignal<Presence>) -> impl IntoView {
    let messages = Signal::derive(move || timeline.with(|t| t.messages().to_vec()));
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
    let older = Signal::derive(move || {
        if loading_older.get() {
            OlderState::Loading
        } else if timeline.with(|t| t.messages().is_empty()) {
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
                <PresenceDot presence />
            </header>
            <MessageList messages older load_older />
            <Composer />
        </main>
    }
}
