use super::form::Alert;
use super::mention_menu::{option_id, MentionMenu, MENU_ID};
use crate::connection::ConnectionSignals;
use crate::mention_complete::{accept, byte_offset, candidates, query_at, utf16_offset};
use crate::session::{Identity, Session};
use crate::{api, rooms_api, storage};
use common::room::{RoomId, LOBBY};
use common::wire::TYPING_EVERY_MS;
use common::NewMessage;
use leptos::html::Textarea;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// The message box for `room`. Enter sends (Shift+Enter for a new line); a refused message
/// stays in the box with the server's reason shown under it. Guests also type a name
/// (remembered) and post in the lobby (`POST /msgs`); an account posts under its own
/// (`POST /api/rooms/{id}/msgs`). Without an account, where guests may not post, a link to
/// sign in takes its place; in an archived room, a note. Typing `@` offers the usernames
/// of the room's members (everyone known, in an open room).
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

    // `@name` completion: the name typed at the caret, and the members it fits.
    let ConnectionSignals { rooms, .. } = expect_context();
    let area = NodeRef::<Textarea>::new();
    let caret = RwSignal::new(0_usize);
    let dismissed = RwSignal::new(None::<usize>);
    let active = RwSignal::new(0_usize);
    // An open room's members are every active account: asked for once, the first time a
    // name is typed in one (until then, the usernames the page knows).
    let people = RwSignal::new(None::<Vec<String>>);
    let members = Memo::new(move |_| {
        rooms.with(|r| {
            let listed = r
                .get(room.get())
                .map(|s| s.members.clone())
                .unwrap_or_default();
            let mut names = match (listed.is_empty(), people.get()) {
                (false, _) => listed,
                (true, Some(everyone)) => everyone,
                (true, None) => r.known_usernames(),
            };
            names.retain(|n| Some(n.to_lowercase().as_str()) != r.me());
            names
        })
    });
    let typed = Memo::new(move |_| {
        let at = caret.get();
        text.with(|t| query_at(t, at).map(|(start, name)| (start, name.to_owned())))
            .filter(|(start, _)| dismissed.get() != Some(*start))
    });
    let asked = StoredValue::new(false);
    Effect::new(move |_| {
        let open_room = rooms.with(|r| r.get(room.get()).is_some_and(|s| s.members.is_empty()));
        if typed.with(Option::is_some) && open_room && !is_guest.get() && !asked.get_value() {
            asked.set_value(true);
            spawn_local(async move {
                match rooms_api::people().await {
                    Ok(list) => people.set(Some(list.into_iter().map(|p| p.username).collect())),
                    Err(why) => leptos::logging::warn!("loading people to mention: {why}"),
                }
            });
        }
    });
    let offered = Memo::new(move |_| match typed.get() {
        Some((_, name)) if !is_guest.get() => members.with(|m| candidates(m, &name)),
        _ => Vec::new(),
    });
    let note_caret = move || {
        if let Some(el) = area.get_untracked() {
            let units = el.selection_start().ok().flatten().unwrap_or(0) as usize;
            caret.set(text.with_untracked(|t| byte_offset(t, units)));
        }
    };
    let choose = Callback::new(move |name: String| {
        let Some((start, _)) = typed.get_untracked() else {
            return;
        };
        let (new_text, at) =
            text.with_untracked(|t| accept(t, start, caret.get_untracked(), &name));
        let units = utf16_offset(&new_text, at) as u32;
        text.set(new_text);
        caret.set(at);
        active.set(0);
        if let Some(el) = area.get_untracked() {
            el.set_value(&text.get_untracked());
            let _ = el.set_selection_range(units, units);
            let _ = el.focus();
        }
    });

    // An account's typing, told at most once a second (the server passes on no more).
    let last_told = StoredValue::new(0.0_f64);
    let tell_typing = move || {
        if is_guest.get_untracked()
            || archived.get_untracked()
            || !untrack(move || session.typing_passed_on())
        {
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
        if ev.is_composing() {
            return;
        }
        let count = offered.with_untracked(Vec::len);
        if count > 0 {
            let key = ev.key();
            match key.as_str() {
                "ArrowDown" | "ArrowUp" => {
                    ev.prevent_default();
                    let step = if key == "ArrowDown" { 1 } else { count - 1 };
                    active.update(|a| *a = (*a + step) % count);
                    return;
                }
                "Enter" | "Tab" => {
                    ev.prevent_default();
                    let index = active.get_untracked().min(count - 1);
                    if let Some(name) = offered.with_untracked(|o| o.get(index).cloned()) {
                        choose.run(name);
                    }
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    dismissed.set(typed.get_untracked().map(|(start, _)| start));
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            send();
        }
    };
    let menu_open = move || offered.with(|o| !o.is_empty());

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
                <MentionMenu offered active choose />
                <textarea
                    class="text"
                    name="text"
                    rows="1"
                    placeholder="Message (Enter sends)"
                    title="Enter sends, Shift+Enter starts a new line"
                    aria-label="Message"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-controls=MENU_ID
                    aria-expanded=move || menu_open().to_string()
                    aria-activedescendant=move || menu_open().then(|| option_id(active.get()))
                    node_ref=area
                    prop:value=move || text.get()
                    on:input=move |ev| {
                        text.set(event_target_value(&ev));
                        active.set(0);
                        note_caret();
                        tell_typing();
                    }
                    on:click=move |_| note_caret()
                    on:keyup=move |ev: web_sys::KeyboardEvent| {
                        if matches!(ev.key().as_str(), "ArrowLeft" | "ArrowRight" | "Home" | "End") {
                            note_caret();
                        }
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
