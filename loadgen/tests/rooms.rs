//! `loadgen seed-rooms` and `loadgen rooms` against the real server (in this process, on
//! port 0) started on the seeded database: every seeded session is signed in, every post in
//! a closed room reaches its members and nobody else.

use backend::{Application, Settings};
use serde_json::Value;

fn int(report: &Value, pointer: &str) -> u64 {
    report
        .pointer(pointer)
        .and_then(Value::as_u64)
        .unwrap_or_else(|| panic!("{pointer} missing from {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_member_gets_every_message_of_its_room_and_no_other() {
    let dir = tempfile::tempdir().expect("temp dir");
    let (db, plan) = (dir.path().join("rooms.db"), dir.path().join("plan.json"));
    let seeded = tokio::process::Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["seed-rooms", "--rooms", "6", "--per-room", "3", "--db"])
        .arg(&db)
        .arg("--out")
        .arg(&plan)
        .output()
        .await
        .expect("loadgen runs");
    assert!(
        seeded.status.success(),
        "{}",
        String::from_utf8_lossy(&seeded.stderr)
    );

    let mut settings = Settings::for_tests_in(dir.path());
    settings.db = db.to_string_lossy().into_owned();
    let app = Application::build(settings).await.expect("server builds");
    let url = format!("https://127.0.0.1:{}", app.port());
    let shutdown = app.shutdown_handle();
    tokio::spawn(app.run_until_stopped());

    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["rooms", "--url", &url, "--ca"])
        .arg(dir.path().join("cert.pem"))
        .arg("--plan")
        .arg(&plan)
        .args(["--messages", "3", "--interval-ms", "20", "--posters", "2"])
        .args(["--drain-secs", "5", "--json"])
        .output()
        .await
        .expect("loadgen runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: Value = serde_json::from_slice(&out.stdout).expect("a JSON report");
    assert_eq!(int(&report, "/hellos"), 18, "{report}");
    assert_eq!(int(&report, "/messages"), 18, "3 rounds of 6 rooms");
    assert_eq!(int(&report, "/expected"), 54);
    assert_eq!(int(&report, "/delivered"), 54);
    assert_eq!(int(&report, "/violations"), 0);
    shutdown.shutdown().await;
}
