//! Moderation over the real server: banning a guest's address (and lifting it), banning an
//! account with its messages, the per-account post budget, and the audit log; with the
//! refusals for every other kind of caller.

use crate::helpers::*;
use crate::rooms::{cast, SOON};
use common::moderation::{AccountBanned, AuditAction, AuditEntry, GuestBan};
use common::StreamEvent;
use reqwest::Method;
use serde_json::{json, Value};

impl TestApp {
    async fn audit_of(&self, admin: &str) -> Vec<AuditEntry> {
        let response = self.api(Method::GET, "/api/audit", Some(admin), None).await;
        assert_eq!(response.status(), 200);
        response.json().await.unwrap()
    }

    async fn as_foreign_page(
        &self,
        method: Method,
        path: &str,
        session: &str,
        body: Value,
    ) -> reqwest::Response {
        self.client
            .request(method, self.url(path))
            .header("origin", "https://evil.example")
            .header("cookie", format!("__Host-h2chat={session}"))
            .json(&body)
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn a_banned_guest_address_may_not_post_until_lifted_and_only_admins_ban() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    app.post("Zed", "before the ban").await;
    let ban = json!({"address": "127.0.0.1", "hours": 2, "reason": "spam links"});

    // Who may not: a guest (401), a member or room manager (403), a foreign page (403),
    // and nobody with a bad address, hours or reason (400).
    expect_json_error(
        app.api(Method::POST, "/api/bans", None, Some(ban.clone()))
            .await,
        401,
        "sign in",
    )
    .await;
    expect_json_error(
        app.api(Method::POST, "/api/bans", Some(&who.bob), Some(ban.clone()))
            .await,
        403,
        "admins",
    )
    .await;
    expect_json_error(
        app.as_foreign_page(Method::POST, "/api/bans", &who.admin, ban.clone())
            .await,
        403,
        "Origin",
    )
    .await;
    for (body, needle) in [
        (
            json!({"address": "localhost", "hours": 1}),
            "not an IP address",
        ),
        (json!({"address": "127.0.0.1", "hours": 0}), "hours"),
        (json!({"address": "127.0.0.1", "hours": 9000}), "hours"),
        (
            json!({"address": "127.0.0.1", "hours": 1, "reason": "x".repeat(201)}),
            "reason",
        ),
        (json!({"address": "127.0.0.1"}), "hours"),
    ] {
        let refused = app
            .api(Method::POST, "/api/bans", Some(&who.admin), Some(body))
            .await;
        expect_json_error(refused, 400, needle).await;
    }
    for session in [Some(who.bob.as_str()), None] {
        let status = app
            .api(Method::GET, "/api/bans", session, None)
            .await
            .status();
        assert!(status == 403 || status == 401, "{status}");
    }

    let made = app
        .api(Method::POST, "/api/bans", Some(&who.admin), Some(ban))
        .await;
    assert_eq!(made.status(), 201);
    let made: GuestBan = made.json().await.unwrap();
    assert_eq!(
        (made.address.as_str(), made.by.as_str()),
        ("127.0.0.1", "ann")
    );

    // The guest is refused with until when and why; nothing is stored.
    let refused = app
        .post_json(&json!({"user": "Zed", "text": "buy now"}))
        .await;
    let error: Value = {
        assert_eq!(refused.status(), 403);
        refused.json().await.unwrap()
    };
    let text = error["error"].as_str().unwrap();
    assert!(
        text.contains("may not post until") && text.contains("GMT: spam links"),
        "{text}"
    );
    // An account at the same address is not a guest: it posts.
    app.say(&who.dan, 0, "members still talk").await;

    let listed: Vec<GuestBan> = app
        .api(Method::GET, "/api/bans", Some(&who.admin), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed, vec![made.clone()]);

    // An IPv6 ban names its /64, and is lifted by that name (a slash in the path).
    let v6 = json!({"address": "2001:db8:1:2::77", "hours": 1});
    let v6: GuestBan = app
        .api(Method::POST, "/api/bans", Some(&who.admin), Some(v6))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v6.address, "2001:db8:1:2::/64");
    let lifted = app
        .api(
            Method::DELETE,
            "/api/bans/2001:db8:1:2::/64",
            Some(&who.admin),
            None,
        )
        .await;
    assert_eq!(lifted.status(), 204);

    // Lifting: admins only, then the guest posts again; a second lift finds nothing.
    expect_json_error(
        app.api(Method::DELETE, "/api/bans/127.0.0.1", Some(&who.bob), None)
            .await,
        403,
        "admins",
    )
    .await;
    expect_json_error(
        app.api(Method::DELETE, "/api/bans/nowhere", Some(&who.admin), None)
            .await,
        400,
        "not an IP",
    )
    .await;
    let lifted = app
        .api(
            Method::DELETE,
            "/api/bans/127.0.0.1",
            Some(&who.admin),
            None,
        )
        .await;
    assert_eq!(lifted.status(), 204);
    app.post("Zed", "after the ban").await;
    let again = app
        .api(
            Method::DELETE,
            "/api/bans/127.0.0.1",
            Some(&who.admin),
            None,
        )
        .await;
    expect_json_error(again, 404, "not banned").await;

    // The audit log: newest first, who and what.
    let audit = app.audit_of(&who.admin).await;
    let actions: Vec<&AuditAction> = audit.iter().map(|e| &e.action).collect();
    assert!(
        matches!(actions[0], AuditAction::GuestUnbanned { address } if address == "127.0.0.1"),
        "{audit:?}"
    );
    assert!(
        matches!(actions[2], AuditAction::GuestBanned { address, .. } if address == "2001:db8:1:2::/64")
    );
    assert!(
        matches!(actions[3], AuditAction::GuestBanned { reason, .. } if reason == "spam links")
    );
    assert!(audit.iter().all(|e| e.by == "ann"));
    let older: Vec<AuditEntry> = app
        .api(
            Method::GET,
            &format!("/api/audit?before={}&limit=1", audit[0].id),
            Some(&who.admin),
            None,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(older, audit[1..2]);
    for query in ["?limit=0", "?limit=201", "?before=x"] {
        let status = app
            .api(
                Method::GET,
                &format!("/api/audit{query}"),
                Some(&who.admin),
                None,
            )
            .await
            .status();
        assert_eq!(status, 400, "{query}");
    }
    expect_json_error(
        app.api(Method::GET, "/api/audit", Some(&who.dan), None)
            .await,
        403,
        "admins",
    )
    .await;
    expect_json_error(
        app.api(Method::GET, "/api/audit", None, None).await,
        401,
        "sign in",
    )
    .await;

    // Banning "this guest" by one of its messages: the server knows where it came from.
    let zeds = app.post("Zed", "spam again").await;
    let dans = app.say(&who.dan, 0, "not a guest").await;
    for (body, status, needle) in [
        (
            json!({"message": dans.id, "hours": 1}),
            404,
            "no guest message",
        ),
        (
            json!({"message": 999_999, "hours": 1}),
            404,
            "no guest message",
        ),
        (
            json!({"message": zeds.id, "address": "127.0.0.1", "hours": 1}),
            400,
            "either",
        ),
    ] {
        let refused = app
            .api(Method::POST, "/api/bans", Some(&who.admin), Some(body))
            .await;
        expect_json_error(refused, status, needle).await;
    }
    let by_message = json!({"message": zeds.id, "hours": 1});
    let made = app
        .api(
            Method::POST,
            "/api/bans",
            Some(&who.admin),
            Some(by_message),
        )
        .await;
    assert_eq!(made.status(), 201);
    let made: GuestBan = made.json().await.unwrap();
    assert_eq!(made.address, "127.0.0.1");
    let refused = app.post_json(&json!({"user": "Zed", "text": "x"})).await;
    assert_eq!(refused.status(), 403);
    app.stop().await;
}

#[tokio::test]
async fn banning_an_account_ends_its_sessions_and_can_delete_every_message_it_wrote() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let room = who.room.id;
    let in_room = app.say(&who.bob, room, "bob in plans").await;
    let in_lobby = app.say(&who.bob, 0, "bob in the lobby").await;
    let kept = app.say(&who.dan, room, "dan stays").await;
    let (mut watching, _hello) = app.room_stream(Some(&who.dan), "").await;

    let path = "/api/accounts/bob/ban";
    let body = json!({"delete_messages": true});
    expect_json_error(
        app.api(Method::POST, path, None, Some(body.clone())).await,
        401,
        "sign in",
    )
    .await;
    expect_json_error(
        app.api(Method::POST, path, Some(&who.dan), Some(body.clone()))
            .await,
        403,
        "admins",
    )
    .await;
    expect_json_error(
        app.as_foreign_page(Method::POST, path, &who.admin, body.clone())
            .await,
        403,
        "Origin",
    )
    .await;
    expect_json_error(
        app.api(
            Method::POST,
            "/api/accounts/nobody/ban",
            Some(&who.admin),
            Some(body.clone()),
        )
        .await,
        404,
        "no account",
    )
    .await;
    expect_json_error(
        app.api(
            Method::POST,
            "/api/accounts/ann/ban",
            Some(&who.admin),
            Some(body.clone()),
        )
        .await,
        409,
        "yourself",
    )
    .await;

    let banned = app
        .api(Method::POST, path, Some(&who.admin), Some(body))
        .await;
    assert_eq!(banned.status(), 200);
    let banned: AccountBanned = banned.json().await.unwrap();
    assert_eq!((banned.username.as_str(), banned.deleted), ("bob", 2));
    assert_eq!(
        app.me(&who.bob).await.err(),
        Some(401),
        "bob's session ended"
    );

    // Dan's page sees both go, live.
    let mut deleted = Vec::new();
    while deleted.len() < 2 {
        if let StreamEvent::Deleted { msg } = watching.next_non_heartbeat(SOON).await {
            deleted.push(msg.id);
        }
    }
    deleted.sort();
    assert_eq!(deleted, [in_room.id, in_lobby.id]);
    let history = app.messages_of(&who.dan, room).await;
    let texts: Vec<(u64, &str, bool)> = history
        .iter()
        .map(|m| (m.id, m.text.as_str(), m.deleted))
        .collect();
    assert_eq!(
        texts,
        [(in_room.id, "", true), (kept.id, "dan stays", false)]
    );

    // The audit log says it once: deactivated, then how many messages; not each message.
    let audit = app.audit_of(&who.admin).await;
    let actions: Vec<AuditAction> = audit.into_iter().map(|e| e.action).collect();
    assert_eq!(
        actions,
        [
            AuditAction::MessagesDeleted {
                account: "bob".into(),
                count: 2
            },
            AuditAction::Deactivated {
                account: "bob".into()
            },
        ]
    );
    app.stop().await;
}

#[tokio::test]
async fn an_account_has_its_own_post_budget_on_top_of_its_address() {
    let app = spawn_app_with(|s| {
        s.account_post_rate = 1;
        s.account_post_burst = 2;
    })
    .await;
    let who = cast(&app).await;
    let post = |session: String| {
        let app = &app;
        async move {
            app.post_as(&session, json!({"user": "x", "text": "hi"}))
                .await
        }
    };
    assert_eq!(post(who.dan.clone()).await.status(), 201);
    assert_eq!(post(who.dan.clone()).await.status(), 201);
    let refused = post(who.dan.clone()).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    expect_json_error(refused, 429, "too many messages").await;
    assert_eq!(post(who.cat.clone()).await.status(), 201, "another account");
    app.post("Zed", "guests spend their address's budget alone")
        .await;
    app.stop().await;
}
