//! Master key rotation: re-wraps every stored content key that is not under the ring's current
//! key (`sealmail portal --rewrap`), so that the earlier key can leave the ring. Each key is
//! replaced by a compare-and-set, so it runs safely beside serving instances and can be run
//! again after an interruption. Passcodes wrapped under an earlier key are not re-wrapped: they
//! expire within minutes.

use super::keys::MasterKey;
use super::store::{Store, StoreError};

/// Rows read per batch.
const BATCH: i64 = 500;

/// What a re-wrap did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RewrapReport {
    /// Keys now wrapped under the current key that were not.
    pub rewrapped: u64,
    /// Keys already under the current key.
    pub current: u64,
    /// Keys no key of the ring opens (left as they are).
    pub unreadable: u64,
}

/// Re-wraps every content key under `master`'s current key.
pub async fn rewrap(store: &Store, master: &MasterKey) -> Result<RewrapReport, StoreError> {
    let mut report = RewrapReport::default();
    let mut after = String::new();
    loop {
        let rows = store.wrapped_keys_after(&after, BATCH).await?;
        let Some(last) = rows.last() else {
            return Ok(report);
        };
        after = last.id.clone();
        for row in rows {
            let (aad, rewrapped) = match row.record_version {
                2 => {
                    let aad = MasterKey::record_aad(&row.id, &row.sender);
                    let record = master.unwrap_record(&row.id, &row.sender, &row.wrapped);
                    let new = record
                        .map(|r| master.wrap_record(&row.id, &row.sender, &r.to, r.key.expose()));
                    (aad, new)
                }
                _ => {
                    let key = master.unwrap(&row.id, &row.wrapped);
                    let new = key.map(|k| master.wrap(&row.id, k.expose()));
                    (row.id.as_bytes().to_vec(), new)
                }
            };
            if master.is_current(&aad, &row.wrapped) {
                report.current += 1;
                continue;
            }
            match rewrapped {
                Some(new) => {
                    if store
                        .replace_wrapped_key(&row.id, &row.wrapped, &new)
                        .await?
                    {
                        report.rewrapped += 1;
                    }
                }
                None => report.unreadable += 1,
            }
        }
    }
}
