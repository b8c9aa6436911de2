//! `GET /msgs/history` and retention.

use crate::helpers::*;
use backend::store::Retention;
use common::HistoryPage;

async fn get_history(app: &TestApp, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/msgs/history{query}")))
        .send()
        .await
        .unwrap()
}

async fn page(app: &TestApp, query: &str) -> HistoryPage {
    let response = get_history(app, query).await;
    assert_eq!(response.status(), 200, "{query}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn history_pages_back_to_the_first_message() {
    let app = spawn_app_with(|s| s.history = 5.try_into().unwrap()).await;
    for i in 1..=23 {
        app.post("hal", &format!("m{i}")).await;
    }
    let newest = page(&app, "?limit=10").await;
    assert_eq!(ids(&newest.msgs), (14..=23).collect::<Vec<_>>());
    assert!(newest.more);
    let older = page(&app, "?before=14&limit=10").await;
    assert_eq!(ids(&older.msgs), (4..=13).collect::<Vec<_>>());
    assert!(older.more);
    let oldest = page(&app, "?before=4&limit=10").await;
    assert_eq!(ids(&oldest.msgs), vec![1, 2, 3]);
    assert!(!oldest.more);
    assert_eq!(oldest.msgs[0].text, "m1");
    let default = page(&app, "").await;
    assert_eq!(default.msgs.len(), 23, "default limit is 50");

    for (query, needle) in [
        ("?limit=0", "limit must be between 1 and 200"),
        ("?limit=201", "limit must be between 1 and 200"),
        ("?before=abc", "invalid query"),
        ("?since=3", "unknown field"),
    ] {
        expect_json_error(get_history(&app, query).await, 400, needle).await;
    }
    let post = app
        .client
        .post(app.url("/msgs/history"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);
}

#[tokio::test]
async fn retention_deletes_old_messages_everywhere_and_ids_are_never_reused() {
    let app = spawn_app_with(|s| s.history = 8.try_into().unwrap()).await;
    for i in 1..=10 {
        app.post("ret", &format!("m{i}")).await;
    }
    let store = app.store.clone();
    let deleted = store
        .retain(Retention {
            days: None,
            messages: Some(4),
        })
        .await
        .unwrap();
    assert_eq!(deleted, 6);
    assert_eq!(ids(&page(&app, "").await.msgs), vec![7, 8, 9, 10]);
    assert_eq!(
        ids(&app.hub.window()),
        vec![7, 8, 9, 10],
        "the window forgets them too"
    );
    // A day's retention keeps messages from today.
    let deleted = store
        .retain(Retention {
            days: Some(1),
            messages: None,
        })
        .await
        .unwrap();
    assert_eq!(deleted, 0);
    let next = app.post("ret", "after retention").await;
    assert_eq!(next.id, 11);
}
