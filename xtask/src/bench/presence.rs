//! `cargo xtask bench presence`: what presence costs the wire in a busy room. 5 000
//! signed-in readers stay online in the lobby (every account's room) while 1 000 more
//! accounts come and go, 100 joins and leaves a second together (each online 10 s, away
//! 10 s: longer than the 5 s grace, so every leave is real). After 20 s of churn it counts
//! 60 s of `presence` lines at the readers.

use super::harness::{loadgen, median_at, remove_sqlite, seed_rooms, start_server, RUNS};
use anyhow::{Context, Result};
use std::path::Path;

/// The load, as `loadgen presence` takes it.
pub const BUSY_ROOM: [&str; 6] = [
    "--readers",
    "5000",
    "--changes-per-sec",
    "100",
    "--seconds",
    "60",
];

pub fn run_presence(root: &Path, scratch: &Path) -> Result<()> {
    let mut reports = Vec::new();
    for round in 0..RUNS {
        let db = scratch.join(format!("presence-{round}.db"));
        let plan = scratch.join(format!("presence-{round}.json"));
        // 6 000 accounts: 5 000 readers and 1 000 that come and go.
        seed_rooms(&root.join("target/release/loadgen"), &db, &plan, 600, 10)?;
        let plan = plan.to_str().context("the scratch path is not UTF-8")?;
        let db_path = db.to_str().context("the scratch path is not UTF-8")?;
        let certs = scratch.join("certs");
        let mut args = vec!["--plan", plan];
        args.extend(BUSY_ROOM);
        let report = start_server(root, db_path, &certs)
            .and_then(|server| loadgen(root, "presence", &server, &certs, &args));
        remove_sqlite(&db);
        reports.push(report?);
        println!("xtask: round {} of {RUNS} done", round + 1);
    }
    println!("\n| 5 000 readers, 100 joins+leaves/s | median of {RUNS} |");
    println!("| --- | ---: |");
    for (name, pointer, decimals) in [
        ("joins/s measured", "/joins_per_sec", 1),
        ("leaves/s measured", "/leaves_per_sec", 1),
        (
            "presence lines per reader per second",
            "/lines_per_reader_per_sec",
            2,
        ),
        (
            "body bytes per reader per minute",
            "/body_bytes_per_reader_per_min",
            0,
        ),
        (
            "wire bytes per reader per minute (with framing)",
            "/wire_bytes_per_reader_per_min",
            0,
        ),
        (
            "a join's opening list (bytes)",
            "/opening_list_bytes_mean",
            0,
        ),
        ("server CPU over the 60 s (s)", "/server_cpu_seconds", 2),
    ] {
        println!("| {name} | {:.decimals$} |", median_at(&reports, pointer));
    }
    Ok(())
}
