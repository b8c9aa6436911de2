//! `cargo xtask bench awareness REV`: what live awareness (presence, typing, read markers)
//! costs the 5 000-browser fan-out, this build against the backend of commit `REV` (one
//! from before it), on fresh servers, alternating round by round.
//!
//! The fan-out is the same throughout: 5 000 signed-in browsers, each on a `/api/stream`
//! of its own connection, in one closed room of 5 400 members (and the lobby); 20 messages
//! 50 ms apart in that room (100 000 deliveries). Each build runs it twice per round:
//! - *busy*: meanwhile 80 more members come and go (each online 2 s, away 6 s: 20 joins
//!   and leaves a second, every leave real after the 5 s grace) and a reader says it is
//!   typing once a second, starting 10 s before the first message;
//! - *quiet*: nobody comes, goes or types (and, as in the busy room, the first message
//!   comes 10 s after the last reader connected: this build tells the readers of each
//!   other's arrival for a second or so, which must not fall in the posting).
//!
//! On a build without presence or typing the busy room costs only the churners' and
//! typists' requests; on this one, presence and typing lines also go to every reader.
//! Four ratios come out: this build against `REV` in the busy room (the goal's), each
//! build's busy against its quiet room, and the quotient of those two, which is what the
//! presence and typing lines add beyond the requests that cause them. `loadgen rooms
//! --churners 400 --typing-per-sec 5` is a far busier room (BENCHMARKS.md). Each build
//! seeds its own database with its own `loadgen seed-rooms` (its schema); this build's
//! load tool drives all four.

use super::baseline::{build_baseline, p99s};
use super::harness::{loadgen, median_at, start_binary, Server};
use crate::run;
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Rounds of each of the four runs.
const ROUNDS: usize = 5;

/// The fan-out, as `loadgen rooms` takes it (after `--plan`). Both rooms post 10 s after
/// the last reader's hello: by then the readers' own arrival has been told.
const FANOUT: [&str; 10] = [
    "--readers",
    "5000",
    "--awareness-warmup-secs",
    "10",
    "--messages",
    "20",
    "--interval-ms",
    "50",
    "--hello-secs",
    "120",
];

/// What makes the room busy.
const BUSY: [&str; 4] = ["--churners", "80", "--typing-per-sec", "1"];

/// Seeds a database with `binary`'s load tool, starts `binary` on it and runs the load.
fn round(root: &Path, scratch: &Path, backend: &Path, name: &str, busy: bool) -> Result<Value> {
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
    args.extend(FANOUT);
    if busy {
        args.extend(BUSY);
    }
    let report = loadgen(root, "rooms", &server, &certs, &args);
    drop(server);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db_path}{suffix}"));
    }
    report
}

/// The four runs of a round, in the order they are named.
const RUNS: [(&str, bool); 4] = [
    ("before-busy", true),
    ("after-busy", true),
    ("before-quiet", false),
    ("after-quiet", false),
];

pub fn against(root: &Path, scratch: &Path, rev: Option<&str>) -> Result<()> {
    let rev = rev.context("name the build before: cargo xtask bench awareness REV")?;
    let baseline = build_baseline(root, rev)?;
    let current = root.join("target/release/backend");
    let mut reports: [Vec<Value>; 4] = Default::default();
    for r in 0..ROUNDS {
        // Each round starts with a different run, so drift hits all four alike.
        for k in 0..RUNS.len() {
            let i = (r + k) % RUNS.len();
            let (name, busy) = RUNS[i];
            let backend = if name.starts_with("before") {
                &baseline
            } else {
                &current
            };
            reports[i].push(round(root, scratch, backend, name, busy)?);
        }
        println!("xtask: round {} of {ROUNDS} done", r + 1);
    }
    print_table(rev, &reports);
    println!("(medians of {ROUNDS} rounds of the four runs in turn, each on a fresh server and SQLite file)");
    Ok(())
}

/// Not a JSON pointer: the server's CPU while posting over the deliveries, in µs.
const CPU_PER_DELIVERY: &str = "cpu per delivery";

/// The median of `what` over `reports`.
fn measure(reports: &[Value], what: &str) -> f64 {
    if what == CPU_PER_DELIVERY {
        median_at(reports, "/server_cpu_seconds_posting") / median_at(reports, "/delivered") * 1e6
    } else {
        median_at(reports, what)
    }
}

/// The medians of each run and the four ratios.
fn print_table(rev: &str, [before_busy, after_busy, before_quiet, after_quiet]: &[Vec<Value>; 4]) {
    println!(
        "\n5 000 readers of a 5 400-member room, 20 msgs at 50 ms; busy: 20 joins+leaves/s and 1 typing/s"
    );
    println!(
        "\n| | {rev} quiet | {rev} busy | this quiet | this busy | this / {rev}, busy \
         | busy / quiet, {rev} | busy / quiet, this | presence + typing lines |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    let rows = [
        ("delivery p50 (ms)", "/fanout/p50_ms"),
        ("delivery p99 (ms)", "/fanout/p99_ms"),
        ("post p99 (ms)", "/post/p99_ms"),
        (
            "server CPU per delivery while posting (µs)",
            CPU_PER_DELIVERY,
        ),
        ("deliveries", "/delivered"),
    ];
    for (name, what) in rows {
        let [bq, bb, aq, ab] =
            [before_quiet, before_busy, after_quiet, after_busy].map(|r| measure(r, what));
        println!(
            "| {name} | {bq:.1} | {bb:.1} | {aq:.1} | {ab:.1} | {:.2} | {:.2} | {:.2} | {:.2} |",
            ab / bb,
            bb / bq,
            ab / aq,
            (ab / aq) / (bb / bq)
        );
    }
    for (name, pointer) in [
        ("joins while posting", "/churn_joins"),
        ("typing passed on while posting", "/typing_passed"),
    ] {
        println!(
            "({name}, busy: {rev} {:.0}, this build {:.0})",
            median_at(before_busy, pointer),
            median_at(after_busy, pointer)
        );
    }
    println!(
        "(delivery p99 per round, busy: {rev} {:?}, this build {:?}; quiet: {rev} {:?}, this build {:?})",
        p99s(before_busy),
        p99s(after_busy),
        p99s(before_quiet),
        p99s(after_quiet)
    );
}
