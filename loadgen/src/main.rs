//! `cargo run --release -p loadgen -- <posts|fanout|seed-rooms|rooms> ...`: load for h2chat
//! over real TLS.
//!
//! - `posts`: concurrent posters, each its own HTTP/2 connection, posting sequentially;
//!   reports posts/s and post latency.
//! - `fanout`: N streaming clients (HTTP/2 stream, SSE or WebSocket) and K stamped posts;
//!   reports fan-out latency percentiles, deliveries, and the server's memory and CPU.
//! - `seed-rooms`: a fresh database of accounts, sessions and closed rooms, and its plan.
//! - `rooms`: every seeded account streaming `/api/stream`, posts in every room; reports
//!   the same figures, and any message that reached a reader outside its room.
//!
//! - `presence`: seeded accounts online and reading, more coming and going at a set rate;
//!   reports the bytes of `presence` lines per reader and minute.
//!
//! Every run is bounded in count and time and stops by itself.

mod churn;
mod fanout;
mod h2_streams;
mod posts;
mod presence;
mod proc_stats;
mod readers;
mod rooms;
mod round_poster;
mod seed;
mod stamped_poster;
mod stats;
mod tls;
mod typing;

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
    /// Streaming clients receiving stamped posts; reports fan-out latency and server cost.
    Fanout(fanout::FanoutArgs),
    /// A fresh database of accounts, sessions and closed rooms, and the plan for `rooms`.
    SeedRooms(seed::SeedArgs),
    /// Every seeded account streaming its rooms, posts in every room; reports delivery
    /// latency, server cost, and messages that reached a reader outside their room.
    Rooms(rooms::RoomsArgs),
    /// Readers online while other accounts come and go; reports presence's wire bytes per
    /// reader and minute.
    Presence(presence::PresenceArgs),
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Posts(args) => posts::run(args).await,
        Command::Fanout(args) => fanout::run(args).await,
        Command::SeedRooms(args) => seed::run(args).await,
        Command::Rooms(args) => rooms::run(args).await,
        Command::Presence(args) => presence::run(args).await,
    };
    if let Err(err) = result {
        eprintln!("loadgen: error: {err:#}");
        std::process::exit(1);
    }
}
