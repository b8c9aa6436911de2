use super::message_actions::MessageActions;
use super::reactions::Reactions;
use crate::connection::ConnectionSignals;
use crate::linkify::{pieces, Piece};
use crate::unread::mentions_me;
use common::reaction::Reaction;
use common::Message;
use leptos::html::Ol;
use leptos::prelude::*;

/// `HH:MM` in the browser's local time zone.
pub fn format_time(ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// What lies above the oldest message shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OlderState {
    /// Nothing shown yet.
    Nothing,
    /// Older messages exist: scrolling to the top (or the button) loads them.
    Available,
    Loading,
    /// This is the first message of the chat.
    Beginning,
}

/// Pixels from the top at which scrolling back loads the next older page.
const LOAD_OLDER_AT: i32 = 80;

/// The messages, oldest first. Text is always inserted as text nodes, never as HTML.
/// Follows new messages unless the reader scrolled up; scrolling to the top loads older
/// ones and keeps the reader's place. A "New messages" divider goes above message
/// `divider` (the first unread when the room was opened). Message `jumped` (reached from
/// a search) is scrolled to and highlighted.
#[component]
pub fn MessageList(
    #[prop(into)] messages: Signal<Vec<Message>>,
    #[prop(into)] older: Signal<OlderState>,
    load_older: Callback<()>,
    #[prop(optional, into)] divider: Signal<Option<u64>>,
    #[prop(optional, into)] jumped: Signal<Option<u64>>,
) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let me = Memo::new(move |_| rooms.with(|r| r.me().map(str::to_owned)));
    let list = NodeRef::<Ol>::new();
    let follow = StoredValue::new(true);
    let shown_first = StoredValue::new(None::<u64>);
    let shown_height = StoredValue::new(0);
    Effect::new(move |_| {
        let first = messages.with(|m| m.first().map(|m| m.id));
        request_animation_frame(move || {
            let Some(el) = list.get_untracked() else {
                return;
            };
            let grew_on_top =
                matches!((shown_first.get_value(), first), (Some(old), Some(new)) if new < old);
            if grew_on_top {
                // Older messages went in above: keep what the reader looks at in place.
                el.set_scroll_top(el.scroll_top() + el.scroll_height() - shown_height.get_value());
            } else if follow.get_value() {
                el.set_scroll_top(el.scroll_height());
            }
            if shown_first.get_value().is_none() && first.is_some() {
                // Milliseconds from navigation to the first history on screen, for
                // `cargo xtask bench frontend` (performance.getEntriesByName).
                if let Some(perf) = web_sys::window().and_then(|w| w.performance()) {
                    let _ = perf.mark("h2chat:first-history");
                }
            }
            shown_first.set_value(first);
            shown_height.set_value(el.scroll_height());
        });
    });
    Effect::new(move |_| {
        let Some(id) = jumped.get() else { return };
        // A frame later than the effect above, which may still move the scroll position.
        request_animation_frame(move || {
            request_animation_frame(move || {
                let Some(el) = list.get_untracked() else {
                    return;
                };
                let selector = format!(".message[data-id='{id}']");
                if let Ok(Some(row)) = el.query_selector(&selector) {
                    follow.set_value(false);
                    row.scroll_into_view();
                }
            });
        });
    });
    let on_scroll = move |_| {
        if let Some(el) = list.get_untracked() {
            follow.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < 48);
            if el.scroll_top() < LOAD_OLDER_AT && older.get_untracked() == OlderState::Available {
                load_older.run(());
            }
        }
    };
    view! {
        <ol class="messages" node_ref=list on:scroll=on_scroll aria-live="polite">
            <li class="older" data-state=move || format!("{:?}", older.get()).to_lowercase()>
                {move || match older.get() {
                    OlderState::Available => view! {
                        <button type="button" class="load-older" on:click=move |_| load_older.run(())>
                            "Load older messages"
                        </button>
                    }.into_any(),
                    OlderState::Loading => view! { <span>"Loading older messages…"</span> }.into_any(),
                    OlderState::Beginning => view! { <span>"This is the beginning of the chat."</span> }.into_any(),
                    OlderState::Nothing => ().into_any(),
                }}
            </li>
            <Show when=move || messages.with(Vec::is_empty)>
                <li class="empty">"No messages yet. Say hello!"</li>
            </Show>
            // Keyed by id, `For` needs every id but only the messages it has no row for yet:
            // cloning all of them on each change would be wasted. New messages arrive at the
            // end, where the search starts. An edit, deletion or reaction changes the key (an
            // edited message's text and the reactions are in it: those are few), so that row
            // is drawn again.
            <For each=move || messages.with(|all| all.iter().map(row_key).collect::<Vec<_>>())
                key=|key| key.clone()
                let:key
            >
                {let id = key.0;
                messages
                    .with_untracked(|all| all.iter().rfind(|m| m.id == id).cloned())
                    .map(|message| {
                        let first_unread = Signal::derive(move || divider.get() == Some(id));
                        let jumped = Signal::derive(move || jumped.get() == Some(id));
                        view! { <MessageItem message me first_unread jumped /> }
                    })}
            </For>
        </ol>
    }
}

/// What a row of the list is drawn again for: its id, and a change to it (its text, its
/// reactions).
type RowKey = (u64, bool, Option<String>, Vec<Reaction>);

fn row_key(message: &Message) -> RowKey {
    (
        message.id,
        message.deleted,
        message.edited.then(|| message.text.clone()),
        message.reactions.clone(),
    )
}

/// A message's text: plain runs as text nodes, `http(s)` links as anchors that open in a
/// new tab and tell the target nothing, mentions the server recognised as styled text
/// (marked for the reader when they are the one mentioned, or everyone is). Never HTML.
fn linked_text(message: &Message, me: Memo<Option<String>>) -> impl IntoView {
    pieces(&message.text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_owned().into_any(),
            Piece::Mention(run) => {
                let name = piece.mentioned().unwrap_or_default();
                let here = name == common::mention::HERE && message.here;
                if !here && !message.mentions.contains(&name) {
                    return run.to_owned().into_any();
                }
                let mine = move || here || me.with(|me| me.as_deref() == Some(name.as_str()));
                view! { <span class="mention" class:mention-me=mine>{run.to_owned()}</span> }
                    .into_any()
            }
            Piece::Link(url) => view! {
                <a href=url.to_owned() rel="noopener noreferrer nofollow" target="_blank">
                    {url.to_owned()}
                </a>
            }
            .into_any(),
        })
        .collect_view()
}

/// One message; its text is inserted as text and links, never as HTML. A guest's name gets a "guest"
/// badge (anyone may type any name); an account's shows its username on hover.
#[component]
fn MessageItem(
    message: Message,
    me: Memo<Option<String>>,
    first_unread: Signal<bool>,
    jumped: Signal<bool>,
) -> impl IntoView {
    let text = (!message.deleted).then(|| linked_text(&message, me));
    let actions = message.clone();
    let for_me = {
        let message = message.clone();
        move || me.with(|me| mentions_me(&message, me.as_deref()))
    };
    view! {
        <Show when=move || first_unread.get()>
            <li class="new-messages" role="separator" aria-label="New messages">
                <span>"New messages"</span>
            </li>
        </Show>
        <li class="message" class:mentions-me=for_me class:jumped=move || jumped.get()
            data-id=message.id>
            <span class="who">
                <span class="user" title=message.account>{message.user}</span>
                {message.guest.then(|| view! { <span class="badge guest">"guest"</span> })}
            </span>
            <time class="time">{format_time(message.time)}</time>
            {message.edited.then(|| view! { <span class="edited">"(edited)"</span> })}
            <MessageActions message=actions me />
            {match text {
                Some(text) => view! { <p class="text">{text}</p> }.into_any(),
                None => view! { <p class="text deleted">"message deleted"</p> }.into_any(),
            }}
            {(!message.deleted).then(|| view! {
                <Reactions room=message.room id=message.id reactions=message.reactions me />
            })}
        </li>
    }
}
