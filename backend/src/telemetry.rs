//! Logging setup: `tracing` to stderr, filtered by `RUST_LOG` (default `info`; a reset HTTP/2 stream, which is
//! just a browser leaving, is not worth a warning).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls (several tests in one process) are no-ops.
pub fn init() {
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,actix_http::h2::dispatcher=error"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
