//! glibc keeps the heap it grew for a crowd of clients after they leave (RSS stays at the
//! peak). This task hands the freed pages back with `malloc_trim(0)` once the number of
//! clients has dropped and settled. Built with the `alloc-glibc-trim` feature (a default).
//!
//! Measured (docs/BENCHMARKS.md, "Memory after a spike"): after 5 000 browsers leave, RSS
//! falls from 191 to 21 MiB within 4 s instead of staying at 191, and stops growing round
//! over round. Each call took 33–51 ms on a blocking thread.

use crate::hub::Hub;
use std::sync::Weak;
use std::time::{Duration, Instant};

/// How often the client count is read.
const EVERY: Duration = Duration::from_secs(2);

/// Trims after the count fell by at least this many clients (or a tenth of the peak)
/// since the last trim and stayed put for one tick.
const MIN_DROP: usize = 64;

pub fn spawn(hub: Weak<Hub>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + EVERY, EVERY);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (mut high, mut last) = (0usize, 0usize);
        loop {
            ticks.tick().await;
            let Some(now) = hub.upgrade().map(|hub| hub.client_count()) else {
                break;
            };
            high = high.max(now);
            let dropped = high - now;
            if now == last && dropped >= MIN_DROP.max(high / 10) {
                let started = Instant::now();
                // SAFETY: malloc_trim only walks glibc's own arenas, under their locks.
                let released = tokio::task::spawn_blocking(|| unsafe { libc::malloc_trim(0) })
                    .await
                    .unwrap_or(0);
                tracing::debug!(
                    clients = now,
                    dropped,
                    released,
                    took_ms = started.elapsed().as_secs_f64() * 1000.0,
                    "malloc_trim"
                );
                high = now;
            }
            last = now;
        }
    })
}
