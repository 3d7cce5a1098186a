//! Per-requester request budgets: a token bucket per client address (IPv4 address, IPv6 /64),
//! refilled continuously. The buckets live in the database under the requester's keyed
//! fingerprint ([`super::store::Store::take_token`]), so every instance draws from the same
//! budget and no client address is stored; idle buckets are purged.

use std::net::{IpAddr, Ipv6Addr};
use std::time::Duration;

use super::store::{Bucket, Store, StoreError};

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

pub struct IpLimiter {
    per_minute: u32,
}

impl IpLimiter {
    /// `per_minute` requests per minute per requester, in bursts of the same size; 0 turns the
    /// limit off.
    pub fn new(per_minute: u32) -> Self {
        Self { per_minute }
    }

    /// Takes one request from the budget of the requester with fingerprint `requester_mac`
    /// at `now` (Unix seconds); `Ok(Err(wait))` when it is spent.
    pub async fn check(
        &self,
        store: &Store,
        requester_mac: &[u8; 32],
        now: f64,
    ) -> Result<Result<(), Duration>, StoreError> {
        if self.per_minute == 0 {
            return Ok(Ok(()));
        }
        let capacity = f64::from(self.per_minute);
        let bucket = Bucket {
            capacity,
            per_second: capacity / 60.0,
        };
        Ok(store
            .take_token(requester_mac, bucket, now)
            .await?
            .map_err(|wait| Duration::from_secs_f64(wait.clamp(0.001, 3600.0))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn budget_refills() {
        let store = Store::in_memory().await.unwrap();
        let limiter = IpLimiter::new(60);
        let (me, other) = ([1u8; 32], [2u8; 32]);
        let t0 = 1_000_000.0;
        for _ in 0..60 {
            assert!(limiter.check(&store, &me, t0).await.unwrap().is_ok());
        }
        let wait = limiter.check(&store, &me, t0).await.unwrap().unwrap_err();
        assert!(wait <= Duration::from_secs(1) && wait > Duration::ZERO);
        assert!(limiter.check(&store, &me, t0 + 1.0).await.unwrap().is_ok());
        assert!(limiter.check(&store, &me, t0 + 1.0).await.unwrap().is_err());
        // A clock step back refills nothing.
        assert!(
            limiter
                .check(&store, &me, t0 - 30.0)
                .await
                .unwrap()
                .is_err()
        );
        assert!(limiter.check(&store, &other, t0).await.unwrap().is_ok());
        assert!(
            IpLimiter::new(0)
                .check(&store, &me, t0)
                .await
                .unwrap()
                .is_ok()
        );
        // A minute later the bucket is full again, and no fuller.
        for _ in 0..60 {
            assert!(limiter.check(&store, &me, t0 + 70.0).await.unwrap().is_ok());
        }
        assert!(
            limiter
                .check(&store, &me, t0 + 70.0)
                .await
                .unwrap()
                .is_err()
        );
    }

    #[test]
    fn ipv6_counts_by_its_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff:ffff:ffff:ffff".parse().unwrap();
        let other: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(requester(a), requester(b), "the same /64 shares a budget");
        assert_ne!(requester(a), requester(other));
        let v4: IpAddr = "192.0.2.7".parse().unwrap();
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(
            requester(v4),
            requester(mapped),
            "mapped IPv4 is the same requester"
        );
        assert_eq!(requester(a), "2001:db8:1:2::".parse::<IpAddr>().unwrap());
    }
}
