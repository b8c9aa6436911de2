//! Reconnect delays: exponential with full jitter, capped, so a restarted server is not hit
//! by every browser at the same instant.

use std::time::Duration;

pub const BASE: Duration = Duration::from_millis(250);
pub const CAP: Duration = Duration::from_secs(10);

/// Delay before reconnect attempt `attempt` (0-based), given `random` in `[0, 1)`: a value
/// in `[d/2, d]` where `d = min(CAP, BASE * 2^attempt)`.
pub fn delay(attempt: u32, random: f64) -> Duration {
    let exp = BASE.saturating_mul(1u32.checked_shl(attempt.min(16)).unwrap_or(u32::MAX));
    let ceiling = exp.min(CAP);
    let random = random.clamp(0.0, 1.0);
    ceiling.mul_f64(0.5 + 0.5 * random)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_then_caps_with_jitter() {
        assert_eq!(delay(0, 0.0), Duration::from_millis(125));
        assert_eq!(delay(0, 1.0), Duration::from_millis(250));
        assert_eq!(delay(3, 1.0), Duration::from_millis(2000));
        assert_eq!(delay(10, 1.0), CAP);
        assert_eq!(delay(u32::MAX, 0.0), CAP / 2);
        for attempt in 0..40 {
            let d = delay(attempt, 0.37);
            assert!(d >= BASE / 2 && d <= CAP, "{attempt}: {d:?}");
        }
    }
}
