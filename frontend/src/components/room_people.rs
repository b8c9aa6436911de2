//! Who of the room's people is online: a count ("3 online", and the guests in the lobby)
//! that opens the list of people, each with a dot. A closed or direct room lists its
//! members, an open room everyone online.

use crate::connection::ConnectionSignals;
use common::room::{RoomId, RoomSummary, LOBBY};
use leptos::prelude::*;

#[component]
pub fn RoomPeople(
    #[prop(into)] room: Signal<RoomId>,
    #[prop(into)] summary: Signal<Option<RoomSummary>>,
) -> impl IntoView {
    let ConnectionSignals { presence, .. } = expect_context();
    // Read by the count and the list.
    let people = Memo::new(move |_| {
        summary.with(|s| {
            s.as_ref()
                .map(|s| presence.with(|p| p.people_of(s)))
                .unwrap_or_default()
        })
    });
    let count = move || {
        let online = summary.with(|s| s.as_ref().map_or(0, |s| presence.with(|p| p.online_in(s))));
        let mut text = format!("{online} online");
        if room.get() == LOBBY {
            let guests = presence.with(|p| p.guests());
            if guests > 0 {
                text.push_str(&format!(
                    " · {guests} guest{}",
                    if guests == 1 { "" } else { "s" }
                ));
            }
        }
        text
    };
    view! {
        <details class="room-people">
            <summary class="online-count">{count}</summary>
            <ul class="people">
                <For
                    each=move || people.get()
                    key=|(name, online)| (name.clone(), *online)
                    children=move |(name, online)| {
                        let label = if online { "online" } else { "offline" };
                        view! {
                            <li class="person" data-online=online.to_string()>
                                <span class="dot" title=label aria-label=label></span>
                                {name}
                            </li>
                        }
                    }
                />
            </ul>
        </details>
    }
}
