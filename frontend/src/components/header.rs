use super::form::Alert;
use super::notify_permission::NotifyPermission;
use super::LinkDot;
use crate::account_api;
use crate::connection::ConnectionSignals;
use crate::session::{Identity, Session};
use common::account::Role;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// The bar on every page: the name, how messages arrive, the link dot, and who you are.
#[component]
pub fn Header() -> impl IntoView {
    let ConnectionSignals {
        link, transport, ..
    } = expect_context();
    view! {
        <header class="bar">
            <h1><A href="/">"h2chat"</A></h1>
            <span class="status">
                <span class="transport" title="How new messages reach this page">
                    {move || transport.get().label()}
                </span>
                <LinkDot link />
            </span>
            <WhoAmI />
        </header>
    }
}

/// "Guest" with a sign-in link, or the account's name with its links and "Sign out".
#[component]
fn WhoAmI() -> impl IntoView {
    let session = expect_context::<Session>();
    let leaving = RwSignal::new(false);
    let failure = RwSignal::new(None::<String>);
    let sign_out = move |_| {
        leaving.set(true);
        spawn_local(async move {
            match account_api::sign_out().await {
                Ok(()) => {
                    failure.set(None);
                    session.signed_out();
                }
                Err(why) => {
                    failure.set(Some(why));
                    // Perhaps the session had ended already (401): ask who we are.
                    session.load();
                }
            }
            leaving.set(false);
        });
    };
    view! {
        <nav class="who" aria-label="Account">
            {move || match session.identity.get() {
                Identity::Loading => ().into_any(),
                Identity::Guest => view! {
                    <span class="name">"Guest"</span>
                    <A href="/signin">"Sign in"</A>
                    <Show when=move || session.setup_needed()>
                        <A href="/setup">"Set up"</A>
                    </Show>
                }
                .into_any(),
                Identity::SignedIn(account) => {
                    let admin = account.role == Role::Admin;
                    view! {
                        <span class="name" title=account.username>{account.display_name}</span>
                        {admin.then(|| view! {
                            <span class="badge admin">"admin"</span>
                            <A href="/admin">"Admin"</A>
                        })}
                        <NotifyPermission />
                        <button type="button" class="link sign-out" on:click=sign_out disabled=move || leaving.get()>
                            "Sign out"
                        </button>
                    }
                    .into_any()
                }
            }}
            <Alert message=failure class="sign-out-error" />
        </nav>
    }
}
