//! Accounts on several nodes (Redis): one setup for the chat, a session started on node A
//! is valid on node B at once, a username cannot be taken twice across nodes, and a
//! deactivation on A ends the account's streams on B; a guest ban made on A (by a message
//! B took) holds on B, and is in B's audit log.

use crate::helpers::*;
use crate::people::{page_request, session_of, PASSWORD};
use crate::redis_server::{shared_redis_url, unique_prefix};
use crate::scale_out::{start_node, Node};
use common::account::AccountView;
use common::StreamEvent;
use reqwest::Method;
use serde_json::{json, Value};
use std::time::Duration;

impl Node {
    /// A request as the page on this node makes it.
    pub(crate) async fn api(
        &self,
        method: Method,
        path: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        page_request(&self.client, &self.url, method, path, session, body).await
    }

    /// The setup token this node printed.
    pub(crate) fn setup_token(&self) -> String {
        let line = self
            .process
            .printed_line("/setup#", SOON)
            .expect("a node of a fresh chat prints a setup link");
        line.rsplit('#').next().unwrap().trim().to_owned()
    }
}

#[tokio::test]
async fn accounts_sessions_and_deactivation_reach_every_node() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("accounts");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;

    // Node A's setup link works on node B: one setup for the whole chat.
    let token = a.setup_token();
    assert_ne!(token, b.setup_token(), "each node prints its own");
    let setup = json!({"token": token, "username": "ann", "password": PASSWORD});
    let done = b
        .api(Method::POST, "/api/setup", None, Some(setup.clone()))
        .await;
    assert_eq!(done.status(), 201);
    let admin = session_of(&done).unwrap();
    let again = a.api(Method::POST, "/api/setup", None, Some(setup)).await;
    expect_json_error(again, 409, "setup is done").await;

    // A session from B is good on A at once.
    let me: AccountView = a
        .api(Method::GET, "/api/me", Some(&admin), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me.username, "ann");

    // Two nodes, the same username at the same moment: one account.
    let invite: Value = a
        .api(Method::POST, "/api/invites", Some(&admin), Some(json!({})))
        .await
        .json()
        .await
        .unwrap();
    let code = invite["code"].as_str().unwrap();
    let body = |name: &str| json!({"invite": code, "username": name, "password": PASSWORD});
    let (on_a, on_b) = tokio::join!(
        a.api(Method::POST, "/api/signup", None, Some(body("bob"))),
        b.api(Method::POST, "/api/signup", None, Some(body("BOB")))
    );
    let mut statuses = [on_a.status().as_u16(), on_b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [201, 409]);
    let bob = session_of(if on_a.status() == 201 { &on_a } else { &on_b }).unwrap();

    // Bob streams from B; the admin deactivates him on A: B ends his stream at once.
    let response = b
        .client
        .get(format!("{}/msgs?since=0", b.url))
        .header("cookie", format!("__Host-h2chat={bob}"))
        .send()
        .await
        .unwrap();
    let mut stream = LineStream::from_response(response);
    assert!(matches!(
        stream.next_event(SOON).await,
        StreamEvent::Hello { .. }
    ));
    // Named as uniqueness compares names: whichever spelling won, "bob" is that account.
    let off = a
        .api(
            Method::PATCH,
            "/api/accounts/bob",
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.status(), 200);
    assert_eq!(
        stream.next_non_heartbeat(Duration::from_secs(2)).await,
        StreamEvent::Bye {
            reason: "signed out".into()
        }
    );
    assert_eq!(stream.next_line(Duration::from_secs(2)).await, None);
    let refused = b.api(Method::GET, "/api/me", Some(&bob), None).await;
    assert_eq!(refused.status(), 401);
}

#[tokio::test]
async fn a_guest_ban_made_on_one_node_holds_on_the_other() {
    let redis = shared_redis_url();
    let prefix = unique_prefix("bans");
    let a = start_node(&redis, &prefix).await;
    let b = start_node(&redis, &prefix).await;
    let setup = json!({"token": a.setup_token(), "username": "ann", "password": PASSWORD});
    let done = a.api(Method::POST, "/api/setup", None, Some(setup)).await;
    let admin = session_of(&done).unwrap();
    let guest = |node: &Node| {
        node.client
            .post(format!("{}/msgs", node.url))
            .json(&json!({"user": "Zed", "text": "hello"}))
            .send()
    };
    let posted: common::Message = guest(&b).await.unwrap().json().await.unwrap();
    // Banned on A by a message B took: A finds its address through Redis.
    let ban = json!({"message": posted.id, "hours": 1, "reason": "flood"});
    let made = a
        .api(Method::POST, "/api/bans", Some(&admin), Some(ban))
        .await;
    assert_eq!(made.status(), 201);
    // B applies the log's events as it tails them: within a moment, not at once.
    let deadline = std::time::Instant::now() + SOON;
    loop {
        let status = guest(&b).await.unwrap().status();
        if status == 403 {
            break;
        }
        assert_eq!(status, 201);
        assert!(std::time::Instant::now() < deadline, "B never saw the ban");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let audit: Value = b
        .api(Method::GET, "/api/audit", Some(&admin), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit[0]["action"], "guest_banned");
    assert_eq!(audit[0]["by"], "ann");
    let lifted = b
        .api(Method::DELETE, "/api/bans/127.0.0.1", Some(&admin), None)
        .await;
    assert_eq!(lifted.status(), 204);
    let deadline = std::time::Instant::now() + SOON;
    while guest(&a).await.unwrap().status() == 403 {
        assert!(std::time::Instant::now() < deadline, "A never saw the lift");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
