//! The `posts` benchmark.

use crate::stats::{percentiles, Percentiles};
use anyhow::bail;
use std::path::PathBuf;
use std::time::{Duration, Instant};

#[derive(clap::Args)]
pub struct PostsArgs {
    /// Server base URL.
    #[arg(long, default_value = "https://127.0.0.1:8443")]
    url: String,
    /// PEM certificate to trust (the server's certs/cert.pem).
    #[arg(long)]
    ca: Option<PathBuf>,
    /// Accept any certificate.
    #[arg(long)]
    insecure: bool,
    /// Concurrent posters, one HTTP/2 connection each.
    #[arg(long, default_value = "16")]
    posters: usize,
    /// Posts in total, split evenly over the posters.
    #[arg(long, default_value = "4000")]
    count: usize,
    /// Give up after this many seconds (the run is reported as incomplete).
    #[arg(long, default_value = "120")]
    max_secs: u64,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    json: bool,
}

#[derive(serde::Serialize)]
struct Report {
    posters: usize,
    posted: usize,
    failed: usize,
    seconds: f64,
    posts_per_sec: f64,
    latency: Percentiles,
}

pub async fn run(args: PostsArgs) -> anyhow::Result<()> {
    if args.posters == 0 || args.count < args.posters {
        bail!("--posters must be at least 1 and at most --count");
    }
    let deadline = Instant::now() + Duration::from_secs(args.max_secs);
    let url = format!("{}/msgs", args.url.trim_end_matches('/'));
    let per_poster = args.count / args.posters;
    let mut clients = Vec::new();
    for _ in 0..args.posters {
        let client = crate::tls::client(args.ca.as_deref(), args.insecure)?;
        // Connect (TLS + h2) before the clock starts.
        client
            .get(format!("{}/healthz", args.url.trim_end_matches('/')))
            .send()
            .await?;
        clients.push(client);
    }
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (p, client) in clients.into_iter().enumerate() {
        let url = url.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::with_capacity(per_poster);
            let mut failed = 0;
            for i in 0..per_poster {
                if Instant::now() > deadline {
                    failed += per_poster - i;
                    break;
                }
                let body = serde_json::json!({"user": format!("load{p}"), "text": format!("post {i} from {p}")});
                let t = Instant::now();
                match client.post(&url).json(&body).send().await {
                    Ok(r) if r.status() == 201 => latencies.push(t.elapsed()),
                    _ => failed += 1,
                }
            }
            (latencies, failed)
        }));
    }
    let mut latencies = Vec::new();
    let mut failed = 0;
    for task in tasks {
        let (l, f) = task.await?;
        latencies.extend(l);
        failed += f;
    }
    let seconds = started.elapsed().as_secs_f64();
    let report = Report {
        posters: args.posters,
        posted: latencies.len(),
        failed,
        seconds,
        posts_per_sec: latencies.len() as f64 / seconds,
        latency: percentiles(&mut latencies),
    };
    if args.json {
        println!("{}", serde_json::to_string(&report)?);
    } else {
        println!(
            "{} posters: {} posts in {:.2} s = {:.0} posts/s; latency p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms; {} failed",
            report.posters,
            report.posted,
            report.seconds,
            report.posts_per_sec,
            report.latency.p50_ms,
            report.latency.p99_ms,
            report.latency.max_ms,
            report.failed
        );
    }
    if failed > 0 {
        bail!("{failed} posts failed");
    }
    Ok(())
}
