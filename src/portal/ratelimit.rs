//! Per-requester request budgets: a token bucket per client address (IPv4 address, IPv6 /64),
//! refilled continuously; the table forgets idle requesters so it cannot grow without bound.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const MAX_TRACKED: usize = 100_000;

/// The requester a client address counts as: an IPv4 address itself (also when written as
/// an IPv4-mapped IPv6 address), an IPv6 address by its /64, which one subscriber usually
/// holds whole.
pub fn requester(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(v4) => IpAddr::V4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let prefix = u128::from(v6) & !(u128::from(u64::MAX));
                IpAddr::V6(Ipv6Addr::from(prefix))
            }
        },
    }
}

struct Bucket {
    tokens: f64,
    updated: Instant,
}

pub struct IpLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl IpLimiter {
    /// `per_minute` requests per minute per address, in bursts of the same size; 0 turns the
    /// limit off.
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one request from the address's budget; `Err(wait)` when it is spent.
    pub fn check(&self, ip: IpAddr) -> Result<(), Duration> {
        self.check_at(ip, Instant::now())
    }

    fn check_at(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let capacity = f64::from(self.per_minute);
        let rate = capacity / 60.0;
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if buckets.len() >= MAX_TRACKED {
            // Full buckets carry no information: dropping them changes no decision.
            buckets.retain(|_, b| {
                b.tokens + now.duration_since(b.updated).as_secs_f64() * rate < capacity
            });
        }
        let bucket = buckets.entry(requester(ip)).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_refills() {
        let limiter = IpLimiter::new(60);
        let ip: IpAddr = [127, 0, 0, 1].into();
        let t0 = Instant::now();
        for _ in 0..60 {
            assert!(limiter.check_at(ip, t0).is_ok());
        }
        let wait = limiter.check_at(ip, t0).unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert!(limiter.check_at(ip, t0 + Duration::from_secs(1)).is_ok());
        assert!(limiter.check_at([127, 0, 0, 2].into(), t0).is_ok());
        assert!(IpLimiter::new(0).check_at(ip, t0).is_ok());
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let limiter = IpLimiter::new(2);
        let t0 = Instant::now();
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert!(limiter.check_at(a, t0).is_ok());
        assert!(limiter.check_at(b, t0).is_ok());
        assert!(
            limiter.check_at(a, t0).is_err(),
            "the same /64 shares a budget"
        );
        assert!(limiter.check_at(other, t0).is_ok());
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert!(limiter.check_at(v4, t0).is_ok());
        assert!(limiter.check_at(mapped, t0).is_ok());
        assert!(
            limiter.check_at(v4, t0).is_err(),
            "mapped IPv4 is the same requester"
        );
        assert_eq!(requester(a), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
    }
}
