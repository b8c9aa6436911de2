//! Bots over the real server: who may create, list, rotate and revoke them (every kind of
//! caller), and posting with a bearer token: the right one, a wrong one, a rotated or
//! revoked one, a deactivated bot, a room the bot is not a member of, and its own rate
//! budget.

use crate::helpers::*;
use crate::rooms::cast;
use common::bot::{BotToken, BotView};
use common::room::RoomId;
use common::Message;
use reqwest::Method;
use serde_json::{json, Value};

impl TestApp {
    /// `POST /api/bots` as `admin`; the new bot and its token.
    pub async fn create_bot(&self, admin: &str, body: Value) -> BotToken {
        let response = self
            .api(Method::POST, "/api/bots", Some(admin), Some(body))
            .await;
        assert_eq!(response.status(), 201, "bot created");
        response.json().await.unwrap()
    }

    /// Posts `text` in `room` as a bot does: the bearer token, no cookie, no `Origin`.
    pub async fn bot_post(&self, token: &str, room: RoomId, text: &str) -> reqwest::Response {
        self.client
            .post(self.url(&format!("/api/rooms/{room}/msgs")))
            .bearer_auth(token)
            .json(&json!({ "text": text }))
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn only_admins_from_the_page_create_list_rotate_and_revoke_bots() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let body = json!({"username": "helper", "webhook_url": "https://bots.example/hook"});
    // Signed out 401, a member 403, an admin from another origin 403.
    let post = |session: Option<&str>, body: Value| {
        let app = &app;
        let session = session.map(str::to_owned);
        async move {
            app.api(Method::POST, "/api/bots", session.as_deref(), Some(body))
                .await
        }
    };
    expect_json_error(post(None, body.clone()).await, 401, "sign in").await;
    expect_json_error(post(Some(&who.bob), body.clone()).await, 403, "admins").await;
    let foreign = app
        .client
        .post(app.url("/api/bots"))
        .header("origin", "https://evil.example")
        .header("cookie", format!("__Host-h2chat={}", who.admin))
        .json(&body)
        .send()
        .await
        .unwrap();
    expect_json_error(foreign, 403, "Origin").await;
    // Bad input 400: name, scheme, credentials, unknown fields.
    for (bad, needle) in [
        (json!({"username": "a b"}), "username"),
        (json!({"username": "x"}), "username"),
        (
            json!({"username": "ok", "webhook_url": "ftp://h/x"}),
            "http",
        ),
        (
            json!({"username": "ok", "webhook_url": "javascript:alert(1)"}),
            "http",
        ),
        (
            json!({"username": "ok", "webhook_url": "https://u:p@h/x"}),
            "password",
        ),
        (json!({"username": "ok", "webhook_url": "nope"}), "URL"),
        (json!({"username": "ok", "token": "mine"}), ""),
    ] {
        expect_json_error(post(Some(&who.admin), bad).await, 400, needle).await;
    }
    let created = app.create_bot(&who.admin, body.clone()).await;
    assert_eq!(created.username, "helper");
    assert_eq!(created.token.len(), 43, "256 random bits, base64url");
    // Taken: by the bot, by a person (look-alikes too).
    expect_json_error(post(Some(&who.admin), body).await, 409, "taken").await;
    let person = json!({"username": "BOB"});
    expect_json_error(post(Some(&who.admin), person).await, 409, "taken").await;

    // The list: admins only, never a token.
    let list = |session: Option<&str>| {
        let app = &app;
        let session = session.map(str::to_owned);
        async move {
            app.api(Method::GET, "/api/bots", session.as_deref(), None)
                .await
        }
    };
    expect_json_error(list(None).await, 401, "sign in").await;
    expect_json_error(list(Some(&who.bob)).await, 403, "admins").await;
    let listed = list(Some(&who.admin)).await;
    assert_eq!(listed.status(), 200);
    let text = listed.text().await.unwrap();
    assert!(
        !text.contains(&created.token) && !text.contains("\"token\""),
        "{text}"
    );
    let bots: Vec<BotView> = serde_json::from_str(&text).unwrap();
    assert_eq!(bots.len(), 1);
    assert_eq!(
        (
            bots[0].id,
            bots[0].webhook_url.as_deref(),
            bots[0].active,
            bots[0].has_token
        ),
        (created.id, Some("https://bots.example/hook"), true, true)
    );
    // A bot shows as one among the people and the accounts.
    let people: Value = app
        .api(Method::GET, "/api/people", Some(&who.dan), None)
        .await
        .json()
        .await
        .unwrap();
    let helper = people
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["username"] == "helper")
        .cloned()
        .unwrap();
    assert_eq!(helper["bot"], true);

    // Rotating and revoking: admins only, from the page; unknown bots 404.
    let token_path = format!("/api/bots/{}/token", created.id);
    for method in [Method::POST, Method::DELETE] {
        expect_json_error(
            app.api(method.clone(), &token_path, None, None).await,
            401,
            "sign in",
        )
        .await;
        expect_json_error(
            app.api(method.clone(), &token_path, Some(&who.bob), None)
                .await,
            403,
            "admins",
        )
        .await;
        let person_id = "/api/bots/1/token";
        expect_json_error(
            app.api(method.clone(), person_id, Some(&who.admin), None)
                .await,
            404,
            "no bot",
        )
        .await;
        let junk = "/api/bots/abc/token";
        expect_json_error(
            app.api(method.clone(), junk, Some(&who.admin), None).await,
            404,
            "no bot",
        )
        .await;
        let foreign = app
            .client
            .request(method.clone(), app.url(&token_path))
            .header("origin", "https://evil.example")
            .header("cookie", format!("__Host-h2chat={}", who.admin))
            .send()
            .await
            .unwrap();
        expect_json_error(foreign, 403, "Origin").await;
    }
    // The bot works until its token is rotated; the new one works until revoked.
    assert_eq!(app.bot_post(&created.token, 0, "first").await.status(), 201);
    let rotated = app
        .api(Method::POST, &token_path, Some(&who.admin), None)
        .await;
    assert_eq!(rotated.status(), 201);
    let rotated: BotToken = rotated.json().await.unwrap();
    assert_ne!(rotated.token, created.token);
    let old = app.bot_post(&created.token, 0, "old").await;
    expect_json_error(old, 401, "bot token").await;
    assert_eq!(app.bot_post(&rotated.token, 0, "new").await.status(), 201);
    let revoked = app
        .api(Method::DELETE, &token_path, Some(&who.admin), None)
        .await;
    assert_eq!(revoked.status(), 204);
    let gone = app.bot_post(&rotated.token, 0, "revoked").await;
    expect_json_error(gone, 401, "bot token").await;
    let bots: Vec<BotView> = list(Some(&who.admin)).await.json().await.unwrap();
    assert!(!bots[0].has_token);
    app.stop().await;
}

#[tokio::test]
async fn a_bot_posts_with_its_token_only_where_it_is_a_member_and_nowhere_else() {
    let app = spawn_app().await;
    let who = cast(&app).await;
    let bot = app
        .create_bot(
            &who.admin,
            json!({"username": "helper", "display_name": "Helper"}),
        )
        .await;
    // The lobby is open: every account, bots too, may post there; no cookie, no Origin.
    let posted = app.bot_post(&bot.token, 0, "hello from a bot").await;
    assert_eq!(posted.status(), 201);
    let posted: Message = posted.json().await.unwrap();
    assert_eq!(
        (
            posted.account.as_deref(),
            posted.user.as_str(),
            posted.guest
        ),
        (Some("helper"), "Helper", false)
    );
    // Wrong tokens: 401 with a JSON error, whatever cookie comes with them.
    for wrong in ["", "nope", &format!("{}x", bot.token)] {
        expect_json_error(app.bot_post(wrong, 0, "x").await, 401, "bot token").await;
    }
    let with_cookie = app
        .client
        .post(app.url("/api/rooms/0/msgs"))
        .bearer_auth("nope")
        .header("cookie", format!("__Host-h2chat={}", who.dan))
        .header("origin", app.origin())
        .json(&json!({"text": "x"}))
        .send()
        .await
        .unwrap();
    expect_json_error(with_cookie, 401, "bot token").await;
    // A foreign Origin does not matter with a token (no cookie acts).
    let foreign = app
        .client
        .post(app.url("/api/rooms/0/msgs"))
        .bearer_auth(&bot.token)
        .header("origin", "https://elsewhere.example")
        .json(&json!({"text": "from a script"}))
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 201);
    // Not a member of the closed room: it does not exist for the bot (404) until its
    // manager adds the bot like anyone.
    let room = who.room.id;
    let outside = app.bot_post(&bot.token, room, "let me in").await;
    expect_json_error(outside, 404, "no room").await;
    let added = app
        .api(
            Method::POST,
            &format!("/api/rooms/{room}/members"),
            Some(&who.bob),
            Some(json!({"username": "helper"})),
        )
        .await;
    assert_eq!(added.status(), 200);
    assert_eq!(app.bot_post(&bot.token, room, "inside").await.status(), 201);
    let seen = app.messages_of(&who.dan, room).await;
    assert!(seen
        .iter()
        .any(|m| m.text == "inside" && m.account.as_deref() == Some("helper")));
    // Bad bodies as for anyone.
    expect_json_error(app.bot_post(&bot.token, room, "  ").await, 400, "").await;
    // The token opens no other endpoint: elsewhere a bearer request is a guest's.
    let elsewhere = app
        .client
        .post(app.url("/api/rooms"))
        .bearer_auth(&bot.token)
        .json(&json!({"name": "botroom", "kind": "open"}))
        .send()
        .await
        .unwrap();
    expect_json_error(elsewhere, 401, "sign in").await;
    // It never signs in, and never becomes an admin.
    let signed = app.sign_in("helper", "correct horse battery").await;
    expect_json_error(signed, 401, "wrong").await;
    let promote = app
        .api(
            Method::PATCH,
            "/api/accounts/helper",
            Some(&who.admin),
            Some(json!({"role": "admin"})),
        )
        .await;
    expect_json_error(promote, 400, "bot").await;
    // Deactivated, its token stops working.
    let off = app
        .api(
            Method::PATCH,
            "/api/accounts/helper",
            Some(&who.admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.status(), 200);
    let refused = app.bot_post(&bot.token, 0, "still here?").await;
    expect_json_error(refused, 401, "bot token").await;
    app.stop().await;
}

#[tokio::test]
async fn a_bot_has_its_own_rate_budget() {
    // The bot spends its account's budget, never its address's (which people share).
    let app = spawn_app_with(|s| {
        s.post_rate = 1;
        s.post_burst = 1;
        s.account_post_rate = 1;
        s.account_post_burst = 3;
    })
    .await;
    let admin = app.setup_admin("ann").await;
    let bot = app.create_bot(&admin, json!({"username": "chatty"})).await;
    for n in 0..3 {
        let posted = app.bot_post(&bot.token, 0, &format!("burst {n}")).await;
        assert_eq!(posted.status(), 201);
    }
    let limited = app.bot_post(&bot.token, 0, "one too many").await;
    expect_json_error(limited, 429, "too many").await;
    // The address it posts from still has its own budget for people.
    app.say(&admin, 0, "people still post").await;
    app.stop().await;
}
