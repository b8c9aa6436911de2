//! The `presence` benchmark: what presence costs the wire in a busy room. `--readers`
//! seeded accounts (`loadgen seed-rooms`) stay online, each reading `/api/stream` on a
//! connection of its own, like one browser each; every account is in the lobby, so it is
//! a room with all of them as members. Further accounts churn: each comes online (opens a
//! stream), stays `--online-secs`, goes away (closes it) for `--away-secs` (longer than the
//! server's grace, so each leave is real), and again, spread so that together they make
//! `--changes-per-sec` joins and leaves a second.
//!
//! After `--warmup-secs` of churn, it counts for `--seconds` the `presence` lines the
//! readers receive (the changes; not a stream's opening list) and their bytes, and reports
//! them per reader and minute, with the HTTP/2 and TLS framing of one line sent alone
//! (9 + 22 bytes) as an upper estimate of what the wire adds. It also reports the size of
//! the opening list each join receives. Bounded in time; stops by itself.

use crate::h2_streams::{run_connection, Target};
use crate::proc_stats::{cpu_seconds, sum_over};
use crate::readers::{Opened, Totals};
use crate::seed::read_plan;
use crate::tls::authority_of;
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch, Semaphore};

/// The session cookie's name (`backend/src/auth.rs`).
const SESSION_COOKIE: &str = "__Host-h2chat";
/// What HTTP/2 (a DATA frame header) and TLS 1.3 (record header, content type, AEAD tag)
/// add to a line sent on its own.
const FRAMING_PER_LINE: u64 = 9 + 22;

#[derive(clap::Args)]
pub struct PresenceArgs {
    /// Server base URL (https://127.0.0.1:PORT).
    #[arg(long, default_value = "https://127.0.0.1:8443")]
    url: String,
    /// PEM certificate to trust (the server's certs/cert.pem).
    #[arg(long)]
    ca: PathBuf,
    /// The plan `loadgen seed-rooms` wrote for the server's database.
    #[arg(long)]
    plan: PathBuf,
    /// Accounts that stay online and read (the plan's first).
    #[arg(long, default_value = "5000")]
    readers: usize,
    /// Joins and leaves per second, together.
    #[arg(long, default_value = "100")]
    changes_per_sec: u64,
    /// Seconds a churning account stays online.
    #[arg(long, default_value = "10")]
    online_secs: u64,
    /// Seconds a churning account stays away (more than the server's 5 s grace).
    #[arg(long, default_value = "10")]
    away_secs: u64,
    /// Seconds of churn before counting.
    #[arg(long, default_value = "20")]
    warmup_secs: u64,
    /// Seconds counted.
    #[arg(long, default_value = "60")]
    seconds: u64,
    /// HTTP/2 connections the churning accounts' streams share.
    #[arg(long, default_value = "8")]
    churn_connections: usize,
    /// Handshakes in flight at once.
    #[arg(long, default_value = "64")]
    connect_concurrency: usize,
    /// Seconds to wait for every reader's hello.
    #[arg(long, default_value = "120")]
    hello_secs: u64,
    /// Server process id, to report its CPU.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Report {
    readers: usize,
    connected: usize,
    churners: usize,
    /// What was asked, and what the churners did while counting.
    changes_per_sec_asked: u64,
    joins_per_sec: f64,
    leaves_per_sec: f64,
    seconds: f64,
    /// `presence` lines each reader got per second (at most one a second by design).
    lines_per_reader_per_sec: f64,
    /// Bytes of those lines (JSON and newline) per reader and minute.
    body_bytes_per_reader_per_min: f64,
    /// The same with the framing of each line sent alone: an upper estimate of the wire.
    wire_bytes_per_reader_per_min: f64,
    /// The opening list a joining stream gets right after its hello, in bytes (mean).
    opening_list_bytes_mean: f64,
    server_cpu_seconds: Option<f64>,
}

pub async fn run(args: PresenceArgs) -> anyhow::Result<()> {
    let plan = read_plan(&args.plan)?;
    let cycle = args.online_secs + args.away_secs;
    let churners = (args.changes_per_sec * cycle / 2) as usize;
    if args.readers == 0 || args.churn_connections == 0 || cycle == 0 {
        bail!("need --readers, --churn-connections and a cycle of at least 1");
    }
    if plan.accounts.len() < args.readers + churners {
        bail!(
            "{} readers and {churners} churning accounts need {} accounts; the plan has {}",
            args.readers,
            args.readers + churners,
            plan.accounts.len()
        );
    }
    let fd_limit =
        backend::fd_limit::raise_to_hard_limit().context("cannot raise the open-files limit")?;
    if (args.readers + args.churn_connections) as u64 + 64 > fd_limit {
        bail!(
            "{} connections need more open files than the limit ({fd_limit})",
            args.readers
        );
    }
    let base = args.url.trim_end_matches('/').to_owned();
    let authority = authority_of(&base)?;
    let pem =
        std::fs::read(&args.ca).with_context(|| format!("cannot read {}", args.ca.display()))?;
    let tls = crate::tls::client_config(&pem)?;
    let pids = args.server_pids.clone();
    let cpu_now = || sum_over(&pids, cpu_seconds);

    // The readers: one connection and one stream each.
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let mut readers = Vec::with_capacity(args.readers);
    let mut opened = Vec::with_capacity(args.readers);
    for account in &plan.accounts[..args.readers] {
        let target = Target {
            authority: authority.clone(),
            path: "/api/stream?since=0".to_owned(),
            sse: false,
            cookie: Some(format!("{SESSION_COOKIE}={}", account.token)),
            room: None,
        };
        let (gate, totals, stop, tls) =
            (gate.clone(), totals.clone(), stop_rx.clone(), tls.clone());
        let (opened_tx, opened_rx) = oneshot::channel();
        opened.push(opened_rx);
        readers.push(tokio::spawn(async move {
            let Ok(permit) = gate.acquire_owned().await else {
                return Vec::new();
            };
            run_connection(target, tls, 1, permit, opened_tx, totals, stop).await
        }));
    }
    let mut connected = 0;
    for o in opened {
        if let Ok(Opened { streams, error }) = o.await {
            connected += streams;
            if let Some(err) = error {
                eprintln!("loadgen: connect failed: {err:#}");
            }
        }
    }
    let hello_until = Instant::now() + Duration::from_secs(args.hello_secs);
    while totals.hellos.load(Ordering::Relaxed) < connected as u64 && Instant::now() < hello_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    // The churners, over a few shared connections.
    let (churn, tasks) = crate::churn::start(
        &authority,
        tls.clone(),
        &plan.accounts[args.readers..args.readers + churners],
        args.churn_connections,
        Duration::from_secs(args.online_secs),
        Duration::from_secs(args.away_secs),
        stop_rx.clone(),
    )
    .await?;

    tokio::time::sleep(Duration::from_secs(args.warmup_secs)).await;
    let counts = |t: &Totals, c: &crate::churn::Churn| {
        (
            t.presence_lines.load(Ordering::Relaxed),
            t.presence_bytes.load(Ordering::Relaxed),
            c.joins.load(Ordering::Relaxed),
            c.leaves.load(Ordering::Relaxed),
        )
    };
    let before = counts(&totals, &churn);
    let cpu_before = cpu_now();
    let started = Instant::now();
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let seconds = started.elapsed().as_secs_f64();
    let after = counts(&totals, &churn);
    let cpu_after = cpu_now();
    let _ = stop_tx.send(true);
    for task in tasks {
        task.await?;
    }
    for reader in readers {
        reader.await?;
    }

    let per_reader = (connected.max(1) as f64) * seconds;
    let lines = (after.0 - before.0) as f64;
    let bytes = (after.1 - before.1) as f64;
    let lists = churn.lists.load(Ordering::Relaxed);
    let report = Report {
        readers: args.readers,
        connected,
        churners,
        changes_per_sec_asked: args.changes_per_sec,
        joins_per_sec: (after.2 - before.2) as f64 / seconds,
        leaves_per_sec: (after.3 - before.3) as f64 / seconds,
        seconds,
        lines_per_reader_per_sec: lines / per_reader,
        body_bytes_per_reader_per_min: bytes / per_reader * 60.0,
        wire_bytes_per_reader_per_min: (bytes + lines * FRAMING_PER_LINE as f64) / per_reader
            * 60.0,
        opening_list_bytes_mean: churn.list_bytes.load(Ordering::Relaxed) as f64
            / lists.max(1) as f64,
        server_cpu_seconds: cpu_before.zip(cpu_after).map(|(b, a)| a - b),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_summary(&report);
    }
    if connected < args.readers {
        bail!("only {connected} of {} readers connected", args.readers);
    }
    Ok(())
}

fn print_summary(r: &Report) {
    println!(
        "presence: {} of {} readers online, {} churning accounts ({} joins+leaves/s asked; \
         {:.1} joins/s and {:.1} leaves/s measured over {:.0} s)",
        r.connected,
        r.readers,
        r.churners,
        r.changes_per_sec_asked,
        r.joins_per_sec,
        r.leaves_per_sec,
        r.seconds
    );
    println!(
        "per reader: {:.2} presence lines/s, {:.0} body bytes/min, {:.0} wire bytes/min \
         (with HTTP/2 and TLS framing per line)",
        r.lines_per_reader_per_sec,
        r.body_bytes_per_reader_per_min,
        r.wire_bytes_per_reader_per_min
    );
    println!(
        "a join's opening list: {:.0} bytes; server CPU while counting: {}",
        r.opening_list_bytes_mean,
        r.server_cpu_seconds
            .map_or_else(|| "n/a".to_owned(), |s| format!("{s:.2} s"))
    );
}
