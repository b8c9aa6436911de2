//! Reactions under a message: a chip per emoji ("👍 3", who reacted on hover), which a
//! signed-in reader clicks to add or take back theirs, and a button that opens the short
//! list ([`QUICK_REACTIONS`]) and a field for any other single emoji. The outcome arrives
//! on the stream (`reaction`), in this page and every other. Emoji and names are text
//! nodes, never HTML.

use crate::rooms_api;
use common::reaction::{Reaction, QUICK_REACTIONS};
use common::room::RoomId;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Sends our reaction; a refusal is shown in `failure`.
fn send(room: RoomId, id: u64, emoji: String, added: bool, failure: RwSignal<Option<String>>) {
    spawn_local(async move {
        failure.set(rooms_api::react(room, id, &emoji, added).await.err());
    });
}

#[component]
pub fn Reactions(
    room: RoomId,
    id: u64,
    reactions: Vec<Reaction>,
    me: Memo<Option<String>>,
) -> impl IntoView {
    let failure = RwSignal::new(None::<String>);
    let picking = RwSignal::new(false);
    let chips = reactions
        .into_iter()
        .map(|reaction| {
            let Reaction { emoji, accounts } = reaction;
            let count = accounts.len();
            let who = accounts.join(", ");
            let mine = Memo::new(move |_| {
                me.with(|me| me.as_ref().is_some_and(|me| accounts.contains(me)))
            });
            let toggle = {
                let emoji = emoji.clone();
                move |_| send(room, id, emoji.clone(), !mine.get_untracked(), failure)
            };
            view! {
                <button type="button" class="reaction" class:mine=mine
                    aria-pressed=move || mine.get().to_string() title=who
                    disabled=move || me.with(Option::is_none) on:click=toggle>
                    <span class="emoji">{emoji}</span>" "<span class="count">{count}</span>
                </button>
            }
        })
        .collect_view();
    view! {
        <div class="reactions">
            {chips}
            <Show when=move || me.with(Option::is_some)>
                <button type="button" class="add-reaction" aria-label="Add reaction"
                    aria-expanded=move || picking.get().to_string()
                    on:click=move |_| picking.update(|p| *p = !*p)>"☺+"</button>
            </Show>
            <Show when=move || picking.get()>
                <Picker room id failure picking />
            </Show>
            {move || failure.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
        </div>
    }
}

/// The short list, and a field for any single emoji (the server says when it is not one).
#[component]
fn Picker(
    room: RoomId,
    id: u64,
    failure: RwSignal<Option<String>>,
    picking: RwSignal<bool>,
) -> impl IntoView {
    let typed = RwSignal::new(String::new());
    let pick = move |emoji: String| {
        picking.set(false);
        send(room, id, emoji, true, failure);
    };
    let quick = QUICK_REACTIONS
        .into_iter()
        .map(|emoji| {
            view! {
                <button type="button" class="quick-reaction" title=format!("React with {emoji}")
                    on:click=move |_| pick(emoji.to_owned())>{emoji}</button>
            }
        })
        .collect_view();
    view! {
        <form class="reaction-picker" on:submit=move |ev| {
            ev.prevent_default();
            let emoji = typed.get_untracked().trim().to_owned();
            if !emoji.is_empty() {
                pick(emoji);
            }
        }>
            {quick}
            <input type="text" class="any-reaction" aria-label="Any emoji" placeholder="any emoji"
                maxlength="16" prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev)) />
            <button type="submit">"React"</button>
        </form>
    }
}
