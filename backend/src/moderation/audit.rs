//! The audit log: the newest moderation actions, in log order, for the admin page.
//!
//! The log itself keeps every action for good; a node keeps the newest [`AUDIT_KEPT`] in
//! memory, which is what the page pages through.

use common::moderation::{AuditAction, AuditEntry};
use std::collections::VecDeque;

/// Actions a node keeps in memory.
pub const AUDIT_KEPT: usize = 1000;

#[derive(Debug, Default)]
pub struct Audit {
    entries: VecDeque<AuditEntry>,
}

impl Audit {
    pub(super) fn push(&mut self, id: u64, at: u64, by: String, action: AuditAction) {
        if self.entries.len() == AUDIT_KEPT {
            self.entries.pop_front();
        }
        self.entries.push_back(AuditEntry { id, at, by, action });
    }

    /// Up to `limit` entries older than `before` (the newest if `None`), newest first.
    pub fn page(&self, before: Option<u64>, limit: usize) -> Vec<AuditEntry> {
        self.entries
            .iter()
            .rev()
            .filter(|entry| before.is_none_or(|before| entry.id < before))
            .take(limit)
            .cloned()
            .collect()
    }
}
