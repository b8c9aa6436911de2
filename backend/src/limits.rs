//! Per-client limits, so one client cannot crowd out the others: a post rate per IP, or
//! per bot (`governor`'s keyed token bucket), and caps on open streams (counted in the
//! registry).

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use std::net::IpAddr;
use std::num::NonZeroU32;

/// The address the per-client limits count: the TCP peer, unless the peer is a trusted
/// proxy (`--trusted-proxy`); then the address that proxy saw, from `X-Forwarded-For`.
pub fn client_ip(req: &actix_web::HttpRequest) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let trusted = req.app_data::<actix_web::web::Data<TrustedProxies>>();
    let Some(trusted) = trusted.filter(|t| t.trusts(peer)) else {
        return Some(peer);
    };
    let forwarded = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(",");
    Some(trusted.client_behind(peer, &forwarded))
}

/// Proxies whose `X-Forwarded-For` is believed. Nobody else's is: a client could write any
/// address there and dodge its limits.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpAddr>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip)
    }

    /// Walks `X-Forwarded-For` from the right (each proxy appends the address it saw) past
    /// the trusted proxies; the first other address is the client. Unreadable entries stop
    /// the walk at the last address known for sure.
    pub fn client_behind(&self, peer: IpAddr, forwarded: &str) -> IpAddr {
        let mut client = peer;
        for entry in forwarded.rsplit(',').map(str::trim) {
            if !self.trusts(client) {
                break;
            }
            match entry.parse() {
                Ok(ip) => client = ip,
                Err(_) => break,
            }
        }
        client
    }
}

/// Whose budget a post spends: its client's address, or, for a bot, the bot's own (bots
/// often share one address, e.g. the host they run on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Budget {
    Ip(IpAddr),
    /// A bot's account id.
    Bot(u64),
}

/// Posts per second per client IP or bot, across HTTP and WebSocket.
pub struct PostLimiter {
    limiter: Option<DefaultKeyedRateLimiter<Budget>>,
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

    /// Takes one post from `budget`, or says how long to wait.
    pub fn check(&self, budget: Option<Budget>) -> Result<(), RateLimited> {
        let (Some(limiter), Some(budget)) = (&self.limiter, budget) else {
            return Ok(());
        };
        limiter.check_key(&budget).map_err(|not_until| {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            tracing::info!(?budget, "post rate limit reached");
            RateLimited {
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

/// A post was refused because its address spent its budget (answered 429).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many messages: wait {retry_after_secs} s before posting again")]
pub struct RateLimited {
    /// Whole seconds until the next post fits the budget, at least 1.
    pub retry_after_secs: u64,
}

/// A new stream was refused because a cap is reached (answered 503).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LimitReached {
    #[error("too many open streams from your address (limit {0}); close some tabs")]
    PerIp(usize),
    #[error("the server is at its limit of {0} open streams; try again later")]
    Total(usize),
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
        let a = Some(Budget::Ip("10.0.0.1".parse().unwrap()));
        let b = Some(Budget::Ip("10.0.0.2".parse().unwrap()));
        for _ in 0..3 {
            limiter.check(a).unwrap();
        }
        assert_eq!(
            limiter.check(a),
            Err(RateLimited {
                retry_after_secs: 1
            })
        );
        limiter
            .check(b)
            .expect("another address has its own budget");
        limiter.check(None).expect("unknown peers are not limited");
        for _ in 0..3 {
            limiter.check(Some(Budget::Bot(7))).unwrap();
        }
        assert!(
            limiter.check(Some(Budget::Bot(7))).is_err(),
            "a bot has a budget"
        );
        limiter
            .check(Some(Budget::Bot(8)))
            .expect("another bot has its own");
    }

    #[test]
    fn forwarded_for_counts_only_behind_trusted_proxies() {
        let lb: IpAddr = "10.0.0.9".parse().unwrap();
        let trusted = TrustedProxies(vec![lb]);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(trusted.client_behind(lb, "203.0.113.7"), ip("203.0.113.7"));
        // The client wrote its own header first: only the entry our proxy added counts.
        assert_eq!(
            trusted.client_behind(lb, "1.2.3.4, 203.0.113.7"),
            ip("203.0.113.7")
        );
        assert_eq!(
            trusted.client_behind(lb, ""),
            lb,
            "no header: the proxy itself"
        );
        assert_eq!(trusted.client_behind(lb, "garbage"), lb);
        let two = TrustedProxies(vec![lb, ip("10.0.0.8")]);
        assert_eq!(
            two.client_behind(lb, "198.51.100.1, 10.0.0.8"),
            ip("198.51.100.1"),
            "a chain of trusted proxies is walked through"
        );
    }

    #[test]
    fn zero_rate_means_off() {
        let limiter = PostLimiter::new(0, 1);
        let ip = Some(Budget::Ip("10.0.0.1".parse().unwrap()));
        for _ in 0..1000 {
            limiter.check(ip).unwrap();
        }
    }
}
