//! Portal benchmarks (not part of the test run; see docs/performance.md):
//!
//! 1. unseal requests per second over loopback with sessions: an embedded portal (SQLite file,
//!    no per-IP limit) on its own runtime, and a bounded load generator of N concurrent reqwest
//!    clients sending a fixed number of `POST /v1/unseal {"id", "session"}` requests;
//! 2. opening a 10 MB sealed message through the reader's code path: find the envelope and the
//!    ciphertext part in the raw RFC 5322 message, decode and validate them, decrypt; and the
//!    sealed mail's size against the inner message's (targets: at most 1.4x, at most 20 ms).
//!
//! ```sh
//! cargo run --release --example portal_bench -- [REQUESTS] [CONCURRENCY]   # REQUESTS 0: skip 1.
//! cargo run --release --example portal_bench -- REQUESTS CONCURRENCY BACKEND   # part 1 only
//! ```
//!
//! BACKEND: `sqlite` (the default), `postgres` (one instance) or `postgres-2` (two instances
//! behind HAProxy, which the program starts from PATH). For PostgreSQL the database URL is in
//! `SEALMAIL_BENCH_DATABASE_URL` and its password in `SEALMAIL_PORTAL_DATABASE_PASSWORD`;
//! `SEALMAIL_BENCH_PG_PID` (the postmaster's pid) adds the database's CPU time to the report.
//! `scripts/bench-portal.sh` runs all three on a private PostgreSQL. `SEALMAIL_BENCH_IP_LIMIT=N`
//! turns the per-IP budget on (N requests a minute; pick one never spent) to measure its cost.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sealmail::portal::Portal;
use sealmail::portal::config::{PortalConfig, SenderToken};
use sealmail::portal::keys::MasterKey;
use sealmail::portal::mailer::ChannelMailer;
use sealmail::portal::store::Database;
use sealmail::sealed::client::{Credential, PortalClient, Registration};
use sealmail::sealed::envelope::Envelope;
use sealmail::sealed::message::{find_envelope, find_envelope_in};
use sealmail::sealed::seal::{SealOptions, seal};

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let requests: usize = args
        .next()
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(50_000);
    let concurrency: usize = args.next().map(|a| a.parse()).transpose()?.unwrap_or(32);
    println!(
        "host: {} cores, load average {}",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    let backend = args.next();
    if requests > 0 {
        unseal_throughput(
            requests,
            concurrency,
            backend.as_deref().unwrap_or("sqlite"),
        )?;
    }
    if backend.is_some() {
        return Ok(());
    }
    // A 10 MB inner message (the sealed mail is ~14 MB), and a 10 MB sealed mail.
    open_large_message(10 * 1024 * 1024)?;
    open_large_message(7_300_000)?;
    Ok(())
}

/// A portal instance on its own 2-thread runtime (as its own process would have).
struct Instance {
    runtime: tokio::runtime::Runtime,
    portal: Portal,
}

/// CPU seconds (user + system) of this process's threads whose name starts with `prefix`.
fn thread_cpu(prefix: &str) -> f64 {
    let tick = 100.0; // USER_HZ on Linux
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0.0;
    };
    tasks
        .flatten()
        .filter_map(|t| std::fs::read_to_string(t.path().join("stat")).ok())
        .filter_map(|stat| {
            let (head, rest) = stat.rsplit_once(") ")?;
            let name = head.split_once(" (")?.1;
            if !name.starts_with(prefix) {
                return None;
            }
            let f: Vec<&str> = rest.split_whitespace().collect();
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .sum::<f64>()
        / tick
}

/// CPU seconds of process `pid` and of its children (PostgreSQL's backends).
fn process_tree_cpu(pid: u32) -> f64 {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    procs
        .flatten()
        .filter_map(|p| std::fs::read_to_string(p.path().join("stat")).ok())
        .filter_map(|stat| {
            let (head, rest) = stat.rsplit_once(") ")?;
            let this: u32 = head.split_once(" (")?.0.trim().parse().ok()?;
            let f: Vec<&str> = rest.split_whitespace().collect();
            let parent: u32 = f.get(1)?.parse().ok()?;
            if this != pid && parent != pid {
                return None;
            }
            Some(f.get(11)?.parse::<f64>().ok()? + f.get(12)?.parse::<f64>().ok()?)
        })
        .sum::<f64>()
        / 100.0
}

fn unseal_throughput(requests: usize, concurrency: usize, backend: &str) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("loadgen")
        .enable_all()
        .build()?;

    let (mail_tx, mut mail_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut config = PortalConfig::loopback(MasterKey::generate().0);
    let (database, instances) = match backend {
        "sqlite" => (Database::Sqlite(dir.path().join("portal.sqlite")), 1),
        "postgres" | "postgres-2" => {
            let url = std::env::var("SEALMAIL_BENCH_DATABASE_URL")
                .map_err(|_| anyhow::anyhow!("set SEALMAIL_BENCH_DATABASE_URL"))?;
            let password = std::env::var("SEALMAIL_PORTAL_DATABASE_PASSWORD")
                .ok()
                .map(Into::into);
            let target = sealmail::portal::store::PostgresTarget { url, password };
            (
                Database::Postgres(target),
                if backend == "postgres" { 1 } else { 2 },
            )
        }
        other => anyhow::bail!("unknown backend {other:?}: sqlite, postgres or postgres-2"),
    };
    config.database = database;
    // Off by default; SEALMAIL_BENCH_IP_LIMIT=N measures the cost of the per-IP budget (a
    // bucket taken in the database on every request) with a budget never spent.
    config.ip_requests_per_minute = std::env::var("SEALMAIL_BENCH_IP_LIMIT")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(0);
    config.sender_tokens = vec![SenderToken {
        token: "bench-sender-token-0123456789".into(),
        allowed_from: vec!["*@example.test".into()],
    }];
    let mailer = Arc::new(ChannelMailer(mail_tx));
    let mut portals = Vec::new();
    for _ in 0..instances {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("portal")
            .enable_all()
            .build()?;
        let portal = runtime.block_on(Portal::start(config.clone(), mailer.clone()))?;
        portals.push(Instance { runtime, portal });
    }
    let mut proxy = None;
    let origin = if instances == 1 {
        portals[0].portal.origin().to_owned()
    } else {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let servers: String = portals
            .iter()
            .enumerate()
            .map(|(n, i)| format!("  server p{n} {}\n", i.portal.local_addr()))
            .collect();
        let cfg = dir.path().join("haproxy.cfg");
        std::fs::write(
            &cfg,
            format!(
                "global\n  maxconn 4000\n  nbthread 1\ndefaults\n  mode http\n  \
                 timeout connect 1s\n  timeout client 30s\n  timeout server 30s\n  \
                 option http-keep-alive\nfrontend f\n  bind 127.0.0.1:{port}\n  \
                 default_backend b\nbackend b\n  balance roundrobin\n  \
                 http-reuse always\n{servers}"
            ),
        )?;
        let child = std::process::Command::new("haproxy")
            .arg("-f")
            .arg(&cfg)
            .arg("-db")
            .stdout(std::process::Stdio::null())
            .spawn()
            .map_err(|e| anyhow::anyhow!("cannot start haproxy: {e}"))?;
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            anyhow::ensure!(Instant::now() < deadline, "haproxy did not listen");
            std::thread::sleep(Duration::from_millis(20));
        }
        proxy = Some(child);
        format!("http://127.0.0.1:{port}")
    };

    let (id, session) = client_rt.block_on(async {
        let client = PortalClient::new(&origin, None)?;
        let sealed = seal(
            b"From: bob@example.test\r\nTo: alice@example.test\r\nSubject: bench\r\n\r\nhello\r\n",
            &origin,
            &SealOptions::default(),
        )?;
        let id = sealed.envelope.header.id.clone();
        client
            .register(
                &"bench-sender-token-0123456789".into(),
                &Registration {
                    id: &id,
                    from: &sealed.from,
                    to: &sealed.to,
                    key: &sealed.key,
                    expires: None,
                },
            )
            .await?;
        client.request_passcode(&id, "alice@example.test").await?;
        let mail = mail_rx
            .recv()
            .await
            .ok_or_else(|| anyhow::anyhow!("no passcode mail"))?;
        let unsealed = client
            .unseal(
                &id,
                &Credential::Passcode {
                    email: "alice@example.test".into(),
                    code: mail.code,
                },
            )
            .await?;
        anyhow::Ok((id, unsealed.session))
    })?;

    let body = serde_json::to_vec(&serde_json::json!({"id": id, "session": session.expose()}))?;
    let url = format!("{origin}/v1/unseal");
    let pg_pid: Option<u32> = std::env::var("SEALMAIL_BENCH_PG_PID")
        .ok()
        .and_then(|p| p.trim().parse().ok());
    let proxy_pid = proxy.as_ref().map(std::process::Child::id);
    let cpu = || {
        (
            thread_cpu("portal"),
            thread_cpu("loadgen"),
            pg_pid.map_or(0.0, process_tree_cpu),
            proxy_pid.map_or(0.0, process_tree_cpu),
        )
    };
    let before = cpu();
    let report = client_rt.block_on(async move {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let warmup = (requests / 10).min(2_000);
        let mut tasks = Vec::new();
        let start = Instant::now();
        for _ in 0..concurrency {
            let next = next.clone();
            let body = body.clone();
            let url = url.clone();
            tasks.push(tokio::spawn(async move {
                let http = reqwest::Client::builder()
                    .pool_max_idle_per_host(1)
                    .build()?;
                let mut latencies = hdrhistogram::Histogram::<u64>::new(3)?;
                let mut measured_from = None;
                loop {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if n >= requests + warmup {
                        break;
                    }
                    if n == warmup {
                        measured_from = Some(Instant::now());
                    }
                    let t0 = Instant::now();
                    let response = http
                        .post(&url)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await?;
                    let status = response.status();
                    let _ = response.bytes().await?;
                    anyhow::ensure!(status == 200, "unseal answered {status}");
                    if n >= warmup {
                        latencies.record(t0.elapsed().as_micros() as u64)?;
                    }
                }
                anyhow::Ok((latencies, measured_from))
            }));
        }
        let mut all = hdrhistogram::Histogram::<u64>::new(3)?;
        let mut first = None::<Instant>;
        for task in tasks {
            let (h, from) = task.await??;
            all.add(h)?;
            if let Some(f) = from {
                first = Some(first.map_or(f, |x: Instant| x.min(f)));
            }
        }
        let elapsed = first.unwrap_or(start).elapsed();
        anyhow::Ok((all, elapsed))
    })?;
    let (latencies, elapsed) = report;
    let after = cpu();
    // Includes the warm-up requests: CPU per request over all of them.
    let all = (requests + (requests / 10).min(2_000)) as f64;
    let per = |a: f64, b: f64| (b - a) / all * 1e6;
    println!(
        "[{backend}] CPU per request (µs, warm-up included): portal {:.0}, PostgreSQL {:.0}, \
         HAProxy {:.0}, load generator {:.0}",
        per(before.0, after.0),
        per(before.2, after.2),
        per(before.3, after.3),
        per(before.1, after.1),
    );
    println!(
        "[{backend}] unseal with session: {} requests, {} concurrent clients, {:.2} s: \
         {:.0} requests/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        concurrency,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies.value_at_quantile(0.5) as f64 / 1000.0,
        latencies.value_at_quantile(0.99) as f64 / 1000.0,
        latencies.max() as f64 / 1000.0,
    );
    if let Some(mut child) = proxy {
        let _ = child.kill();
        let _ = child.wait();
    }
    for instance in portals {
        instance.runtime.block_on(instance.portal.shutdown())?;
    }
    Ok(())
}

fn open_large_message(inner_size: usize) -> anyhow::Result<()> {
    // 10 MB of inner message: headers and a base64 attachment, like a real large mail.
    let mut inner = b"From: bob@example.test\r\nTo: alice@example.test\r\nSubject: big\r\n\
MIME-Version: 1.0\r\nContent-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        .to_vec();
    let line = b"QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVphYmNkZWZnaGlqa2xtbm9wcXJzdHV2d3h5ejAxMjM0\r\n";
    while inner.len() < inner_size {
        inner.extend_from_slice(line);
    }
    let sealed = seal(
        &inner,
        "https://portal.example.test",
        &SealOptions::default(),
    )?;
    println!(
        "open a sealed message: inner {:.1} MB, sealed mail {:.1} MB ({:.3}x the inner message; \
         target at most 1.4x)",
        inner.len() as f64 / 1e6,
        sealed.message.len() as f64 / 1e6,
        sealed.message.len() as f64 / inner.len() as f64
    );
    // Stage by stage, to show where the time goes (best of 7; results are dropped outside
    // the timed part, since wiping 10 MB of plaintext is not part of opening it).
    fn best<T>(mut f: impl FnMut() -> T) -> f64 {
        let mut best = Duration::MAX;
        for _ in 0..7 {
            let t0 = Instant::now();
            let kept = f();
            best = best.min(t0.elapsed());
            drop(kept);
        }
        best.as_secs_f64() * 1e3
    }
    let parsed = mail_parser::MessageParser::default()
        .parse(&sealed.message)
        .ok_or_else(|| anyhow::anyhow!("unparsable"))?;
    let mime = best(|| mail_parser::MessageParser::default().parse(&sealed.message));
    let locate = best(|| find_envelope_in(&parsed));
    let json = sealed.envelope.to_json();
    let ct = sealed.envelope.ciphertext().to_vec();
    let parse = best(|| Envelope::parse(json.as_bytes(), ct.clone()));
    let decrypt = best(|| sealed.envelope.clone().open_into(&sealed.key));
    println!(
        "stages (best of 7): MIME parse {mime:.1} ms; envelope found in the parsed message, \
         its parts decoded and validated {locate:.1} ms (JSON and a copy of the ciphertext \
         {parse:.1} ms); \
         AES-256-GCM decrypt in place {decrypt:.1} ms"
    );

    let mut full = Vec::new();
    let mut after_mime = Vec::new();
    for _ in 0..15 {
        let t0 = Instant::now();
        let found = find_envelope(&sealed.message)?;
        let plain = found.envelope.open_into(&sealed.key)?;
        full.push(t0.elapsed());
        anyhow::ensure!(plain.len() == inner.len());
        drop(plain);
        let t0 = Instant::now();
        let found = find_envelope_in(&parsed)?;
        let plain = found.envelope.open_into(&sealed.key)?;
        after_mime.push(t0.elapsed());
        drop(plain);
    }
    let report = |label: &str, times: &mut Vec<Duration>| {
        times.sort();
        println!(
            "{label}, 15 runs: median {:.1} ms, min {:.1} ms, max {:.1} ms",
            times[times.len() / 2].as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[times.len() - 1].as_secs_f64() * 1e3,
        );
    };
    report(
        "raw mail -> plaintext (find, decode, parse, decrypt; target for 10 MB: at most 20 ms)",
        &mut full,
    );
    report(
        "parsed mail -> plaintext (find, parse, decrypt)",
        &mut after_mime,
    );
    Ok(())
}
