//! What the reader may do with a message: edit or delete their own (the server says when
//! the edit window is over), delete any in a room they manage, and (admins) stop the guest
//! who wrote it posting for a day. The outcome of an edit or a deletion arrives on the
//! stream (`edited`, `deleted`), in this page and every other.

use crate::connection::ConnectionSignals;
use crate::session::Session;
use crate::{moderation_api, rooms_api};
use common::moderation::NewGuestBan;
use common::Message;
use leptos::prelude::*;
use leptos::task::spawn_local;

#[component]
pub fn MessageActions(message: Message, me: Memo<Option<String>>) -> impl IntoView {
    let ConnectionSignals { rooms, .. } = expect_context();
    let (room, id) = (message.room, message.id);
    let mine = {
        let author = message.account.clone();
        Memo::new(move |_| me.with(|me| me.is_some() && *me == author))
    };
    let manage = Memo::new(move |_| rooms.with(|r| r.get(room).is_some_and(|s| s.manage)));
    let session = expect_context::<Session>();
    let ban_guest = message.guest && session.identity.with_untracked(|i| i.is_admin());
    let banned = RwSignal::new(None::<String>);
    let editing = RwSignal::new(None::<String>);
    let failure = RwSignal::new(None::<String>);
    let save = move || {
        let Some(text) = editing.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match rooms_api::edit_message(room, id, &text).await {
                Ok(_) => editing.set(None),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let delete = move |_| {
        let sure = web_sys::window()
            .and_then(|w| w.confirm_with_message("Delete this message?").ok())
            .unwrap_or(false);
        if sure {
            spawn_local(async move {
                failure.set(rooms_api::delete_message(room, id).await.err());
            });
        }
    };
    let ban = move |_| {
        let sure = web_sys::window()
            .and_then(|w| {
                w.confirm_with_message(
                    "Stop guests from this message's address posting for 24 hours?",
                )
                .ok()
            })
            .unwrap_or(false);
        if !sure {
            return;
        }
        let request = NewGuestBan {
            address: String::new(),
            message: Some(id),
            hours: BAN_HOURS,
            reason: String::new(),
        };
        spawn_local(async move {
            match moderation_api::ban_guest(&request).await {
                Ok(ban) => banned.set(Some(format!(
                    "Guests from {} may not post for {BAN_HOURS} hours.",
                    ban.address
                ))),
                Err(error) => failure.set(Some(error)),
            }
        });
    };
    let text = StoredValue::new(message.text);
    view! {
        <Show when=move || !message.deleted && (mine.get() || manage.get())>
            <span class="message-actions">
                <Show when=move || mine.get()>
                    <button type="button" class="edit-message"
                        on:click=move |_| editing.set(Some(text.get_value()))>"Edit"</button>
                </Show>
                <button type="button" class="delete-message" on:click=delete>"Delete"</button>
            </span>
        </Show>
        {move || editing.get().map(|draft| view! {
            <form class="edit-form" on:submit=move |ev| { ev.prevent_default(); save(); }>
                <input type="text" class="edit-text" aria-label="New text" prop:value=draft
                    on:input=move |ev| editing.set(Some(event_target_value(&ev))) />
                <button type="submit">"Save"</button>
                <button type="button" on:click=move |_| editing.set(None)>"Cancel"</button>
            </form>
        })}
        <Show when=move || ban_guest && !message.deleted>
            <button type="button" class="ban-guest" on:click=ban>"Ban guest"</button>
        </Show>
        {move || banned.get().map(|said| view! { <p class="hint" role="status">{said}</p> })}
        {move || failure.get().map(|error| view! { <p class="error" role="alert">{error}</p> })}
    }
}

/// How long "Ban guest" on a message bans for (the admin page bans for any time).
const BAN_HOURS: u32 = 24;
