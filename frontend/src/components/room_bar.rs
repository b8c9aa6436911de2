//! The bar above the messages: the "Rooms" button (narrow screens), the room's name, when
//! it notifies the reader, and what the reader may do with it: invite, rename, archive
//! (managers), leave (closed rooms).

use super::form::Alert;
use super::notify_level::NotifyLevelSelect;
use super::room_dialogs::Dialog;
use crate::connection::ConnectionSignals;
use crate::rooms_api;
use common::room::{RoomChange, RoomId, RoomKind, RoomSummary, LOBBY};
use common::StreamEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn RoomBar(
    #[prop(into)] room: Signal<RoomId>,
    #[prop(into)] summary: Signal<Option<RoomSummary>>,
    dialog: RwSignal<Option<Dialog>>,
    sidebar_open: RwSignal<bool>,
) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let flag = move |f: fn(&RoomSummary) -> bool| {
        Signal::derive(move || summary.with(|s| s.as_ref().is_some_and(f)))
    };
    let manage = flag(|s| s.manage);
    let archived = flag(|s| s.archived);
    let closed = flag(|s| s.kind == RoomKind::Closed);
    let not_lobby = Signal::derive(move || room.get() != LOBBY);
    // Leaving or (un)archiving: sent at once; the stream brings the outcome too.
    let act = move |leave: bool| {
        if busy.get_untracked() {
            return;
        }
        let id = room.get_untracked();
        let archive = !archived.get_untracked();
        busy.set(true);
        spawn_local(async move {
            let outcome = if leave {
                rooms_api::leave(id).await.map(|()| {
                    rooms.update(|r| {
                        r.apply(StreamEvent::RoomRemoved { id });
                    })
                })
            } else {
                let change = RoomChange {
                    name: None,
                    archived: Some(archive),
                };
                rooms_api::change_room(id, &change).await.map(|room| {
                    rooms.update(|r| {
                        r.apply(StreamEvent::RoomUpdated { room });
                    })
                })
            };
            failure.set(outcome.err());
            busy.set(false);
        });
    };
    let open = move |which: Dialog| move |_| dialog.set(Some(which));
    view! {
        <div class="room-bar">
            <button type="button" class="rooms-toggle" aria-controls="sidebar"
                aria-expanded=move || sidebar_open.get().to_string()
                on:click=move |_| sidebar_open.update(|open| *open = !*open)>
                "☰ Rooms"
            </button>
            <h2 class="room-name">{move || summary.with(|s| s.as_ref().map(|s| s.name.clone()))}</h2>
            <span class="badge archived" hidden=move || !archived.get()>"archived"</span>
            <NotifyLevelSelect room summary />
            <span class="room-actions">
                <button type="button" class="link invite" on:click=open(Dialog::Invite)
                    hidden=move || !(manage.get() && closed.get() && !archived.get())>
                    "Invite"
                </button>
                <button type="button" class="link rename" on:click=open(Dialog::Rename)
                    hidden=move || !(manage.get() && not_lobby.get())>
                    "Rename"
                </button>
                <button type="button" class="link archive" disabled=move || busy.get()
                    hidden=move || !(manage.get() && not_lobby.get())
                    on:click=move |_| act(false)>
                    {move || if archived.get() { "Unarchive" } else { "Archive" }}
                </button>
                <button type="button" class="link leave" disabled=move || busy.get()
                    hidden=move || !closed.get() on:click=move |_| act(true)>
                    "Leave"
                </button>
            </span>
            <Alert message=failure class="room-error" />
        </div>
    }
}
