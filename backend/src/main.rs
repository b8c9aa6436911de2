use backend::{telemetry, Application, Settings};
use clap::Parser;

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
