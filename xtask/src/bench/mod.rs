//! `cargo xtask bench`: short, repeatable benchmark runs against the release backend,
//! printed as tables. Each configuration runs several times on fresh server processes; the
//! tables show medians and, where they compare two setups, ratios measured in the same run.
//!
//! Layout: [`harness`] is what every bench shares (servers, the load tool, medians); each
//! other module is one `cargo xtask bench NAME`, and [`quick`] (no name) is the short pass
//! over every target.

mod awareness;
mod baseline;
mod frontend;
mod harness;
mod memory;
mod peers;
mod presence;
mod quick;
mod redis;
mod rooms;
mod store;
mod transports;

use crate::run;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The page's size and time to first history, against a server with 50 messages.
fn frontend_bench(root: &Path, scratch: &Path) -> Result<()> {
    crate::tools::trunk_build(root, true)?;
    let server = harness::server_with_history(root, &scratch.join("certs"))?;
    frontend::run(root, &format!("{}/", server.url()))
}

/// `cargo xtask bench [store|transports|frontend|redis|memory|peers|rooms|presence|all|baseline REV|awareness [REV]]
/// [--features F]`; without a name, the short pass over every target. `all` leaves out
/// `peers`, which installs nginx. `--features` goes to the release build (for example
/// `backend/alloc-glibc-trim`).
pub fn run_bench(root: &Path, args: &[String]) -> Result<()> {
    let features = args
        .iter()
        .position(|a| a == "--features")
        .and_then(|i| args.get(i + 1));
    let args: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| *a != "--features" && (*i == 0 || args[i - 1] != "--features"))
        .map(|(_, a)| a)
        .collect();
    let which = args.first().map(|a| a.as_str());
    let mut build = Command::new("cargo");
    build.args(["build", "--release", "-p", "backend", "-p", "loadgen"]);
    if let Some(features) = features {
        build.args(["--features", features]);
    }
    run(&mut build)?;
    let scratch: PathBuf =
        std::env::temp_dir().join(format!("h2chat-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = match which {
        Some("store") => store::store_throughput(root, &scratch),
        Some("transports") => transports::transports(root, &scratch),
        Some("frontend") => frontend_bench(root, &scratch),
        Some("redis") => redis::two_nodes_vs_one(root, &scratch),
        Some("memory") => memory::spikes(root, &scratch),
        Some("peers") => peers::run(root, &scratch),
        Some("rooms") => rooms::run_rooms(root, &scratch),
        Some("presence") => presence::run_presence(root, &scratch),
        Some("baseline") => baseline::against(root, &scratch, args.get(1).map(|a| a.as_str())),
        Some("awareness") => awareness::against(root, &scratch, args.get(1).map(|a| a.as_str())),
        None => quick::run(root, &scratch),
        Some("all") => store::store_throughput(root, &scratch)
            .and_then(|()| transports::transports(root, &scratch))
            .and_then(|()| frontend_bench(root, &scratch))
            .and_then(|()| redis::two_nodes_vs_one(root, &scratch)),
        Some(other) => Err(anyhow::anyhow!(
            "unknown benchmark {other:?}: store, transports, frontend, redis, memory, peers, rooms, presence, all, baseline REV or awareness [REV]"
        )),
    };
    let _ = std::fs::remove_dir_all(&scratch);
    result
}
