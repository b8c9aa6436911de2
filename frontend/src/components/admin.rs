//! `/admin`: the accounts (deactivate, reactivate, change roles, ban), the invite links
//! (`invites.rs`), the bots (`admin_bots.rs`), guest bans and the audit log
//! (`moderation.rs`).

use super::admin_bots::Bots;
use super::dates::format_date;
use super::form::Alert;
use super::invites::Invites;
use super::moderation::{AuditLog, Bans};
use super::Page;
use crate::account_api;
use crate::moderation_api;
use crate::session::{Identity, Session};
use common::account::{AccountChange, AccountView, Role};
use common::moderation::AccountBan;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::A;

/// What the visitor may see here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Access {
    Loading,
    Guest,
    Member,
    Admin,
}

#[component]
pub fn AdminPage() -> impl IntoView {
    let session = expect_context::<Session>();
    let access = Memo::new(move |_| {
        session.identity.with(|identity| match identity {
            Identity::Loading => Access::Loading,
            Identity::Guest => Access::Guest,
            _ if identity.is_admin() => Access::Admin,
            Identity::SignedIn(_) => Access::Member,
        })
    });
    view! {
        <Page title="Admin">
            {move || match access.get() {
                Access::Loading => view! { <p>"Loading…"</p> }.into_any(),
                Access::Guest => view! {
                    <p class="refusal">"Only admins can see this page."</p>
                    <p><A href="/signin">"Sign in"</A></p>
                }
                .into_any(),
                Access::Member => view! {
                    <p class="refusal">"Only admins can see this page."</p>
                }
                .into_any(),
                Access::Admin => view! { <Accounts /> <Invites /> <Bots /> <Bans /> <AuditLog /> }.into_any(),
            }}
        </Page>
    }
}

/// The accounts table. Each change is sent at once; the server's refusal (say, removing
/// the last admin) shows above the table.
#[component]
fn Accounts() -> impl IntoView {
    let session = expect_context::<Session>();
    let accounts = RwSignal::new(None::<Vec<AccountView>>);
    let failure = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    spawn_local(async move {
        match account_api::accounts().await {
            Ok(list) => accounts.set(Some(list)),
            Err(why) => failure.set(Some(why)),
        }
    });
    let change = Callback::new(move |(username, change): (String, AccountChange)| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match account_api::change_account(&username, &change).await {
                Ok(updated) => {
                    failure.set(None);
                    let mine = session
                        .identity
                        .with_untracked(|i| i.account().is_some_and(|me| me.username == username));
                    if mine {
                        // Your own role or state changed: the header (and this page) follow.
                        session.identity.set(Identity::SignedIn(updated.clone()));
                    }
                    accounts.update(|list| {
                        let row = list.iter_mut().flatten().find(|a| a.username == username);
                        if let Some(row) = row {
                            *row = updated;
                        }
                    });
                }
                Err(why) => failure.set(Some(why)),
            }
            busy.set(false);
        });
    });
    let ban = Callback::new(move |(username, request): (String, AccountBan)| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match moderation_api::ban_account(&username, &request).await {
                Ok(_) => {
                    failure.set(None);
                    accounts.update(|list| {
                        let row = list.iter_mut().flatten().find(|a| a.username == username);
                        if let Some(row) = row {
                            row.active = false;
                        }
                    });
                }
                Err(why) => failure.set(Some(why)),
            }
            busy.set(false);
        });
    });
    view! {
        <h3>"Accounts"</h3>
        <Alert message=failure />
        <table class="accounts stacked">
            <thead>
                <tr>
                    <th>"Username"</th>
                    <th>"Display name"</th>
                    <th>"Role"</th>
                    <th>"Active"</th>
                    <th>"Created"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {move || accounts.get().map(|list| {
                    list.into_iter()
                        .map(|account| view! { <AccountRow account change ban busy /> })
                        .collect_view()
                })}
            </tbody>
        </table>
        <p hidden=move || accounts.with(Option::is_some)>"Loading…"</p>
    }
}

#[component]
fn AccountRow(
    account: AccountView,
    change: Callback<(String, AccountChange)>,
    ban: Callback<(String, AccountBan)>,
    #[prop(into)] busy: Signal<bool>,
) -> impl IntoView {
    let AccountView {
        username,
        display_name,
        role,
        active,
        created_at,
        bot,
    } = account;
    let admin = role == Role::Admin;
    let toggle_active = {
        let username = username.clone();
        move |_| {
            let flip = AccountChange {
                active: Some(!active),
                ..Default::default()
            };
            change.run((username.clone(), flip));
        }
    };
    let toggle_role = {
        let username = username.clone();
        move |_| {
            let role = if admin { Role::Member } else { Role::Admin };
            let flip = AccountChange {
                role: Some(role),
                ..Default::default()
            };
            change.run((username.clone(), flip));
        }
    };
    // "Ban…" opens a confirmation in the row: whether to delete the messages too.
    let banning = RwSignal::new(false);
    let purge = RwSignal::new(false);
    let confirm_ban = {
        let username = username.clone();
        move |_| {
            banning.set(false);
            let request = AccountBan {
                delete_messages: purge.get_untracked(),
            };
            ban.run((username.clone(), request));
        }
    };
    let key = username.clone();
    view! {
        <tr class="account" data-username=key>
            <td data-label="Username" class="username">
                {username}
                {bot.then(|| view! { " " <span class="badge bot">"bot"</span> })}
            </td>
            <td data-label="Display name">{display_name}</td>
            <td data-label="Role" class="role">{if admin { "admin" } else { "member" }}</td>
            <td data-label="Active" class="active">{if active { "yes" } else { "no" }}</td>
            <td data-label="Created">{format_date(created_at)}</td>
            <td class="actions">
                <button type="button" class="toggle-active" on:click=toggle_active disabled=busy>
                    {if active { "Deactivate" } else { "Reactivate" }}
                </button>
                // A bot is never an admin (the server refuses it).
                {(!bot).then(|| view! {
                    <button type="button" class="toggle-role" on:click=toggle_role disabled=busy>
                        {if admin { "Make member" } else { "Make admin" }}
                    </button>
                })}
                <button type="button" class="ban" on:click=move |_| banning.set(true)
                    disabled=busy hidden=move || banning.get()>
                    "Ban…"
                </button>
                <span class="ban-confirm" hidden=move || !banning.get()>
                    <label>
                        <input type="checkbox" class="purge"
                            prop:checked=move || purge.get()
                            on:change=move |ev| purge.set(event_target_checked(&ev)) />
                        " and delete every message they wrote"
                    </label>
                    <button type="button" class="confirm-ban danger" on:click=confirm_ban
                        disabled=busy>
                        "Ban"
                    </button>
                    <button type="button" class="cancel-ban"
                        on:click=move |_| banning.set(false)>
                        "Cancel"
                    </button>
                </span>
            </td>
        </tr>
    }
}
