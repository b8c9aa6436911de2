//! Moderation on the wire: banning a guest's address for a while, banning an account, and
//! the audit log of what moderators did (who, what, when).

use crate::account::Role;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, Ipv6Addr};
use thiserror::Error;

/// Longest a guest ban lasts, in hours (a year).
pub const BAN_MAX_HOURS: u32 = 24 * 365;
/// Longest reason for a ban, in characters.
pub const BAN_REASON_MAX_CHARS: usize = 200;

/// Why a ban request was refused. Shown to people as is.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BanError {
    #[error("{0:?} is not an IP address (like 203.0.113.7 or 2001:db8::1)")]
    Address(String),
    #[error("hours must be between 1 and {BAN_MAX_HOURS}")]
    Hours,
    #[error("the reason is {0} characters long; at most {BAN_REASON_MAX_CHARS} are allowed")]
    ReasonTooLong(usize),
    #[error("the reason contains the control character U+{0:04X}; none are allowed")]
    ReasonControlChar(u32),
    #[error("give either an address or a guest's message, not both")]
    Target,
}

/// The address a guest ban names: an IPv4 address, or the /64 network of an IPv6 one.
/// One home or phone holds a whole IPv6 /64, so banning one v6 address would ban nobody;
/// an IPv4-mapped IPv6 address is its IPv4 address.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GuestAddress(String);

impl GuestAddress {
    /// The ban key of a client's address.
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => Self(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Self(v4.to_string()),
                None => {
                    let network = u128::from(v6) & !((1u128 << 64) - 1);
                    Self(format!("{}/64", Ipv6Addr::from(network)))
                }
            },
        }
    }

    /// An address as people write it: `203.0.113.7`, `2001:db8::1`, or the `…/64` form
    /// this type prints.
    pub fn parse(text: &str) -> Result<Self, BanError> {
        let text = text.trim();
        let ip = text.strip_suffix("/64").unwrap_or(text);
        match ip.parse::<IpAddr>() {
            Ok(IpAddr::V4(_)) if ip.len() != text.len() => Err(BanError::Address(text.into())),
            Ok(ip) => Ok(Self::of(ip)),
            Err(_) => Err(BanError::Address(text.into())),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for GuestAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// `POST /api/bans`: stop guests from `address`, or from where guest message `message`
/// came from, posting for `hours`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewGuestBan {
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub address: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<u64>,
    pub hours: u32,
    #[serde(default)]
    pub reason: String,
}

/// Whom a ban names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BanTarget {
    Address(GuestAddress),
    /// Wherever this guest message came from (the server looks it up).
    Message(u64),
}

impl NewGuestBan {
    /// The target, checked; the hours and the reason within their limits.
    pub fn validate(&self) -> Result<BanTarget, BanError> {
        let target = match self.message {
            Some(_) if !self.address.trim().is_empty() => return Err(BanError::Target),
            Some(id) => BanTarget::Message(id),
            None => BanTarget::Address(GuestAddress::parse(&self.address)?),
        };
        if !(1..=BAN_MAX_HOURS).contains(&self.hours) {
            return Err(BanError::Hours);
        }
        let chars = self.reason.chars().count();
        if chars > BAN_REASON_MAX_CHARS {
            return Err(BanError::ReasonTooLong(chars));
        }
        if let Some(c) = self.reason.chars().find(|c| c.is_control()) {
            return Err(BanError::ReasonControlChar(c as u32));
        }
        Ok(target)
    }
}

/// A ban in force (`GET /api/bans`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GuestBan {
    pub address: String,
    /// When it ends, ms since the epoch.
    pub until: u64,
    pub reason: String,
    /// The admin who banned, by username.
    pub by: String,
    /// When, ms since the epoch.
    pub at: u64,
}

/// `POST /api/accounts/{username}/ban`: deactivate the account, and delete every message
/// it wrote when `delete_messages`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountBan {
    #[serde(default)]
    pub delete_messages: bool,
}

/// What banning an account did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountBanned {
    pub username: String,
    /// Messages deleted (0 unless asked).
    pub deleted: u32,
}

/// One thing a moderator did, as the audit log shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AuditAction {
    Deactivated {
        account: String,
    },
    Reactivated {
        account: String,
    },
    RoleChanged {
        account: String,
        role: Role,
    },
    /// Someone else's message, deleted by an admin or a room manager.
    MessageDeleted {
        room: u64,
        message: u64,
        /// Its author: a username, or a guest's name.
        author: String,
    },
    /// Every message of a banned account.
    MessagesDeleted {
        account: String,
        count: u32,
    },
    GuestBanned {
        address: String,
        until: u64,
        reason: String,
    },
    GuestUnbanned {
        address: String,
    },
}

/// One entry of the audit log (`GET /api/audit`), newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AuditEntry {
    /// Its log id: pass the oldest one seen as `before` for older entries.
    pub id: u64,
    /// When, ms since the epoch.
    pub at: u64,
    /// Who did it, by username.
    pub by: String,
    #[serde(flatten)]
    pub action: AuditAction,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_keyed_as_bans_name_them() {
        let key = |s: &str| GuestAddress::parse(s).map(|a| a.to_string());
        assert_eq!(key(" 203.0.113.7 ").unwrap(), "203.0.113.7");
        assert_eq!(key("2001:db8:1:2:3:4:5:6").unwrap(), "2001:db8:1:2::/64");
        assert_eq!(
            key("2001:db8:1:2::/64").unwrap(),
            "2001:db8:1:2::/64",
            "the printed form reads back"
        );
        assert_eq!(key("::ffff:198.51.100.4").unwrap(), "198.51.100.4");
        for bad in [
            "",
            "bob",
            "1.2.3",
            "203.0.113.7/64",
            "2001:db8::/48",
            "1.2.3.4:80",
        ] {
            assert!(key(bad).is_err(), "{bad:?}");
        }
        let a: IpAddr = "2001:db8:1:2::9".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::1".parse().unwrap();
        assert_eq!(GuestAddress::of(a), GuestAddress::of(b), "one /64");
    }

    #[test]
    fn a_ban_request_is_checked() {
        let ban = |hours, reason: &str| NewGuestBan {
            address: "203.0.113.7".into(),
            message: None,
            hours,
            reason: reason.into(),
        };
        assert_eq!(
            ban(1, "spam").validate(),
            Ok(BanTarget::Address(GuestAddress("203.0.113.7".into())))
        );
        let by_message = NewGuestBan {
            address: String::new(),
            message: Some(9),
            ..ban(1, "")
        };
        assert_eq!(by_message.validate(), Ok(BanTarget::Message(9)));
        let both = NewGuestBan {
            message: Some(9),
            ..ban(1, "")
        };
        assert_eq!(both.validate(), Err(BanError::Target));
        assert!(ban(BAN_MAX_HOURS, "").validate().is_ok());
        assert_eq!(ban(0, "").validate(), Err(BanError::Hours));
        assert_eq!(ban(BAN_MAX_HOURS + 1, "").validate(), Err(BanError::Hours));
        assert_eq!(
            ban(1, &"x".repeat(201)).validate(),
            Err(BanError::ReasonTooLong(201))
        );
        assert_eq!(
            ban(1, "a\u{7}").validate(),
            Err(BanError::ReasonControlChar(7))
        );
    }

    #[test]
    fn audit_entries_read_flat() {
        let entry = AuditEntry {
            id: 9,
            at: 1,
            by: "ann".into(),
            action: AuditAction::GuestUnbanned {
                address: "203.0.113.7".into(),
            },
        };
        let json = serde_json::to_string(&entry).unwrap();
        assert_eq!(
            json,
            r#"{"id":9,"at":1,"by":"ann","action":"guest_unbanned","address":"203.0.113.7"}"#
        );
        assert_eq!(serde_json::from_str::<AuditEntry>(&json).unwrap(), entry);
    }
}
