//! `/setup` (the first account, with the token from the server's setup link) and
//! `/join/CODE` (an account from an invite): the same form, sent to different endpoints.

use super::form::{Alert, Field, FormState, Submit};
use super::Page;
use crate::account_api;
use crate::forms::{check_new_account, token_from_hash, NewAccount};
use crate::session::Session;
use common::account::{SetupRequest, SignupRequest};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

/// Where a new account comes from.
#[derive(Debug, Clone)]
enum Purpose {
    /// The setup link: its token is the page's fragment (`/setup#TOKEN`).
    Setup,
    /// An invite link, `/join/CODE`.
    Join(String),
}

/// `/setup`: the first account, an admin. Says so when the server is set up already.
#[component]
pub fn SetupPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let done = Memo::new(move |_| {
        session
            .status
            .with(|s| s.as_ref().is_some_and(|s| !s.setup_needed))
    });
    view! {
        <Page title="Set up h2chat">
            <Show
                when=move || !done.get()
                fallback=|| view! {
                    <p class="done">"This server is set up already."</p>
                    <p><A href="/signin">"Sign in"</A></p>
                }
            >
                <p>"Create the first account. It will be an admin, who can invite others."</p>
                <NewAccountForm purpose=Purpose::Setup label="Create the admin account" />
            </Show>
        </Page>
    }
}

/// `/join/CODE`: an account from an invite link.
#[component]
pub fn JoinPage(
    /// As it appears in the path.
    code: String,
) -> impl IntoView {
    let code = js_sys::decode_uri_component(&code)
        .ok()
        .and_then(|decoded| decoded.as_string())
        .unwrap_or(code);
    view! {
        <Page title="Join h2chat">
            <p>"You were invited. Choose a username and a password."</p>
            <NewAccountForm purpose=Purpose::Join(code) label="Create my account" />
        </Page>
    }
}

/// What lets the server accept a new account.
enum Key {
    Token(String),
    Invite(String),
}

/// A test checks it names [`PASSWORD_MIN_CHARS`].
const PASSWORD_HINT: &str = "At least 10 characters.";

#[component]
fn NewAccountForm(purpose: Purpose, label: &'static str) -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let form = FormState::default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_new_account(
            &username.get_untracked(),
            &display_name.get_untracked(),
            &password.get_untracked(),
            &confirm.get_untracked(),
        );
        // The setup token or the invite code, read when sending.
        let key = match purpose {
            Purpose::Setup => {
                let hash = window().location().hash().unwrap_or_default();
                let Some(token) = token_from_hash(&hash) else {
                    form.errors.set(checked.err().unwrap_or_default());
                    form.failure.set(Some(
                        "This page needs the whole setup link the server printed \
                         (it ends with #…): open that link."
                            .into(),
                    ));
                    return;
                };
                Key::Token(token)
            }
            Purpose::Join(ref code) => Key::Invite(code.clone()),
        };
        let navigate = navigate.clone();
        form.submit(checked, move |account: NewAccount| {
            Box::pin(async move {
                let NewAccount {
                    username,
                    display_name,
                    password,
                } = account;
                let created = match key {
                    Key::Token(token) => {
                        account_api::setup(&SetupRequest {
                            token,
                            username,
                            password,
                            display_name,
                        })
                        .await
                    }
                    Key::Invite(invite) => {
                        account_api::signup(&SignupRequest {
                            invite: Some(invite),
                            username,
                            password,
                            display_name,
                        })
                        .await
                    }
                }?;
                session.signed_in(created);
                navigate("/", Default::default());
                Ok(())
            })
        });
    };
    view! {
        <form class="account-form" novalidate on:submit=submit>
            <Field label="Username" name="username" value=username error=form.error("username")
                autocomplete="username" hint="Letters, digits, '.', '_' and '-'." />
            <Field label="Display name (optional)" name="display_name" value=display_name
                error=form.error("display_name") autocomplete="nickname"
                hint="Shown beside your messages; your username if empty." />
            <Field label="Password" name="password" kind="password" value=password
                error=form.error("password") autocomplete="new-password" hint=PASSWORD_HINT />
            <Field label="Password again" name="confirm" kind="password" value=confirm
                error=form.error("confirm") autocomplete="new-password" />
            <Alert message=form.failure />
            <Submit form label />
        </form>
    }
}

#[cfg(test)]
mod tests {
    use common::account::PASSWORD_MIN_CHARS;

    #[test]
    fn the_password_hint_names_the_rule() {
        assert!(super::PASSWORD_HINT.contains(&PASSWORD_MIN_CHARS.to_string()));
    }
}
