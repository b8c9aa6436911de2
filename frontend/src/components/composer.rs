use crate::{api, storage};
use common::NewMessage;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// User name and message inputs. Enter sends (Shift+Enter for a new line); a refused
/// message stays in the box with the server's reason shown under it.
#[component]
pub fn Composer() -> impl IntoView {
    let user = RwSignal::new(storage::load_user());
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let sending = RwSignal::new(false);

    let send = move || {
        if sending.get_untracked() {
            return;
        }
        let message = NewMessage {
            user: user.get_untracked(),
            text: text.get_untracked(),
        };
        sending.set(true);
        spawn_local(async move {
            match api::post_message(&message).await {
                Ok(stored) => {
                    storage::save_user(&stored.user);
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
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); send(); }>
            <input
                class="user"
                name="user"
                placeholder="Your name"
                aria-label="Your name"
                autocomplete="nickname"
                prop:value=move || user.get()
                on:input=move |ev| user.set(event_target_value(&ev))
            />
            <textarea
                class="text"
                name="text"
                rows="1"
                placeholder="Write a message, Enter to send"
                aria-label="Message"
                prop:value=move || text.get()
                on:input=move |ev| text.set(event_target_value(&ev))
                on:keydown=on_key
            ></textarea>
            <button type="submit" class="send" disabled=move || sending.get()>"Send"</button>
        </form>
        <p class="error" role="alert" hidden=move || error.with(Option::is_none)>
            {move || error.get().unwrap_or_default()}
        </p>
    }
}
