//! `/admin`: the accounts (deactivate, reactivate, change roles), the invite links, and
//! the bots (`admin_bots`).

use super::admin_bots::Bots;
use super::dates::format_date;
use super::form::{Alert, Field, FormState, Submit};
use super::shown_once::ShownOnce;
use super::Page;
use crate::account_api;
use crate::forms::check_invite;
use crate::session::{Identity, Session};
use common::account::{AccountChange, AccountView, CreatedInvite, InviteView, Role};
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
                Access::Admin => view! { <Accounts /> <Invites /> <Bots /> }.into_any(),
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
                        .map(|account| view! { <AccountRow account change busy /> })
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
            </td>
        </tr>
    }
}

/// Where an invite stands, for the list.
pub fn invite_state(invite: &InviteView, now_ms: u64) -> &'static str {
    if invite.revoked {
        "revoked"
    } else if invite.expires_at <= now_ms {
        "expired"
    } else if invite.max_uses.is_some_and(|max| invite.uses >= max) {
        "used up"
    } else {
        "active"
    }
}

/// The new-invite form, the link just made (with "Copy"), and the invites so far.
#[component]
fn Invites() -> impl IntoView {
    let hours = RwSignal::new("168".to_owned());
    let max_uses = RwSignal::new(String::new());
    let form = FormState::default();
    let created = RwSignal::new(None::<CreatedInvite>);
    let invites = RwSignal::new(None::<Vec<InviteView>>);
    let list_failure = RwSignal::new(None::<String>);
    let reload = move || {
        spawn_local(async move {
            match account_api::invites().await {
                Ok(list) => {
                    list_failure.set(None);
                    invites.set(Some(list));
                }
                Err(why) => list_failure.set(Some(why)),
            }
        });
    };
    reload();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_invite(&hours.get_untracked(), &max_uses.get_untracked());
        form.submit(checked, move |invite| {
            Box::pin(async move {
                let invite = account_api::create_invite(&invite).await?;
                created.set(Some(invite));
                reload();
                Ok(())
            })
        });
    };
    let revoke = Callback::new(move |id: String| {
        spawn_local(async move {
            match account_api::revoke_invite(&id).await {
                Ok(()) => reload(),
                Err(why) => list_failure.set(Some(why)),
            }
        });
    });
    view! {
        <h3>"Invites"</h3>
        <form class="account-form invite-form" novalidate on:submit=submit>
            <Field label="Expires in (hours)" name="hours" value=hours error=form.error("hours") />
            <Field label="Uses (optional)" name="max_uses" value=max_uses
                error=form.error("max_uses") hint="Empty: any number of people." />
            <Alert message=form.failure />
            <Submit form label="Create invite link" />
        </form>
        {move || created.get().map(|invite| view! {
            <ShownOnce label="New invite link (shown once)" id="invite-url" value=invite.url />
        })}
        <Alert message=list_failure />
        <table class="invites stacked">
            <thead>
                <tr>
                    <th>"Made by"</th>
                    <th>"Created"</th>
                    <th>"Expires"</th>
                    <th>"Uses"</th>
                    <th>"State"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {move || invites.get().map(|list| {
                    let now = js_sys::Date::now() as u64;
                    list.into_iter().map(|invite| {
                        let state = invite_state(&invite, now);
                        let uses = match invite.max_uses {
                            Some(max) => format!("{} of {max}", invite.uses),
                            None => invite.uses.to_string(),
                        };
                        let id = invite.id.clone();
                        view! {
                            <tr class="invite" data-id=invite.id>
                                <td data-label="Made by">{invite.created_by}</td>
                                <td data-label="Created">{format_date(invite.created_at)}</td>
                                <td data-label="Expires">{format_date(invite.expires_at)}</td>
                                <td data-label="Uses">{uses}</td>
                                <td data-label="State" class="state">{state}</td>
                                <td class="actions">
                                    <button type="button" class="revoke"
                                        disabled=invite.revoked
                                        on:click=move |_| revoke.run(id.clone())>
                                        "Revoke"
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()
                })}
            </tbody>
        </table>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invite_states() {
        let invite = InviteView {
            id: "i".into(),
            created_by: "ann".into(),
            created_at: 0,
            expires_at: 1_000,
            max_uses: Some(2),
            uses: 1,
            revoked: false,
        };
        assert_eq!(invite_state(&invite, 999), "active");
        assert_eq!(invite_state(&invite, 1_000), "expired");
        let used_up = InviteView {
            uses: 2,
            ..invite.clone()
        };
        assert_eq!(invite_state(&used_up, 0), "used up");
        let unlimited = InviteView {
            max_uses: None,
            uses: 99,
            ..invite.clone()
        };
        assert_eq!(invite_state(&unlimited, 0), "active");
        let revoked = InviteView {
            revoked: true,
            ..invite
        };
        assert_eq!(invite_state(&revoked, 5_000), "revoked");
    }
}
