//! Deletes what `--retain-days` / `--retain-messages` do not keep: once at start, then every
//! minute, on the writer thread (so it never races a commit).

use crate::store::{Retention, Store};
use std::time::Duration;

pub const EVERY: Duration = Duration::from_secs(60);

/// Runs until the store closes. Does nothing when retention is off.
pub fn spawn(store: Store, policy: Retention) -> Option<tokio::task::JoinHandle<()>> {
    if policy.is_off() {
        return None;
    }
    Some(tokio::spawn(async move {
        let mut ticks = tokio::time::interval(EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            match store.retain(policy).await {
                Ok(_) => {}
                Err(crate::store::StoreError::Closed) => break,
                Err(err) => tracing::warn!(error = %err, "retention failed; retrying in a minute"),
            }
        }
    }))
}
