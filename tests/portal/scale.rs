//! Many instances on one PostgreSQL database: two `sealmail portal` processes sharing the
//! database and the master key, addressed directly and through HAProxy. State made at one is
//! seen at the other at once, limits hold across both, both start together on an empty
//! database, a crash moves the traffic without losing or doubling anything, and a database
//! restart makes both unready and then ready again by themselves.

use std::time::{Duration, Instant};

use futures::future::join_all;
use sealmail::sealed::client::{ClientError, Credential, PortalClient, Registration};
use sealmail::sealed::envelope::ContentKey;
use sealmail::sealed::fields;
use sealmail::sealed::message::find_envelope;
use sqlx::Row;

use crate::common::{
    Options, PortalProc, SENDER_TOKEN, inner_message, mail_stack, new_master_key, passcode_mail,
    seal_cli,
};
use crate::support::{Haproxy, Postgres, haproxy_port};

/// Two instances on one fresh database of `pg`, with one master key (from a command), the
/// proxy's origin and the proxy trusted; HAProxy in front of both.
struct Cluster {
    a: PortalProc,
    b: PortalProc,
    proxy: Haproxy,
    db: String,
}

async fn cluster(pg: &Postgres, options: Options) -> Cluster {
    let db = pg.create_database().await;
    let port = haproxy_port();
    let mut options = options;
    options.database = Some(pg.url(&db));
    options.master_key = Some(new_master_key());
    options.key_command = true;
    options.extra.extend([
        "--origin".into(),
        format!("http://127.0.0.1:{port}"),
        "--trust-proxy".into(),
        "127.0.0.1".into(),
    ]);
    // Both at the same moment, on an empty database.
    let (a, b) = tokio::join!(
        PortalProc::start(options.clone()),
        PortalProc::start(options)
    );
    let proxy = Haproxy::start(port, &[a.addr, b.addr]).await;
    Cluster { a, b, proxy, db }
}

fn direct(portal: &PortalProc) -> PortalClient {
    PortalClient::new(&format!("http://{}", portal.addr), None).expect("portal client")
}

fn passcode(code: &str) -> Credential {
    Credential::Passcode {
        email: "alice@example.test".into(),
        code: code.into(),
    }
}

/// Registers a message from bob to alice at `client`; returns its id.
async fn register(client: &PortalClient) -> Result<String, ClientError> {
    let id = fields::new_message_id();
    register_id(client, &id).await.map(|()| id)
}

async fn register_id(client: &PortalClient, id: &str) -> Result<(), ClientError> {
    let to = vec!["alice@example.test".to_owned()];
    client
        .register(
            &SENDER_TOKEN.into(),
            &Registration {
                id,
                from: "bob@example.test",
                to: &to,
                key: &ContentKey::generate(),
                expires: None,
            },
        )
        .await
}

async fn readyz(portal: &PortalProc) -> Option<u16> {
    let response = reqwest::Client::new()
        .get(format!("http://{}/readyz", portal.addr))
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
}

async fn wait_readyz(portal: &PortalProc, want: u16, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let got = readyz(portal).await;
        if got == Some(want) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "/readyz answered {got:?}, not {want}, for {within:?}; log:\n{}",
            portal.log()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn both_instances_started_together_on_an_empty_database_come_up() {
    let pg = Postgres::shared();
    let c = cluster(pg, Options::default()).await;
    for portal in [&c.a, &c.b] {
        assert_eq!(readyz(portal).await, Some(200), "{}", portal.log());
        let healthz = reqwest::get(format!("http://{}/healthz", portal.addr))
            .await
            .expect("healthz");
        assert_eq!(healthz.status().as_u16(), 200);
    }
    let mut conn = pg.connect(&c.db).await;
    let versions: Vec<i64> = sqlx::query_scalar("SELECT version FROM schema_version")
        .fetch_all(&mut conn)
        .await
        .expect("schema_version");
    assert_eq!(versions, vec![1], "migrated once, by one of them");
    // And they serve: a message registered at one is known at the other.
    let id = register(&direct(&c.a)).await.expect("register at a");
    assert_eq!(
        register_id(&direct(&c.b), &id).await.unwrap_err(),
        ClientError::Exists
    );
}

#[tokio::test]
async fn passcode_session_and_revocation_cross_instances_at_once() {
    let (dovecot, postfix) = mail_stack().await;
    let c = cluster(Postgres::shared(), Options::mail_via(&postfix)).await;
    let (at_a, at_b) = (direct(&c.a), direct(&c.b));
    let inner = inner_message("alice@example.test", "SCALE-MARKER-1");
    // Sealed through HAProxy: the registration lands on either instance.
    let sealed = seal_cli(&c.proxy.origin(), &inner, &[]).await;
    let found = find_envelope(&sealed).expect("a sealed message");
    let id = found.envelope.header.id.clone();

    let requested = at_a
        .request_passcode(&id, "alice@example.test")
        .await
        .expect("passcode requested at a");
    let (code, mail) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    assert!(mail.contains(&c.proxy.origin()), "{mail}");
    let unsealed = at_b
        .unseal(&id, &passcode(&code))
        .await
        .expect("the passcode from a opens at b");
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );
    assert!(
        matches!(
            at_a.unseal(&id, &passcode(&code)).await.unwrap_err(),
            ClientError::BadCredential { .. }
        ),
        "used at b, so used at a"
    );
    let session = Credential::Session(unsealed.session.clone());
    at_a.unseal(&id, &session)
        .await
        .expect("the session made at b is valid at a");

    at_a.revoke(&SENDER_TOKEN.into(), &id)
        .await
        .expect("revoke at a");
    assert_eq!(
        at_b.unseal(&id, &session).await.unwrap_err(),
        ClientError::Revoked,
        "b sees the revocation at once"
    );
}

#[tokio::test]
async fn the_sealed_flow_through_haproxy_mails_from_one_instance_and_unseals_at_the_other() {
    let (dovecot, postfix) = mail_stack().await;
    let c = cluster(Postgres::shared(), Options::mail_via(&postfix)).await;
    let origin = c.proxy.origin();
    let inner = inner_message("alice@example.test", "SCALE-MARKER-2");
    let sealed = seal_cli(&origin, &inner, &[]).await;
    let found = find_envelope(&sealed).expect("a sealed message");
    let id = found.envelope.header.id.clone();
    // The reader's client, as the sealed message names the portal: HAProxy's origin.
    let client = PortalClient::new(&found.envelope.header.portal, None).expect("client");
    assert_eq!(found.envelope.header.portal, origin);
    let requested = client
        .request_passcode(&id, "alice@example.test")
        .await
        .expect("passcode requested");
    let (code, _) = passcode_mail(&dovecot, "alice", &requested.reference).await;
    let unsealed = client.unseal(&id, &passcode(&code)).await.expect("unseal");
    assert_eq!(
        found.envelope.open(&unsealed.key).unwrap().expose(),
        &inner[..]
    );
    // Round robin: the passcode mail went out from one instance, the key from the other.
    let (log_a, log_b) = (c.a.log(), c.b.log());
    let mailed = |log: &str| log.contains("passcode mail sent");
    let released = |log: &str| log.contains("key released");
    assert!(
        (mailed(&log_a) && released(&log_b)) || (mailed(&log_b) && released(&log_a)),
        "a:\n{log_a}\nb:\n{log_b}"
    );
    assert!(!(mailed(&log_a) && mailed(&log_b)), "one passcode mail");
}

#[tokio::test]
async fn twenty_concurrent_wrong_guesses_across_instances_use_exactly_the_allowed_tries() {
    let c = cluster(Postgres::shared(), Options::default()).await;
    let (at_a, at_b) = (direct(&c.a), direct(&c.b));
    let id = register(&at_a).await.expect("register");
    // The mail goes nowhere; the passcode exists all the same.
    at_b.request_passcode(&id, "alice@example.test")
        .await
        .expect("passcode requested");
    let guesses = (0..20).map(|n| {
        let client = if n % 2 == 0 { &at_a } else { &at_b };
        let id = id.clone();
        async move { client.unseal(&id, &passcode("00000000")).await }
    });
    let answers = join_all(guesses).await;
    let mut left: Vec<u32> = Vec::new();
    let mut locked = 0;
    for answer in answers {
        match answer {
            Err(ClientError::BadCredential {
                attempts_left: Some(n),
            }) => left.push(n),
            Err(ClientError::TooManyAttempts { .. }) => locked += 1,
            other => panic!("unexpected answer {other:?}"),
        }
    }
    left.sort_unstable();
    assert_eq!(left, vec![0, 1, 2, 3, 4], "each try counted once");
    assert_eq!(locked, 15, "every guess past the fifth is refused");
    let mut conn = Postgres::shared().connect(&c.db).await;
    let wrong: i64 = sqlx::query_scalar("SELECT CAST(SUM(wrong) AS BIGINT) FROM otp_failures")
        .fetch_one(&mut conn)
        .await
        .expect("otp_failures");
    assert_eq!(wrong, 5, "locked once, at the limit");
}

#[tokio::test]
async fn the_passcode_and_ip_limits_hold_across_instances() {
    let c = cluster(
        Postgres::shared(),
        Options {
            extra: vec!["--ip-requests-per-minute".into(), "15".into()],
            ..Options::default()
        },
    )
    .await;
    let (at_a, at_b) = (direct(&c.a), direct(&c.b));
    let id = register(&at_a).await.expect("register");
    // Ten requests for one passcode at once, split across both: three per window per
    // requester (OTP_MAX_PER_WINDOW), and one passcode made for all of them.
    let requests = (0..10).map(|n| {
        let client = if n % 2 == 0 { &at_a } else { &at_b };
        let id = id.clone();
        async move { client.request_passcode(&id, "alice@example.test").await }
    });
    let answers = join_all(requests).await;
    let references: Vec<String> = answers
        .iter()
        .filter_map(|a| a.as_ref().ok().map(|r| r.reference.clone()))
        .collect();
    let refused = answers
        .iter()
        .filter(|a| matches!(a, Err(ClientError::TooManyAttempts { .. })))
        .count();
    assert_eq!((references.len(), refused), (3, 7), "{answers:?}");
    assert!(
        references.iter().all(|r| *r == references[0]),
        "{references:?}"
    );
    let mut conn = Postgres::shared().connect(&c.db).await;
    let row = sqlx::query("SELECT COUNT(*), COUNT(code_mac) FROM passcodes")
        .fetch_one(&mut conn)
        .await
        .expect("passcodes");
    assert_eq!(
        (row.get::<i64, _>(0), row.get::<i64, _>(1)),
        (1, 1),
        "one passcode"
    );

    // The per-IP budget (15 a minute, one more every 4 s) is one budget for both: 11 spent
    // above (the registration and ten passcode requests), 4 left for either instance.
    let mut ok = 0;
    for n in 0..40 {
        let client = if n % 2 == 0 { &at_a } else { &at_b };
        match client.oidc_nonce().await {
            Ok(_) => ok += 1,
            Err(ClientError::TooManyAttempts { .. }) => {}
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(ok, 4, "one budget of 15 for both instances");
}

/// Runs `call` until it gives an answer that is not a network failure or a 5xx (requests in
/// flight at a crash may fail; retried ones must succeed). `(answer, failed tries)`.
async fn retried<T, F, Fut>(mut call: F) -> (Result<T, ClientError>, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, ClientError>>,
{
    let mut failed = 0;
    loop {
        match call().await {
            Err(ClientError::Network(_)) | Err(ClientError::Server { .. }) if failed < 20 => {
                failed += 1;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            answer => return (answer, failed),
        }
    }
}

#[tokio::test]
async fn an_instance_killed_under_load_loses_and_doubles_nothing() {
    let mut c = cluster(
        Postgres::shared(),
        Options {
            extra: vec!["--ip-requests-per-minute".into(), "0".into()],
            ..Options::default()
        },
    )
    .await;
    let via = PortalClient::new(&c.proxy.origin(), None).expect("client");
    let ids: Vec<String> = (0..80).map(|_| fields::new_message_id()).collect();
    let workers = ids.chunks(20).map(|chunk| {
        let via = via.clone();
        let chunk = chunk.to_vec();
        async move {
            for (n, id) in chunk.iter().enumerate() {
                let (answer, failed) = retried(|| register_id(&via, id)).await;
                match answer {
                    Ok(()) => {}
                    // An earlier try got through before its answer was lost.
                    Err(ClientError::Exists) if failed > 0 => {}
                    other => panic!("registration of {id}: {other:?} after {failed} failures"),
                }
                if n < 3 {
                    let (answer, _) =
                        retried(|| via.request_passcode(id, "alice@example.test")).await;
                    answer.unwrap_or_else(|e| panic!("passcode for {id}: {e:?}"));
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    });
    let kill = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        c.a.kill().await;
    };
    tokio::join!(join_all(workers), kill);

    let mut conn = Postgres::shared().connect(&c.db).await;
    let row = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM messages), (SELECT COUNT(*) FROM recipients),
                (SELECT COUNT(DISTINCT id) FROM passcodes WHERE code_mac IS NOT NULL),
                (SELECT COUNT(*) FROM passcodes WHERE code_mac IS NOT NULL)",
    )
    .fetch_one(&mut conn)
    .await
    .expect("counts");
    let counts: Vec<i64> = (0..4).map(|i| row.get(i)).collect();
    assert_eq!(
        counts,
        vec![80, 80, 12, 12],
        "every registration and passcode once"
    );
    // The proxy sends everything to the survivor now: no failure, no retry.
    for _ in 0..10 {
        register(&via)
            .await
            .expect("served by the surviving instance");
    }
    assert!(c.b.log().contains("message registered"));
}

#[tokio::test]
async fn a_database_restart_makes_both_unready_then_ready_by_themselves() {
    let pg = Postgres::start().await;
    let c = cluster(
        &pg,
        Options {
            extra: vec!["--ip-requests-per-minute".into(), "0".into()],
            ..Options::default()
        },
    )
    .await;
    let (pid_a, pid_b) = (c.a.pid(), c.b.pid());
    let id = register(&direct(&c.a)).await.expect("register");
    let via = PortalClient::new(&c.proxy.origin(), None).expect("client");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (via, stop) = (via.clone(), stop.clone());
        tokio::spawn(async move {
            let mut unavailable = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                match register(&via).await {
                    Ok(_) => {}
                    Err(ClientError::Server { status: 503, .. }) => unavailable += 1,
                    Err(e) => panic!("under a database restart: {e:?}"),
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            unavailable
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    pg.stop().await;
    wait_readyz(&c.a, 503, Duration::from_secs(10)).await;
    wait_readyz(&c.b, 503, Duration::from_secs(10)).await;
    assert!(matches!(
        register(&direct(&c.b)).await,
        Err(ClientError::Server { status: 503, .. })
    ));
    pg.start_again().await;
    wait_readyz(&c.a, 200, Duration::from_secs(20)).await;
    wait_readyz(&c.b, 200, Duration::from_secs(20)).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let unavailable = load.await.expect("the load ran");
    assert!(unavailable > 0, "the load saw the database go away");
    // Back, with the data of before, and the same processes.
    assert_eq!(
        register_id(&direct(&c.b), &id).await.unwrap_err(),
        ClientError::Exists
    );
    register(&direct(&c.a)).await.expect("a serves again");
    register(&direct(&c.b)).await.expect("b serves again");
    assert_eq!((c.a.pid(), c.b.pid()), (pid_a, pid_b));
}

#[tokio::test]
async fn the_connection_to_the_database_is_tls_verified_when_the_url_asks() {
    let pg = Postgres::start_tls().await;
    let ca = pg.tls().expect("TLS files").ca_pem.clone();
    let db = pg.create_database().await;
    let url = |ca: &std::path::Path| {
        format!(
            "{}?sslmode=verify-full&sslrootcert={}",
            pg.url(&db),
            ca.display()
        )
    };
    let portal = PortalProc::start(Options {
        database: Some(url(&ca)),
        ..Options::default()
    })
    .await;
    register(&direct(&portal)).await.expect("served over TLS");
    let mut conn = pg.connect("postgres").await;
    let ssl: bool = sqlx::query_scalar(
        "SELECT bool_and(ssl) FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid
         WHERE a.datname = $1",
    )
    .bind(&db)
    .fetch_one(&mut conn)
    .await
    .expect("pg_stat_ssl");
    assert!(ssl, "every connection of the portal is encrypted");

    // A server whose certificate the given CA did not sign: the portal refuses to start.
    let other = tempfile::tempdir().expect("temp dir");
    let rogue = crate::support::write_test_pki(other.path()).ca_pem;
    let out = tokio::process::Command::new(crate::common::sealmail_bin())
        .args([
            "portal",
            "--listen",
            "127.0.0.1:0",
            "--smtp",
            "smtp://127.0.0.1:9",
        ])
        .args(["--mail-from", "portal@example.test", "--database"])
        .arg(url(&rogue))
        .env("SEALMAIL_PORTAL_MASTER_KEY", new_master_key())
        .env(
            "SEALMAIL_PORTAL_DATABASE_PASSWORD",
            crate::support::PG_PASSWORD,
        )
        .env_remove("SEALMAIL_PORTAL_SENDER_TOKENS")
        .kill_on_drop(true)
        .output()
        .await
        .expect("run sealmail portal");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "started against an unverified server"
    );
    assert!(
        stderr.contains("certificate") || stderr.contains("UnknownIssuer"),
        "{stderr}"
    );
    assert!(!stderr.contains(crate::support::PG_PASSWORD), "{stderr}");
}
