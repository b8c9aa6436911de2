//! `cargo xtask bench`: short, repeatable benchmark runs against the release backend,
//! printed as a table. Each configuration runs several times; the table shows medians and,
//! where it compares two setups, their ratio measured in the same run.

use crate::run;
use anyhow::{bail, Context, Result};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const RUNS: usize = 3;

/// A release backend child process, killed on drop.
pub struct Server {
    pub child: Child,
    pub url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        // SIGTERM for a clean database close, then make sure.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub fn start_server(root: &Path, db: &str, certs: &Path) -> Result<Server> {
    start_server_with(root, certs, &["--db", db])
}

/// A release backend with the bench defaults plus `store_args` (`--db ...` or `--redis ...`).
pub fn start_server_with(root: &Path, certs: &Path, store_args: &[&str]) -> Result<Server> {
    let mut child = Command::new(root.join("target/release/backend"))
        // One address posts and connects as fast as it can: no per-client limits.
        .args([
            "--listen",
            "127.0.0.1:0",
            "--post-rate",
            "0",
            "--max-streams-per-ip",
            "0",
        ])
        .args(store_args)
        .arg("--certs-dir")
        .arg(certs)
        .env("RUST_LOG", "error")
        .stdout(Stdio::piped())
        .spawn()
        .context("starting target/release/backend")?;
    let stdout = child.stdout.take().context("backend stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let Some(line) = lines.next() else {
            bail!("backend exited before serving")
        };
        if let Some(url) = line?.strip_prefix("h2chat is serving ") {
            break url.trim_end_matches('/').to_owned();
        }
    };
    std::thread::spawn(move || lines.for_each(drop));
    Ok(Server { child, url })
}

/// The middle value (NaN for none, which no goal accepts).
pub fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(|a, b| a.total_cmp(b));
    values.get(values.len() / 2).copied().unwrap_or(f64::NAN)
}

/// The median of one number (a JSON pointer such as `/fanout/p99_ms`) across loadgen reports.
pub fn median_at(reports: &[serde_json::Value], pointer: &str) -> f64 {
    median(
        reports
            .iter()
            .filter_map(|r| r.pointer(pointer).and_then(serde_json::Value::as_f64))
            .collect(),
    )
}

/// Runs `loadgen MODE --json` against `server` with `args`; returns its JSON report.
pub fn loadgen(
    root: &Path,
    mode: &str,
    server: &Server,
    certs: &Path,
    args: &[&str],
) -> Result<serde_json::Value> {
    loadgen_nodes(root, mode, &[server], certs, args)
}

/// [`loadgen`] against several nodes of one chat (`--url` and `--server-pid` for each).
pub fn loadgen_nodes(
    root: &Path,
    mode: &str,
    servers: &[&Server],
    certs: &Path,
    args: &[&str],
) -> Result<serde_json::Value> {
    let mut cmd = Command::new(root.join("target/release/loadgen"));
    cmd.args([mode, "--json"]);
    for server in servers {
        cmd.args(["--url", &server.url]);
        if mode == "fanout" {
            cmd.args(["--server-pid", &server.child.id().to_string()]);
        }
    }
    let out = cmd
        .arg("--ca")
        .arg(certs.join("cert.pem"))
        .args(args)
        .output()
        .context("running loadgen")?;
    if !out.status.success() {
        bail!(
            "loadgen {mode} {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(serde_json::from_slice(&out.stdout)?)
}

fn posts_per_sec(
    root: &Path,
    server: &Server,
    certs: &Path,
    posters: usize,
    count: usize,
) -> Result<f64> {
    let (posters, count) = (posters.to_string(), count.to_string());
    let args = ["--posters", posters.as_str(), "--count", count.as_str()];
    let report = loadgen(root, "posts", server, certs, &args)?;
    report["posts_per_sec"]
        .as_f64()
        .context("posts_per_sec missing")
}

/// Posts per second with 1, 16 and 64 concurrent posters: durable SQLite vs `:memory:`.
fn store_throughput(root: &Path, scratch: &Path) -> Result<()> {
    let certs = scratch.join("certs");
    let posters = [1usize, 16, 64];
    let mut table: Vec<(usize, f64, f64)> = Vec::new();
    for &p in &posters {
        let count = if p == 1 { 3_000 } else { 20_000 };
        let mut durable = Vec::new();
        let mut memory = Vec::new();
        for run_no in 0..RUNS {
            // Alternate, each on a fresh server and database, so drift hits both alike.
            let db = scratch.join(format!("bench-{p}-{run_no}.db"));
            let server = start_server(root, &db.display().to_string(), &certs)?;
            durable.push(posts_per_sec(root, &server, &certs, p, count)?);
            drop(server);
            let server = start_server(root, ":memory:", &certs)?;
            memory.push(posts_per_sec(root, &server, &certs, p, count)?);
        }
        println!("xtask: posters={p} durable={durable:.0?} memory={memory:.0?}");
        table.push((p, median(durable), median(memory)));
    }
    println!("\n| posters | durable (posts/s) | :memory: (posts/s) | durable / memory |");
    println!("| ---: | ---: | ---: | ---: |");
    for (p, d, m) in table {
        println!("| {p} | {d:.0} | {m:.0} | {:.0}% |", 100.0 * d / m);
    }
    println!(
        "\n(medians of {RUNS} runs each; durable = SQLite WAL, synchronous=FULL, group commit)"
    );
    Ok(())
}

/// The headline load: 5 000 browsers, 20 messages 50 ms apart.
pub const FIVE_THOUSAND_BROWSERS: [&str; 6] = [
    "--clients",
    "5000",
    "--messages",
    "20",
    "--interval-ms",
    "50",
];

/// One `loadgen fanout` run on a fresh in-memory server (loadgen reads its RSS and CPU
/// through its pid).
pub fn fanout_on_fresh_server(
    root: &Path,
    certs: &Path,
    args: &[&str],
) -> Result<serde_json::Value> {
    let server = start_server(root, ":memory:", certs)?;
    loadgen(root, "fanout", &server, certs, args)
}

/// Fan-out latency and server memory for 5 000 clients on each transport.
fn transports(root: &Path, scratch: &Path) -> Result<()> {
    let certs = scratch.join("certs");
    let mut rows = Vec::new();
    for transport in ["stream", "sse", "ws"] {
        let mut reports = Vec::new();
        for _ in 0..RUNS {
            let mut args = vec!["--transport", transport];
            args.extend(FIVE_THOUSAND_BROWSERS);
            reports.push(fanout_on_fresh_server(root, &certs, &args)?);
        }
        let pick = |pointer: &str| median_at(&reports, pointer);
        rows.push(format!(
            "| {transport} | {:.1} | {:.1} | {:.1} | {:.0}/{:.0} | {:.1} | {:.0} |",
            pick("/fanout/p50_ms"),
            pick("/fanout/p99_ms"),
            pick("/fanout/max_ms"),
            pick("/delivered"),
            pick("/expected"),
            pick("/server_rss_per_client_bytes") / 1024.0,
            pick("/bytes_per_delivery"),
        ));
        println!("xtask: {transport}: {} runs done", reports.len());
    }
    println!("\n| transport | fan-out p50 (ms) | p99 (ms) | max (ms) | delivered | server RSS per client (KiB) | bytes per delivery |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!("{row}");
    }
    println!("\n(5 000 clients, one TLS connection each, 20 messages 50 ms apart; medians of {RUNS} runs, each on a fresh server)");
    Ok(())
}

/// A fresh in-memory server holding 50 messages: a page has history to paint.
pub fn server_with_history(root: &Path, certs: &Path) -> Result<Server> {
    let server = start_server(root, ":memory:", certs)?;
    loadgen(
        root,
        "posts",
        &server,
        certs,
        &["--posters", "1", "--count", "50"],
    )
    .context("seeding messages")?;
    Ok(server)
}

/// The page's size and time to first history, against a server with 50 messages.
fn frontend(root: &Path, scratch: &Path) -> Result<()> {
    crate::tools::trunk_build(root, true)?;
    let server = server_with_history(root, &scratch.join("certs"))?;
    crate::bench_frontend::run(root, &format!("{}/", server.url))
}

/// `cargo xtask bench [store|transports|frontend|redis|peers|all]`; without a name, the
/// short pass over every target. `all` leaves out `peers`, which installs nginx.
pub fn run_bench(root: &Path, which: Option<&str>) -> Result<()> {
    run(Command::new("cargo").args(["build", "--release", "-p", "backend", "-p", "loadgen"]))?;
    let scratch: PathBuf =
        std::env::temp_dir().join(format!("h2chat-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = match which {
        Some("store") => store_throughput(root, &scratch),
        Some("transports") => transports(root, &scratch),
        Some("frontend") => frontend(root, &scratch),
        Some("redis") => crate::bench_redis::two_nodes_vs_one(root, &scratch),
        Some("peers") => crate::bench_peers::run(root, &scratch),
        None => crate::bench_quick::run(root, &scratch),
        Some("all") => store_throughput(root, &scratch)
            .and_then(|()| transports(root, &scratch))
            .and_then(|()| frontend(root, &scratch))
            .and_then(|()| crate::bench_redis::two_nodes_vs_one(root, &scratch)),
        Some(other) => Err(anyhow::anyhow!(
            "unknown benchmark {other:?}: store, transports, frontend, redis, peers or all"
        )),
    };
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
