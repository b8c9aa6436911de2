//! `cargo xtask bench awareness REV`: what live awareness (presence, typing, read markers)
//! costs the 5 000-browser fan-out, this build against the backend of commit `REV` (one
//! from before it), alternating builds round by round on fresh servers.
//!
//! The load is the same for both: 5 000 signed-in browsers, each on a `/api/stream` of its
//! own connection, in one closed room of 5 400 members (and the lobby); 20 messages 50 ms
//! apart in that room (100 000 deliveries), while 80 more members come and go (each online
//! 2 s, away 6 s: 20 joins and leaves a second, every leave real after the 5 s grace) and
//! a reader says it is typing once a second. (`loadgen rooms --churners 400
//! --typing-per-sec 5` is a far busier room; BENCHMARKS.md has both.) The churn and the typing
//! start 10 s before the first message. On a build without presence or typing those cost
//! only their requests; on this one, the presence lines and typing lines go to every
//! reader. Each build seeds its own database with its own `loadgen seed-rooms` (its schema);
//! this build's load tool drives both.

use super::baseline::{alternate, build_baseline, print_ab};
use super::harness::{loadgen, start_binary, Server};
use crate::run;
use anyhow::{Context, Result};
use std::path::Path;
use std::process::Command;

/// Rounds of each build.
const ROUNDS: usize = 5;

/// The load, as `loadgen rooms` takes it (after `--plan`).
const BUSY_ROOM: [&str; 12] = [
    "--readers",
    "5000",
    "--churners",
    "80",
    "--typing-per-sec",
    "1",
    "--messages",
    "20",
    "--interval-ms",
    "50",
    "--hello-secs",
    "120",
];

/// Seeds a database with `binary`'s load tool, starts `binary` on it and runs the load.
fn round(root: &Path, scratch: &Path, backend: &Path, name: &str) -> Result<serde_json::Value> {
    let db = scratch.join(format!("awareness-{name}.db"));
    let plan = scratch.join(format!("awareness-{name}.json"));
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let seeder = backend.with_file_name("loadgen");
    run(Command::new(&seeder)
        .args(["seed-rooms", "--rooms", "1", "--per-room", "5400", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&plan))?;
    let certs = scratch.join("certs");
    let db_path = db.to_str().context("the scratch path is not UTF-8")?;
    let plan = plan.to_str().context("the scratch path is not UTF-8")?;
    let server: Server = start_binary(backend, &certs, &["--db", db_path])?;
    let mut args = vec!["--plan", plan];
    args.extend(BUSY_ROOM);
    let report = loadgen(root, "rooms", &server, &certs, &args);
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db_path}{suffix}"));
    }
    report
}

pub fn against(root: &Path, scratch: &Path, rev: Option<&str>) -> Result<()> {
    let rev = rev.context("name the build before: cargo xtask bench awareness REV")?;
    let baseline = build_baseline(root, rev)?;
    let current = root.join("target/release/backend");
    let (before, after) = alternate(
        ROUNDS,
        || round(root, scratch, &baseline, "before"),
        || round(root, scratch, &current, "after"),
    )?;
    print_ab(
        "5 000 readers of a 5 400-member room, 20 msgs at 50 ms, 20 joins+leaves/s, 1 typing/s",
        rev,
        &[
            ("delivery p50 (ms)", "/fanout/p50_ms", 1.0),
            ("delivery p99 (ms)", "/fanout/p99_ms", 1.0),
            ("post p99 (ms)", "/post/p99_ms", 1.0),
            ("deliveries", "/delivered", 1.0),
            ("joins while posting", "/churn_joins", 1.0),
            ("typing passed on while posting", "/typing_passed", 1.0),
        ],
        "server CPU per delivery while posting (µs)",
        (&before, &after),
    );
    println!("(medians of {ROUNDS} alternating rounds, each on a fresh server and SQLite file)");
    Ok(())
}
