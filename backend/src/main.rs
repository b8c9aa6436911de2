use backend::{telemetry, Application, Settings};
use clap::Parser;

#[cfg(feature = "alloc-jemalloc")]
#[global_allocator]
static GLOBAL: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: background threads purge on a timer, so memory
/// freed when clients leave goes back to the OS even if no thread allocates again.
/// `_RJEM_MALLOC_CONF` in the environment still overrides these.
#[cfg(feature = "alloc-jemalloc")]
#[export_name = "_rjem_malloc_conf"]
static MALLOC_CONF: &u8 = &b"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0\0"[0];

#[cfg(feature = "alloc-mimalloc")]
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
