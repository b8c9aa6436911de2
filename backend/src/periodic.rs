//! Background tasks that do one thing on a schedule for as long as what they serve exists.

use std::sync::Weak;
use std::time::Duration;
use tokio::time::{interval_at, Instant, MissedTickBehavior};

/// Calls `tick` with `target` every `every` (first after one period), until `target` is
/// dropped. A late tick is not caught up with a burst: the schedule moves on.
pub fn spawn_every<T: Send + Sync + 'static>(
    target: Weak<T>,
    every: Duration,
    tick: impl Fn(&T) + Send + 'static,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut ticks = interval_at(Instant::now() + every, every);
        ticks.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(target) = target.upgrade() else {
                break;
            };
            tick(&target);
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[tokio::test(start_paused = true)]
    async fn ticks_until_the_target_is_gone() {
        let target = Arc::new(AtomicUsize::new(0));
        let task = spawn_every(Arc::downgrade(&target), Duration::from_secs(1), |n| {
            n.fetch_add(1, Ordering::Relaxed);
        });
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(target.load(Ordering::Relaxed), 3);
        drop(target);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert!(task.is_finished());
    }
}
