//! `POST /msgs`: the happy path and every kind of bad input.

use crate::helpers::*;
use common::StreamEvent;
use serde_json::json;

#[tokio::test]
async fn post_stores_trimmed_message_and_answers_201() {
    let app = spawn_app().await;
    let response = app
        .post_json(&json!({"user": "  ann ", "text": " <img src=x onerror=alert(1)> \n"}))
        .await;
    assert_eq!(response.status(), 201);
    let stored: common::Message = response.json().await.unwrap();
    assert_eq!(stored.id, 1);
    assert_eq!(stored.user, "ann");
    assert_eq!(stored.text, "<img src=x onerror=alert(1)>");
    assert!(stored.time > 1_600_000_000_000);
    // The 201 goes out just before the fan-out; the window follows within moments.
    for _ in 0..100 {
        if !app.hub.window().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(app.hub.window(), vec![stored]);
}

struct BadCase {
    name: &'static str,
    content_type: Option<&'static str>,
    body: Vec<u8>,
    status: u16,
    error_contains: &'static str,
}

fn bad_cases() -> Vec<BadCase> {
    let json = |v: serde_json::Value| serde_json::to_vec(&v).unwrap();
    let case = |name, body, status, error_contains| BadCase {
        name,
        content_type: Some("application/json"),
        body,
        status,
        error_contains,
    };
    vec![
        case(
            "empty user",
            json(json!({"user": "  ", "text": "hi"})),
            400,
            "user must not be empty",
        ),
        case(
            "long user",
            json(json!({"user": "u".repeat(33), "text": "hi"})),
            400,
            "at most 32",
        ),
        case(
            "control in user",
            json(json!({"user": "a\u{1b}b", "text": "hi"})),
            400,
            "U+001B",
        ),
        case(
            "newline in user",
            json(json!({"user": "a\nb", "text": "hi"})),
            400,
            "U+000A",
        ),
        case(
            "empty text",
            json(json!({"user": "ann", "text": "\n "})),
            400,
            "text must not be empty",
        ),
        case(
            "long text",
            json(json!({"user": "ann", "text": "t".repeat(2001)})),
            400,
            "at most 2000",
        ),
        case(
            "control in text",
            json(json!({"user": "ann", "text": "a\u{0}b"})),
            400,
            "U+0000",
        ),
        case(
            "missing text",
            json(json!({"user": "ann"})),
            400,
            "missing field `text`",
        ),
        case(
            "wrong type",
            json(json!({"user": 5, "text": "hi"})),
            400,
            "invalid type",
        ),
        case("array body", json(json!([1, 2])), 400, "invalid"),
        case("not json", b"{user: ann".to_vec(), 400, "invalid JSON"),
        case("empty body", Vec::new(), 400, "invalid JSON"),
        case(
            "too large",
            vec![b'a'; 20_000],
            413,
            "larger than 16384 bytes",
        ),
        BadCase {
            name: "no content type",
            content_type: None,
            body: json(json!({"user": "ann", "text": "hi"})),
            status: 415,
            error_contains: "application/json",
        },
        BadCase {
            name: "form content type",
            content_type: Some("application/x-www-form-urlencoded"),
            body: b"user=ann&text=hi".to_vec(),
            status: 415,
            error_contains: "application/json",
        },
    ]
}

#[tokio::test]
async fn every_bad_post_gets_its_status_and_a_json_error_and_nothing_is_broadcast() {
    let app = spawn_app().await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;

    for case in bad_cases() {
        let mut request = app.client.post(app.url("/msgs")).body(case.body);
        if let Some(ct) = case.content_type {
            request = request.header("content-type", ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), case.status, "{}", case.name);
        assert_eq!(
            response.headers()["content-type"],
            "application/json",
            "{}",
            case.name
        );
        let body: serde_json::Value = response.json().await.unwrap();
        let error = body["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{}: {body}", case.name));
        assert!(
            error.contains(case.error_contains),
            "{}: {error:?} should contain {:?}",
            case.name,
            case.error_contains
        );
    }

    let other_errors = [
        (
            app.client.get(app.url("/msgs?since=abc")),
            400,
            "invalid query",
        ),
        (
            app.client.get(app.url("/msgs?since=-1")),
            400,
            "invalid query",
        ),
        (
            app.client.get(app.url("/msgs?epoch=x")),
            400,
            "only meaningful together with since",
        ),
        (
            app.client.get(app.url("/msgs?bogus=1")),
            400,
            "unknown field",
        ),
        (app.client.put(app.url("/msgs")), 405, "PUT is not allowed"),
        (
            app.client.delete(app.url("/msgs")),
            405,
            "DELETE is not allowed",
        ),
    ];
    for (request, status, needle) in other_errors {
        expect_json_error(request.send().await.unwrap(), status, needle).await;
    }

    // Nothing was stored or sent: the next line the watcher sees is the next good post.
    assert!(app.hub.window().is_empty());
    let good = app.post("ann", "finally").await;
    assert_eq!(good.id, 1, "no id was spent on refused posts");
    assert_eq!(
        watcher.next_non_heartbeat(SOON).await,
        StreamEvent::Msgs { msgs: vec![good] }
    );
    // And the server is unaffected.
    let health = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn concurrent_posts_are_fanned_out_in_id_order() {
    let app = spawn_app_with(|s| s.history = 200.try_into().unwrap()).await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;
    let mut posts = Vec::new();
    for i in 0..50 {
        let client = app.client.clone();
        let url = app.url("/msgs");
        posts.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .json(&json!({"user": "p", "text": format!("n{i}")}))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 201);
        }));
    }
    for p in posts {
        p.await.unwrap();
    }
    let mut seen = Vec::new();
    while seen.len() < 50 {
        if let StreamEvent::Msgs { msgs } = watcher.next_non_heartbeat(SOON).await {
            seen.extend(ids(&msgs));
        }
    }
    assert_eq!(seen, (1..=50).collect::<Vec<u64>>());
}
