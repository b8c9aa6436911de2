//! The `fanout` benchmark: N streaming clients, K stamped posts, every delivery timed.
//!
//! Phases: connect all clients (bounded handshake concurrency), settle, post K messages at
//! a fixed interval, then wait until every client has every message or the drain time
//! runs out. Bounded in count and time; exits non-zero when deliveries are missing.
//!
//! With `--wire raw` the same load runs against a pub/sub peer that relays each posted body
//! verbatim as one stream line (nginx + nchan, `cargo xtask bench peers`): the poster then
//! publishes the very line h2chat would have sent, after a hello for every stream to start
//! with. Nothing else changes.

use crate::h2_streams::{run_connection, Target};
use crate::proc_stats::{cpu_seconds, rss_bytes, sum_over};
use crate::readers::{run_ws_client, Opened, Totals};
use crate::stamped_poster::{publish_hello, StampedPoster, Wire};
use crate::stats::{percentiles, Percentiles};
use crate::tls::authority_of;
use anyhow::{bail, Context};
use common::Transport;
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{oneshot, watch, Semaphore};

/// `--transport`: one of the three transports that carry one event per message. The
/// course's window transport re-sends the whole window on every line: nothing to time.
fn parse_transport(name: &str) -> Result<Transport, String> {
    match Transport::from_name(name) {
        Some(Transport::Window) => {
            Err("the window transport carries no per-message events: use stream, sse or ws".into())
        }
        Some(transport) => Ok(transport),
        None => Err(format!("unknown transport {name:?}: use stream, sse or ws")),
    }
}

#[derive(clap::Args)]
pub struct FanoutArgs {
    /// Server base URL (https://127.0.0.1:PORT). Repeat it for several nodes of one chat:
    /// connections and posts then alternate between them.
    #[arg(long = "url", default_value = "https://127.0.0.1:8443")]
    urls: Vec<String>,
    /// PEM certificate to trust (the server's certs/cert.pem).
    #[arg(long)]
    ca: PathBuf,
    /// stream (NDJSON over HTTP/2), sse or ws.
    #[arg(long, value_parser = parse_transport, default_value = "stream")]
    transport: Transport,
    /// What the server speaks: h2chat, or `raw` for a relay such as nginx + nchan.
    #[arg(long, value_enum, default_value = "h2chat")]
    wire: Wire,
    /// Streaming clients.
    #[arg(long, default_value = "1000")]
    clients: usize,
    /// TCP+TLS connections the HTTP clients share (default: one per client, like separate
    /// browsers). WebSocket clients always use one each.
    #[arg(long)]
    connections: Option<usize>,
    /// Handshakes in flight at once.
    #[arg(long, default_value = "64")]
    connect_concurrency: usize,
    /// Messages to post (0: post nothing; with --idle-secs, measure the idle cost).
    #[arg(long, default_value = "20")]
    messages: usize,
    /// With --messages 0: seconds to hold the clients idle while measuring server CPU.
    #[arg(long, default_value = "0")]
    idle_secs: u64,
    /// Milliseconds between posts.
    #[arg(long, default_value = "50")]
    interval_ms: u64,
    /// Seconds to wait for missing deliveries after the last post.
    #[arg(long, default_value = "15")]
    drain_secs: u64,
    /// Server process id, to report its memory and CPU. Repeat it for several nodes: their
    /// figures are added up.
    #[arg(long = "server-pid")]
    server_pids: Vec<u32>,
    /// Print one JSON object instead of the summary.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Report {
    transport: Transport,
    wire: Wire,
    nodes: usize,
    clients: usize,
    connections: usize,
    connected: usize,
    connect_seconds: f64,
    messages: usize,
    expected: u64,
    delivered: u64,
    fanout: Percentiles,
    fanout_p999_ms: f64,
    post: Percentiles,
    bytes_per_delivery: f64,
    server_rss_baseline_bytes: Option<u64>,
    server_rss_connected_bytes: Option<u64>,
    server_rss_per_client_bytes: Option<f64>,
    server_cpu_seconds_posting: Option<f64>,
    /// The load tool's own CPU over the same window: it shares the server's cores.
    loadgen_cpu_seconds_posting: Option<f64>,
    posting_seconds: f64,
    /// Server CPU while the clients sat idle, as a percentage of one core.
    idle_cpu_percent_of_core: Option<f64>,
}

pub async fn run(args: FanoutArgs) -> anyhow::Result<()> {
    if args.clients == 0 {
        bail!("--clients must be at least 1");
    }
    if args.messages == 0 && args.idle_secs == 0 {
        bail!("give --messages (at least 1) or --messages 0 with --idle-secs");
    }
    if args.wire == Wire::Raw && args.transport != Transport::Stream {
        bail!("--wire raw works with --transport stream only");
    }
    let fd_limit =
        backend::fd_limit::raise_to_hard_limit().context("cannot raise the open-files limit")?;
    // WebSocket clients always have a connection each.
    let connections = match args.transport {
        Transport::Ws => args.clients,
        _ => args
            .connections
            .unwrap_or(args.clients)
            .clamp(1, args.clients),
    };
    if (connections as u64) + 64 > fd_limit {
        bail!("{connections} connections need more open files than the limit ({fd_limit})");
    }
    let bases: Vec<String> = args
        .urls
        .iter()
        .map(|u| u.trim_end_matches('/').to_owned())
        .collect();
    let node_of = |i: usize| &bases[i % bases.len()];
    let pids = args.server_pids.clone();
    let rss_now = || sum_over(&pids, |p| rss_bytes(p).map(|b| b as f64)).map(|b| b as u64);
    let cpu_now = || sum_over(&pids, cpu_seconds);
    let pem =
        std::fs::read(&args.ca).with_context(|| format!("cannot read {}", args.ca.display()))?;
    let tls = crate::tls::client_config(&pem)?;
    if args.wire == Wire::Raw {
        publish_hello(&bases, &tls).await?;
    }
    let rss_baseline = rss_now();

    // Connect.
    let totals = Arc::new(Totals::default());
    let (stop_tx, stop_rx) = watch::channel(false);
    let gate = Arc::new(Semaphore::new(args.connect_concurrency.max(1)));
    let started = Instant::now();
    let mut readers = Vec::with_capacity(connections);
    let path = match (args.transport, args.wire) {
        (Transport::Stream, Wire::Raw) => "/msgs",
        (Transport::Stream, Wire::H2chat) => "/msgs?since=0",
        (Transport::Sse, _) => "/msgs/events",
        (Transport::Ws, _) => "/msgs/ws",
        (Transport::Window, _) => bail!("{}", parse_transport("window").unwrap_err()),
    };
    // One task per WebSocket client, or per HTTP/2 connection with all its streams.
    // Client i uses connection i % connections, and connection c talks to node c % nodes.
    let mut opened = Vec::new();
    for c in 0..connections {
        let job = match args.transport {
            Transport::Ws => Job::WebSocket {
                url: format!("{}{path}", node_of(c)),
            },
            _ => Job::Http2 {
                target: Target {
                    authority: authority_of(node_of(c))?,
                    path: path.to_owned(),
                    sse: args.transport == Transport::Sse,
                    cookie: None,
                    room: None,
                },
                streams: args.clients / connections + usize::from(c < args.clients % connections),
            },
        };
        let (gate, totals, stop, tls) =
            (gate.clone(), totals.clone(), stop_rx.clone(), tls.clone());
        let (opened_tx, opened_rx) = oneshot::channel();
        opened.push(opened_rx);
        readers.push(tokio::spawn(async move {
            let Ok(permit) = gate.acquire_owned().await else {
                return Vec::new();
            };
            match job {
                Job::WebSocket { url } => {
                    run_ws_client(&url, tls, permit, opened_tx, totals, stop).await
                }
                Job::Http2 { target, streams } => {
                    run_connection(target, tls, streams, permit, opened_tx, totals, stop).await
                }
            }
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
    let connect_seconds = started.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_connected = rss_now();

    // Idle: nothing posted; the server only sends heartbeats and HTTP/2 pings.
    let idle_cpu_percent_of_core = if args.messages == 0 {
        let before = cpu_now();
        tokio::time::sleep(Duration::from_secs(args.idle_secs)).await;
        let after = cpu_now();
        before
            .zip(after)
            .map(|(b, a)| 100.0 * (a - b) / args.idle_secs as f64)
    } else {
        None
    };

    // Post, from a thread of its own: on the readers' runtime a post's answer would wait
    // behind thousands of reader tasks, and the post latency would measure the load tool.
    let cpu_before = cpu_now();
    let own_cpu_before = cpu_seconds(std::process::id());
    let poster = StampedPoster {
        bases: bases.clone(),
        tls: tls.clone(),
        wire: args.wire,
        messages: args.messages,
        interval: Duration::from_millis(args.interval_ms),
    };
    let (posting_started, mut post_latencies) =
        tokio::task::spawn_blocking(move || poster.run()).await??;
    let expected = (connected * args.messages) as u64;
    totals
        .wait_for_deliveries(expected, Duration::from_secs(args.drain_secs))
        .await;
    let posting_seconds = posting_started.elapsed().as_secs_f64();
    let cpu_after = cpu_now();
    let own_cpu_after = cpu_seconds(std::process::id());
    let _ = stop_tx.send(true);

    let mut latencies_us: Vec<u32> = Vec::with_capacity(expected as usize);
    for reader in readers {
        for seen in reader.await? {
            latencies_us.extend(seen.latencies_us);
        }
    }
    let delivered = totals.deliveries.load(Ordering::Relaxed);
    let mut fanout: Vec<Duration> = latencies_us
        .iter()
        .map(|us| Duration::from_micros(u64::from(*us)))
        .collect();
    let fanout_p999_ms = {
        fanout.sort_unstable();
        let rank = ((0.999 * fanout.len() as f64).ceil() as usize).clamp(1, fanout.len().max(1));
        fanout
            .get(rank - 1)
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    let report = Report {
        transport: args.transport,
        wire: args.wire,
        nodes: bases.len(),
        clients: args.clients,
        connections,
        connected,
        connect_seconds,
        messages: args.messages,
        expected,
        delivered,
        fanout: percentiles(&mut fanout),
        fanout_p999_ms,
        post: percentiles(&mut post_latencies),
        bytes_per_delivery: totals.bytes.load(Ordering::Relaxed) as f64 / delivered.max(1) as f64,
        server_rss_baseline_bytes: rss_baseline,
        server_rss_connected_bytes: rss_connected,
        server_rss_per_client_bytes: match (rss_baseline, rss_connected) {
            (Some(b), Some(c)) if connected > 0 => Some((c as f64 - b as f64) / connected as f64),
            _ => None,
        },
        server_cpu_seconds_posting: cpu_before.zip(cpu_after).map(|(b, a)| a - b),
        loadgen_cpu_seconds_posting: own_cpu_before.zip(own_cpu_after).map(|(b, a)| a - b),
        posting_seconds,
        idle_cpu_percent_of_core,
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        print_summary(&report);
    }
    if connected < args.clients {
        bail!("only {connected} of {} clients connected", args.clients);
    }
    if delivered < expected {
        bail!("{} of {expected} deliveries missing", expected - delivered);
    }
    Ok(())
}

/// What one connection's task opens and reads.
enum Job {
    WebSocket { url: String },
    Http2 { target: Target, streams: usize },
}

fn print_summary(r: &Report) {
    println!(
        "{:?}: {} clients over {} connections to {} node(s), connected {} in {:.1} s",
        r.transport, r.clients, r.connections, r.nodes, r.connected, r.connect_seconds
    );
    println!(
        "  deliveries {}/{}; fan-out p50 {:.1} ms, p90 {:.1}, p99 {:.1}, p99.9 {:.1}, max {:.1}",
        r.delivered,
        r.expected,
        r.fanout.p50_ms,
        r.fanout.p90_ms,
        r.fanout.p99_ms,
        r.fanout_p999_ms,
        r.fanout.max_ms
    );
    println!(
        "  post p50 {:.2} ms, p99 {:.2} ms; {:.0} bytes per delivery",
        r.post.p50_ms, r.post.p99_ms, r.bytes_per_delivery
    );
    if let Some(idle) = r.idle_cpu_percent_of_core {
        println!("  idle: server CPU {idle:.2}% of one core");
    }
    if let (Some(per), Some(rss)) = (r.server_rss_per_client_bytes, r.server_rss_connected_bytes) {
        println!(
            "  server RSS {:.1} MiB connected, {:.1} KiB per client; CPU {:.2} s while posting ({:.1} s)",
            rss as f64 / 1048576.0,
            per / 1024.0,
            r.server_cpu_seconds_posting.unwrap_or(0.0),
            r.posting_seconds
        );
    }
    if let Some(own) = r.loadgen_cpu_seconds_posting {
        println!("  load tool CPU {own:.2} s while posting");
    }
}
