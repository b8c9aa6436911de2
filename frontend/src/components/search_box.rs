//! The search box at the top of the sidebar and its results: each names the room, the
//! author and the time, and shows the snippet the server cut, hits in `<mark>` elements
//! made as DOM nodes holding text (never HTML). Choosing one opens its room at the
//! message ([`crate::search::Jump`]).

use super::form::Alert;
use super::message_list::format_time;
use crate::connection::ConnectionSignals;
use crate::route::room_path;
use crate::search::{search, Jump, JumpTarget};
use common::search::{SearchHit, SnippetPart};
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;

#[component]
pub fn SearchBox(open: RwSignal<bool>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(None::<Vec<SearchHit>>);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        if busy.get_untracked() || q.trim().is_empty() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match search(&q).await {
                Ok(found) => {
                    results.set(Some(found.results));
                    failure.set(None);
                }
                Err(why) => {
                    results.set(None);
                    failure.set(Some(why));
                }
            }
            busy.set(false);
        });
    };
    let clear = move |_| {
        query.set(String::new());
        results.set(None);
        failure.set(None);
    };
    view! {
        <form class="search-box" role="search" on:submit=submit>
            <input type="search" class="search-query" placeholder="Search messages"
                aria-label="Search messages" maxlength="200"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev)) />
            <button type="submit" disabled=move || busy.get()>"Search"</button>
        </form>
        <Alert message=failure class="search-error" />
        <Show when=move || results.with(Option::is_some)>
            <div class="search-results">
                <p class="search-summary">
                    {move || match results.with(|r| r.as_ref().map_or(0, Vec::len)) {
                        0 => "No messages found.".to_owned(),
                        1 => "1 message found:".to_owned(),
                        n => format!("{n} messages found:"),
                    }}
                    " "
                    <button type="button" class="link clear-search" on:click=clear>"Clear"</button>
                </p>
                <ol class="search-hits">
                    {move || {
                        results
                            .get()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|hit| view! { <SearchResult hit open /> })
                            .collect_view()
                    }}
                </ol>
            </div>
        </Show>
    }
}

/// One result: a button that opens its room at the message.
#[component]
fn SearchResult(hit: SearchHit, open: RwSignal<bool>) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let JumpTarget(jump) = expect_context();
    let navigate = use_navigate();
    let (room, id) = (hit.message.room, hit.message.id);
    let room_name = move || rooms.with(|r| r.get(room).map(|s| s.name.clone()));
    let go = move |_| {
        jump.set(Some(Jump { room, id }));
        open.set(false);
        navigate(&room_path(room), NavigateOptions::default());
    };
    view! {
        <li class="search-hit" data-room=room data-id=id>
            <button type="button" class="link" on:click=go>
                <span class="search-meta">
                    <span class="room-name">{room_name}</span>
                    " · "
                    <span class="user">{hit.message.user}</span>
                    " · "
                    <time class="time">{format_time(hit.message.time)}</time>
                </span>
                <span class="snippet">{snippet(hit.snippet)}</span>
            </button>
        </li>
    }
}

/// The snippet's parts as text nodes, the hits each inside a `<mark>`.
fn snippet(parts: Vec<SnippetPart>) -> impl IntoView {
    parts
        .into_iter()
        .map(|part| {
            if part.hit {
                view! { <mark>{part.text}</mark> }.into_any()
            } else {
                part.text.into_any()
            }
        })
        .collect_view()
}
