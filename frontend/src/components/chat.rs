//! The chat: the sidebar of rooms and directs, and the current room's messages and composer.
//! Driven by the [`ConnectionSignals`] in context (tests provide them and drive the page
//! without a server).

use super::composer::Composer;
use super::header::Header;
use super::jump::follow_jumps;
use super::message_list::{MessageList, OlderState};
use super::read_marker::keep_read_marker;
use super::room_bar::RoomBar;
use super::room_dialogs::{Dialog, RoomDialog};
use super::room_people::RoomPeople;
use super::sidebar::Sidebar;
use super::typing_line::TypingLine;
use crate::connection::ConnectionSignals;
use crate::rooms_api;
use crate::search::JumpTarget;
use crate::session::{Identity, Session};
use crate::unread::first_unread;
use common::room::{RoomId, LOBBY};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

/// Messages fetched per scroll-back step.
pub const HISTORY_PAGE: usize = 50;

/// Everything on the chat page. `room` is the room shown (the lobby when left out).
#[component]
pub fn ChatView(#[prop(optional, into)] room: Option<Signal<RoomId>>) -> impl IntoView {
    let room = room.unwrap_or_else(|| Signal::derive(|| LOBBY));
    let ConnectionSignals {
        rooms,
        notice,
        degraded,
        ..
    } = expect_context();
    let session = expect_context::<Session>();
    provide_context(JumpTarget(RwSignal::new(None)));
    let signed_in = Memo::new(move |_| session.identity.with(|i| i.account().is_some()));
    // Cloned once per change of the rooms and shared by every reader (the list, its scroll
    // effect, `older`), which re-run only if this room's messages differ: the memo compares.
    let messages = Memo::new(move |_| rooms.with(|r| r.messages(room.get()).to_vec()));
    let summary = Memo::new(move |_| rooms.with(|r| r.get(room.get()).cloned()));
    let missing = Memo::new(move |_| {
        rooms.with(|r| r.known() && r.get(room.get()).is_none()) && room.get() != LOBBY
    });
    let archived = Signal::derive(move || summary.with(|s| s.as_ref().is_some_and(|s| s.archived)));
    let loading = RwSignal::new(None::<RoomId>);
    let load = move |id: RoomId, before: Option<u64>, limit: usize| {
        if loading.get_untracked().is_some() {
            return;
        }
        loading.set(Some(id));
        spawn_local(async move {
            match rooms_api::history(id, before, limit).await {
                Ok(page) => rooms.update(|r| {
                    if r.get(id).is_some() || !r.known() {
                        r.timeline_mut(id).prepend(page);
                    }
                }),
                Err(why) => leptos::logging::warn!("loading older messages: {why}"),
            }
            loading.set(None);
        });
    };
    let load_older = Callback::new(move |()| {
        let id = room.get_untracked();
        let before = rooms.with_untracked(|r| {
            let t = r.timeline(id);
            t.can_load_older().then(|| t.first_id())
        });
        if let Some(before) = before {
            load(id, Some(before), HISTORY_PAGE);
        }
    });
    // A room whose messages the stream did not bring (added later, or quiet for long):
    // its newest page at once, once per visit (a failure is not retried in a loop), and
    // after any other page under way.
    Effect::new(move |tried: Option<Option<RoomId>>| {
        let (id, tried) = (room.get(), tried.flatten());
        let idle = loading.with(Option::is_none);
        if idle && tried != Some(id) && rooms.with(|r| r.needs_history(id)) {
            load(id, None, HISTORY_PAGE);
            return Some(id);
        }
        if tried == Some(id) {
            tried
        } else {
            None
        }
    });
    let jumped = follow_jumps(
        room,
        loading,
        Callback::new(move |(id, before, limit)| load(id, before, limit)),
    );
    // The room shown went away (left, removed from it, deleted): back to the lobby.
    let navigate = use_navigate();
    Effect::new(move |before: Option<(RoomId, bool)>| {
        let id = room.get();
        let listed = rooms.with(|r| r.get(id).is_some());
        if before == Some((id, true)) && !listed && id != LOBBY {
            navigate("/", NavigateOptions::default());
        }
        (id, listed)
    });
    let older = Memo::new(move |_| {
        let id = room.get();
        if loading.get() == Some(id) {
            OlderState::Loading
        } else if messages.with(Vec::is_empty) {
            OlderState::Nothing
        } else if rooms.with(|r| r.timeline(id).can_load_older()) {
            OlderState::Available
        } else {
            OlderState::Beginning
        }
    });
    keep_read_marker(room, signed_in.into());
    // Where the reader's marker stood when they opened the room, if it had news then:
    // the "New messages" divider stays above the first of them for the whole visit.
    let opened = RwSignal::new(None::<(RoomId, Option<u64>)>);
    Effect::new(move |_| {
        let id = room.get();
        let seen = summary.with(|s| s.as_ref().map(|s| (s.read, s.unread > 0)));
        if opened.with_untracked(|o| o.map(|(r, _)| r)) != Some(id) {
            if let Some((read, news)) = seen {
                opened.set(Some((id, news.then_some(read))));
            }
        }
    });
    let divider = Memo::new(move |_| {
        let (id, read) = opened.get()?;
        let read = read.filter(|_| id == room.get())?;
        let me = rooms.with(|r| r.me().map(str::to_owned));
        messages.with(|m| first_unread(m, read, me.as_deref()))
    });
    let sidebar_open = RwSignal::new(false);
    let dialog = RwSignal::new(None::<Dialog>);
    // A dialog belongs to the room it was opened in.
    Effect::new(move |_| {
        room.track();
        dialog.set(None);
        sidebar_open.set(false);
    });
    view! {
        <main class="chat" class:sidebar-open=move || sidebar_open.get()>
            <Header />
            <p class="notice" role="status" hidden=move || notice.with(Option::is_none)>
                {move || notice.get().unwrap_or_default()}
            </p>
            <p class="notice degraded" role="alert" hidden=move || degraded.with(Option::is_none)>
                {move || degraded.get().unwrap_or_default()}
            </p>
            <div class="chat-body">
                <Show when=move || signed_in.get()>
                    <Sidebar dialog open=sidebar_open />
                </Show>
                <section class="room-pane" aria-label="Messages">
                    <Show when=move || signed_in.get()>
                        <RoomBar room summary=summary dialog sidebar_open />
                        <RoomDialog room dialog />
                    </Show>
                    <Show when=move || session.presence_shown()>
                        <RoomPeople room summary=summary />
                    </Show>
                    <Show
                        when=move || !missing.get()
                        fallback=move || view! { <MissingRoom /> }
                    >
                        // A fresh list per room: its scroll position and "follow" are the
                        // room's own.
                        {move || {
                            room.track();
                            view! { <MessageList messages older load_older divider jumped /> }
                        }}
                        <TypingLine room />
                        <Composer room archived />
                    </Show>
                </section>
            </div>
        </main>
    }
}

/// A `/r/ID` the reader cannot read (or that does not exist).
#[component]
fn MissingRoom() -> impl IntoView {
    let session = expect_context::<Session>();
    view! {
        <div class="missing-room">
            <p>"This room does not exist, or you are not one of its members."</p>
            <p>
                <A href="/">"Go to the lobby"</A>
                <Show when=move || session.identity.with(Identity::is_guest)>
                    " or " <A href="/signin">"sign in"</A>
                </Show>
            </p>
        </div>
    }
}
