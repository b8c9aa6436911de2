use backend::{telemetry, Application, Settings};
use clap::Parser;

// The allocator is glibc's. Measured against jemalloc (background purging) and mimalloc
// after 5 000 browsers came and left (docs/BENCHMARKS.md, "Memory after a spike"):
// jemalloc fell back to 37 MiB (idle 11), mimalloc kept 250-290 MiB and 46 % more per
// client; glibc alone stays at the peak (191 MiB), and with the `alloc-glibc-trim` feature
// (on by default: a malloc_trim after the crowd left) falls to 21 MiB within 4 s. None
// reaches 10 % of idle (the load leaves code pages and ~2 MB of live data resident), so
// none replaced glibc; the trim does the most for the least.

#[actix_web::main]
async fn main() {
    let settings = Settings::parse();
    telemetry::init();
    match backend::fd_limit::raise_to_hard_limit() {
        Ok(limit) => tracing::info!(limit, "open files limit"),
        Err(err) => tracing::warn!(error = %err, "cannot raise the open files limit"),
    }
    let app = match Application::build(settings).await {
        Ok(app) => app,
        Err(err) => {
            // One readable line, not a panic with a backtrace.
            eprintln!("error: {err:#}");
            std::process::exit(1);
        }
    };
    if let Err(err) = app.run_until_stopped().await {
        eprintln!("error: server failed: {err:#}");
        std::process::exit(1);
    }
}
