//! The `rooms` benchmark: every seeded account (`loadgen seed-rooms`) signed in on a
//! `/api/stream` of its own connection, and rounds of stamped posts, one in every room per
//! round, each from one of the room's members. Every reader checks that what it gets is of
//! its own room; a message of another room is a violation (it must never happen).
//!
//! Phases as in `fanout`: connect every stream (bounded handshake concurrency), wait for
//! every hello, post `--messages` rounds `--interval-ms` apart, then wait until every
//! reader has every message of its room or the drain time runs out. Bounded in count and
//! time; exits non-zero when streams, deliveries or posts are missing, or on a violation.

use crate::h2_streams::{run_connection, Target};
use crate::proc_stats::{cpu_seconds, rss_bytes, sum_over};
use crate::readers::{Opened, Totals};
use crate::seed::read_plan;
use crate::stats::{percentiles, Percentiles};
use crate::tls::authority_of;
use anyhow::{bail, Context};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch, Semaphore};

/// The session cookie's name (`backend/src/auth.rs`).
const SESSION_COOKIE: &str = "__Host-h2chat";

#[derive(clap::Args)]
pub struct RoomsArgs {
    /// Server base URL (https://127.0.0.1:PORT).
    #[arg(long, default_value = "https://127.0.0.1:8443")]
    url: String,
    /// PEM certificate to trust (the server's certs/cert.pem).
    #[arg(long)]
    ca: PathBuf,
    /// The plan `loadgen seed-rooms` wrote for the server's database.
    #[arg(long)]
    plan: PathBuf,
    /// Rounds to post; each round posts one message in every room.
    #[arg(long, default_value = "20")]
    messages: usize,
    /// Milliseconds between the starts of two rounds.
    #[arg(long, default_value = "50")]
    interval_ms: u64,
    /// HTTP/2 connections the posts are spread over (each post carries its author's cookie).
    #[arg(long, default_value = "4")]
    posters: usize,
    /// Handshakes in flight at once.
    #[arg(long, default_value = "64")]
    connect_concurrency: usize,
    /// Seconds to wait for every stream's hello.
    #[arg(long, default_value = "60")]
    hello_secs: u64,
    /// Seconds to wait for missing deliveries after the last post.
    #[arg(long, default_value = "15")]
    drain_secs: u64,
    /// Server process id, to report its memory and CPU.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
    /// Accounts of the plan that read (its first); all when left out. The rest may churn.
    #[arg(long)]
    readers: Option<usize>,
    /// Accounts after the readers that come and go while the rounds are posted (presence
    /// changes): each online `--online-secs`, then away `--away-secs`, over and over.
    #[arg(long, default_value = "0")]
    churners: usize,
    #[arg(long, default_value = "2")]
    online_secs: u64,
    #[arg(long, default_value = "6")]
    away_secs: u64,
    /// Typing requests a second in the first room while the rounds are posted, by its
    /// reading members in turn.
    #[arg(long, default_value = "0")]
    typing_per_sec: u32,
    /// Seconds between the last hello and the first round, the churn and the typing
    /// running (10 when there are churners or typists, else none). Readers coming online
    /// are told to the others for a second or two after they connect: a run compared with
    /// a busy one waits as long, so that neither posts while that settles.
    #[arg(long)]
    awareness_warmup_secs: Option<u64>,
}

#[derive(serde::Serialize)]
struct Report {
    rooms: usize,
    clients: usize,
    connected: usize,
    hellos: u64,
    connect_seconds: f64,
    rounds: usize,
    /// Messages posted: rounds × rooms.
    messages: usize,
    expected: u64,
    delivered: u64,
    /// Messages a reader got from a room not its own: must be 0.
    violations: u64,
    /// Delivery latency, post stamp to reader, in the same place as `fanout`'s report.
    fanout: Percentiles,
    post: Percentiles,
    server_rss_baseline_bytes: Option<u64>,
    server_rss_connected_bytes: Option<u64>,
    server_rss_per_client_bytes: Option<f64>,
    server_cpu_seconds_posting: Option<f64>,
    server_cpu_us_per_delivery: Option<f64>,
    loadgen_cpu_seconds_posting: Option<f64>,
    posting_seconds: f64,
    /// Messages posted per second, over the posting rounds alone.
    messages_per_second: f64,
    /// Presence changes made while posting (joins and leaves) and typing requests passed on.
    churn_joins: u64,
    churn_leaves: u64,
    typing_passed: u64,
    typing_refused: u64,
}

pub async fn run(args: RoomsArgs) -> anyhow::Result<()> {
    let plan = Arc::new(read_plan(&args.plan)?);
    if plan.accounts.is_empty() || args.messages == 0 || args.posters == 0 {
        bail!("need accounts in the plan, --messages and --posters of at least 1");
    }
    let fd_limit =
        backend::fd_limit::raise_to_hard_limit().context("cannot raise the open-files limit")?;
    let clients = args
        .readers
        .unwrap_or(plan.accounts.len())
        .min(plan.accounts.len());
    if clients + args.churners > plan.accounts.len() {
        bail!(
            "{clients} readers and {} churners need more accounts than the plan's {}",
            args.churners,
            plan.accounts.len()
        );
    }
    if (clients + args.posters + args.churners.min(8)) as u64 + 64 > fd_limit {
        bail!("{clients} connections need more open files than the limit ({fd_limit})");
    }
    let base = args.url.trim_end_matches('/').to_owned();
    let authority = authority_of(&base)?;
    let pids = args.server_pids.clone();
    let rss_now = || sum_over(&pids, |p| rss_bytes(p).map(|b| b as f64)).map(|b| b as u64);
    let cpu_now = || sum_over(&pids, cpu_seconds);
    let pem =
        std::fs::read(&args.ca).with_context(|| format!("cannot read {}", args.ca.display()))?;
    let tls = crate::tls::client_config(&pem)?;
    let rss_baseline = rss_now();

    // Connect: one connection and one stream per account, like one browser each.
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let started = Instant::now();
    let mut readers = Vec::with_capacity(clients);
    let mut opened = Vec::with_capacity(clients);
    for account in &plan.accounts[..clients] {
        let target = Target {
            authority: authority.clone(),
            path: "/api/stream?since=0".to_owned(),
            sse: false,
            cookie: Some(format!("{SESSION_COOKIE}={}", account.token)),
            room: Some(account.room),
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
    let mut connect_errors = 0;
    for o in opened {
        let Ok(Opened { streams, error }) = o.await else {
            continue;
        };
        connected += streams;
        if let Some(err) = error {
            connect_errors += 1;
            if connect_errors <= 3 {
                eprintln!("loadgen: connect failed: {err:#}");
            }
        }
    }
    // A stream counts once its hello is in: the server has it subscribed to its rooms.
    let hello_until = Instant::now() + Duration::from_secs(args.hello_secs);
    while totals.hellos.load(Ordering::Relaxed) < connected as u64 && Instant::now() < hello_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let hellos = totals.hellos.load(Ordering::Relaxed);
    let connect_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected = rss_now();

    // Presence changes and typing, started before the rounds so they run through them.
    let (churn, churners) = crate::churn::start(
        &authority,
        tls.clone(),
        &plan.accounts[clients..clients + args.churners],
        8,
        Duration::from_secs(args.online_secs),
        Duration::from_secs(args.away_secs),
        stop_rx.clone(),
    )
    .await?;
    let typists: Vec<String> = plan
        .rooms
        .first()
        .map(|room| {
            room.members
                .iter()
                .filter(|m| **m < clients)
                .map(|m| plan.accounts[*m].token.clone())
                .collect()
        })
        .unwrap_or_default();
    let (typed, typing) = crate::typing::start(
        base.clone(),
        tls.clone(),
        plan.rooms.first().map_or(0, |r| r.id),
        typists,
        args.typing_per_sec,
        stop_rx.clone(),
    )?;
    let busy = args.churners > 0 || args.typing_per_sec > 0;
    let warmup = args
        .awareness_warmup_secs
        .unwrap_or(if busy { 10 } else { 0 });
    tokio::time::sleep(Duration::from_secs(warmup)).await;
    let churned = |c: &crate::churn::Churn| {
        (
            c.joins.load(Ordering::Relaxed),
            c.leaves.load(Ordering::Relaxed),
        )
    };
    let churn_before = churned(&churn);
    let typed_before = (
        typed.passed.load(Ordering::Relaxed),
        typed.refused.load(Ordering::Relaxed),
    );

    // Post from a thread of its own, as `fanout` does: on the readers' runtime a post's
    // answer would wait behind thousands of reader tasks.
    let cpu_before = cpu_now();
    let own_cpu_before = cpu_seconds(std::process::id());
    let poster = crate::round_poster::RoundPoster {
        base,
        tls: tls.clone(),
        plan: plan.clone(),
        rounds: args.messages,
        interval: Duration::from_millis(args.interval_ms),
        connections: args.posters,
    };
    let (posting_started, posted_in, mut post_latencies) =
        tokio::task::spawn_blocking(move || poster.run()).await??;
    let members: usize = plan
        .rooms
        .iter()
        .map(|r| r.members.iter().filter(|m| **m < clients).count())
        .sum();
    let expected = (members * args.messages) as u64;
    totals
        .wait_for_deliveries(expected, Duration::from_secs(args.drain_secs))
        .await;
    let posting_seconds = posting_started.elapsed().as_secs_f64();
    let cpu_after = cpu_now();
    let own_cpu_after = cpu_seconds(std::process::id());
    let churn_after = churned(&churn);
    let typed_after = (
        typed.passed.load(Ordering::Relaxed),
        typed.refused.load(Ordering::Relaxed),
    );
    let _ = stop_tx.send(true);
    for task in churners {
        task.await?;
    }
    typing.await?;

    let mut latencies: Vec<Duration> = Vec::with_capacity(expected as usize);
    for reader in readers {
        for seen in reader.await? {
            latencies.extend(
                seen.latencies_us
                    .iter()
                    .map(|us| Duration::from_micros(u64::from(*us))),
            );
        }
    }
    let delivered = totals.deliveries.load(Ordering::Relaxed);
    let server_cpu = cpu_before.zip(cpu_after).map(|(b, a)| a - b);
    let messages = post_latencies.len();
    let report = Report {
        rooms: plan.rooms.len(),
        clients,
        connected,
        hellos,
        connect_seconds,
        rounds: args.messages,
        messages,
        expected,
        delivered,
        violations: totals.violations.load(Ordering::Relaxed),
        fanout: percentiles(&mut latencies),
        post: percentiles(&mut post_latencies),
        server_rss_baseline_bytes: rss_baseline,
        server_rss_connected_bytes: rss_connected,
        server_rss_per_client_bytes: per_client(rss_baseline, rss_connected, connected),
        server_cpu_seconds_posting: server_cpu,
        server_cpu_us_per_delivery: server_cpu.map(|s| micros_per(s, delivered)),
        loadgen_cpu_seconds_posting: own_cpu_before.zip(own_cpu_after).map(|(b, a)| a - b),
        posting_seconds,
        messages_per_second: messages as f64 / posted_in.as_secs_f64().max(1e-9),
        churn_joins: churn_after.0 - churn_before.0,
        churn_leaves: churn_after.1 - churn_before.1,
        typing_passed: typed_after.0 - typed_before.0,
        typing_refused: typed_after.1 - typed_before.1,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_summary(&report);
    }
    if report.violations > 0 {
        bail!(
            "{} messages reached a reader outside their room",
            report.violations
        );
    }
    if connected < clients || (hellos as usize) < clients {
        bail!("only {connected} of {clients} streams opened, {hellos} hellos");
    }
    if delivered < expected {
        bail!("{} of {expected} deliveries missing", expected - delivered);
    }
    Ok(())
}

/// Server memory each stream added, in bytes.
fn per_client(baseline: Option<u64>, connected: Option<u64>, streams: usize) -> Option<f64> {
    match (baseline, connected) {
        (Some(b), Some(c)) if streams > 0 => Some((c as f64 - b as f64) / streams as f64),
        _ => None,
    }
}

/// CPU seconds per delivery, in microseconds (0 deliveries: NaN, which no table hides).
fn micros_per(cpu_seconds: f64, deliveries: u64) -> f64 {
    if deliveries == 0 {
        return f64::NAN;
    }
    cpu_seconds * 1e6 / deliveries as f64
}

fn print_summary(r: &Report) {
    println!(
        "rooms: {} clients in {} rooms, {} connected, {} hellos in {:.1} s",
        r.clients, r.rooms, r.connected, r.hellos, r.connect_seconds
    );
    println!(
        "  {} messages in {} rounds ({:.0}/s); deliveries {}/{}, {} outside their room",
        r.messages, r.rounds, r.messages_per_second, r.delivered, r.expected, r.violations
    );
    println!(
        "  delivery p50 {:.1} ms, p90 {:.1}, p99 {:.1}, max {:.1}; post p50 {:.2} ms, p99 {:.2}",
        r.fanout.p50_ms,
        r.fanout.p90_ms,
        r.fanout.p99_ms,
        r.fanout.max_ms,
        r.post.p50_ms,
        r.post.p99_ms
    );
    if let (Some(per), Some(cpu)) = (r.server_rss_per_client_bytes, r.server_cpu_seconds_posting) {
        println!(
            "  server {:.1} KiB per stream; CPU {cpu:.2} s while posting ({:.1} s), {:.1} µs per delivery",
            per / 1024.0,
            r.posting_seconds,
            r.server_cpu_us_per_delivery.unwrap_or(f64::NAN)
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_delivery_and_per_stream_arithmetic() {
        assert_eq!(micros_per(2.0, 100_000), 20.0);
        assert!(micros_per(1.0, 0).is_nan());
        assert_eq!(per_client(Some(1000), Some(11_000), 5), Some(2000.0));
        assert_eq!(per_client(None, Some(1), 5), None);
        assert_eq!(per_client(Some(1), Some(2), 0), None);
    }

    #[test]
    fn a_reader_counts_messages_of_another_room() {
        let totals = Totals::default();
        let mut seen = crate::readers::Seen::in_room(Some(7));
        let msg = |room| common::Message {
            id: 1,
            user: "u".into(),
            text: format!("lg 0 {}", crate::readers::now_micros()),
            time: 0,
            room,
            account: None,
            guest: false,
            ..Default::default()
        };
        let event = common::StreamEvent::Msgs {
            msgs: vec![msg(7), msg(8)],
        };
        seen.record(event, &totals);
        assert_eq!(totals.deliveries.load(Ordering::Relaxed), 2);
        assert_eq!(totals.violations.load(Ordering::Relaxed), 1);
    }
}
