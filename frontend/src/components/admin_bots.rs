//! The admin page's bots: create one (its token shown once, with "Copy"), the list, and
//! for each a new token (shown once) or the token revoked.

use super::dates::format_date;
use super::form::{Alert, Field, FormState, Submit};
use super::server_list::server_list;
use super::shown_once::ShownOnce;
use crate::bot_api;
use crate::forms::check_new_bot;
use common::bot::{BotToken, BotView};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Above a token just made (by "Create bot" or "New token").
const TOKEN_LABEL: &str = "New bot token (shown once): the bot sends it as Authorization: Bearer";

#[component]
pub fn Bots() -> impl IntoView {
    let username = RwSignal::new(String::new());
    let webhook_url = RwSignal::new(String::new());
    let form = FormState::default();
    let shown = RwSignal::new(None::<BotToken>);
    let (bots, failure, reload) = server_list(bot_api::bots);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = check_new_bot(&username.get_untracked(), &webhook_url.get_untracked());
        form.submit(checked, move |bot| {
            Box::pin(async move {
                let created = bot_api::create_bot(&bot).await?;
                shown.set(Some(created));
                username.set(String::new());
                webhook_url.set(String::new());
                reload();
                Ok(())
            })
        });
    };
    let rotate = Callback::new(move |id: u64| {
        spawn_local(async move {
            match bot_api::rotate_token(id).await {
                Ok(token) => {
                    shown.set(Some(token));
                    reload();
                }
                Err(why) => failure.set(Some(why)),
            }
        });
    });
    let revoke = Callback::new(move |id: u64| {
        spawn_local(async move {
            match bot_api::revoke_token(id).await {
                Ok(()) => {
                    // A token shown for this bot no longer works: stop showing it.
                    if shown.with_untracked(|s| s.as_ref().is_some_and(|t| t.id == id)) {
                        shown.set(None);
                    }
                    reload();
                }
                Err(why) => failure.set(Some(why)),
            }
        });
    });
    view! {
        <h3>"Bots"</h3>
        <form class="account-form bot-form" novalidate on:submit=submit>
            <Field label="Bot username" name="bot_username" value=username
                error=form.error("username") />
            <Field label="Webhook URL (optional)" name="webhook_url" value=webhook_url
                error=form.error("webhook_url")
                hint="Called, signed, when the bot is mentioned or sent a direct message." />
            <Alert message=form.failure />
            <Submit form label="Create bot" />
        </form>
        {move || shown.get().map(|token| view! {
            <ShownOnce label=TOKEN_LABEL id="bot-token" value=token.token />
        })}
        <Alert message=failure />
        <table class="bots stacked">
            <thead>
                <tr>
                    <th>"Username"</th>
                    <th>"Webhook"</th>
                    <th>"Token"</th>
                    <th>"Created"</th>
                    <th><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>
                {move || bots.get().map(|list| {
                    list.into_iter()
                        .map(|bot| view! { <BotRow bot rotate revoke /> })
                        .collect_view()
                })}
            </tbody>
        </table>
    }
}

#[component]
fn BotRow(bot: BotView, rotate: Callback<u64>, revoke: Callback<u64>) -> impl IntoView {
    let id = bot.id;
    let token = match (bot.active, bot.has_token) {
        (false, _) => "deactivated",
        (true, true) => "active",
        (true, false) => "revoked",
    };
    let key = bot.username.clone();
    view! {
        <tr class="bot" data-username=key>
            <td data-label="Username" class="username">
                {bot.username} " " <span class="badge bot">"bot"</span>
            </td>
            <td data-label="Webhook" class="webhook">
                {bot.webhook_url.unwrap_or_else(|| "none".into())}
            </td>
            <td data-label="Token" class="token-state">{token}</td>
            <td data-label="Created">{format_date(bot.created_at)}</td>
            <td class="actions">
                <button type="button" class="rotate" on:click=move |_| rotate.run(id)>
                    "New token"
                </button>
                <button type="button" class="revoke" disabled=!bot.has_token
                    on:click=move |_| revoke.run(id)>
                    "Revoke token"
                </button>
            </td>
        </tr>
    }
}
