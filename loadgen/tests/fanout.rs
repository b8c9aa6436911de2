//! The load tool against the real server (in this process, on port 0): every transport
//! delivers and counts every message, streams share connections as asked, and a run that
//! cannot connect everyone exits non-zero with a readable reason.

use backend::{Application, Settings};
use serde_json::Value;
use std::path::Path;
use tempfile::TempDir;

struct Server {
    url: String,
    certs: TempDir,
    shutdown: backend::ShutdownHandle,
}

async fn start(tweak: impl FnOnce(&mut Settings)) -> Server {
    let certs = tempfile::tempdir().expect("temp dir");
    let mut settings = Settings::for_tests_in(certs.path());
    tweak(&mut settings);
    let app = Application::build(settings).await.expect("server builds");
    let url = format!("https://127.0.0.1:{}", app.port());
    let shutdown = app.shutdown_handle();
    tokio::spawn(app.run_until_stopped());
    Server {
        url,
        certs,
        shutdown,
    }
}

/// Runs `loadgen fanout` with `args`; returns its exit status, JSON report (if any) and
/// standard error.
async fn fanout(server: &Server, args: &[&str]) -> (bool, Option<Value>, String) {
    let ca = server.certs.path().join("cert.pem");
    assert!(Path::new(&ca).is_file(), "the server wrote its certificate");
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["fanout", "--url", &server.url, "--ca"])
        .arg(&ca)
        .args(args)
        .args(["--interval-ms", "20", "--drain-secs", "5", "--json"])
        .output()
        .await
        .expect("loadgen runs");
    let report = serde_json::from_slice(&out.stdout).ok();
    (
        out.status.success(),
        report,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn int(report: &Value, pointer: &str) -> u64 {
    report
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} missing from {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_transport_delivers_every_message_to_every_client() {
    let server = start(|_| {}).await;
    for (transport, connections) in [("stream", "4"), ("sse", "3"), ("ws", "30")] {
        let (ok, report, stderr) = fanout(
            &server,
            &[
                "--transport",
                transport,
                "--clients",
                "30",
                "--connections",
                connections,
                "--messages",
                "4",
            ],
        )
        .await;
        assert!(ok, "{transport}: {stderr}");
        let report = report.expect("a JSON report");
        assert_eq!(int(&report, "/connected"), 30, "{transport}");
        assert_eq!(
            int(&report, "/connections"),
            connections.parse::<u64>().unwrap(),
            "{transport}"
        );
        assert_eq!(int(&report, "/expected"), 120, "{transport}");
        assert_eq!(int(&report, "/delivered"), 120, "{transport}");
        let p99 = report.pointer("/fanout/p99_ms").and_then(Value::as_f64);
        assert!(p99.is_some_and(|ms| ms > 0.0), "{transport}: {report}");
    }
    server.shutdown.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_the_server_refuses_make_the_run_fail() {
    // Two streams per address: three of the five clients on the one connection are refused,
    // and the two that opened are still read.
    let server = start(|s| s.max_streams_per_ip = 2).await;
    let (ok, report, stderr) = fanout(
        &server,
        &["--clients", "5", "--connections", "1", "--messages", "1"],
    )
    .await;
    assert!(!ok, "a run missing clients must fail");
    assert!(stderr.contains("answered 503"), "{stderr}");
    assert!(stderr.contains("only 2 of 5 clients connected"), "{stderr}");
    let report = report.expect("a JSON report before the error");
    assert_eq!(int(&report, "/connected"), 2);
    assert_eq!(
        int(&report, "/delivered"),
        2,
        "the two open streams still count"
    );
    server.shutdown.shutdown().await;
}
