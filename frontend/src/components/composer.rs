use super::form::Alert;
use crate::session::{Identity, Session};
use crate::{api, rooms_api, storage};
use common::room::{RoomId, LOBBY};
use common::wire::TYPING_EVERY_MS;
use common::NewMessage;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// The message box for `room`. Enter sends (Shift+Enter for a new line); a refused message
/// stays in the box with the server's reason shown under it. Guests also type a name
/// (remembered) and post in the lobby (`POST /msgs`); an account posts under its own
/// (`POST /api/rooms/{id}/msgs`). Without an account, where guests may not post, a link to
/// sign in takes its place; in an archived room, a note.
#[component]
pub fn Composer(
    #[prop(into)] room: Signal<RoomId>,
    #[prop(into)] archived: Signal<bool>,
) -> impl IntoView {
    let session = expect_context::<Session>();
    let user = RwSignal::new(storage::load_user());
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);
    let is_guest = Memo::new(move |_| session.identity.with(Identity::is_guest));
    let closed = Memo::new(move |_| is_guest.get() && !session.guests_allowed());

    // An account's typing, told at most once a second (the server passes on no more).
    let last_told = StoredValue::new(0.0_f64);
    let tell_typing = move || {
        if is_guest.get_untracked() || archived.get_untracked() {
            return;
        }
        let now = js_sys::Date::now();
        if now - last_told.get_value() < TYPING_EVERY_MS as f64 {
            return;
        }
        last_told.set_value(now);
        let id = room.get_untracked();
        spawn_local(async move {
            if let Err(why) = rooms_api::typing(id).await {
                leptos::logging::warn!("telling the room we type: {why}");
            }
        });
    };

    let send = move || {
        if sending.get_untracked() {
            return;
        }
        // The server names an account's messages itself; the display name passes the
        // local check that a name is there.
        let account_name = session
            .identity
            .with_untracked(|i| i.account().map(|a| a.display_name.clone()));
        let guest = account_name.is_none();
        let message = NewMessage {
            user: account_name.unwrap_or_else(|| user.get_untracked()),
            text: text.get_untracked(),
            room: if guest { LOBBY } else { room.get_untracked() },
        };
        sending.set(true);
        spawn_local(async move {
            let posted = if guest {
                api::post_message(&message).await
            } else {
                // The same local checks as the server, then the room's own endpoint.
                match message.validate() {
                    Ok(_) => rooms_api::post(message.room, message.text.clone()).await,
                    Err(why) => Err(why.to_string()),
                }
            };
            match posted {
                Ok(stored) => {
                    if guest {
                        storage::save_user(&stored.user);
                    }
                    // Keep anything typed while the post was in flight.
                    if text.get_untracked() == message.text {
                        text.set(String::new());
                    }
                    error.set(None);
                }
                Err(why) => error.set(Some(why)),
            }
            sending.set(false);
        });
    };

    let on_key = move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };

    view! {
        <Show
            when=move || !archived.get()
            fallback=|| view! {
                <p class="composer archived">"This room is archived: it can be read, not written to."</p>
            }
        >
        <Show
            when=move || !closed.get()
            fallback=|| view! {
                <p class="composer closed"><A href="/signin">"Sign in to chat"</A></p>
            }
        >
            <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
                <Show when=move || is_guest.get()>
                    <input
                        class="user"
                        name="user"
                        placeholder="Name"
                        aria-label="Your name (as a guest)"
                        autocomplete="nickname"
                        prop:value=move || user.get()
                        on:input=move |ev| user.set(event_target_value(&ev))
                    />
                </Show>
                <textarea
                    class="text"
                    name="text"
                    rows="1"
                    placeholder="Message (Enter sends)"
                    title="Enter sends, Shift+Enter starts a new line"
                    aria-label="Message"
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        tell_typing();
                    }
                    on:keydown=on_key
                ></textarea>
                <button type="submit" class="send" disabled=move || sending.get()>"Send"</button>
            </form>
            <Alert message=error class="error" />
        </Show>
        </Show>
    }
}
