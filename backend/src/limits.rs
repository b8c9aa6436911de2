//! Per-client limits, so one client cannot crowd out the others: a post rate per IP
//! (`governor`'s keyed token bucket) and caps on open streams (counted in the registry).

use crate::error::ApiError;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// The address the per-client limits count: the TCP peer (a proxy in front counts as one
/// client unless it passes connections through).
pub fn client_ip(req: &actix_web::HttpRequest) -> Option<IpAddr> {
    req.peer_addr().map(|addr| addr.ip())
}

/// Posts per second per client IP, across HTTP and WebSocket.
pub struct PostLimiter {
    limiter: Option<DefaultKeyedRateLimiter<IpAddr>>,
}

impl PostLimiter {
    /// `rate` posts per second with bursts of `burst`; a rate of 0 turns limiting off.
    pub fn new(rate: u32, burst: u32) -> Self {
        let limiter = NonZeroU32::new(rate).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_second(rate).allow_burst(burst))
        });
        Self { limiter }
    }

    /// Takes one post from `ip`'s budget, or says how long to wait.
    pub fn check(&self, ip: Option<IpAddr>) -> Result<(), ApiError> {
        let (Some(limiter), Some(ip)) = (&self.limiter, ip) else {
            return Ok(());
        };
        limiter.check_key(&ip).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::info!(%ip, "post rate limit reached");
            ApiError::TooManyRequests {
                retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
            }
        })
    }

    /// Forgets clients whose budget is full again, so the table does not grow forever.
    pub fn forget_idle(&self) {
        if let Some(limiter) = &self.limiter {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }
}

/// A new stream was refused because a cap is reached (answered 503).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitReached {
    #[error("too many open streams from your address (limit {0}); close some tabs")]
    PerIp(usize),
    #[error("the server is at its limit of {0} open streams; try again later")]
    Total(usize),
}

impl From<LimitReached> for ApiError {
    fn from(limit: LimitReached) -> Self {
        ApiError::Unavailable(limit.to_string())
    }
}

/// Caps on open streams; 0 means no limit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StreamLimits {
    pub total: usize,
    pub per_ip: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refusal_with_a_retry_time_per_address() {
        let limiter = PostLimiter::new(1, 3);
        let a = Some("10.0.0.1".parse().unwrap());
        let b = Some("10.0.0.2".parse().unwrap());
        for _ in 0..3 {
            limiter.check(a).unwrap();
        }
        match limiter.check(a) {
            Err(ApiError::TooManyRequests { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("{other:?}"),
        }
        limiter
            .check(b)
            .expect("another address has its own budget");
        limiter.check(None).expect("unknown peers are not limited");
    }

    #[test]
    fn zero_rate_means_off() {
        let limiter = PostLimiter::new(0, 1);
        let ip = Some("10.0.0.1".parse().unwrap());
        for _ in 0..1000 {
            limiter.check(ip).unwrap();
        }
    }
}
