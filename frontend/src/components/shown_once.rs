//! A secret shown this once (an invite link, a bot's token), with a button that copies it.

use leptos::html::Input;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

/// A secret just made (an invite link, a bot's token), shown this once: selectable, with a
/// button that copies it. `id` is also the input's class.
#[component]
pub fn ShownOnce(label: &'static str, id: &'static str, value: String) -> impl IntoView {
    let input = NodeRef::<Input>::new();
    let said = RwSignal::new("");
    let copy = {
        let url = value.clone();
        move |_| {
            let Some(field) = input.get_untracked() else {
                return;
            };
            // Selecting is the fallback: without the clipboard API (an insecure page, an
            // old browser) or permission, the person copies it themselves.
            let select = move || {
                field.select();
                said.set("Selected: press Ctrl+C (⌘C on a Mac) to copy.");
            };
            let navigator = window().navigator();
            let clipboard = js_sys::Reflect::get(&navigator, &"clipboard".into())
                .ok()
                .filter(|c| !c.is_undefined() && !c.is_null());
            let Some(clipboard) = clipboard else {
                return select();
            };
            let written = clipboard
                .unchecked_into::<web_sys::Clipboard>()
                .write_text(&url);
            spawn_local(async move {
                match wasm_bindgen_futures::JsFuture::from(written).await {
                    Ok(_) => said.set("Copied."),
                    Err(_) => select(),
                }
            });
        }
    };
    view! {
        <div class="created-invite">
            <label for=id>{label}</label>
            <div class="copy-row">
                <input id=id class=id readonly node_ref=input prop:value=value />
                <button type="button" class="copy" on:click=copy>"Copy"</button>
            </div>
            <p class="hint" role="status">{move || said.get()}</p>
        </div>
    }
}
