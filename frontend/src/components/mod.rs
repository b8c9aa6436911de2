//! The page: header with presence dot, message list, composer.

mod composer;
mod message_list;
mod presence_dot;

pub use composer::Composer;
pub use message_list::{format_time, MessageList};
pub use presence_dot::PresenceDot;

use crate::connection::{Connection, Presence};
use crate::timeline::Timeline;
use leptos::prelude::*;
use send_wrapper::SendWrapper;

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
    view! {
        <main class="chat">
            <header class="bar">
                <h1>"h2chat"</h1>
                <PresenceDot presence />
            </header>
            <MessageList messages />
            <Composer />
        </main>
    }
}
