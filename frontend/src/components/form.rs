//! What every account form shares: labelled fields with their own error line, the
//! server's answer under the form, and a submit that checks first and sends once.

use crate::forms::FieldErrors;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::future::Future;
use std::pin::Pin;

/// A form's request on its way: `Err` carries the text to show.
pub type Sending = Pin<Box<dyn Future<Output = Result<(), String>>>>;

/// A form's checks, the server's refusal and whether it is sending.
#[derive(Debug, Clone, Copy)]
pub struct FormState {
    pub errors: RwSignal<FieldErrors>,
    /// The server's `error` text (or why the request did not get through).
    pub failure: RwSignal<Option<String>>,
    pub sending: RwSignal<bool>,
}

impl Default for FormState {
    fn default() -> Self {
        Self {
            errors: RwSignal::new(FieldErrors::default()),
            failure: RwSignal::new(None),
            sending: RwSignal::new(false),
        }
    }
}

impl FormState {
    /// The message under `field`.
    pub fn error(self, field: &'static str) -> Signal<Option<String>> {
        Signal::derive(move || self.errors.with(|e| e.of(field)))
    }

    /// Shows the checks' messages, or sends the checked value (unless a send is under
    /// way) and shows the refusal if one comes back. What was typed stays either way.
    pub fn submit<T>(self, checked: Result<T, FieldErrors>, send: impl FnOnce(T) -> Sending) {
        if self.sending.get_untracked() {
            return;
        }
        match checked {
            Err(errors) => {
                self.errors.set(errors);
                self.failure.set(None);
            }
            Ok(value) => self.run(send(value)),
        }
    }

    /// Not generic: one copy of this for every form.
    fn run(self, sending: Sending) {
        self.errors.set(FieldErrors::default());
        self.failure.set(None);
        self.sending.set(true);
        spawn_local(async move {
            // The form may be gone by now (success navigates away); setting a disposed
            // signal does nothing.
            if let Err(why) = sending.await {
                self.failure.set(Some(why));
            }
            self.sending.set(false);
        });
    }
}

/// An input with its label and, below it, its error message.
#[component]
pub fn Field(
    label: &'static str,
    /// Also the input's `id` (one form per page).
    name: &'static str,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<String>>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(default = "off")] autocomplete: &'static str,
    /// A line of help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    view! {
        <div class="field">
            <label for=name>{label}</label>
            {hint.map(|hint| view! { <small class="hint">{hint}</small> })}
            <input
                id=name
                name=name
                type=kind
                autocomplete=autocomplete
                aria-describedby=error_id.clone()
                aria-invalid=move || error.with(Option::is_some).then_some("true")
                prop:value=move || value.get()
                on:input=move |ev| value.set(event_target_value(&ev))
            />
            <p class="field-error" id=error_id hidden=move || error.with(Option::is_none)>
                {move || error.get().unwrap_or_default()}
            </p>
        </div>
    }
}

/// A message that is there only when there is something to say: the server's refusal
/// under a form, and the like. One component for all of them (one copy in the bundle).
#[component]
pub fn Alert(
    #[prop(into)] message: Signal<Option<String>>,
    #[prop(default = "form-error")] class: &'static str,
) -> impl IntoView {
    view! {
        <p class=class role="alert" hidden=move || message.with(Option::is_none)>
            {move || message.get().unwrap_or_default()}
        </p>
    }
}

/// The submit button, disabled while sending.
#[component]
pub fn Submit(form: FormState, label: &'static str) -> impl IntoView {
    view! {
        <button type="submit" class="primary" disabled=move || form.sending.get()>
            {label}
        </button>
    }
}
