use super::form::{Alert, Field, FormState, Submit};
use super::Page;
use crate::account_api;
use crate::forms::check_sign_in;
use crate::session::Session;
use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

/// `/signin`: username and password; back to the chat once signed in. A refusal (wrong
/// password, too many attempts) shows the server's words and keeps the username.
#[component]
pub fn SignInPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let navigate = use_navigate();
    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let form = FormState::default();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        let checked = check_sign_in(&username.get_untracked(), &password.get_untracked());
        form.submit(checked, move |request| {
            Box::pin(async move {
                match account_api::sign_in(&request).await {
                    Ok(account) => {
                        session.signed_in(account);
                        navigate("/", Default::default());
                        Ok(())
                    }
                    Err(why) => {
                        password.set(String::new());
                        Err(why)
                    }
                }
            })
        });
    };
    view! {
        <Page title="Sign in">
            <form class="account-form" novalidate on:submit=submit>
                <Field label="Username" name="username" value=username
                    error=form.error("username") autocomplete="username" />
                <Field label="Password" name="password" kind="password" value=password
                    error=form.error("password") autocomplete="current-password" />
                <Alert message=form.failure />
                <Submit form label="Sign in" />
            </form>
        </Page>
    }
}
