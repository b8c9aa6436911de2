//! What admins do: invite people, deactivate and reactivate accounts, change roles, ban
//! guests' addresses for a while.

use super::credentials::{new_secret, secret_hash};
use super::{directory, AccountError, Accounts, Signed};
use crate::clock::now_ms;
use crate::event::Event;
use crate::store::Claim;
use common::account::{AccountChange, AccountView, CreatedInvite, NewInvite, Role};
use common::moderation::{GuestAddress, GuestBan, NewGuestBan};

/// How long an invite lives unless its creator says otherwise: 7 days.
pub const INVITE_DEFAULT_HOURS: u32 = 7 * 24;
/// Longest an invite may live: 90 days.
pub const INVITE_MAX_HOURS: u32 = 90 * 24;

impl Accounts {
    /// `POST /api/invites` (admins). `base` is the chat's own origin, for the link.
    pub async fn create_invite(
        &self,
        admin: &Signed,
        request: NewInvite,
        base: &str,
    ) -> Result<CreatedInvite, AccountError> {
        let hours = request.expires_in_hours.unwrap_or(INVITE_DEFAULT_HOURS);
        if !(1..=INVITE_MAX_HOURS).contains(&hours) {
            return Err(AccountError::BadRequest(format!(
                "expires_in_hours must be between 1 and {INVITE_MAX_HOURS}"
            )));
        }
        if request.max_uses == Some(0) {
            return Err(AccountError::BadRequest(
                "max_uses must be at least 1 (leave it out for no limit)".into(),
            ));
        }
        let code = new_secret();
        let hash = secret_hash(&code);
        let expires_at = now_ms() + u64::from(hours) * 3_600_000;
        self.record(
            Event::InviteCreated {
                code: hash.clone(),
                created_by: admin.account.id,
                expires_at,
                max_uses: request.max_uses,
            },
            Vec::new(),
        )
        .await?;
        Ok(CreatedInvite {
            id: directory::invite_id(&hash),
            url: format!("{base}/join/{code}"),
            code,
            expires_at,
        })
    }

    /// `DELETE /api/invites/{id}` (admins).
    pub async fn revoke_invite(&self, id: &str) -> Result<(), AccountError> {
        let code = self
            .directory
            .invite_by_id(id)
            .ok_or_else(|| AccountError::NotFound(format!("no invite {id}")))?;
        self.record(Event::InviteRevoked { code }, Vec::new())
            .await
            .map(drop)
    }

    /// The claim every change to the set of active admins takes: two changes computed from
    /// the same set cannot both pass, so "not the last admin" holds across nodes.
    pub(super) fn admins_claim(&self) -> Claim {
        Claim {
            key: format!("admins@{}", self.directory.admins().1),
            limit: 1,
        }
    }

    /// `PATCH /api/accounts/{username}` (admins): deactivate or reactivate, change the
    /// role. The last active admin cannot be deactivated or made a member.
    pub async fn change_account(
        &self,
        admin: &Signed,
        username: &str,
        change: AccountChange,
    ) -> Result<AccountView, AccountError> {
        let target = self
            .directory
            .account_named(username)
            .ok_or_else(|| AccountError::NotFound(format!("no account {username}")))?;
        if target.bot && change.role == Some(Role::Admin) {
            return Err(AccountError::BadRequest("a bot cannot be an admin".into()));
        }
        let loses_admin = target.is_admin()
            && (change.active == Some(false) || change.role == Some(Role::Member));
        if loses_admin && self.directory.admins().0 <= 1 {
            return Err(AccountError::Conflict(
                "this is the last admin: make another admin first".into(),
            ));
        }
        if let Some(active) = change.active.filter(|a| *a != target.active) {
            let claims = if target.role == Role::Admin {
                vec![self.admins_claim()]
            } else {
                Vec::new()
            };
            let event = Event::AccountActive {
                account: target.id,
                active,
                by: Some(admin.account.id),
            };
            self.record(event, claims).await?;
        }
        if let Some(role) = change.role.filter(|r| *r != target.role) {
            let event = Event::RoleChanged {
                account: target.id,
                role,
                by: Some(admin.account.id),
            };
            self.record(event, vec![self.admins_claim()]).await?;
        }
        self.directory
            .account_named(username)
            .map(|a| a.view())
            .ok_or_else(|| AccountError::NotFound(format!("no account {username}")))
    }

    /// `POST /api/bans` (admins): guests from `address` may not post for the hours the
    /// request gives (checked by the caller, with its target). A new ban of a banned
    /// address replaces the old one.
    pub async fn ban_guest(
        &self,
        admin: &Signed,
        address: GuestAddress,
        request: NewGuestBan,
    ) -> Result<GuestBan, AccountError> {
        let until = now_ms() + u64::from(request.hours) * 3_600_000;
        let event = Event::GuestBanned {
            address: address.to_string(),
            until,
            reason: request.reason,
            by: admin.account.id,
        };
        self.record(event, Vec::new()).await?;
        self.directory
            .bans(now_ms())
            .into_iter()
            .find(|ban| ban.address == address.as_str())
            .ok_or_else(|| AccountError::NotFound(format!("no ban on {address}")))
    }

    /// `DELETE /api/bans/{address}` (admins): lifts a ban before its time.
    pub async fn unban_guest(&self, admin: &Signed, address: &str) -> Result<(), AccountError> {
        let address =
            GuestAddress::parse(address).map_err(|e| AccountError::BadRequest(e.to_string()))?;
        if !self.directory.banned(&address, now_ms()) {
            return Err(AccountError::NotFound(format!("{address} is not banned")));
        }
        let event = Event::GuestUnbanned {
            address: address.to_string(),
            by: admin.account.id,
        };
        self.record(event, Vec::new()).await.map(drop)
    }
}
