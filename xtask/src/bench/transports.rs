//! `cargo xtask bench transports`: the 5 000-browser load on each transport.

use super::harness::{fanout_on_fresh_server, median_at, FIVE_THOUSAND_BROWSERS, RUNS};
use anyhow::Result;
use std::path::Path;

/// Fan-out latency and server memory for 5 000 clients on each transport.
pub fn transports(root: &Path, scratch: &Path) -> Result<()> {
    let certs = scratch.join("certs");
    let mut rows = Vec::new();
    for transport in ["stream", "sse", "ws"] {
        let mut reports = Vec::new();
        for _ in 0..RUNS {
            let mut args = vec!["--transport", transport];
            args.extend(FIVE_THOUSAND_BROWSERS);
            reports.push(fanout_on_fresh_server(root, &certs, &args)?);
        }
        let pick = |pointer: &str| median_at(&reports, pointer);
        rows.push(format!(
            "| {transport} | {:.1} | {:.1} | {:.1} | {:.0}/{:.0} | {:.1} | {:.0} |",
            pick("/fanout/p50_ms"),
            pick("/fanout/p99_ms"),
            pick("/fanout/max_ms"),
            pick("/delivered"),
            pick("/expected"),
            pick("/server_rss_per_client_bytes") / 1024.0,
            pick("/bytes_per_delivery"),
        ));
        println!("xtask: {transport}: {} runs done", reports.len());
    }
    println!("\n| transport | fan-out p50 (ms) | p99 (ms) | max (ms) | delivered | server RSS per client (KiB) | bytes per delivery |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        println!("{row}");
    }
    println!("\n(5 000 clients, one TLS connection each, 20 messages 50 ms apart; medians of {RUNS} runs, each on a fresh server)");
    Ok(())
}
