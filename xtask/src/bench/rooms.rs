//! `cargo xtask bench rooms`: 5 000 signed-in browsers in 500 closed rooms of 10, where each
//! message reaches its room's 10 members alone, against the 5 000-browser lobby, where each
//! reaches all 5 000. Rounds alternate between the two loads, each on a fresh server.
//!
//! Both loads deliver 100 000 messages to 5 000 streams, each stream on its own connection,
//! with posts due over the same second: the lobby posts 20 messages 50 ms apart (20 posts
//! a second, each read 5 000 times); the rooms post 20 rounds 50 ms apart of one message in
//! every room (10 000 posts a second as due, each read 10 times; the rate reached is
//! printed). So the same delivery rate costs 500 times as many posts in rooms.

use super::harness::{
    loadgen, median, remove_sqlite, seed_rooms, start_server, FIVE_THOUSAND_BROWSERS,
};
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::Path;

const ROUNDS: usize = 3;

/// Seeds a fresh database of 500 rooms of 10, starts a server on it and runs the rooms load.
fn rooms_on_fresh_server(root: &Path, scratch: &Path, round: usize) -> Result<Value> {
    let db = scratch.join(format!("rooms-{round}.db"));
    let plan = scratch.join(format!("rooms-{round}.json"));
    seed_rooms(&root.join("target/release/loadgen"), &db, &plan, 500, 10)?;
    let plan = plan.to_str().context("the scratch path is not UTF-8")?;
    let args = ["--plan", plan, "--messages", "20", "--interval-ms", "50"];
    on_file_server(root, scratch, &db, "rooms", &args)
}

/// The 5 000-browser lobby run on a server with a database file, as the rooms run has: both
/// pay SQLite's synced commits (`--db :memory:` would spare the lobby's).
fn lobby_on_fresh_server(root: &Path, scratch: &Path, round: usize) -> Result<Value> {
    let db = scratch.join(format!("lobby-{round}.db"));
    on_file_server(root, scratch, &db, "fanout", &FIVE_THOUSAND_BROWSERS)
}

/// `loadgen MODE ARGS` against a fresh server on the database file `db`, removed after.
fn on_file_server(
    root: &Path,
    scratch: &Path,
    db: &Path,
    mode: &str,
    args: &[&str],
) -> Result<Value> {
    let certs = scratch.join("certs");
    let db_path = db.to_str().context("the scratch path is not UTF-8")?;
    let report = start_server(root, db_path, &certs)
        .and_then(|server| loadgen(root, mode, &server, &certs, args));
    remove_sqlite(db);
    report
}

/// One number read from a loadgen report.
type Number = dyn Fn(&Value) -> Option<f64>;

fn values(reports: &[Value], number: impl Fn(&Value) -> Option<f64>) -> Vec<f64> {
    reports.iter().filter_map(number).collect()
}

fn at(pointer: &'static str) -> impl Fn(&Value) -> Option<f64> {
    move |r| r.pointer(pointer).and_then(Value::as_f64)
}

/// Server CPU while posting per delivery, in µs.
fn cpu_per_delivery(r: &Value) -> Option<f64> {
    Some(at("/server_cpu_seconds_posting")(r)? / at("/delivered")(r)?.max(1.0) * 1e6)
}

pub fn run_rooms(root: &Path, scratch: &Path) -> Result<()> {
    let (mut lobby, mut rooms) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        // Alternate which goes first, so drift within a round hits both alike.
        if round % 2 == 0 {
            lobby.push(lobby_on_fresh_server(root, scratch, round)?);
            rooms.push(rooms_on_fresh_server(root, scratch, round)?);
        } else {
            rooms.push(rooms_on_fresh_server(root, scratch, round)?);
            lobby.push(lobby_on_fresh_server(root, scratch, round)?);
        }
        println!("xtask: round {} of {ROUNDS} done", round + 1);
    }
    // (name, number, decimals)
    let rows: [(&str, &Number, usize); 7] = [
        ("delivery p50 (ms)", &at("/fanout/p50_ms"), 1),
        ("delivery p99 (ms)", &at("/fanout/p99_ms"), 1),
        ("server CPU per delivery (µs)", &cpu_per_delivery, 1),
        (
            "server RSS per stream (KiB)",
            &|r| Some(at("/server_rss_per_client_bytes")(r)? / 1024.0),
            1,
        ),
        ("deliveries", &at("/delivered"), 0),
        ("posts", &at("/messages"), 0),
        ("post p99 (ms)", &at("/post/p99_ms"), 1),
    ];
    println!("\n| 5 000 browsers, 100 000 deliveries | lobby (5 000 readers per message) | 500 rooms of 10 (10 readers per message) | rooms / lobby |");
    println!("| --- | ---: | ---: | ---: |");
    for (name, number, decimals) in rows {
        let (l, r) = (
            median(values(&lobby, number)),
            median(values(&rooms, number)),
        );
        println!(
            "| {name} | {l:.decimals$} | {r:.decimals$} | {:.2} |",
            r / l
        );
    }
    let violations: f64 = values(&rooms, at("/violations")).iter().sum();
    let reached = median(values(&rooms, at("/messages_per_second")));
    let p99s = |reports: &[Value]| -> Vec<String> {
        values(reports, at("/fanout/p99_ms"))
            .iter()
            .map(|v| format!("{v:.0}"))
            .collect()
    };
    println!(
        "\n(medians of {ROUNDS} alternating rounds, each on a fresh server and SQLite file; \
         lobby: 20 posts due over 0.95 s; rooms: 20 rounds of 500 posts due over 0.95 s, \
         {reached:.0} posts/s reached; messages outside their room: {violations}; delivery \
         p99 per round: lobby {:?}, rooms {:?})",
        p99s(&lobby),
        p99s(&rooms)
    );
    Ok(())
}
