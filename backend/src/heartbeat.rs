//! The heartbeat task. Idle proxies close silent connections, and a vanished client is only
//! noticed when the server writes to it; a periodic line fixes both.

use crate::hub::Hub;
use crate::periodic::spawn_every;
use std::sync::Weak;
use std::time::Duration;

/// Sends a heartbeat to every open stream every `every`, until the hub is gone.
pub fn spawn(hub: Weak<Hub>, every: Duration) -> tokio::task::JoinHandle<()> {
    spawn_every(hub, every, |hub| {
        let fanout = hub.heartbeat();
        tracing::trace!(delivered = fanout.delivered, "heartbeat");
    })
}
