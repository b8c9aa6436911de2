//! What every benchmark shares: the release backend as a fresh process per run, the load
//! tool, medians, and the headline load.

use anyhow::{bail, Context, Result};
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use testkit::BackendProcess;

pub const RUNS: usize = 3;

/// A release backend process, stopped gracefully (SIGTERM) when dropped.
pub struct Server(Option<BackendProcess>);

impl Server {
    pub fn url(&self) -> &str {
        self.0.as_ref().map_or("", BackendProcess::url)
    }

    pub fn pid(&self) -> u32 {
        self.0.as_ref().map_or(0, BackendProcess::pid)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(process) = self.0.take() {
            // A clean database close; the process is killed if it takes longer.
            let _ = process.stop(Duration::from_secs(30));
        }
    }
}

/// Seeds the SQLite file `db` with `rooms` closed rooms of `per_room` accounts (and their
/// sessions) by running `loadgen seed-rooms` of the load tool `loadgen` (a build's own, for
/// its schema); the plan the load reads goes to `plan`.
pub fn seed_rooms(loadgen: &Path, db: &Path, plan: &Path, rooms: u32, per_room: u32) -> Result<()> {
    let (rooms, per_room) = (rooms.to_string(), per_room.to_string());
    crate::run(
        Command::new(loadgen)
            .args([
                "seed-rooms",
                "--rooms",
                &rooms,
                "--per-room",
                &per_room,
                "--db",
            ])
            .arg(db)
            .arg("--out")
            .arg(plan),
    )
}

/// Removes the SQLite file `db` and its WAL and shared-memory files, if there.
pub fn remove_sqlite(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut path = db.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(path);
    }
}

pub fn start_server(root: &Path, db: &str, certs: &Path) -> Result<Server> {
    start_server_with(root, certs, &["--db", db])
}

/// A release backend with the bench defaults plus `store_args` (`--db ...` or `--redis ...`).
pub fn start_server_with(root: &Path, certs: &Path, store_args: &[&str]) -> Result<Server> {
    start_binary(&root.join("target/release/backend"), certs, store_args)
}

/// [`start_server_with`] for another build of the backend (an A/B baseline).
pub fn start_binary(binary: &Path, certs: &Path, store_args: &[&str]) -> Result<Server> {
    let mut cmd = Command::new(binary);
    // One address posts and connects as fast as it can: no per-client limits.
    cmd.args([
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
    // The load tool posts as one account: no budget per account either (an environment
    // variable, which builds from before that budget ignore, unlike a flag).
    .env("H2CHAT_ACCOUNT_POST_RATE", "0")
    .env("RUST_LOG", "error");
    let process = BackendProcess::start(cmd, Duration::from_secs(60))
        .with_context(|| format!("starting {}", binary.display()))?;
    Ok(Server(Some(process)))
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
    let urls: Vec<&str> = servers.iter().map(|s| s.url()).collect();
    let pids: Vec<u32> = match mode {
        "fanout" | "rooms" | "presence" => servers.iter().map(|s| s.pid()).collect(),
        _ => Vec::new(),
    };
    loadgen_at(root, mode, &urls, &pids, certs, args)
}

/// `loadgen MODE --json` against `urls`, reading the CPU and memory of `pids`. A run with
/// deliveries missing still gives its report (loadgen prints it, then exits non-zero), so
/// a table shows what arrived; a run without a report is an error.
pub fn loadgen_at(
    root: &Path,
    mode: &str,
    urls: &[&str],
    pids: &[u32],
    certs: &Path,
    args: &[&str],
) -> Result<serde_json::Value> {
    let mut cmd = Command::new(root.join("target/release/loadgen"));
    cmd.args([mode, "--json"]);
    for url in urls {
        cmd.args(["--url", url]);
    }
    for pid in pids {
        cmd.args(["--server-pid", &pid.to_string()]);
    }
    let out = cmd
        .arg("--ca")
        .arg(certs.join("cert.pem"))
        .args(args)
        .output()
        .context("running loadgen")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    match serde_json::from_slice(&out.stdout) {
        Ok(report) => {
            if !out.status.success() {
                println!("xtask: loadgen {mode} {args:?}: {}", stderr.trim());
            }
            Ok(report)
        }
        Err(_) => bail!("loadgen {mode} {args:?} failed: {stderr}"),
    }
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
