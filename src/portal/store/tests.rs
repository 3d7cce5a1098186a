//! The store's rules, checked on an in-memory SQLite database (the PostgreSQL backend runs
//! the same queries; the portal test suite runs against both).

use super::*;
use crate::sealed::api::OTP_TTL_S;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};

const ID: &str = "AAECAwQFBgcICQoLDA0ODw";

const ME: [u8; 32] = [7; 32];
const THEM: [u8; 32] = [8; 32];

#[tokio::test]
async fn passcode_rules() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    let good = [2u8; 32];
    let bad = [3u8; 32];
    assert!(
        store
            .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, None)
            .await
            .unwrap()
    );
    assert!(
        !store
            .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, None)
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .check_passcode(ID, &addr, &good, &ME, 100)
            .await
            .unwrap(),
        PasscodeCheck::NoPasscode
    );

    store
        .insert_passcode(ID, &addr, Some((&good, b"w")), "AAAA", 100)
        .await
        .unwrap();
    for left in (0..OTP_MAX_ATTEMPTS).rev() {
        assert_eq!(
            store
                .check_passcode(ID, &addr, &bad, &ME, 101)
                .await
                .unwrap(),
            PasscodeCheck::Wrong {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        store
            .check_passcode(ID, &addr, &good, &ME, 101)
            .await
            .unwrap(),
        PasscodeCheck::Locked
    );
    // Another requester is not locked out by those wrong tries.
    assert_eq!(
        store
            .check_passcode(ID, &addr, &good, &THEM, 101)
            .await
            .unwrap(),
        PasscodeCheck::Accepted
    );
    assert_eq!(
        store
            .check_passcode(ID, &addr, &good, &THEM, 102)
            .await
            .unwrap(),
        PasscodeCheck::NoPasscode
    );

    store
        .insert_passcode(ID, &addr, Some((&good, b"w")), "BBBB", 300)
        .await
        .unwrap();
    let expiry = 300 + OTP_TTL_S as i64;
    assert_eq!(
        store
            .check_passcode(ID, &addr, &good, &THEM, expiry)
            .await
            .unwrap(),
        PasscodeCheck::NoPasscode
    );
}

#[tokio::test]
async fn a_new_passcode_leaves_the_live_one_working() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    store
        .insert_passcode(ID, &addr, Some((&[5; 32], b"w5")), "AAAA", 10)
        .await
        .unwrap();
    store
        .insert_passcode(ID, &addr, Some((&[6; 32], b"w6")), "BBBB", 11)
        .await
        .unwrap();
    let live = store.live_passcode(ID, &addr, 12).await.unwrap().unwrap();
    assert_eq!(
        (live.reference.as_str(), live.code_wrapped.as_deref()),
        ("BBBB", Some(&b"w6"[..]))
    );
    assert_eq!(
        store
            .check_passcode(ID, &addr, &[5; 32], &ME, 12)
            .await
            .unwrap(),
        PasscodeCheck::Accepted
    );
    // Once one is used, the others are used up too.
    assert_eq!(
        store
            .check_passcode(ID, &addr, &[6; 32], &ME, 13)
            .await
            .unwrap(),
        PasscodeCheck::NoPasscode
    );
}

#[tokio::test]
async fn many_requesters_together_kill_a_passcode() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    store
        .insert_passcode(ID, &addr, Some((&[5; 32], b"w")), "AAAA", 10)
        .await
        .unwrap();
    for n in 0..WRONG_PER_PASSCODE {
        let requester = [(n % 200) as u8 + 20; 32];
        let _ = store
            .check_passcode(ID, &addr, &[0; 32], &requester, 11)
            .await
            .unwrap();
    }
    assert_eq!(
        store
            .check_passcode(ID, &addr, &[5; 32], &ME, 11)
            .await
            .unwrap(),
        PasscodeCheck::NoPasscode
    );
}

#[tokio::test]
async fn requests_count_per_requester_and_target() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    store
        .record_request(ID, &addr, &ME, true, 10)
        .await
        .unwrap();
    store
        .record_request(ID, &addr, &THEM, true, 11)
        .await
        .unwrap();
    store
        .record_request(ID, &addr, &THEM, false, 12)
        .await
        .unwrap();
    store
        .record_request("other", &addr, &THEM, true, 12)
        .await
        .unwrap();
    let mine = store.request_counts(ID, &addr, &ME, 0).await.unwrap();
    assert_eq!(
        mine,
        RequestCounts {
            by_requester_for_target: 1,
            by_requester: 1,
            mailed_for_target: 2,
            oldest_mail: Some(10)
        }
    );
    let theirs = store.request_counts(ID, &addr, &THEM, 10).await.unwrap();
    assert_eq!(
        (
            theirs.by_requester_for_target,
            theirs.by_requester,
            theirs.mailed_for_target
        ),
        (2, 3, 1)
    );
}

#[tokio::test]
async fn a_first_version_database_is_migrated_and_its_live_passcode_still_works() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("portal.sqlite");
    let addr = [1u8; 32];
    {
        let options = SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(options).await.unwrap();
        sqlx::raw_sql(sqlite::MIGRATIONS[0])
            .execute(&pool)
            .await
            .unwrap();
        sqlx::raw_sql("PRAGMA user_version = 1")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query(
            "INSERT INTO passcodes (id, address_mac, code_mac, issued, expires)
             VALUES (?, ?, ?, 100, 1000)",
        )
        .bind(ID)
        .bind(&addr[..])
        .bind(&[5u8; 32][..])
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    }
    let store = Store::open(&path).await.unwrap();
    let version: i64 = sqlx::query_scalar("PRAGMA user_version")
        .fetch_one(store.sqlite_pool().unwrap())
        .await
        .unwrap();
    assert_eq!(version, sqlite::MIGRATIONS.len() as i64);
    // The old passcode has no reference: it is not mailed again, but it still opens.
    assert!(store.live_passcode(ID, &addr, 200).await.unwrap().is_none());
    assert_eq!(
        store
            .check_passcode(ID, &addr, &[5; 32], &ME, 200)
            .await
            .unwrap(),
        PasscodeCheck::Accepted
    );
    store.close().await;
}

#[tokio::test]
async fn revoke_sessions_and_purge() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    store
        .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, Some(500))
        .await
        .unwrap();
    let row = store.message(ID, &addr).await.unwrap().unwrap();
    assert!(row.is_recipient);
    assert_eq!(row.availability(499), Availability::Available);
    assert_eq!(row.availability(500), Availability::Expired);
    assert!(
        !store
            .message(ID, &[2; 32])
            .await
            .unwrap()
            .unwrap()
            .is_recipient
    );
    store.revoke(ID).await.unwrap();
    let row = store.message(ID, &addr).await.unwrap().unwrap();
    assert_eq!(
        (row.availability(0), row.wrapped_key),
        (Availability::Revoked, None)
    );

    store.insert_session(&[7; 32], &addr, 1000).await.unwrap();
    assert_eq!(
        store.session(&[7; 32], 999).await.unwrap(),
        Some((addr, 1000))
    );
    assert_eq!(store.session(&[7; 32], 1000).await.unwrap(), None);
    assert!(store.purge(2000, 0.0).await.unwrap());
    assert_eq!(store.session(&[7; 32], 0).await.unwrap(), None);
}

#[tokio::test]
async fn a_session_and_its_message_come_in_one_query() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    store
        .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, None)
        .await
        .unwrap();
    store.insert_session(&[7; 32], &addr, 1000).await.unwrap();
    store
        .insert_session(&[8; 32], &[2; 32], 1000)
        .await
        .unwrap();
    let (mac, expires, message) = store
        .session_and_message(&[7; 32], ID, 999)
        .await
        .unwrap()
        .unwrap();
    let message = message.unwrap();
    assert_eq!((mac, expires), (addr, 1000));
    assert!(message.is_recipient && message.sender == "s@x.test");
    let (_, _, other) = store
        .session_and_message(&[8; 32], ID, 999)
        .await
        .unwrap()
        .unwrap();
    assert!(!other.unwrap().is_recipient, "another address's session");
    let (_, _, unknown) = store
        .session_and_message(&[7; 32], "BBECAwQFBgcICQoLDA0ODw", 999)
        .await
        .unwrap()
        .unwrap();
    assert!(unknown.is_none());
    assert!(
        store
            .session_and_message(&[7; 32], ID, 1000)
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
}

#[tokio::test]
async fn the_purge_erases_the_keys_of_expired_messages() {
    let store = Store::in_memory().await.unwrap();
    let addr = [1u8; 32];
    store
        .insert_message(ID, "s@x.test", &[9; 60], &[addr], 100, Some(500))
        .await
        .unwrap();
    let other = "BBECAwQFBgcICQoLDA0ODw";
    store
        .insert_message(other, "s@x.test", &[9; 60], &[addr], 100, Some(900))
        .await
        .unwrap();
    assert!(store.purge(499, 0.0).await.unwrap());
    assert!(
        store
            .message(ID, &addr)
            .await
            .unwrap()
            .unwrap()
            .wrapped_key
            .is_some()
    );
    assert!(store.purge(500, 0.0).await.unwrap());
    let expired = store.message(ID, &addr).await.unwrap().unwrap();
    assert_eq!(
        (expired.wrapped_key.as_deref(), expired.availability(500)),
        (None, Availability::Expired)
    );
    let live = store.message(other, &addr).await.unwrap().unwrap();
    assert_eq!(live.availability(500), Availability::Available);
    store.revoke(other).await.unwrap();
    let revoked = store.message(other, &addr).await.unwrap().unwrap();
    assert_eq!(revoked.availability(1000), Availability::Revoked);
}
