//! `cargo xtask bench memory`: does the server give memory back after a crowd leaves? One
//! server process takes the 5 000-browser load three times; each round prints its RSS before,
//! with everyone connected, and 1, 10 and 30 s after the load tool exits (its sockets close,
//! so every stream ends with them), and when, if ever, RSS came back within 10 % of the idle
//! RSS the process started with.

use super::harness::{loadgen, start_server, FIVE_THOUSAND_BROWSERS};
use anyhow::{Context, Result};
use std::path::Path;
use std::time::Duration;

const ROUNDS: usize = 3;
/// Seconds RSS is watched after each round, one sample a second.
const WATCH_SECS: usize = 30;
const MIB: f64 = 1024.0 * 1024.0;

/// VmRSS of `pid`, in MiB.
fn rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("cannot read /proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().strip_suffix("kB"))
        .and_then(|v| v.trim().parse().ok())
        .context("no VmRSS in /proc/PID/status")?;
    Ok(kib / 1024.0)
}

pub fn spikes(root: &Path, scratch: &Path) -> Result<()> {
    let certs = scratch.join("certs");
    let server = start_server(root, ":memory:", &certs)?;
    std::thread::sleep(Duration::from_secs(3));
    let idle = rss_mib(server.pid())?;
    println!(
        "memory after a spike: {ROUNDS} rounds of 5 000 browsers on one server process, RSS in MiB; \
         idle at start {idle:.1} (10 % above: {:.1})",
        idle * 1.1
    );
    println!("| round | before | connected | after 1 s | after 10 s | after 30 s | back within 10 % of idle |");
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for round in 1..=ROUNDS {
        let before = rss_mib(server.pid())?;
        let report = loadgen(root, "fanout", &server, &certs, &FIVE_THOUSAND_BROWSERS)?;
        let connected = report
            .pointer("/server_rss_connected_bytes")
            .and_then(serde_json::Value::as_f64)
            .context("server_rss_connected_bytes missing from the loadgen report")?
            / MIB;
        let mut after = Vec::with_capacity(WATCH_SECS);
        for _ in 0..WATCH_SECS {
            std::thread::sleep(Duration::from_secs(1));
            after.push(rss_mib(server.pid())?);
        }
        let back = after
            .iter()
            .position(|&rss| rss <= idle * 1.1)
            .map_or_else(|| "no".to_owned(), |i| format!("after {} s", i + 1));
        println!(
            "| {round} | {before:.1} | {connected:.1} | {:.1} | {:.1} | {:.1} | {back} |",
            after[0],
            after[9],
            after[WATCH_SECS - 1]
        );
    }
    Ok(())
}
