//! Moderation as the log's events made it: which guest addresses may not post, until when,
//! and the audit log of what admins and room managers did. Every node holds the same copy:
//! the directory applies each event here in log order (rebuilt from the log at start), so
//! a ban made on one node holds on all of them at once and survives restarts.
//!
//! This module only keeps state; the rules (who may ban, what a ban does) live with the
//! endpoints in `routes/api/moderation.rs` and in `accounts/moderate.rs`.

mod audit;

pub use audit::Audit;
#[cfg(test)]
use audit::AUDIT_KEPT;

use crate::event::{AccountId, Event};
use common::moderation::{AuditAction, GuestAddress, GuestBan};
use common::Message;
use std::collections::HashMap;
use std::net::IpAddr;

/// Bans and the audit log, kept by the directory.
#[derive(Debug, Default)]
pub struct Moderation {
    bans: HashMap<GuestAddress, GuestBan>,
    audit: Audit,
}

impl Moderation {
    /// Applies one log event. `name` gives an account's username (for the audit log, which
    /// names people as they were called then).
    pub fn apply(
        &mut self,
        id: u64,
        time: u64,
        event: &Event,
        name: impl Fn(AccountId) -> Option<String>,
    ) {
        let named = |account: &AccountId| name(*account).unwrap_or_else(|| format!("#{account}"));
        let (by, action) = match event {
            Event::AccountActive {
                account,
                active,
                by: Some(by),
            } => {
                let account = named(account);
                let action = if *active {
                    AuditAction::Reactivated { account }
                } else {
                    AuditAction::Deactivated { account }
                };
                (by, action)
            }
            Event::RoleChanged {
                account,
                role,
                by: Some(by),
            } => (
                by,
                AuditAction::RoleChanged {
                    account: named(account),
                    role: *role,
                },
            ),
            Event::MessageDeleted {
                message,
                by: Some(by),
            } if !written_by(message, name(*by).as_deref()) => (
                by,
                AuditAction::MessageDeleted {
                    room: message.room,
                    message: message.id,
                    author: message
                        .account
                        .clone()
                        .unwrap_or_else(|| message.user.clone()),
                },
            ),
            Event::MessagesPurged { account, count, by } => (
                by,
                AuditAction::MessagesDeleted {
                    account: named(account),
                    count: *count,
                },
            ),
            Event::GuestBanned {
                address,
                until,
                reason,
                by,
            } => {
                if let Ok(key) = GuestAddress::parse(address) {
                    let ban = GuestBan {
                        address: key.to_string(),
                        until: *until,
                        reason: reason.clone(),
                        by: named(by),
                        at: time,
                    };
                    self.bans.insert(key, ban);
                }
                let action = AuditAction::GuestBanned {
                    address: address.clone(),
                    until: *until,
                    reason: reason.clone(),
                };
                (by, action)
            }
            Event::GuestUnbanned { address, by } => {
                if let Ok(key) = GuestAddress::parse(address) {
                    self.bans.remove(&key);
                }
                let action = AuditAction::GuestUnbanned {
                    address: address.clone(),
                };
                (by, action)
            }
            _ => return,
        };
        self.audit.push(id, time, named(by), action);
    }

    /// The ban in force on `ip` at `now` (ms), if any.
    pub fn ban_on(&self, ip: IpAddr, now: u64) -> Option<&GuestBan> {
        self.bans
            .get(&GuestAddress::of(ip))
            .filter(|ban| ban.until > now)
    }

    /// Every ban in force at `now`, ending soonest first.
    pub fn bans(&self, now: u64) -> Vec<GuestBan> {
        let mut bans: Vec<GuestBan> = self
            .bans
            .values()
            .filter(|ban| ban.until > now)
            .cloned()
            .collect();
        bans.sort_by(|a, b| a.until.cmp(&b.until).then(a.address.cmp(&b.address)));
        bans
    }

    /// Whether `address` is banned at `now`.
    pub fn banned(&self, address: &GuestAddress, now: u64) -> bool {
        self.bans.get(address).is_some_and(|ban| ban.until > now)
    }

    pub fn audit(&self) -> &Audit {
        &self.audit
    }
}

/// Whether `username` wrote `message` (a moderator deleting their own message is not
/// moderation).
fn written_by(message: &Message, username: Option<&str>) -> bool {
    username.is_some() && message.account.as_deref() == username
}

#[cfg(test)]
mod tests;
