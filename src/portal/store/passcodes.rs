//! Passcodes, the requests that asked for them, and wrong tries. Each check-and-update is one
//! statement (an upsert whose condition is re-checked on the locked row) or one transaction,
//! so limits hold however many instances serve the same message at once.

use sqlx::Row;
use subtle::ConstantTimeEq;

use super::{
    LIVE_PASSCODES, LivePasscode, PasscodeCheck, RequestCounts, Store, StoreError,
    WRONG_PER_PASSCODE, WRONG_PER_REQUESTER,
};
use crate::sealed::api::OTP_TTL_S;

impl Store {
    /// The requests that count toward the limits at `since` and after.
    pub async fn request_counts(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
        since: i64,
    ) -> Result<RequestCounts, StoreError> {
        const SQL: &str = "SELECT
               (SELECT COUNT(*) FROM otp_requests
                 WHERE id = $1 AND address_mac = $2 AND requester = $3 AND at > $4),
               (SELECT COUNT(*) FROM otp_requests WHERE requester = $3 AND at > $4),
               (SELECT COUNT(*) FROM otp_requests
                 WHERE id = $1 AND address_mac = $2 AND mailed = 1 AND at > $4),
               (SELECT MIN(at) FROM otp_requests
                 WHERE id = $1 AND address_mac = $2 AND mailed = 1 AND at > $4)";
        let (a, b, c, oldest): (i64, i64, i64, Option<i64>) = with_pool!(self, pool => {
            let row = sqlx::query(SQL)
                .bind(id)
                .bind(&address_mac[..])
                .bind(&requester[..])
                .bind(since)
                .fetch_one(pool)
                .await?;
            (row.try_get(0)?, row.try_get(1)?, row.try_get(2)?, row.try_get(3)?)
        });
        let count = |n: i64| u32::try_from(n).unwrap_or(u32::MAX);
        Ok(RequestCounts {
            by_requester_for_target: count(a),
            by_requester: count(b),
            mailed_for_target: count(c),
            oldest_mail: oldest,
        })
    }

    /// Records a passcode request (`mailed`: a passcode mail went out for it).
    pub async fn record_request(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
        mailed: bool,
        now: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO otp_requests (id, address_mac, requester, at, mailed)
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(&requester[..])
            .bind(now)
            .bind(i64::from(mailed))
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// The newest passcode of this id and address that still works at `now` (or the newest
    /// live record without a code, for an id or address that gets no mail).
    pub async fn live_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        now: i64,
    ) -> Result<Option<LivePasscode>, StoreError> {
        with_pool!(self, pool => {
            let row = sqlx::query(
                "SELECT code_wrapped, reference FROM passcodes
                 WHERE id = $1 AND address_mac = $2 AND used = 0 AND expires > $3
                   AND attempts < $4 AND reference IS NOT NULL
                 ORDER BY issued DESC, rowid DESC LIMIT 1",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(now)
            .bind(WRONG_PER_PASSCODE)
            .fetch_optional(pool)
            .await?;
            Ok(match row {
                Some(row) => Some(LivePasscode {
                    code_wrapped: row.try_get(0)?,
                    reference: row.try_get(1)?,
                }),
                None => None,
            })
        })
    }

    /// Adds a passcode (with its fingerprint and wrapped code) or, without them, a record that
    /// only keeps the reference stable (an id or address that gets no mail). Earlier passcodes
    /// keep working: a new request never invalidates a live one.
    pub async fn insert_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        code: Option<(&[u8; 32], &[u8])>,
        reference: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "INSERT INTO passcodes
                   (id, address_mac, code_mac, code_wrapped, reference, issued, expires)
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(code.map(|(mac, _)| mac.to_vec()))
            .bind(code.map(|(_, wrapped)| wrapped.to_vec()))
            .bind(reference)
            .bind(now)
            .bind(now + OTP_TTL_S as i64)
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Wrong passcodes this requester gave for this id and address since its last new
    /// passcode.
    pub async fn failures(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
    ) -> Result<u32, StoreError> {
        let wrong: Option<i64> = with_pool!(self, pool => sqlx::query_scalar(
            "SELECT wrong FROM otp_failures WHERE id = $1 AND address_mac = $2 AND requester = $3",
        )
        .bind(id)
        .bind(&address_mac[..])
        .bind(&requester[..])
        .fetch_optional(pool)
        .await?);
        Ok(wrong.map_or(0, |w| u32::try_from(w).unwrap_or(u32::MAX)))
    }

    /// Gives the requester a fresh allowance of wrong passcodes (it asked for a new one).
    pub async fn reset_failures(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        requester: &[u8; 32],
    ) -> Result<(), StoreError> {
        with_pool!(self, pool => {
            sqlx::query(
                "DELETE FROM otp_failures WHERE id = $1 AND address_mac = $2 AND requester = $3",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(&requester[..])
            .execute(pool)
            .await?;
        });
        Ok(())
    }

    /// Checks a passcode fingerprint against the live passcodes of this id and address (the
    /// newest [`LIVE_PASSCODES`]). Wrong tries count per requester (one requester cannot lock
    /// out another) and, against brute force from many requesters, per passcode. The try is
    /// reserved atomically before comparing (an upsert whose limit PostgreSQL re-checks on the
    /// locked row), so parallel guesses at any number of instances cannot exceed the limit; a
    /// right answer gives it back and uses up every live passcode of that id and address.
    pub async fn check_passcode(
        &self,
        id: &str,
        address_mac: &[u8; 32],
        code_mac: &[u8; 32],
        requester: &[u8; 32],
        now: i64,
    ) -> Result<PasscodeCheck, StoreError> {
        with_pool!(self, pool => {
            let live = sqlx::query(
                "SELECT rowid, code_mac FROM passcodes
                 WHERE id = $1 AND address_mac = $2 AND code_mac IS NOT NULL AND used = 0
                   AND expires > $3 AND attempts < $4
                 ORDER BY issued DESC, rowid DESC LIMIT $5",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(now)
            .bind(WRONG_PER_PASSCODE)
            .bind(LIVE_PASSCODES)
            .fetch_all(pool)
            .await?;
            if live.is_empty() {
                return Ok(PasscodeCheck::NoPasscode);
            }
            let reserved: Option<i64> = sqlx::query_scalar(
                "INSERT INTO otp_failures (id, address_mac, requester, wrong, updated)
                 VALUES ($1, $2, $3, 1, $5)
                 ON CONFLICT (id, address_mac, requester) DO UPDATE
                   SET wrong = otp_failures.wrong + 1, updated = $5
                   WHERE otp_failures.wrong < $4
                 RETURNING wrong",
            )
            .bind(id)
            .bind(&address_mac[..])
            .bind(&requester[..])
            .bind(i64::from(WRONG_PER_REQUESTER))
            .bind(now)
            .fetch_optional(pool)
            .await?;
            let Some(wrong) = reserved else {
                return Ok(PasscodeCheck::Locked);
            };
            let mut matched = subtle::Choice::from(0);
            for row in &live {
                let stored: Vec<u8> = row.try_get(1)?;
                matched |= stored.as_slice().ct_eq(&code_mac[..]);
            }
            if bool::from(matched) {
                let mut tx = pool.begin().await?;
                let used = sqlx::query(
                    "UPDATE passcodes SET used = 1
                     WHERE id = $1 AND address_mac = $2 AND code_mac = $3 AND used = 0",
                )
                .bind(id)
                .bind(&address_mac[..])
                .bind(&code_mac[..])
                .execute(&mut *tx)
                .await?
                .rows_affected();
                sqlx::query(
                    "UPDATE passcodes SET used = 1
                     WHERE id = $1 AND address_mac = $2 AND code_mac IS NOT NULL",
                )
                .bind(id)
                .bind(&address_mac[..])
                .execute(&mut *tx)
                .await?;
                sqlx::query(
                    "DELETE FROM otp_failures
                     WHERE id = $1 AND address_mac = $2 AND requester = $3",
                )
                .bind(id)
                .bind(&address_mac[..])
                .bind(&requester[..])
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
                return Ok(if used >= 1 {
                    PasscodeCheck::Accepted
                } else {
                    PasscodeCheck::NoPasscode
                });
            }
            for row in &live {
                let rowid: i64 = row.try_get(0)?;
                sqlx::query("UPDATE passcodes SET attempts = attempts + 1 WHERE rowid = $1")
                    .bind(rowid)
                    .execute(pool)
                    .await?;
            }
            let left = (i64::from(WRONG_PER_REQUESTER) - wrong).max(0);
            Ok(PasscodeCheck::Wrong {
                attempts_left: u32::try_from(left).unwrap_or(0),
            })
        })
    }
}
