//! The admin page's moderation: guest bans (ban an address for a while, lift a ban) and
//! the audit log of what admins and room managers did.

use super::dates::format_date;
use super::form::{Alert, Field, FormState, Submit};
use super::server_list::{item_action, server_list};
use crate::forms::check_ban;
use crate::moderation_api;
use common::account::Role;
use common::moderation::{AuditAction, AuditEntry};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The ban form and the bans in force, each with "Lift".
#[component]
pub fn Bans() -> impl IntoView {
    let address = RwSignal::new(String::new());
    let hours = RwSignal::new("24".to_owned());
    let reason = RwSignal::new(String::new());
    let form = FormState::default();
    let (bans, list_failure, reload) = server_list(moderation_api::bans);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_ban(
            &address.get_untracked(),
            &hours.get_untracked(),
            &reason.get_untracked(),
        );
        form.submit(checked, move |ban| {
            Box::pin(async move {
                moderation_api::ban_guest(&ban).await?;
                address.set(String::new());
                reason.set(String::new());
                reload();
                Ok(())
            })
        });
    };
    let lift = item_action(list_failure, reload, |address: String| async move {
        moderation_api::unban_guest(&address).await
    });
    view! {
        <h3>"Guest bans"</h3>
        <form class="account-form ban-form" novalidate on:submit=submit>
            <Field label="Address" name="address" value=address error=form.error("address")
                hint="An IPv4 address, or an IPv6 one (bans its /64)." />
            <Field label="For (hours)" name="ban_hours" value=hours error=form.error("ban_hours") />
            <Field label="Reason (optional)" name="reason" value=reason error=form.error("reason") />
            <Alert message=form.failure />
            <Submit form label="Ban guests from this address" />
        </form>
        <Alert message=list_failure />
        <table class="bans stacked">
            <thead>
                <tr>
                    <th>"Address"</th>
                    <th>"Until"</th>
                    <th>"Reason"</th>
                    <th>"By"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {move || bans.get().map(|list| {
                    list.into_iter().map(|ban| {
                        let key = ban.address.clone();
                        let row = ban.address.clone();
                        view! {
                            <tr class="ban" data-address=row>
                                <td data-label="Address" class="address">{ban.address}</td>
                                <td data-label="Until">{format_date(ban.until)}</td>
                                <td data-label="Reason">{ban.reason}</td>
                                <td data-label="By">{ban.by}</td>
                                <td class="actions">
                                    <button type="button" class="lift"
                                        on:click=move |_| lift.run(key.clone())>
                                        "Lift"
                                    </button>
                                </td>
                            </tr>
                        }
                    }).collect_view()
                })}
            </tbody>
        </table>
        <p hidden=move || bans.with(|b| b.as_ref().is_none_or(|b| !b.is_empty()))>
            "Nobody is banned."
        </p>
    }
}

/// What an audit entry says, in words.
pub fn describe(entry: &AuditEntry) -> String {
    let by = &entry.by;
    match &entry.action {
        AuditAction::Deactivated { account } => format!("{by} deactivated {account}"),
        AuditAction::Reactivated { account } => format!("{by} reactivated {account}"),
        AuditAction::RoleChanged { account, role } => {
            let role = if *role == Role::Admin {
                "an admin"
            } else {
                "a member"
            };
            format!("{by} made {account} {role}")
        }
        AuditAction::MessageDeleted {
            room,
            message,
            author,
        } => format!("{by} deleted message {message} by {author} in room {room}"),
        AuditAction::MessagesDeleted { account, count } => {
            let s = if *count == 1 { "" } else { "s" };
            format!("{by} deleted {count} message{s} by {account}")
        }
        AuditAction::GuestBanned {
            address,
            until,
            reason,
        } => {
            let why = if reason.is_empty() {
                String::new()
            } else {
                format!(": {reason}")
            };
            format!(
                "{by} banned guests from {address} until {}{why}",
                format_date(*until)
            )
        }
        AuditAction::GuestUnbanned { address } => {
            format!("{by} lifted the ban on {address}")
        }
    }
}

/// The audit log, newest first, with "Older" while there may be more.
#[component]
pub fn AuditLog() -> impl IntoView {
    let entries = RwSignal::new(Vec::<AuditEntry>::new());
    let more = RwSignal::new(true);
    let failure = RwSignal::new(None::<String>);
    let load = move |before: Option<u64>| {
        spawn_local(async move {
            match moderation_api::audit(before).await {
                Ok(page) => {
                    failure.set(None);
                    more.set(!page.is_empty());
                    entries.update(|all| all.extend(page));
                }
                Err(why) => failure.set(Some(why)),
            }
        });
    };
    load(None);
    let older = move |_| load(entries.with_untracked(|all| all.last().map(|e| e.id)));
    view! {
        <h3>"Audit log"</h3>
        <Alert message=failure />
        <ol class="audit">
            <For each=move || entries.get() key=|entry| entry.id let:entry>
                <li class="audit-entry" data-id=entry.id>
                    <time>{format_date(entry.at)}</time>" "{describe(&entry)}
                </li>
            </For>
        </ol>
        <p hidden=move || !entries.with(Vec::is_empty)>"Nothing yet."</p>
        <button type="button" class="older" on:click=older hidden=move || !more.get()>
            "Older"
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_entries_read_as_sentences() {
        let entry = |action| AuditEntry {
            id: 1,
            at: 0,
            by: "ann".into(),
            action,
        };
        let said = |action| describe(&entry(action));
        assert_eq!(
            said(AuditAction::Deactivated {
                account: "bob".into()
            }),
            "ann deactivated bob"
        );
        assert_eq!(
            said(AuditAction::RoleChanged {
                account: "bob".into(),
                role: Role::Admin
            }),
            "ann made bob an admin"
        );
        assert_eq!(
            said(AuditAction::MessagesDeleted {
                account: "bob".into(),
                count: 1
            }),
            "ann deleted 1 message by bob"
        );
        assert_eq!(
            said(AuditAction::MessageDeleted {
                room: 4,
                message: 9,
                author: "Zed".into()
            }),
            "ann deleted message 9 by Zed in room 4"
        );
        assert_eq!(
            said(AuditAction::GuestUnbanned {
                address: "2001:db8::/64".into()
            }),
            "ann lifted the ban on 2001:db8::/64"
        );
    }
}
