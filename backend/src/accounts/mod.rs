//! Accounts: who is speaking is proven, not typed.
//!
//! - [`directory`]: accounts, sessions and invites as the log's events made them.
//! - [`credentials`]: Argon2id password hashes, random secrets stored as SHA-256, and the
//!   look-alike-proof comparison key of names.
//! - [`sign_in_limits`]: brute-force limits per address and per account.
//! - `admin`: what admins do: invites, deactivation, roles.
//! - `bots`: bot accounts and their API tokens.
//!
//! [`Accounts`] is what request handlers call: each operation checks its input against the
//! directory, appends its event to the log (claiming what must stay unique on every node),
//! and waits until the directory shows it, so the caller reads its own change.

mod admin;
mod bots;
pub mod credentials;
pub mod directory;
mod error;
pub mod sign_in_limits;

pub use error::AccountError;

pub use directory::{Account, BotTarget, Cut, Directory, Signed};

use crate::clock::now_ms;
use crate::event::{AccountId, Event, SecretHash};
use crate::store::{Claim, NewEntry, Store, StoreError};
use common::account::{
    check_password, DisplayName, PasswordChange, Role, SetupRequest, SignInRequest, SignupMode,
    SignupRequest, Username,
};
use credentials::{hash_password, name_key, new_secret, secret_hash, verify_password};
use sign_in_limits::SignInLimits;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// How long a handler waits for its own change to reach this node's directory.
const APPLY_WITHIN: Duration = Duration::from_secs(5);
/// How long a request with an unknown session waits for this node to catch up with the log.
const CATCH_UP_WITHIN: Duration = Duration::from_secs(1);

pub(crate) const SETUP_CLAIM: &str = "setup";

pub(crate) fn username_claim(username: &str) -> Claim {
    Claim {
        key: format!("username:{}", name_key(username)),
        limit: 1,
    }
}

/// What a sign-in (or setup, or sign-up) gives: the account, and the session token for its
/// cookie (shown to the browser once, stored only hashed).
#[derive(Debug)]
pub struct NewSession {
    pub account: Account,
    pub token: String,
}

/// Accounts for one node: the directory, the log it is made from, and the policy.
pub struct Accounts {
    directory: Arc<Directory>,
    store: Store,
    limits: SignInLimits,
    pub signup: SignupMode,
    pub guests: bool,
}

impl Accounts {
    pub fn new(directory: Arc<Directory>, store: Store, signup: SignupMode, guests: bool) -> Self {
        credentials::prepare();
        Self {
            directory,
            store,
            limits: SignInLimits::default(),
            signup,
            guests,
        }
    }

    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// Forgets sign-in failures older than the window (see [`SignInLimits::forget_old`]).
    pub fn forget_old_failures(&self) {
        self.limits.forget_old();
    }

    /// Appends an event and waits until this node's directory applied it.
    async fn record(&self, event: Event, claims: Vec<Claim>) -> Result<u64, AccountError> {
        let entry = self.store.append(NewEntry::Event(event), claims).await?;
        if !self.directory.wait_applied(entry.id, APPLY_WITHIN).await {
            return Err(AccountError::Store(StoreError::Unavailable(
                "the change was stored but has not reached this server yet".into(),
            )));
        }
        Ok(entry.id)
    }

    /// A setup token for the first admin, while no account exists: printed as a link at
    /// start. Each node issues its own; any of them works on every node.
    pub async fn issue_setup_token(&self) -> Result<Option<String>, AccountError> {
        if !self.directory.setup_needed() {
            return Ok(None);
        }
        let token = new_secret();
        self.store.add_setup_token(secret_hash(&token)).await?;
        Ok(Some(token))
    }

    /// `POST /api/setup`: the first account, an admin. The setup claim lets exactly one
    /// setup through, whatever node it reaches.
    pub async fn setup(&self, request: SetupRequest) -> Result<NewSession, AccountError> {
        if !self.directory.setup_needed() {
            return Err(AccountError::Conflict(
                "setup is done: an account exists already".into(),
            ));
        }
        if !self
            .store
            .setup_token_known(secret_hash(&request.token))
            .await?
        {
            return Err(AccountError::Forbidden(
                "this setup link is not valid: use the one the server printed".into(),
            ));
        }
        let claims = vec![Claim {
            key: SETUP_CLAIM.into(),
            limit: 1,
        }];
        self.create(
            &request.username,
            request.display_name.as_deref(),
            request.password,
            Role::Admin,
            None,
            claims,
        )
        .await
    }

    /// `POST /api/signup`.
    pub async fn signup(&self, request: SignupRequest) -> Result<NewSession, AccountError> {
        if self.directory.setup_needed() {
            return Err(AccountError::Forbidden(
                "this chat is not set up yet: its first account is made with the setup link".into(),
            ));
        }
        let mut claims = Vec::new();
        let invite = match (self.signup, request.invite.as_deref()) {
            (SignupMode::Closed, _) => {
                return Err(AccountError::Forbidden(
                    "sign-up is closed on this chat".into(),
                ))
            }
            (SignupMode::Invite, None) => {
                return Err(AccountError::Forbidden(
                    "sign-up needs an invite link from an admin".into(),
                ))
            }
            (_, Some(code)) => {
                let hash = secret_hash(code);
                if !self.directory.invite_usable(&hash, now_ms()) {
                    return Err(AccountError::Forbidden(
                        "this invite is not valid: it may have expired, been used up or revoked"
                            .into(),
                    ));
                }
                if let Some(limit) = self.directory.invite_limit(&hash) {
                    claims.push(Claim {
                        key: format!("invite:{hash}"),
                        limit,
                    });
                }
                Some(hash)
            }
            (SignupMode::Open, None) => None,
        };
        self.create(
            &request.username,
            request.display_name.as_deref(),
            request.password,
            Role::Member,
            invite,
            claims,
        )
        .await
    }

    async fn create(
        &self,
        username: &str,
        display_name: Option<&str>,
        password: String,
        role: Role,
        invite: Option<SecretHash>,
        mut claims: Vec<Claim>,
    ) -> Result<NewSession, AccountError> {
        let username = Username::parse(username)?;
        let display_name = match display_name.filter(|d| !d.trim().is_empty()) {
            Some(name) => DisplayName::parse(name)?.into_inner(),
            None => username.as_str().to_owned(),
        };
        check_password(&password)?;
        if self.directory.account_named(username.as_str()).is_some() {
            return Err(AccountError::Conflict("that username is taken".into()));
        }
        claims.push(username_claim(username.as_str()));
        if role == Role::Admin {
            claims.push(self.admins_claim());
        }
        let password_hash = hash_password(password).await;
        let id = self
            .record(
                Event::AccountCreated {
                    username: username.into_inner(),
                    display_name,
                    password_hash,
                    role,
                    invite,
                },
                claims,
            )
            .await?;
        self.start_session(id).await
    }

    async fn start_session(&self, account: AccountId) -> Result<NewSession, AccountError> {
        let token = new_secret();
        let session = secret_hash(&token);
        self.record(
            Event::SessionStarted {
                session: session.clone(),
                account,
            },
            Vec::new(),
        )
        .await?;
        let signed = self
            .directory
            .signed_in(&session, now_ms())
            .ok_or_else(|| AccountError::Unauthorized("this account cannot sign in".into()))?;
        Ok(NewSession {
            account: signed.account,
            token,
        })
    }

    /// `POST /api/session`. Wrong name and wrong password give the same answer in the same
    /// time: both run one Argon2 verification.
    pub async fn sign_in(
        &self,
        address: Option<IpAddr>,
        request: SignInRequest,
    ) -> Result<NewSession, AccountError> {
        let key = name_key(&request.username);
        self.limits.check(address, &key)?;
        // Bots never sign in: their name is checked like an unknown one (the decoy hash).
        let account = self
            .directory
            .account_named(&request.username)
            .filter(|a| a.active && !a.bot);
        let hash = account.as_ref().map(|a| a.password_hash.clone());
        if !verify_password(request.password, hash).await {
            self.limits.failed(address, &key);
            tracing::info!(ip = ?address, "sign-in refused");
            return Err(AccountError::Unauthorized(
                "wrong username or password".into(),
            ));
        }
        let Some(account) = account else {
            return Err(AccountError::Unauthorized(
                "wrong username or password".into(),
            ));
        };
        self.start_session(account.id).await
    }

    /// The signed-in account a session cookie's token stands for. A session used for the
    /// first time in a day has that use written to the log (its idle expiry starts over).
    ///
    /// A token this node does not know may be a session another node started a moment
    /// ago (Redis): then the node catches up with the log's head, briefly, and looks again.
    pub async fn signed_in(&self, token: &str) -> Option<Signed> {
        let session = secret_hash(token);
        let signed = match self.directory.signed_in(&session, now_ms()) {
            Some(signed) => signed,
            None => {
                let head = self.store.log_head().await.ok().flatten()?;
                if !self.directory.wait_applied(head, CATCH_UP_WITHIN).await {
                    return None;
                }
                self.directory.signed_in(&session, now_ms())?
            }
        };
        if signed.seen_is_stale {
            let store = self.store.clone();
            let session = signed.session.clone();
            actix_web::rt::spawn(async move {
                let seen = Event::SessionSeen { session };
                if let Err(err) = store.append(NewEntry::Event(seen), Vec::new()).await {
                    tracing::warn!(error = %err, "cannot record a session's use");
                }
            });
        }
        Some(signed)
    }

    /// `DELETE /api/session`: this session ends, on every node, its streams too.
    pub async fn sign_out(&self, signed: &Signed) -> Result<(), AccountError> {
        self.record(
            Event::SessionEnded {
                session: signed.session.clone(),
            },
            Vec::new(),
        )
        .await
        .map(drop)
    }

    /// `DELETE /api/me/sessions`: every session of the account ends, this one too.
    pub async fn sign_out_everywhere(&self, signed: &Signed) -> Result<(), AccountError> {
        self.record(
            Event::SessionsEnded {
                account: signed.account.id,
                except: None,
            },
            Vec::new(),
        )
        .await
        .map(drop)
    }

    /// `POST /api/me/password`: needs the current password; every other session ends.
    pub async fn change_password(
        &self,
        address: Option<IpAddr>,
        signed: &Signed,
        change: PasswordChange,
    ) -> Result<(), AccountError> {
        let key = name_key(&signed.account.username);
        self.limits.check(address, &key)?;
        if !verify_password(change.current, Some(signed.account.password_hash.clone())).await {
            self.limits.failed(address, &key);
            return Err(AccountError::Unauthorized(
                "the current password is wrong".into(),
            ));
        }
        check_password(&change.new)?;
        let password_hash = hash_password(change.new).await;
        let account = signed.account.id;
        self.record(
            Event::PasswordChanged {
                account,
                password_hash,
            },
            Vec::new(),
        )
        .await?;
        self.record(
            Event::SessionsEnded {
                account,
                except: Some(signed.session.clone()),
            },
            Vec::new(),
        )
        .await
        .map(drop)
    }
}
