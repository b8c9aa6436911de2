//! `cargo xtask bench store`: posts per second with 1, 16 and 64 concurrent posters,
//! durable SQLite against `:memory:`, alternating.

use super::harness::{loadgen, median, start_server, Server, RUNS};
use anyhow::{Context, Result};
use std::path::Path;

fn posts_per_sec(
    root: &Path,
    server: &Server,
    certs: &Path,
    posters: usize,
    count: usize,
) -> Result<f64> {
    let (posters, count) = (posters.to_string(), count.to_string());
    let args = ["--posters", posters.as_str(), "--count", count.as_str()];
    let report = loadgen(root, "posts", server, certs, &args)?;
    report["posts_per_sec"]
        .as_f64()
        .context("posts_per_sec missing")
}

/// Posts per second with 1, 16 and 64 concurrent posters: durable SQLite vs `:memory:`.
pub fn store_throughput(root: &Path, scratch: &Path) -> Result<()> {
    let certs = scratch.join("certs");
    let posters = [1usize, 16, 64];
    let mut table: Vec<(usize, f64, f64)> = Vec::new();
    for &p in &posters {
        let count = if p == 1 { 3_000 } else { 20_000 };
        let mut durable = Vec::new();
        let mut memory = Vec::new();
        for run_no in 0..RUNS {
            // Alternate, each on a fresh server and database, so drift hits both alike.
            let db = scratch.join(format!("bench-{p}-{run_no}.db"));
            let server = start_server(root, &db.display().to_string(), &certs)?;
            durable.push(posts_per_sec(root, &server, &certs, p, count)?);
            drop(server);
            let server = start_server(root, ":memory:", &certs)?;
            memory.push(posts_per_sec(root, &server, &certs, p, count)?);
        }
        println!("xtask: posters={p} durable={durable:.0?} memory={memory:.0?}");
        table.push((p, median(durable), median(memory)));
    }
    println!("\n| posters | durable (posts/s) | :memory: (posts/s) | durable / memory |");
    println!("| ---: | ---: | ---: | ---: |");
    for (p, d, m) in table {
        println!("| {p} | {d:.0} | {m:.0} | {:.0}% |", 100.0 * d / m);
    }
    println!(
        "\n(medians of {RUNS} runs each; durable = SQLite WAL, synchronous=FULL, group commit)"
    );
    Ok(())
}
