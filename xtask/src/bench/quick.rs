//! `cargo xtask bench` with no name: a short pass (under two minutes here) over every
//! performance target, printed as one table. Each row is a smaller or shorter version of
//! the full run in `docs/BENCHMARKS.md`, so its numbers are indicative; the full commands
//! are there.

use super::frontend::{bundle_gzip, first_paints};
use super::harness::{
    fanout_on_fresh_server as fanout, median, server_with_history, FIVE_THOUSAND_BROWSERS,
};
use anyhow::{Context, Result};
use serde_json::Value;
use std::path::Path;
use std::time::Instant;

/// Fan-out runs of the 5 000-browser row.
const FANOUT_RUNS: usize = 3;

struct Row {
    target: &'static str,
    goal: &'static str,
    measured: String,
    met: bool,
}

fn num(report: &Value, pointer: &str) -> Result<f64> {
    report
        .pointer(pointer)
        .and_then(Value::as_f64)
        .with_context(|| format!("{pointer} missing from the loadgen report"))
}

pub fn run(root: &Path, scratch: &Path) -> Result<()> {
    let started = Instant::now();
    let certs = scratch.join("certs");
    let mut rows = Vec::new();

    // 5 000 browsers, 20 messages at 50 ms.
    let mut runs = Vec::new();
    for _ in 0..FANOUT_RUNS {
        runs.push(fanout(root, &certs, &FIVE_THOUSAND_BROWSERS)?);
    }
    let pick = |p: &str| -> Result<f64> {
        Ok(median(
            runs.iter().map(|r| num(r, p)).collect::<Result<_>>()?,
        ))
    };
    let (delivered, expected) = (pick("/delivered")?, pick("/expected")?);
    let (fanout_p99, post_p99) = (pick("/fanout/p99_ms")?, pick("/post/p99_ms")?);
    let rss = pick("/server_rss_per_client_bytes")? / 1024.0;
    // CPU per delivery on each side of the 2 shared cores: what bounds the latency rows.
    let per_delivery = |pointer: &str| -> Result<f64> {
        Ok(median(
            runs.iter()
                .map(|r| Ok(num(r, pointer)? / num(r, "/delivered")?.max(1.0) * 1e6))
                .collect::<Result<_>>()?,
        ))
    };
    let server_us = per_delivery("/server_cpu_seconds_posting")?;
    let loadgen_us = per_delivery("/loadgen_cpu_seconds_posting")?;
    rows.push(Row {
        target: "5 000 browsers: every message delivered",
        goal: "all",
        measured: format!("{delivered:.0} / {expected:.0}"),
        met: delivered >= expected,
    });
    rows.push(Row {
        target: "5 000 browsers: fan-out p99",
        goal: "≤ 50 ms",
        measured: format!("{fanout_p99:.1} ms"),
        met: fanout_p99 <= 50.0,
    });
    rows.push(Row {
        target: "5 000 browsers: post p99",
        goal: "≤ 10 ms",
        measured: format!("{post_p99:.1} ms"),
        met: post_p99 <= 10.0,
    });
    rows.push(Row {
        target: "5 000 browsers: server RSS per browser",
        goal: "≤ 16 KB",
        measured: format!("{rss:.1} KiB"),
        met: rss * 1024.0 <= 16_000.0,
    });

    // Multiplexed: a fifth of the full run (20 000 streams over 400 connections).
    let mux = fanout(
        root,
        &certs,
        &[
            "--clients",
            "20000",
            "--connections",
            "400",
            "--messages",
            "5",
            "--interval-ms",
            "1000",
            "--connect-concurrency",
            "128",
        ],
    )?;
    let mux_p99 = num(&mux, "/fanout/p99_ms")?;
    rows.push(Row {
        target: "streams multiplexed 50 per connection (20 000 over 400), 1 msg/s: p99",
        goal: "≤ 250 ms",
        measured: format!("{mux_p99:.1} ms"),
        met: mux_p99 <= 250.0 && num(&mux, "/delivered")? >= num(&mux, "/expected")?,
    });

    // Throughput: 5 000 clients, a message every 30 ms for 4 s: 166 700 deliveries/s
    // offered, a little above the target, so that the rate read (from the first post to the
    // last delivery, the last message's fan-out included) shows what the server sustains.
    let burst = fanout(
        root,
        &certs,
        &[
            "--clients",
            "5000",
            "--messages",
            "133",
            "--interval-ms",
            "30",
        ],
    )?;
    let rate = num(&burst, "/delivered")? / num(&burst, "/posting_seconds")?;
    rows.push(Row {
        target: "deliveries per second (5 000 clients × 33 msg/s offered), none missing",
        goal: "≥ 150 000/s",
        measured: format!("{rate:.0}/s"),
        met: rate >= 150_000.0 && num(&burst, "/delivered")? >= num(&burst, "/expected")?,
    });

    // Idle: 10 000 streams for 30 s, as in the full run: a shorter window would hold no
    // heartbeat (every 15 s) or HTTP/2 PING (after 30 s of quiet) and understate the cost.
    let idle = fanout(
        root,
        &certs,
        &[
            "--clients",
            "10000",
            "--messages",
            "0",
            "--idle-secs",
            "30",
            "--connect-concurrency",
            "128",
        ],
    )?;
    let idle_cpu = num(&idle, "/idle_cpu_percent_of_core")?;
    rows.push(Row {
        target: "10 000 idle streams with heartbeats (30 s window)",
        goal: "< 2 % of a core",
        measured: format!("{idle_cpu:.2} %"),
        met: idle_cpu < 2.0,
    });

    // Frontend: the release build's size and three cold loads.
    let dist = root.join("dist");
    if !dist.join("index.html").is_file() {
        crate::tools::trunk_build(root, true)?;
    }
    let (wasm, js) = bundle_gzip(&dist)?;
    let kib = (wasm + js) as f64 / 1024.0;
    rows.push(Row {
        target: "frontend wasm + JS, gzip -9",
        goal: "≤ 120 KB",
        measured: format!("{kib:.1} KiB"),
        met: (wasm + js) as f64 <= 120_000.0,
    });
    let server = server_with_history(root, &certs)?;
    let paints =
        tokio::runtime::Runtime::new()?.block_on(first_paints(&format!("{}/", server.url()), 3))?;
    let paint = median(paints);
    rows.push(Row {
        target: "first history painted after navigation (median of 3 cold loads)",
        goal: "≤ 500 ms",
        measured: format!("{paint:.0} ms"),
        met: paint <= 500.0,
    });

    println!("\n| target (short run) | goal | measured | met? |");
    println!("| --- | --- | ---: | --- |");
    for row in &rows {
        let met = if row.met { "yes" } else { "**no**" };
        println!(
            "| {} | {} | {} | {met} |",
            row.target, row.goal, row.measured
        );
    }
    println!(
        "\nCPU per delivery, 5 000 browsers (medians): server {server_us:.1} µs, load tool \
         {loadgen_us:.1} µs. One message to 5 000 browsers costs {:.0} ms of CPU on the 2 \
         shared cores, so its last delivery cannot land sooner than {:.0} ms after the post.",
        5.0 * (server_us + loadgen_us),
        2.5 * (server_us + loadgen_us),
    );
    println!(
        "\n(short run in {:.0} s: fan-out medians of {FANOUT_RUNS} runs, one run for the rest. \
         Not in the short run: 15 000 browsers held and 100 000 multiplexed streams; \
         full commands in docs/BENCHMARKS.md.)",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
