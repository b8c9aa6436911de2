//! Who is using the page, and what the server allows before anyone signs in. Fetched once
//! at start ([`Session::load`]) and provided as context; the account pages update it after
//! signing in, signing up, setting up or signing out.

use crate::account_api;
use common::account::{AccountView, Role, ServerStatus};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Who the page is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// `GET /api/me` has not answered yet.
    Loading,
    /// Nobody is signed in.
    Guest,
    SignedIn(AccountView),
}

impl Identity {
    pub fn account(&self) -> Option<&AccountView> {
        match self {
            Self::SignedIn(account) => Some(account),
            _ => None,
        }
    }

    pub fn is_guest(&self) -> bool {
        matches!(self, Self::Guest)
    }

    pub fn is_admin(&self) -> bool {
        self.account().is_some_and(|a| a.role == Role::Admin)
    }

    /// Who this is once known: `Some(None)` for a guest, `Some(Some(username))` for an
    /// account, `None` while loading. A change between two known values means the session
    /// changed.
    pub fn who(&self) -> Option<Option<&str>> {
        match self {
            Self::Loading => None,
            Self::Guest => Some(None),
            Self::SignedIn(account) => Some(Some(&account.username)),
        }
    }
}

/// The identity and the server's status, as context (`expect_context::<Session>()`).
#[derive(Debug, Clone, Copy)]
pub struct Session {
    pub identity: RwSignal<Identity>,
    /// `None` until `GET /api/status` answers (or if it failed: a server without accounts).
    pub status: RwSignal<Option<ServerStatus>>,
}

impl Session {
    pub fn new(identity: Identity, status: Option<ServerStatus>) -> Self {
        Self {
            identity: RwSignal::new(identity),
            status: RwSignal::new(status),
        }
    }

    /// Asks the server who we are and what it allows. If it cannot say, a page still
    /// loading treats the person as a guest; one that knew keeps what it knew.
    pub fn load(self) {
        self.refresh_status();
        spawn_local(async move {
            match account_api::me().await {
                Ok(Some(account)) => self.identity.set(Identity::SignedIn(account)),
                Ok(None) => self.identity.set(Identity::Guest),
                Err(why) => {
                    leptos::logging::warn!("who is signed in: {why}");
                    if self.identity.with_untracked(|i| *i == Identity::Loading) {
                        self.identity.set(Identity::Guest);
                    }
                }
            }
        });
    }

    fn refresh_status(self) {
        spawn_local(async move {
            match account_api::status().await {
                Ok(status) => self.status.set(Some(status)),
                Err(why) => leptos::logging::warn!("server status: {why}"),
            }
        });
    }

    /// After sign-in, sign-up or setup: the server answered with the account.
    pub fn signed_in(self, account: AccountView) {
        self.identity.set(Identity::SignedIn(account));
        self.refresh_status();
    }

    pub fn signed_out(self) {
        self.identity.set(Identity::Guest);
        self.refresh_status();
    }

    /// Whether people without an account may read and post (tracked). Until the server
    /// says otherwise they may: that is how a server without accounts behaves.
    pub fn guests_allowed(self) -> bool {
        self.status.with(|s| s.as_ref().is_none_or(|s| s.guests))
    }

    /// Whether the server tells who is online (tracked; `--presence`). Until it says, as
    /// a server before the switch would: yes.
    pub fn presence_shown(self) -> bool {
        self.status.with(|s| s.as_ref().is_none_or(|s| s.presence))
    }

    /// Whether the server passes typing on (tracked; `--typing`), the same way.
    pub fn typing_passed_on(self) -> bool {
        self.status.with(|s| s.as_ref().is_none_or(|s| s.typing))
    }

    /// Whether the setup link is still waiting to be used (tracked).
    pub fn setup_needed(self) -> bool {
        self.status
            .with(|s| s.as_ref().is_some_and(|s| s.setup_needed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(role: Role) -> AccountView {
        AccountView {
            username: "ann".into(),
            display_name: "Ann".into(),
            role,
            active: true,
            created_at: 0,
            bot: false,
        }
    }

    #[test]
    fn identity_answers() {
        assert_eq!(Identity::Loading.who(), None);
        assert_eq!(Identity::Guest.who(), Some(None));
        let member = Identity::SignedIn(account(Role::Member));
        assert_eq!(member.who(), Some(Some("ann")));
        assert!(!member.is_admin() && !member.is_guest());
        assert!(Identity::SignedIn(account(Role::Admin)).is_admin());
        assert!(Identity::Guest.is_guest() && !Identity::Loading.is_guest());
    }
}
