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
//! ```

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
    if requests > 0 {
        unseal_throughput(requests, concurrency)?;
    }
    // A 10 MB inner message (the sealed mail is ~14 MB), and a 10 MB sealed mail.
    open_large_message(10 * 1024 * 1024)?;
    open_large_message(7_300_000)?;
    Ok(())
}

fn unseal_throughput(requests: usize, concurrency: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let server_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let client_rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;

    let (mail_tx, mut mail_rx) = tokio::sync::mpsc::unbounded_channel();
    let mut config = PortalConfig::loopback(MasterKey::generate().0);
    config.database = Database::Sqlite(dir.path().join("portal.sqlite"));
    config.ip_requests_per_minute = 0;
    config.sender_tokens = vec![SenderToken {
        token: "bench-sender-token-0123456789".into(),
        allowed_from: vec!["*@example.test".into()],
    }];
    let portal = server_rt.block_on(Portal::start(config, Arc::new(ChannelMailer(mail_tx))))?;
    let origin = portal.origin().to_owned();

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
    println!(
        "unseal with session: {} requests, {} concurrent clients, {:.2} s: {:.0} requests/s; \
         latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        concurrency,
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        latencies.value_at_quantile(0.5) as f64 / 1000.0,
        latencies.value_at_quantile(0.99) as f64 / 1000.0,
        latencies.max() as f64 / 1000.0,
    );
    server_rt.block_on(portal.shutdown())?;
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
