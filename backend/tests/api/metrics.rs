//! `GET /metrics`: valid Prometheus text that counts what happened.

use crate::helpers::*;
use std::collections::HashMap;

/// Parses the text exposition: every sample line is `name{labels} value`, and every metric
/// name has a `# TYPE` line. Returns samples keyed by `name{labels}`.
pub fn parse(text: &str) -> HashMap<String, f64> {
    let mut typed = Vec::new();
    let mut samples = HashMap::new();
    for line in text.lines().filter(|l| !l.is_empty()) {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            typed.push(rest.split_whitespace().next().unwrap().to_owned());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        let (key, value) = line
            .rsplit_once(' ')
            .unwrap_or_else(|| panic!("bad line {line:?}"));
        let value: f64 = match value {
            "+Inf" => f64::INFINITY,
            v => v
                .parse()
                .unwrap_or_else(|_| panic!("bad value in {line:?}")),
        };
        let name = key.split('{').next().unwrap();
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':'),
            "bad name in {line:?}"
        );
        assert!(
            typed.iter().any(|t| name.starts_with(t.as_str())),
            "{name} has no # TYPE line"
        );
        samples.insert(key.to_owned(), value);
    }
    samples
}

/// `GET /metrics` of `app`, parsed.
pub async fn scrape(app: &TestApp) -> HashMap<String, f64> {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), 200);
    parse(&response.text().await.unwrap())
}

#[tokio::test]
async fn metrics_parse_and_count_what_happened() {
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 3;
    })
    .await;
    let _stream = app.open_stream("?since=0").await;
    let _sse = app
        .client
        .get(app.url("/msgs/events"))
        .send()
        .await
        .unwrap();
    app.wait_for_clients(2, SOON).await;

    app.post("m", "one").await;
    app.post("m", "two").await;
    let invalid = app
        .post_json(&serde_json::json!({"user": "", "text": "x"}))
        .await;
    assert_eq!(invalid.status(), 400);
    let wrong_type = app
        .client
        .post(app.url("/msgs"))
        .body("user=m")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_type.status(), 415);
    let limited = app
        .post_json(&serde_json::json!({"user": "m", "text": "three"}))
        .await;
    assert_eq!(limited.status(), 429);

    let mut samples = HashMap::new();
    for _ in 0..100 {
        let response = app.client.get(app.url("/metrics")).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4"));
        samples = parse(&response.text().await.unwrap());
        if samples.get("h2chat_deliveries_total") == Some(&4.0) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let get = |key: &str| *samples.get(key).unwrap_or_else(|| panic!("{key} missing"));
    assert_eq!(get("h2chat_messages_accepted_total"), 2.0);
    assert_eq!(
        get("h2chat_deliveries_total"),
        4.0,
        "2 messages x 2 streams"
    );
    assert_eq!(
        get(r#"h2chat_messages_rejected_total{reason="invalid"}"#),
        1.0
    );
    assert_eq!(
        get(r#"h2chat_messages_rejected_total{reason="content_type"}"#),
        1.0
    );
    assert_eq!(
        get(r#"h2chat_messages_rejected_total{reason="rate_limited"}"#),
        1.0
    );
    assert_eq!(
        get(r#"h2chat_messages_rejected_total{reason="too_large"}"#),
        0.0
    );
    assert_eq!(get(r#"h2chat_streams{transport="stream"}"#), 1.0);
    assert_eq!(get(r#"h2chat_streams{transport="sse"}"#), 1.0);
    assert_eq!(get(r#"h2chat_streams{transport="ws"}"#), 0.0);
    assert_eq!(get("h2chat_store_commit_seconds_count"), 2.0);
    assert_eq!(get("h2chat_fanout_seconds_count"), 2.0);
    assert_eq!(get("h2chat_slow_consumer_disconnects_total"), 0.0);
    assert_eq!(
        get("h2chat_connections"),
        1.0,
        "one HTTP/2 connection carries the streams, the posts and the scrapes"
    );
    assert_eq!(get(r#"h2chat_store_up{store="sqlite"}"#), 1.0);
}
