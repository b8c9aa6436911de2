//! What the directory knows of moderation: the guest bans in force and the audit log
//! (kept by [`crate::moderation`] from the same events).

use super::Directory;
use common::moderation::{AuditEntry, GuestAddress, GuestBan};
use std::net::IpAddr;

impl Directory {
    /// The ban in force on guests from `ip` at `now` (ms), if any.
    pub fn ban_on(&self, ip: IpAddr, now: u64) -> Option<GuestBan> {
        self.state.read().moderation.ban_on(ip, now).cloned()
    }

    /// Whether guests from `address` are banned at `now`.
    pub fn banned(&self, address: &GuestAddress, now: u64) -> bool {
        self.state.read().moderation.banned(address, now)
    }

    /// Every guest ban in force at `now`.
    pub fn bans(&self, now: u64) -> Vec<GuestBan> {
        self.state.read().moderation.bans(now)
    }

    /// Up to `limit` audit entries older than `before`, newest first.
    pub fn audit(&self, before: Option<u64>, limit: usize) -> Vec<AuditEntry> {
        self.state.read().moderation.audit().page(before, limit)
    }
}
