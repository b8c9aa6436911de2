//! The room bar's notification level: when this room's messages notify the reader (`all`,
//! `mentions`, `nothing`; `PUT /api/rooms/{id}/notify`). The answer replaces the room's
//! summary at once; the reader's other pages get it as a `room_updated`.

use super::form::Alert;
use crate::connection::ConnectionSignals;
use crate::rooms_api;
use common::room::{NotifyLevel, RoomId, RoomSummary};
use common::StreamEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A level's value in the `<select>` (its name on the wire) and its label.
const LEVELS: [(NotifyLevel, &str, &str); 3] = [
    (NotifyLevel::All, "all", "All messages"),
    (NotifyLevel::Mentions, "mentions", "Mentions only"),
    (NotifyLevel::Nothing, "nothing", "Nothing"),
];

fn value_of(level: NotifyLevel) -> &'static str {
    LEVELS
        .iter()
        .find(|(l, ..)| *l == level)
        .map_or("mentions", |(_, value, _)| value)
}

#[component]
pub fn NotifyLevelSelect(
    #[prop(into)] room: Signal<RoomId>,
    #[prop(into)] summary: Signal<Option<RoomSummary>>,
) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let failure = RwSignal::new(None::<String>);
    let current = Memo::new(move |_| {
        summary.with(|s| s.as_ref().map_or(NotifyLevel::Mentions, |s| s.notify))
    });
    let choose = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        let Some((level, ..)) = LEVELS.iter().find(|(_, v, _)| *v == value) else {
            return;
        };
        let (id, level) = (room.get_untracked(), *level);
        spawn_local(async move {
            match rooms_api::notify(id, level).await {
                Ok(room) => {
                    rooms.update(|r| {
                        r.apply(StreamEvent::RoomUpdated { room });
                    });
                    failure.set(None);
                }
                Err(why) => failure.set(Some(why)),
            }
        });
    };
    view! {
        <label class="notify-level">
            <span class="label">"Notify me of"</span>
            <select class="notify" on:change=choose
                prop:value=move || value_of(current.get())>
                {LEVELS
                    .iter()
                    .map(|(level, value, label)| {
                        let level = *level;
                        view! {
                            <option value=*value selected=move || current.get() == level>
                                {*label}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
        <Alert message=failure class="notify-error" />
    }
}
