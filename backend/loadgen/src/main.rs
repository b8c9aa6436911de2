//! `cargo run --release -p loadgen -- posts ...`: measures how fast h2chat accepts posts.
//!
//! Each poster is its own HTTP/2 connection (like separate browsers) and posts one message
//! after another, waiting for each answer, for a fixed count. The run is bounded by that
//! count and by `--max-secs`, so it always stops by itself.

mod posts;
mod stats;
mod tls;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "loadgen", about = "Load tool for h2chat over real TLS HTTP/2")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Concurrent posters, each posting sequentially; reports posts/s and post latency.
    Posts(posts::PostsArgs),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Posts(args) => posts::run(args).await,
    };
    if let Err(err) = result {
        eprintln!("loadgen: error: {err:#}");
        std::process::exit(1);
    }
}
