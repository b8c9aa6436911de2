use common::Message;
use leptos::html::Ol;
use leptos::prelude::*;

/// `HH:MM` in the browser's local time zone.
pub fn format_time(ms: u64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}

/// The messages, oldest first. Text is always inserted as text nodes, never as HTML.
/// Follows new messages unless the reader scrolled up.
#[component]
pub fn MessageList(#[prop(into)] messages: Signal<Vec<Message>>) -> impl IntoView {
    let list = NodeRef::<Ol>::new();
    let follow = StoredValue::new(true);
    Effect::new(move |_| {
        messages.track();
        request_animation_frame(move || {
            if let (true, Some(el)) = (follow.get_value(), list.get_untracked()) {
                el.set_scroll_top(el.scroll_height());
            }
        });
    });
    let on_scroll = move |_| {
        if let Some(el) = list.get_untracked() {
            follow.set_value(el.scroll_height() - el.scroll_top() - el.client_height() < 48);
        }
    };
    view! {
        <ol class="messages" node_ref=list on:scroll=on_scroll aria-live="polite">
            <Show when=move || messages.with(Vec::is_empty)>
                <li class="empty">"No messages yet. Say hello!"</li>
            </Show>
            <For each=move || messages.get() key=|m| m.id let:m>
                <li class="message" data-id=m.id>
                    <span class="user">{m.user}</span>
                    <time class="time">{format_time(m.time)}</time>
                    <p class="text">{m.text}</p>
                </li>
            </For>
        </ol>
    }
}
