//! The sidebar: the search box, the rooms, then the direct conversations, each a link to its `/r/ID`, and
//! the buttons that make a room or start a direct conversation. On a narrow screen it
//! hides behind the room bar's "Rooms" button.

use super::room_dialogs::Dialog;
use super::search_box::SearchBox;
use crate::connection::ConnectionSignals;
use crate::route::room_path;
use crate::unread::count_label;
use common::room::{RoomKind, RoomSummary};
use leptos::prelude::*;
use leptos_router::components::A;

#[component]
pub fn Sidebar(dialog: RwSignal<Option<Dialog>>, open: RwSignal<bool>) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let listed = Memo::new(move |_| rooms.with(|r| r.rooms().cloned().collect::<Vec<_>>()));
    let directs = Memo::new(move |_| rooms.with(|r| r.directs().cloned().collect::<Vec<_>>()));
    let start = move |which: Dialog| {
        move |_| {
            dialog.set(Some(which));
            open.set(false);
        }
    };
    view! {
        <nav id="sidebar" class="sidebar" class:open=move || open.get() aria-label="Rooms">
            <SearchBox open />
            <h2 class="section">"Rooms"</h2>
            <RoomLinks list=listed on:click=move |_| open.set(false) />
            <button type="button" class="link new-room" on:click=start(Dialog::NewRoom)>
                "+ New room"
            </button>
            <h2 class="section">"Direct messages"</h2>
            <RoomLinks list=directs on:click=move |_| open.set(false) />
            <button type="button" class="link new-direct" on:click=start(Dialog::NewDirect)>
                "+ New direct message"
            </button>
        </nav>
    }
}

/// One section's links; the router marks the current room's `aria-current="page"`.
/// Redrawn whole when the section changes: a room added, renamed, or its counts moved.
#[component]
fn RoomLinks(#[prop(into)] list: Signal<Vec<RoomSummary>>) -> impl IntoView {
    view! {
        <ul class="room-links">
            {move || {
                list.get()
                    .into_iter()
                    .map(|summary| view! { <RoomLink summary /> })
                    .collect_view()
            }}
        </ul>
    }
}

#[component]
fn RoomLink(summary: RoomSummary) -> impl IntoView {
    let id = summary.id;
    let (mark, kind) = match summary.kind {
        RoomKind::Direct => ("@", "direct"),
        RoomKind::Closed => ("*", "closed"),
        RoomKind::Open => ("#", "open"),
    };
    let unread = summary.unread;
    let mentions = summary.mentions;
    let has_news = unread > 0;
    view! {
        <li class="room-link" data-room=id data-kind=kind class:archived=summary.archived
            class:unread=has_news>
            <A href=room_path(id) exact=true>
                <span class="mark" aria-hidden="true" title=kind>{mark}</span>
                <span class="name">{summary.name}</span>
                {summary.archived.then(|| view! { <span class="badge">"archived"</span> })}
                {(mentions > 0).then(|| view! {
                    <span class="badge mentions" title="Mentions of you"
                        aria-label=format!("{mentions} mentions of you")>
                        "@" {count_label(mentions)}
                    </span>
                })}
                {(unread > 0).then(|| view! {
                    <span class="badge unread-count" aria-label=format!("{unread} unread")>
                        {count_label(unread)}
                    </span>
                })}
            </A>
        </li>
    }
}
