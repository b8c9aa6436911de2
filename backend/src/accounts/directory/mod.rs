//! The accounts, sessions and invites of the chat, as the log's events made them. Every node
//! holds the same directory: it is rebuilt from the log at start and kept current by
//! applying each new event in log order ([`Directory::apply`]).

use super::credentials::name_key;
use crate::event::{AccountId, Entry, Record, SecretHash};
use crate::moderation::Moderation;
use common::account::{AccountView, InviteView, Person, Role};
use parking_lot::RwLock;
use std::collections::{BTreeMap, HashMap};
use tokio::sync::watch;

mod bots;
pub use bots::BotTarget;

/// A session expires after this long without being used.
pub const SESSION_IDLE_MS: u64 = 30 * 24 * 3600 * 1000;
/// A session's use is written to the log at most this often.
pub const SESSION_SEEN_EVERY_MS: u64 = 24 * 3600 * 1000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub id: AccountId,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub active: bool,
    pub created_at: u64,
    /// A bot: posts with its API token, never signs in (its `password_hash` is empty).
    pub bot: bool,
}

impl Account {
    pub fn view(&self) -> AccountView {
        AccountView {
            username: self.username.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            active: self.active,
            created_at: self.created_at,
            bot: self.bot,
        }
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin && self.active
    }
}

#[derive(Debug, Clone, Copy)]
struct Session {
    account: AccountId,
    seen: u64,
}

#[derive(Debug, Clone)]
struct Invite {
    created_by: AccountId,
    created_at: u64,
    expires_at: u64,
    max_uses: Option<u32>,
    uses: u32,
    revoked: bool,
}

/// Streams to end because of an event: those of one session, or of an account (all but one
/// session, when `except` is given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cut {
    Session(SecretHash),
    Account {
        account: AccountId,
        except: Option<SecretHash>,
    },
}

/// A signed-in caller, as a session token resolves.
#[derive(Debug, Clone)]
pub struct Signed {
    pub account: Account,
    pub session: SecretHash,
    /// The session's last use written to the log is old: write it again.
    pub seen_is_stale: bool,
}

#[derive(Debug, Default)]
struct State {
    accounts: BTreeMap<AccountId, Account>,
    by_name: HashMap<String, AccountId>,
    sessions: HashMap<SecretHash, Session>,
    invites: HashMap<SecretHash, Invite>,
    /// Bots' webhook and token ([`bots`]).
    bots: HashMap<AccountId, bots::Bot>,
    /// Bots by the hash of their API token.
    bot_tokens: HashMap<SecretHash, AccountId>,
    /// Id of the last event that changed who the active admins are: changes to that set
    /// claim `admins@{version}`, so two concurrent ones cannot both remove "another" admin.
    admins_version: u64,
    /// Guest bans and the audit log, made by the same events.
    moderation: Moderation,
}

/// Accounts, sessions and invites, shared by every request handler of a node.
#[derive(Debug)]
pub struct Directory {
    state: RwLock<State>,
    /// The id of the newest log entry applied, so a handler that appended can wait until
    /// its own change is visible here (the Redis tail applies it a moment later).
    applied: watch::Sender<u64>,
}

impl Directory {
    /// The directory the log's `events` make, as of log id `last_id`.
    pub fn new(events: &[Entry], last_id: u64) -> Self {
        let directory = Self {
            state: RwLock::new(State::default()),
            applied: watch::channel(0).0,
        };
        directory.replace(events, last_id);
        directory
    }

    /// Starts over from `events` (the store lost its history and started a new one).
    pub fn replace(&self, events: &[Entry], last_id: u64) {
        *self.state.write() = State::default();
        for entry in events {
            self.apply(entry);
        }
        self.applied.send_replace(last_id);
    }

    /// Applies one log entry (messages only move the position); returns whose streams end.
    pub fn apply(&self, entry: &Entry) -> Option<Cut> {
        let cut = match &entry.record {
            Record::Event(event) => self.state.write().apply(entry.id, entry.time, event),
            Record::Message(_) => None,
        };
        self.applied.send_if_modified(|applied| {
            let newer = entry.id > *applied;
            if newer {
                *applied = entry.id;
            }
            newer
        });
        cut
    }

    /// Waits until the entry `id` has been applied (at most `within`).
    pub async fn wait_applied(&self, id: u64, within: std::time::Duration) -> bool {
        let mut applied = self.applied.subscribe();
        tokio::time::timeout(within, applied.wait_for(|a| *a >= id))
            .await
            .is_ok_and(|seen| seen.is_ok())
    }

    pub fn setup_needed(&self) -> bool {
        self.state.read().accounts.is_empty()
    }

    /// The account whose username, compared ignoring case and look-alikes, is `name`.
    pub fn account_named(&self, name: &str) -> Option<Account> {
        let state = self.state.read();
        let id = state.by_name.get(&name_key(name))?;
        state.accounts.get(id).cloned()
    }

    /// The account with id `id`.
    pub fn account(&self, id: AccountId) -> Option<Account> {
        self.state.read().accounts.get(&id).cloned()
    }

    /// The usernames of `ids` that name an account, sorted; one lock for all of them
    /// (presence names thousands at once).
    pub fn usernames(&self, ids: impl IntoIterator<Item = AccountId>) -> Vec<String> {
        let mut names = self.usernames_in_order(ids);
        names.sort_unstable();
        names
    }

    /// The usernames of `ids` that name an account, in the order of `ids`; one lock.
    pub fn usernames_in_order(&self, ids: impl IntoIterator<Item = AccountId>) -> Vec<String> {
        let state = self.state.read();
        ids.into_iter()
            .filter_map(|id| state.accounts.get(&id).map(|a| a.username.clone()))
            .collect()
    }

    /// Whether `id` names an account.
    pub fn knows(&self, id: AccountId) -> bool {
        self.state.read().accounts.contains_key(&id)
    }

    /// The signed-in account a session token's hash stands for, if the session is live.
    pub fn signed_in(&self, session: &SecretHash, now: u64) -> Option<Signed> {
        let state = self.state.read();
        let found = state.sessions.get(session)?;
        if now.saturating_sub(found.seen) > SESSION_IDLE_MS {
            return None;
        }
        let account = state.accounts.get(&found.account).filter(|a| a.active)?;
        Some(Signed {
            account: account.clone(),
            session: session.clone(),
            seen_is_stale: now.saturating_sub(found.seen) > SESSION_SEEN_EVERY_MS,
        })
    }

    /// Whether an invite code's hash may still create an account at `now`.
    pub fn invite_usable(&self, code: &SecretHash, now: u64) -> bool {
        self.state.read().invites.get(code).is_some_and(|invite| {
            !invite.revoked
                && now < invite.expires_at
                && invite.max_uses.is_none_or(|max| invite.uses < max)
        })
    }

    pub fn invite_limit(&self, code: &SecretHash) -> Option<u32> {
        self.state.read().invites.get(code).and_then(|i| i.max_uses)
    }

    /// The invite whose public id (a prefix of its code's hash) is `id`.
    pub fn invite_by_id(&self, id: &str) -> Option<SecretHash> {
        self.state
            .read()
            .invites
            .keys()
            .find(|code| invite_id(code) == id)
            .cloned()
    }

    pub fn accounts(&self) -> Vec<AccountView> {
        self.state
            .read()
            .accounts
            .values()
            .map(Account::view)
            .collect()
    }

    /// How many accounts are active: the members of every open room.
    pub fn active_count(&self) -> usize {
        self.state
            .read()
            .accounts
            .values()
            .filter(|a| a.active)
            .count()
    }

    /// Every active account, by username: whom a signed-in person may pick.
    pub fn people(&self) -> Vec<Person> {
        let mut people: Vec<Person> = self
            .state
            .read()
            .accounts
            .values()
            .filter(|a| a.active)
            .map(|a| Person {
                username: a.username.clone(),
                display_name: a.display_name.clone(),
                bot: a.bot,
            })
            .collect();
        people.sort_by(|a, b| a.username.cmp(&b.username));
        people
    }

    pub fn invites(&self) -> Vec<InviteView> {
        let state = self.state.read();
        let mut invites: Vec<InviteView> = state
            .invites
            .iter()
            .map(|(code, invite)| InviteView {
                id: invite_id(code),
                created_by: state
                    .accounts
                    .get(&invite.created_by)
                    .map_or_else(String::new, |a| a.username.clone()),
                created_at: invite.created_at,
                expires_at: invite.expires_at,
                max_uses: invite.max_uses,
                uses: invite.uses,
                revoked: invite.revoked,
            })
            .collect();
        invites.sort_by_key(|invite| std::cmp::Reverse(invite.created_at));
        invites
    }

    /// Active admins, and the version of that set (see `admins_version`).
    pub fn admins(&self) -> (usize, u64) {
        let state = self.state.read();
        let count = state.accounts.values().filter(|a| a.is_admin()).count();
        (count, state.admins_version)
    }
}

/// The public name of an invite: the first 16 hex digits of its code's hash (the hash is
/// not secret, and 64 bits keep ids apart).
pub fn invite_id(code: &SecretHash) -> String {
    code.chars().take(16).collect()
}

mod apply;
mod moderation;
#[cfg(test)]
mod tests;
