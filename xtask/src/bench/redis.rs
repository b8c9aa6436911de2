//! `cargo xtask bench redis`: 5 000 streaming clients split over two nodes sharing one Redis,
//! against the same 5 000 on one node with SQLite, alternating in one run so machine noise
//! hits both alike.

use super::harness::{loadgen_nodes, median_at, start_server_with, FIVE_THOUSAND_BROWSERS, RUNS};
use crate::test_redis::TestRedis;
use anyhow::Result;
use std::path::Path;

pub fn two_nodes_vs_one(root: &Path, scratch: &Path) -> Result<()> {
    let certs = scratch.join("certs");
    let redis = TestRedis::start_or_use(root)?;
    let mut single = Vec::new();
    let mut pair = Vec::new();
    for run_no in 0..RUNS {
        let db = scratch.join(format!("single-{run_no}.db"));
        let server = start_server_with(root, &certs, &["--db", &db.display().to_string()])?;
        single.push(loadgen_nodes(
            root,
            "fanout",
            &[&server],
            &certs,
            &FIVE_THOUSAND_BROWSERS,
        )?);
        drop(server);

        // A fresh key prefix per run: each pair starts on an empty chat, as the single node does.
        let prefix = format!("h2chat-bench-{}-{run_no}", std::process::id());
        let redis_args = [
            "--redis",
            redis.url.as_str(),
            "--redis-prefix",
            prefix.as_str(),
        ];
        let a = start_server_with(root, &certs, &redis_args)?;
        let b = start_server_with(root, &certs, &redis_args)?;
        pair.push(loadgen_nodes(
            root,
            "fanout",
            &[&a, &b],
            &certs,
            &FIVE_THOUSAND_BROWSERS,
        )?);
        println!("xtask: run {} of {RUNS} done", run_no + 1);
    }
    let row = |name: &str, reports: &[serde_json::Value]| {
        let pick = |pointer: &str| median_at(reports, pointer);
        let p99 = pick("/fanout/p99_ms");
        println!(
            "| {name} | {:.1} | {p99:.1} | {:.1} | {:.2} | {:.0}/{:.0} | {:.1} |",
            pick("/fanout/p50_ms"),
            pick("/fanout/max_ms"),
            pick("/post/p99_ms"),
            pick("/delivered"),
            pick("/expected"),
            pick("/server_rss_per_client_bytes") / 1024.0,
        );
        p99
    };
    println!("\n| setup | fan-out p50 (ms) | p99 (ms) | max (ms) | post p99 (ms) | delivered | server RSS per client (KiB) |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    let one = row("1 node, SQLite", &single);
    let two = row("2 nodes, Redis", &pair);
    println!(
        "\n2 nodes / 1 node fan-out p99: {:.2}x (5 000 clients, 20 messages 50 ms apart, \
         posts alternating between the nodes; medians of {RUNS} runs)",
        two / one
    );
    Ok(())
}
