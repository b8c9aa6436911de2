//! Bots in the directory: their webhook URL and the hash of their API token, as the log's
//! `bot_created` and `bot_token_changed` events made them, and the lookups bearer requests
//! and webhooks need.

use super::{Account, Directory, State};
use crate::event::{AccountId, Event, SecretHash};
use common::account::Role;
use common::bot::BotView;

/// What a bot has beyond its account.
#[derive(Debug, Clone)]
pub(super) struct Bot {
    webhook_url: Option<String>,
    /// The hash of its API token; `None` once revoked.
    token: Option<SecretHash>,
}

/// Where and how a webhook for one bot is sent: its URL, and the key its body is signed
/// with (the hash of its current token, which its owner can compute from the token).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BotTarget {
    pub id: AccountId,
    pub username: String,
    pub url: String,
    pub key: SecretHash,
}

impl State {
    pub(super) fn apply_bot(&mut self, id: u64, time: u64, event: &Event) {
        match event {
            Event::BotCreated {
                username,
                display_name,
                webhook_url,
                token,
                created_by: _,
            } => {
                self.by_name.insert(super::name_key(username), id);
                self.accounts.insert(
                    id,
                    Account {
                        id,
                        username: username.clone(),
                        display_name: display_name.clone(),
                        password_hash: String::new(),
                        role: Role::Member,
                        active: true,
                        created_at: time,
                        bot: true,
                    },
                );
                self.bot_tokens.insert(token.clone(), id);
                self.bots.insert(
                    id,
                    Bot {
                        webhook_url: webhook_url.clone(),
                        token: Some(token.clone()),
                    },
                );
            }
            Event::BotTokenChanged { account, token } => {
                let Some(bot) = self.bots.get_mut(account) else {
                    return;
                };
                if let Some(old) = bot.token.take() {
                    self.bot_tokens.remove(&old);
                }
                if let Some(new) = token {
                    self.bot_tokens.insert(new.clone(), *account);
                }
                bot.token.clone_from(token);
            }
            _ => {}
        }
    }
}

impl Directory {
    /// The active bot whose API token hashes to `token`.
    pub fn bot_by_token(&self, token: &SecretHash) -> Option<Account> {
        let state = self.state.read();
        let id = state.bot_tokens.get(token)?;
        state.accounts.get(id).filter(|a| a.active).cloned()
    }

    /// The bot with id `id`, active or not.
    pub fn bot(&self, id: AccountId) -> Option<Account> {
        self.account(id).filter(|a| a.bot)
    }

    /// Where to send `id`'s webhook: only an active bot with a webhook URL and a token.
    pub fn bot_target(&self, id: AccountId) -> Option<BotTarget> {
        let state = self.state.read();
        let account = state.accounts.get(&id).filter(|a| a.active && a.bot)?;
        let bot = state.bots.get(&id)?;
        Some(BotTarget {
            id,
            username: account.username.clone(),
            url: bot.webhook_url.clone()?,
            key: bot.token.clone()?,
        })
    }

    /// Every bot, oldest first, without tokens.
    pub fn bots(&self) -> Vec<BotView> {
        let state = self.state.read();
        let mut bots: Vec<BotView> = state
            .bots
            .iter()
            .filter_map(|(id, bot)| {
                let account = state.accounts.get(id)?;
                Some(BotView {
                    id: *id,
                    username: account.username.clone(),
                    display_name: account.display_name.clone(),
                    webhook_url: bot.webhook_url.clone(),
                    active: account.active,
                    has_token: bot.token.is_some(),
                    created_at: account.created_at,
                })
            })
            .collect();
        bots.sort_by_key(|bot| bot.id);
        bots
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Entry, Record};

    fn entry(id: u64, event: Event) -> Entry {
        Entry {
            id,
            time: id * 10,
            record: Record::Event(event),
        }
    }

    #[test]
    fn a_bots_token_finds_it_until_rotated_revoked_or_deactivated() {
        let dir = Directory::new(&[], 0);
        dir.apply(&entry(
            1,
            Event::BotCreated {
                username: "helper".into(),
                display_name: "Helper".into(),
                created_by: 0,
                webhook_url: Some("http://127.0.0.1:9/hook".into()),
                token: "t1".into(),
            },
        ));
        let bot = dir
            .bot_by_token(&"t1".into())
            .expect("the token finds the bot");
        assert!(bot.bot && bot.password_hash.is_empty() && bot.role == Role::Member);
        assert_eq!(dir.account_named("HELPER").map(|a| a.id), Some(1));
        assert_eq!(dir.bot_target(1).map(|t| t.key), Some("t1".to_owned()));

        dir.apply(&entry(
            2,
            Event::BotTokenChanged {
                account: 1,
                token: Some("t2".into()),
            },
        ));
        assert!(
            dir.bot_by_token(&"t1".into()).is_none(),
            "the old token is gone"
        );
        assert_eq!(dir.bot_by_token(&"t2".into()).map(|a| a.id), Some(1));
        assert_eq!(dir.bot_target(1).map(|t| t.key), Some("t2".to_owned()));

        dir.apply(&entry(
            3,
            Event::BotTokenChanged {
                account: 1,
                token: None,
            },
        ));
        assert!(dir.bot_by_token(&"t2".into()).is_none(), "revoked");
        assert!(dir.bot_target(1).is_none(), "no token, no webhook");
        assert!(!dir.bots()[0].has_token);

        dir.apply(&entry(
            4,
            Event::BotTokenChanged {
                account: 1,
                token: Some("t3".into()),
            },
        ));
        dir.apply(&entry(
            5,
            Event::AccountActive {
                account: 1,
                active: false,
                by: None,
            },
        ));
        assert!(dir.bot_by_token(&"t3".into()).is_none(), "deactivated");
        assert!(dir.bot_target(1).is_none());
        let listed = dir.bots();
        assert_eq!(listed.len(), 1);
        assert!(!listed[0].active && listed[0].has_token);
    }
}
