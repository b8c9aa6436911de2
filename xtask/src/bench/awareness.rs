//! `cargo xtask bench awareness [REV]`: what presence and typing cost the 5 000-browser
//! fan-out, measured as one build served two ways, alternating run by run on fresh servers:
//! with presence and typing on (the default) and with both off (`--presence off --typing
//! off`).
//!
//! The load is the same in every run: 5 000 signed-in browsers, each on a `/api/stream` of
//! its own connection, read one closed room of 5 400 members (and the lobby) while 80 more
//! members come and go (each online 2 s, away 6 s: 20 joins and leaves a second, every
//! leave real after the 5 s grace) and a reader says it is typing once a second; from 10 s
//! after the last reader connected, 100 messages 50 ms apart go to that room (500 000
//! deliveries, 5 s of posting: five presence ticks and five typing lines for each reader).
//! The churners and the typist make the same requests either way (typing off answers them
//! `404`), so the ratio *on / off* is what the presence and typing lines cost the
//! deliveries (and the list each joining churner gets), nothing else.
//!
//! With `REV` (a build from before presence and typing), a third run each round serves the
//! same room with `REV`'s backend: the ratio *on / REV* is this whole build against that one,
//! presence and typing with everything else that changed since. Each build seeds its own
//! database with its own `loadgen seed-rooms` (its schema); this build's load tool drives
//! every run.

use super::baseline::{build_baseline, p99s};
use super::harness::{loadgen, median_at, remove_sqlite, seed_rooms, start_binary, Server};
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// Rounds of the two (or three) runs: one run's p50 swings by ±20 % on this machine, more
/// than the effect sought.
const ROUNDS: usize = 10;

/// The load, as `loadgen rooms` takes it (after `--plan`).
const LOAD: [&str; 14] = [
    "--readers",
    "5000",
    "--churners",
    "80",
    "--typing-per-sec",
    "1",
    "--awareness-warmup-secs",
    "10",
    "--messages",
    "100",
    "--interval-ms",
    "50",
    "--hello-secs",
    "120",
];

/// The server flags of the run without presence and typing.
const OFF: [&str; 4] = ["--presence", "off", "--typing", "off"];

/// Seeds a database with `backend`'s load tool, starts `backend` on it with `flags` and
/// runs the load.
fn run_once(
    root: &Path,
    scratch: &Path,
    backend: &Path,
    name: &str,
    flags: &[&str],
) -> Result<Value> {
    let db = scratch.join(format!("awareness-{name}.db"));
    let plan = scratch.join(format!("awareness-{name}.json"));
    remove_sqlite(&db);
    seed_rooms(&backend.with_file_name("loadgen"), &db, &plan, 1, 5400)?;
    let certs = scratch.join("certs");
    let db_path = db.to_str().context("the scratch path is not UTF-8")?;
    let plan = plan.to_str().context("the scratch path is not UTF-8")?;
    let mut server_args = vec!["--db", db_path];
    server_args.extend(flags);
    let server: Server = start_binary(backend, &certs, &server_args)?;
    let mut args = vec!["--plan", plan];
    args.extend(LOAD);
    let report = loadgen(root, "rooms", &server, &certs, &args);
    drop(server);
    remove_sqlite(&db);
    report
}

/// One kind of run: its column name, backend and server flags.
struct Setup {
    name: String,
    backend: PathBuf,
    flags: &'static [&'static str],
}

pub fn against(root: &Path, scratch: &Path, rev: Option<&str>) -> Result<()> {
    let current = root.join("target/release/backend");
    let mut setups = vec![
        Setup {
            name: "off".into(),
            backend: current.clone(),
            flags: &OFF,
        },
        Setup {
            name: "on".into(),
            backend: current,
            flags: &[],
        },
    ];
    if let Some(rev) = rev {
        setups.push(Setup {
            name: rev.to_owned(),
            backend: build_baseline(root, rev)?,
            flags: &[],
        });
    }
    let mut reports: Vec<Vec<Value>> = vec![Vec::new(); setups.len()];
    for r in 0..ROUNDS {
        // Each round starts with a different run, so drift hits them all alike.
        for k in 0..setups.len() {
            let i = (r + k) % setups.len();
            let setup = &setups[i];
            let tag = format!("{i}");
            reports[i].push(run_once(root, scratch, &setup.backend, &tag, setup.flags)?);
        }
        println!("xtask: round {} of {ROUNDS} done", r + 1);
    }
    print_table(&setups, &reports);
    println!(
        "(medians of {ROUNDS} rounds of the runs in turn, each on a fresh server and SQLite file)"
    );
    Ok(())
}

/// The median of `what` over `reports`; a `/…_cpu_seconds_posting` pointer comes out per
/// delivery, in µs.
fn measure(reports: &[Value], what: &str) -> f64 {
    if what.ends_with("_cpu_seconds_posting") {
        median_at(reports, what) / median_at(reports, "/delivered") * 1e6
    } else {
        median_at(reports, what)
    }
}

/// The median over the rounds of each round's ratio of `what`, on against off: the runs
/// of a round share the machine's mood, so this is steadier than the ratio of medians.
fn paired_ratio(on: &[Value], off: &[Value], what: &str) -> f64 {
    super::harness::median(round_ratios(on, off, what))
}

/// Each round's ratio of the JSON pointer `what`, on against off.
fn round_ratios(on: &[Value], off: &[Value], what: &str) -> Vec<f64> {
    on.iter()
        .zip(off)
        .filter_map(|(on, off)| Some(on.pointer(what)?.as_f64()? / off.pointer(what)?.as_f64()?))
        .collect()
}

/// The medians of each run, on against off and (with a third run) on against `REV`.
fn print_table(setups: &[Setup], reports: &[Vec<Value>]) {
    println!(
        "\n5 000 readers of a 5 400-member room, 100 msgs at 50 ms, 20 joins+leaves/s, 1 typing/s"
    );
    let rev = setups.get(2).map(|s| s.name.as_str());
    let mut head = String::from("\n| | off | on | on / off | on / off, per round |");
    let mut rule = String::from("| --- | ---: | ---: | ---: | ---: |");
    if let Some(rev) = rev {
        head.push_str(&format!(" {rev} | on / {rev} |"));
        rule.push_str(" ---: | ---: |");
    }
    println!("{head}\n{rule}");
    let rows = [
        ("delivery p50 (ms)", "/fanout/p50_ms"),
        ("delivery p99 (ms)", "/fanout/p99_ms"),
        ("post p99 (ms)", "/post/p99_ms"),
        (
            "server CPU per delivery while posting (µs)",
            "/server_cpu_seconds_posting",
        ),
        (
            "load tool CPU per delivery while posting (µs)",
            "/loadgen_cpu_seconds_posting",
        ),
        ("deliveries", "/delivered"),
    ];
    for (name, what) in rows {
        let m: Vec<f64> = reports.iter().map(|r| measure(r, what)).collect();
        let mut line = format!(
            "| {name} | {:.1} | {:.1} | {:.2} | {:.2} |",
            m[0],
            m[1],
            m[1] / m[0],
            paired_ratio(&reports[1], &reports[0], what)
        );
        if let Some(before) = m.get(2) {
            line.push_str(&format!(" {before:.1} | {:.2} |", m[1] / before));
        }
        println!("{line}");
    }
    let per_round = |pointer: &str| -> Vec<String> {
        round_ratios(&reports[1], &reports[0], pointer)
            .iter()
            .map(|ratio| format!("{ratio:.2}"))
            .collect()
    };
    println!(
        "(on / off per round: p50 {:?}, p99 {:?}, server CPU {:?})",
        per_round("/fanout/p50_ms"),
        per_round("/fanout/p99_ms"),
        per_round("/server_cpu_seconds_posting")
    );
    for (setup, reports) in setups.iter().zip(reports) {
        println!(
            "({}: delivery p99 per round {:?}; median joins while posting {:.0}, typing passed on {:.0}, refused {:.0})",
            setup.name,
            p99s(reports),
            median_at(reports, "/churn_joins"),
            median_at(reports, "/typing_passed"),
            median_at(reports, "/typing_refused"),
        );
    }
}
