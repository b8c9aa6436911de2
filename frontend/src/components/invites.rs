//! The admin page's invite links: the new-invite form, the link just made (shown once,
//! with "Copy"), and the invites so far.

use super::dates::format_date;
use super::form::{Alert, Field, FormState, Submit};
use super::server_list::{item_action, server_list};
use super::shown_once::ShownOnce;
use crate::account_api;
use crate::forms::check_invite;
use common::account::{CreatedInvite, InviteView};
use leptos::prelude::*;

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
pub fn Invites() -> impl IntoView {
    let hours = RwSignal::new("168".to_owned());
    let max_uses = RwSignal::new(String::new());
    let form = FormState::default();
    let created = RwSignal::new(None::<CreatedInvite>);
    let (invites, list_failure, reload) = server_list(account_api::invites);
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
    let revoke = item_action(list_failure, reload, |id: String| async move {
        account_api::revoke_invite(&id).await
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
