//! Where recent guest messages came from: the address behind each, so an admin can ban
//! "this guest" from a message without knowing its address. Only admins ever see it (in the
//! ban they make); no message carries it.
//!
//! The node that takes a guest's post remembers its address in memory (the newest
//! [`ORIGINS_KEPT`]) and, with Redis, in the store for a week, so any node can answer.

use crate::store::{Store, StoreError};
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Guest messages whose address a node keeps in memory.
pub const ORIGINS_KEPT: usize = 10_000;

#[derive(Debug, Default)]
struct Recent {
    by_id: HashMap<u64, IpAddr>,
    order: VecDeque<u64>,
}

pub struct GuestOrigins {
    recent: Mutex<Recent>,
    store: Store,
}

impl GuestOrigins {
    pub fn new(store: Store) -> Self {
        Self {
            recent: Mutex::new(Recent::default()),
            store,
        }
    }

    /// Guest message `id` was posted from `ip`.
    pub async fn remember(&self, id: u64, ip: IpAddr) {
        {
            let mut recent = self.recent.lock();
            if recent.order.len() == ORIGINS_KEPT {
                if let Some(oldest) = recent.order.pop_front() {
                    recent.by_id.remove(&oldest);
                }
            }
            recent.by_id.insert(id, ip);
            recent.order.push_back(id);
        }
        if let Err(error) = self.store.remember_origin(id, ip).await {
            // The message is stored; only banning by it from another node is lost.
            tracing::warn!(%error, message = id, "cannot keep a guest message's address");
        }
    }

    /// Where guest message `id` came from, if this node or the store still knows.
    pub async fn of(&self, id: u64) -> Result<Option<IpAddr>, StoreError> {
        if let Some(ip) = self.recent.lock().by_id.get(&id).copied() {
            return Ok(Some(ip));
        }
        self.store.origin(id).await
    }
}
