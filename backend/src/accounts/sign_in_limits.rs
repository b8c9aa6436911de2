//! Brute force: at most [`MAX_FAILURES`] failed sign-ins per [`WINDOW`], per client address
//! and per account.
//!
//! An address over its limit is refused whatever it tries. An account over its limit is
//! refused only to the addresses that failed on it: a guesser spread over many addresses
//! gets one more guess per new address, while the account's owner, who has not been
//! failing from their own address, can still sign in with the right password. The counts
//! are per node (memory): with N nodes behind a balancer a guesser gets at most N times as
//! many tries.

use crate::limits::RateLimited;
use parking_lot::Mutex;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::time::{Duration, Instant};

pub const MAX_FAILURES: usize = 10;
pub const WINDOW: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Default)]
struct Failures {
    by_address: HashMap<IpAddr, VecDeque<Instant>>,
    /// By account name key: when, and from where.
    by_account: HashMap<String, VecDeque<(Instant, Option<IpAddr>)>>,
}

#[derive(Debug, Default)]
pub struct SignInLimits {
    failures: Mutex<Failures>,
}

/// Seconds until `oldest` leaves the window, at least 1.
fn retry_after(oldest: Instant, now: Instant) -> RateLimited {
    let wait = (oldest + WINDOW).saturating_duration_since(now);
    RateLimited {
        retry_after_secs: wait.as_secs_f64().ceil().max(1.0) as u64,
    }
}

impl SignInLimits {
    /// Whether `address` may try to sign in as the account whose name key is `account`.
    pub fn check(&self, address: Option<IpAddr>, account: &str) -> Result<(), RateLimited> {
        self.check_at(address, account, Instant::now())
    }

    fn check_at(
        &self,
        address: Option<IpAddr>,
        account: &str,
        now: Instant,
    ) -> Result<(), RateLimited> {
        let mut failures = self.failures.lock();
        if let Some(ip) = address {
            if let Some(times) = failures.by_address.get_mut(&ip) {
                expire(times, now, |t| *t);
                if times.len() >= MAX_FAILURES {
                    return Err(retry_after(times[0], now));
                }
            }
        }
        if let Some(times) = failures.by_account.get_mut(account) {
            expire(times, now, |(t, _)| *t);
            if times.len() >= MAX_FAILURES && times.iter().any(|(_, ip)| *ip == address) {
                return Err(retry_after(times[0].0, now));
            }
        }
        Ok(())
    }

    /// Counts a failed sign-in.
    pub fn failed(&self, address: Option<IpAddr>, account: &str) {
        self.failed_at(address, account, Instant::now());
    }

    fn failed_at(&self, address: Option<IpAddr>, account: &str, now: Instant) {
        let mut failures = self.failures.lock();
        if let Some(ip) = address {
            failures.by_address.entry(ip).or_default().push_back(now);
        }
        failures
            .by_account
            .entry(account.to_owned())
            .or_default()
            .push_back((now, address));
    }

    /// Forgets failures older than the window, so the tables do not grow forever.
    pub fn forget_old(&self) {
        let now = Instant::now();
        let mut failures = self.failures.lock();
        failures.by_address.retain(|_, times| {
            expire(times, now, |t| *t);
            !times.is_empty()
        });
        failures.by_account.retain(|_, times| {
            expire(times, now, |(t, _)| *t);
            !times.is_empty()
        });
    }
}

fn expire<T>(times: &mut VecDeque<T>, now: Instant, at: impl Fn(&T) -> Instant) {
    while times
        .front()
        .is_some_and(|t| now.duration_since(at(t)) >= WINDOW)
    {
        times.pop_front();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn an_address_is_stopped_after_ten_failures_until_the_window_passes() {
        let limits = SignInLimits::default();
        let start = Instant::now();
        for i in 0..MAX_FAILURES {
            limits
                .check_at(ip("10.0.0.1"), &format!("user{i}"), start)
                .unwrap();
            limits.failed_at(ip("10.0.0.1"), &format!("user{i}"), start);
        }
        let refused = limits
            .check_at(ip("10.0.0.1"), "someone", start)
            .unwrap_err();
        assert_eq!(refused.retry_after_secs, WINDOW.as_secs());
        assert!(limits.check_at(ip("10.0.0.2"), "someone", start).is_ok());
        assert!(limits
            .check_at(ip("10.0.0.1"), "someone", start + WINDOW)
            .is_ok());
    }

    #[test]
    fn an_attacked_account_still_lets_its_owner_in_from_elsewhere() {
        let limits = SignInLimits::default();
        let now = Instant::now();
        // Ten guessers, one failure each: no address is over its own limit.
        for i in 0..MAX_FAILURES {
            let guesser = ip(&format!("10.0.1.{i}"));
            limits.check_at(guesser, "ann", now).unwrap();
            limits.failed_at(guesser, "ann", now);
        }
        assert!(
            limits.check_at(ip("10.0.1.3"), "ann", now).is_err(),
            "a guesser that failed on the account is stopped"
        );
        assert!(
            limits.check_at(ip("192.0.2.7"), "ann", now).is_ok(),
            "the owner, elsewhere, may still try"
        );
        assert!(limits.check_at(ip("10.0.1.3"), "bob", now).is_ok());
    }
}
