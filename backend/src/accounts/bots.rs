//! What admins do with bots: create one (its API token shown once), rotate its token,
//! revoke it; and the lookup of a bearer token on every bot request.
//!
//! A bot's token is a secret like a session's: 256 random bits, stored only as SHA-256.

use super::credentials::{new_secret, secret_hash};
use super::{username_claim, AccountError, Accounts, Signed, CATCH_UP_WITHIN};
use crate::event::{AccountId, Event};
use crate::webhooks::url::WebhookUrl;
use common::account::{DisplayName, Username};
use common::bot::{BotToken, NewBot};

impl Accounts {
    /// `POST /api/bots` (admins): a bot account and its first token.
    pub async fn create_bot(
        &self,
        admin: &Signed,
        request: NewBot,
    ) -> Result<BotToken, AccountError> {
        let username = Username::parse(&request.username)?;
        let display_name = match request
            .display_name
            .as_deref()
            .filter(|d| !d.trim().is_empty())
        {
            Some(name) => DisplayName::parse(name)?.into_inner(),
            None => username.as_str().to_owned(),
        };
        let webhook_url = request
            .webhook_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(WebhookUrl::parse)
            .transpose()
            .map_err(|e| AccountError::BadRequest(e.to_string()))?;
        if self.directory.account_named(username.as_str()).is_some() {
            return Err(AccountError::Conflict("that username is taken".into()));
        }
        let token = new_secret();
        let claims = vec![username_claim(username.as_str())];
        let username = username.into_inner();
        let id = self
            .record(
                Event::BotCreated {
                    username: username.clone(),
                    display_name,
                    created_by: admin.account.id,
                    webhook_url: webhook_url.map(WebhookUrl::into_inner),
                    token: secret_hash(&token),
                },
                claims,
            )
            .await?;
        Ok(BotToken {
            id,
            username,
            token,
        })
    }

    /// `POST /api/bots/{id}/token` (admins): a new token; the old one stops working.
    pub async fn rotate_bot_token(&self, id: AccountId) -> Result<BotToken, AccountError> {
        let bot = self.existing_bot(id)?;
        let token = new_secret();
        self.record(
            Event::BotTokenChanged {
                account: id,
                token: Some(secret_hash(&token)),
            },
            Vec::new(),
        )
        .await?;
        Ok(BotToken {
            id,
            username: bot.username,
            token,
        })
    }

    /// `DELETE /api/bots/{id}/token` (admins): the bot can no longer post, and gets no
    /// webhooks, until a new token is made.
    pub async fn revoke_bot_token(&self, id: AccountId) -> Result<(), AccountError> {
        self.existing_bot(id)?;
        self.record(
            Event::BotTokenChanged {
                account: id,
                token: None,
            },
            Vec::new(),
        )
        .await
        .map(drop)
    }

    fn existing_bot(&self, id: AccountId) -> Result<super::Account, AccountError> {
        self.directory
            .bot(id)
            .ok_or_else(|| AccountError::NotFound(format!("no bot {id}")))
    }

    /// The active bot a bearer token stands for. A token this node does not know may have
    /// been made on another node a moment ago (Redis): then this node catches up with the
    /// log's head, briefly, and looks again.
    pub async fn bot_signed_in(&self, token: &str) -> Option<Signed> {
        let hash = secret_hash(token);
        let account = match self.directory.bot_by_token(&hash) {
            Some(account) => account,
            None => {
                let head = self.store.log_head().await.ok().flatten()?;
                if !self.directory.wait_applied(head, CATCH_UP_WITHIN).await {
                    return None;
                }
                self.directory.bot_by_token(&hash)?
            }
        };
        Some(Signed {
            account,
            session: hash,
            seen_is_stale: false,
        })
    }

    /// The bot `id` as a poster (for its webhook's reply), while it is active and has a
    /// token.
    pub fn bot_poster(&self, id: AccountId) -> Option<Signed> {
        let target = self.directory.bot_target(id)?;
        let account = self.directory.bot(id)?;
        Some(Signed {
            account,
            session: target.key,
            seen_is_stale: false,
        })
    }
}
