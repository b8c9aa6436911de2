//! `cargo xtask bench baseline REV`: this build against the backend of commit `REV`, on the
//! 5 000-browser load, alternating builds round by round on fresh server processes (the
//! same load tool for both), so that a change is judged by a ratio measured in one run on
//! this noisy machine rather than by numbers from another day.
//!
//! `REV` is checked out in `target/baseline/src` (a detached git worktree) and built there
//! into `target/baseline/target`, which keeps its dependencies from one baseline to the next.

use super::harness::{loadgen, median_at, start_binary, Server, FIVE_THOUSAND_BROWSERS};
use crate::run;
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Rounds of each build: the spread on this machine needs more than the usual 3.
const ROUNDS: usize = 5;

/// Checks `rev` out and builds its backend and load tool; returns the backend's binary (the
/// load tool's is beside it).
pub(super) fn build_baseline(root: &Path, rev: &str) -> Result<PathBuf> {
    let dir = root.join("target/baseline");
    let src = dir.join("src");
    if src.exists() {
        run(Command::new("git")
            .arg("-C")
            .arg(&src)
            .args(["checkout", "--quiet", "--detach", rev]))?;
    } else {
        run(Command::new("git")
            .args(["worktree", "add", "--detach"])
            .arg(&src)
            .arg(rev))?;
    }
    run(Command::new("cargo")
        .args([
            "build",
            "--release",
            "-p",
            "backend",
            "-p",
            "loadgen",
            "--manifest-path",
        ])
        .arg(src.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", dir.join("target")))?;
    Ok(dir.join("target/release/backend"))
}

pub fn against(root: &Path, scratch: &Path, rev: Option<&str>) -> Result<()> {
    let rev = rev.context("name the baseline: cargo xtask bench baseline REV")?;
    let baseline = build_baseline(root, rev)?;
    let current = root.join("target/release/backend");
    let certs = scratch.join("certs");
    let (mut before, mut after) = (Vec::new(), Vec::new());
    let fanout = |binary: &Path| -> Result<serde_json::Value> {
        let server: Server = start_binary(binary, &certs, &["--db", ":memory:"])?;
        loadgen(root, "fanout", &server, &certs, &FIVE_THOUSAND_BROWSERS)
    };
    for round in 0..ROUNDS {
        // Alternate which goes first, so drift within a round hits both alike.
        if round % 2 == 0 {
            before.push(fanout(&baseline)?);
            after.push(fanout(&current)?);
        } else {
            after.push(fanout(&current)?);
            before.push(fanout(&baseline)?);
        }
        println!("xtask: round {} of {ROUNDS} done", round + 1);
    }
    let cpu_us = |reports: &[serde_json::Value]| {
        median_at(reports, "/server_cpu_seconds_posting") / median_at(reports, "/delivered") * 1e6
    };
    let rows = [
        ("fan-out p50 (ms)", "/fanout/p50_ms"),
        ("fan-out p99 (ms)", "/fanout/p99_ms"),
        ("post p99 (ms)", "/post/p99_ms"),
        ("deliveries", "/delivered"),
        (
            "server RSS per browser (KiB)",
            "/server_rss_per_client_bytes",
        ),
    ];
    println!("\n| 5 000 browsers, 20 msgs at 50 ms | {rev} | this build | this / {rev} |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, pointer) in rows {
        let scale = if pointer.ends_with("bytes") {
            1024.0
        } else {
            1.0
        };
        let (b, a) = (
            median_at(&before, pointer) / scale,
            median_at(&after, pointer) / scale,
        );
        println!("| {name} | {b:.1} | {a:.1} | {:.2} |", a / b);
    }
    let (b, a) = (cpu_us(&before), cpu_us(&after));
    println!(
        "| server CPU per delivery (µs) | {b:.1} | {a:.1} | {:.2} |",
        a / b
    );
    let p99s = |reports: &[serde_json::Value]| -> Vec<String> {
        reports
            .iter()
            .filter_map(|r| {
                r.pointer("/fanout/p99_ms")
                    .and_then(serde_json::Value::as_f64)
            })
            .map(|v| format!("{v:.0}"))
            .collect()
    };
    println!(
        "\n(medians of {ROUNDS} alternating rounds, each on a fresh --db :memory: server; \
         fan-out p99 per round: {rev} {:?}, this build {:?})",
        p99s(&before),
        p99s(&after)
    );
    Ok(())
}
