//! The heartbeat task. Idle proxies close silent connections, and a vanished client is only
//! noticed when the server writes to it; a periodic line fixes both.

use crate::hub::Hub;
use std::sync::Weak;
use std::time::Duration;

/// Sends a heartbeat to every open stream every `every`, until the hub is gone.
pub fn spawn(hub: Weak<Hub>, every: Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(hub) = hub.upgrade() else { break };
            let fanout = hub.heartbeat();
            tracing::trace!(delivered = fanout.delivered, "heartbeat");
        }
    })
}
