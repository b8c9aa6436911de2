//! The drop guard that takes a stream out of the hub's registry.
//!
//! It lives inside the stream's response body (or the WebSocket's task), so the moment
//! actix drops the response (client gone, stream reset, server stopping) the client leaves
//! the registry, whichever way it left.

use super::Hub;
use crate::event::AccountId;
use crate::registry::ClientId;
use std::sync::Weak;

/// Removes the client from the hub's registry when dropped.
#[derive(Debug)]
pub struct Registration {
    hub: Weak<Hub>,
    id: ClientId,
    /// Whose stream it is (a guest's: `None`), for presence.
    account: Option<AccountId>,
}

impl Registration {
    pub(crate) fn new(hub: Weak<Hub>, id: ClientId, account: Option<AccountId>) -> Self {
        Self { hub, id, account }
    }

    /// The registry's id of this stream, for logs.
    pub fn id(&self) -> ClientId {
        self.id
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.unregister(self.id, self.account);
        }
    }
}
