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
use serde_json::Value;
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

/// Runs `rounds` rounds of the baseline (`before`) and this build (`after`), alternating
/// which goes first so that drift within a round hits both alike; their reports.
pub(super) fn alternate(
    rounds: usize,
    mut before: impl FnMut() -> Result<Value>,
    mut after: impl FnMut() -> Result<Value>,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let (mut b, mut a) = (Vec::new(), Vec::new());
    for round in 0..rounds {
        if round % 2 == 0 {
            b.push(before()?);
            a.push(after()?);
        } else {
            a.push(after()?);
            b.push(before()?);
        }
        println!("xtask: round {} of {rounds} done", round + 1);
    }
    Ok((b, a))
}

/// Prints the A/B table: `title` over the medians of each `(row, JSON pointer, divisor)`,
/// then the server's CPU per delivery while posting (`cpu_row`), with their ratios, and
/// the delivery p99 of every round.
pub(super) fn print_ab(
    title: &str,
    rev: &str,
    rows: &[(&str, &str, f64)],
    cpu_row: &str,
    (before, after): (&[Value], &[Value]),
) {
    println!("\n| {title} | {rev} | this build | this / {rev} |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, pointer, scale) in rows {
        let (b, a) = (
            median_at(before, pointer) / scale,
            median_at(after, pointer) / scale,
        );
        println!("| {name} | {b:.1} | {a:.1} | {:.2} |", a / b);
    }
    let cpu_us = |reports: &[Value]| {
        median_at(reports, "/server_cpu_seconds_posting") / median_at(reports, "/delivered") * 1e6
    };
    let (b, a) = (cpu_us(before), cpu_us(after));
    println!("| {cpu_row} | {b:.1} | {a:.1} | {:.2} |", a / b);
    println!(
        "\n(delivery p99 per round: {rev} {:?}, this build {:?})",
        p99s(before),
        p99s(after)
    );
}

/// Each round's delivery p99, in ms, for the tables' footnotes.
pub(super) fn p99s(reports: &[Value]) -> Vec<String> {
    reports
        .iter()
        .filter_map(|r| r.pointer("/fanout/p99_ms").and_then(Value::as_f64))
        .map(|v| format!("{v:.0}"))
        .collect()
}

pub fn against(root: &Path, scratch: &Path, rev: Option<&str>) -> Result<()> {
    let rev = rev.context("name the baseline: cargo xtask bench baseline REV")?;
    let baseline = build_baseline(root, rev)?;
    let current = root.join("target/release/backend");
    let certs = scratch.join("certs");
    let fanout = |binary: &Path| -> Result<Value> {
        let server: Server = start_binary(binary, &certs, &["--db", ":memory:"])?;
        loadgen(root, "fanout", &server, &certs, &FIVE_THOUSAND_BROWSERS)
    };
    let (before, after) = alternate(ROUNDS, || fanout(&baseline), || fanout(&current))?;
    print_ab(
        "5 000 browsers, 20 msgs at 50 ms",
        rev,
        &[
            ("fan-out p50 (ms)", "/fanout/p50_ms", 1.0),
            ("fan-out p99 (ms)", "/fanout/p99_ms", 1.0),
            ("post p99 (ms)", "/post/p99_ms", 1.0),
            ("deliveries", "/delivered", 1.0),
            (
                "server RSS per browser (KiB)",
                "/server_rss_per_client_bytes",
                1024.0,
            ),
        ],
        "server CPU per delivery (µs)",
        (&before, &after),
    );
    println!("(medians of {ROUNDS} alternating rounds, each on a fresh --db :memory: server)");
    Ok(())
}
