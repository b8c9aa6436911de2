//! The list of usernames the composer offers after `@`: a listbox the message box points
//! at (`aria-controls`, `aria-activedescendant`), driven by its keys (arrows move, Enter or
//! Tab take, Escape closes) or by a click.

use leptos::prelude::*;

/// The listbox's id, for the message box's `aria-controls`.
pub const MENU_ID: &str = "mention-options";

/// The id of option `index`, for `aria-activedescendant`.
pub fn option_id(index: usize) -> String {
    format!("mention-option-{index}")
}

#[component]
pub fn MentionMenu(
    #[prop(into)] offered: Signal<Vec<String>>,
    #[prop(into)] active: Signal<usize>,
    choose: Callback<String>,
) -> impl IntoView {
    view! {
        <ul id=MENU_ID class="mention-menu" role="listbox" aria-label="People to mention"
            hidden=move || offered.with(Vec::is_empty)>
            {move || {
                offered
                    .get()
                    .into_iter()
                    .enumerate()
                    .map(|(index, name)| {
                        let chosen = name.clone();
                        let selected = move || active.get() == index;
                        view! {
                            <li id=option_id(index) role="option" class="mention-option"
                                class:active=selected
                                aria-selected=move || selected().to_string()
                                // Before the box loses focus to the click.
                                on:mousedown=move |ev| {
                                    ev.prevent_default();
                                    choose.run(chosen.clone());
                                }>
                                "@" {name}
                            </li>
                        }
                    })
                    .collect_view()
            }}
        </ul>
    }
}
