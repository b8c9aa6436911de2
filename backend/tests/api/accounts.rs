//! Accounts: first-run setup, invites, sign-in and sessions, guests who cannot impersonate,
//! brute-force limits, administration.

use crate::helpers::*;
use crate::people::*;
use common::account::{AccountView, InviteView, Role};
use common::{Message, StreamEvent};
use reqwest::Method;
use serde_json::json;
use std::time::{Duration, Instant};

#[tokio::test]
async fn setup_needs_the_printed_token_and_happens_once() {
    let app = spawn_app().await;
    let token = app
        .setup_token
        .clone()
        .expect("a fresh chat prints a setup token");
    assert!(token.len() >= 22, "128 bits or more: {token}");
    let status: serde_json::Value = app
        .api(Method::GET, "/api/status", None, None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        status,
        json!({"setup_needed": true, "signup": "invite", "guests": true,
               "presence": true, "typing": true})
    );

    let body = |token: &str| json!({"token": token, "username": "ann", "password": PASSWORD});
    let wrong = app
        .api(Method::POST, "/api/setup", None, Some(body("guessed")))
        .await;
    expect_json_error(wrong, 403, "setup link is not valid").await;

    let done = app
        .api(Method::POST, "/api/setup", None, Some(body(&token)))
        .await;
    assert_eq!(done.status(), 201);
    let cookie = done
        .headers()
        .get("set-cookie")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    for flag in ["HttpOnly", "Secure", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{flag} in {cookie}");
    }
    assert!(!cookie.to_lowercase().contains("domain="), "{cookie}");
    assert!(cookie.starts_with("__Host-h2chat="), "{cookie}");
    let session = session_of(&done).unwrap();
    assert_eq!(session.len(), 43, "256 random bits, base64url");
    let admin: AccountView = done.json().await.unwrap();
    assert_eq!((admin.username.as_str(), admin.role), ("ann", Role::Admin));
    assert_eq!(app.me(&session).await.unwrap(), admin);

    // Once an account exists: 409, even with the right token.
    let again = app
        .api(Method::POST, "/api/setup", None, Some(body(&token)))
        .await;
    expect_json_error(again, 409, "setup is done").await;
}

#[tokio::test]
async fn concurrent_setups_make_exactly_one_admin() {
    let app = spawn_app().await;
    let token = app.setup_token.clone().unwrap();
    let attempts = (0..8).map(|i| {
        let body = json!({"token": token, "username": format!("admin{i}"), "password": PASSWORD});
        app.api(Method::POST, "/api/setup", None, Some(body))
    });
    let statuses: Vec<u16> = futures_util::future::join_all(attempts)
        .await
        .iter()
        .map(|r| r.status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 201 || *s == 409),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn invites_make_members_and_their_rules_hold() {
    let app = spawn_app().await;
    let admin = app.setup_admin("ann").await;
    let invite = app.invite(&admin, json!({"max_uses": 1})).await;
    assert!(invite.url.ends_with(&format!("/join/{}", invite.code)));
    let week = 7 * 24 * 3600 * 1000;
    let now = backend_now();
    assert!(invite.expires_at > now + week - 60_000 && invite.expires_at <= now + week + 60_000);

    // Field rules.
    for (username, password, needle) in [
        ("b", PASSWORD, "2 to 32 characters"),
        ("bob smith", PASSWORD, "letters, digits"),
        ("bob", "short", "at least 10 characters"),
    ] {
        expect_json_error(
            app.join(&invite.code, username, password).await,
            400,
            needle,
        )
        .await;
    }
    // A name like an existing one, ignoring case and look-alikes.
    for taken in ["ANN", "аnn"] {
        expect_json_error(app.join(&invite.code, taken, PASSWORD).await, 409, "taken").await;
    }
    let joined = app.join(&invite.code, "bob", PASSWORD).await;
    assert_eq!(joined.status(), 201);
    let bob = session_of(&joined).unwrap();
    assert_eq!(app.me(&bob).await.unwrap().role, Role::Member);
    // One use only.
    expect_json_error(
        app.join(&invite.code, "carol", PASSWORD).await,
        403,
        "not valid",
    )
    .await;

    // Revoked: no longer opens the door; without an invite neither.
    let revoked = app.invite(&admin, json!({})).await;
    let response = app
        .api(
            Method::DELETE,
            &format!("/api/invites/{}", revoked.id),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(response.status(), 204);
    expect_json_error(
        app.join(&revoked.code, "carol", PASSWORD).await,
        403,
        "not valid",
    )
    .await;
    let no_invite = app
        .api(
            Method::POST,
            "/api/signup",
            None,
            Some(json!({"username": "carol", "password": PASSWORD})),
        )
        .await;
    expect_json_error(no_invite, 403, "needs an invite").await;
    expect_json_error(
        app.join("made-up", "carol", PASSWORD).await,
        403,
        "not valid",
    )
    .await;

    let invites: Vec<InviteView> = app
        .api(Method::GET, "/api/invites", Some(&admin), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(invites.len(), 2);
    assert!(invites.iter().any(|i| i.revoked));
    assert!(invites.iter().any(|i| i.uses == 1 && i.max_uses == Some(1)));
}

#[tokio::test]
async fn open_and_closed_sign_up() {
    let open = spawn_app_with(|s| s.signup = backend::config::Signup::Open).await;
    let body = json!({"username": "zed", "password": PASSWORD});
    let early = open
        .api(Method::POST, "/api/signup", None, Some(body.clone()))
        .await;
    expect_json_error(early, 403, "not set up yet").await;
    open.setup_admin("ann").await;
    let joined = open
        .api(Method::POST, "/api/signup", None, Some(body.clone()))
        .await;
    assert_eq!(joined.status(), 201, "open sign-up needs no invite");

    let closed = spawn_app_with(|s| s.signup = backend::config::Signup::Closed).await;
    let admin = closed.setup_admin("ann").await;
    let invite = closed.invite(&admin, json!({})).await;
    expect_json_error(
        closed.join(&invite.code, "zed", PASSWORD).await,
        403,
        "closed",
    )
    .await;
}

#[tokio::test]
async fn sign_in_out_and_unknown_names_look_like_wrong_passwords() {
    let app = spawn_app().await;
    let admin = app.setup_admin("ann").await;
    let signed = app.sign_in("ANN", PASSWORD).await;
    assert_eq!(signed.status(), 200, "usernames ignore case");
    let second = session_of(&signed).unwrap();
    assert_ne!(second, admin, "a new session each time");

    let mut wrong_password = Vec::new();
    let mut unknown_user = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let response = app.sign_in("ann", "wrong password!").await;
        wrong_password.push(started.elapsed());
        expect_json_error(response, 401, "wrong username or password").await;
        let started = Instant::now();
        let response = app.sign_in("nobody", "wrong password!").await;
        unknown_user.push(started.elapsed());
        expect_json_error(response, 401, "wrong username or password").await;
    }
    wrong_password.sort();
    unknown_user.sort();
    let (a, b) = (wrong_password[1], unknown_user[1]);
    // Both run one Argon2 verification: an unknown name is not answered sooner.
    assert!(
        b * 2 > a && a * 2 > b,
        "wrong password {a:?}, unknown user {b:?}"
    );

    let out = app
        .api(Method::DELETE, "/api/session", Some(&second), None)
        .await;
    assert_eq!(out.status(), 204);
    let cookie = out.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.contains("Max-Age=0") || cookie.contains("Expires"),
        "{cookie}"
    );
    assert_eq!(app.me(&second).await, Err(401), "revoked server-side");
    assert!(app.me(&admin).await.is_ok(), "other sessions live on");
    assert_eq!(app.me("not-a-session").await, Err(401));
}

/// The time the server stamps, give or take: this machine's clock.
fn backend_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

#[tokio::test]
async fn ten_failures_from_an_address_then_429_while_the_owner_gets_in_from_elsewhere() {
    let app = spawn_app_with(|s| s.trusted_proxies = vec!["127.0.0.1".parse().unwrap()]).await;
    app.setup_admin("ann").await;
    let attempt = |from: &'static str, password: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(app.url("/api/session"))
                .header("origin", app.origin())
                .header("x-forwarded-for", from)
                .json(&json!({"username": "ann", "password": password}))
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..10 {
        assert_eq!(
            attempt("203.0.113.9", "guess guess guess").await.status(),
            401
        );
    }
    let refused = attempt("203.0.113.9", PASSWORD).await;
    assert_eq!(refused.status(), 429, "even the right password, from there");
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&wait), "{wait}");
    expect_json_error(refused, 429, "wait").await;
    assert_eq!(
        attempt("198.51.100.4", PASSWORD).await.status(),
        200,
        "the owner, elsewhere"
    );
}

#[tokio::test]
async fn guests_cannot_take_an_accounts_name_and_accounts_cannot_be_impersonated() {
    let app = spawn_app().await;
    let admin = app.setup_admin("ann").await;
    let bob = app.member(&admin, "bob").await;
    let mut watcher = app.open_stream("?since=0").await;
    watcher.next_event(SOON).await;

    // A guest under an account's name, however it is spelled.
    for name in ["bob", "BOB", "bоb", "b\u{200b}ob", "ｂｏｂ"] {
        let refused = app
            .post_json(&json!({"user": name, "text": "hi, I am bob"}))
            .await;
        expect_json_error(refused, 409, "name of an account").await;
    }

    // A guest is a guest on the wire.
    let guest: Message = app
        .post_json(&json!({"user": "visitor", "text": "hello"}))
        .await
        .json()
        .await
        .unwrap();
    assert!(guest.guest && guest.account.is_none());

    // Bob posts as bob whatever `user` says.
    let posted = app
        .post_as(&bob, json!({"user": "ann", "text": "I am not ann"}))
        .await;
    assert_eq!(posted.status(), 201);
    let posted: Message = posted.json().await.unwrap();
    assert_eq!(
        (
            posted.user.as_str(),
            posted.account.as_deref(),
            posted.guest
        ),
        ("bob", Some("bob"), false)
    );
    match watcher.next_non_heartbeat(SOON).await {
        StreamEvent::Msgs { msgs } => assert_eq!(msgs[0], guest),
        other => panic!("{other:?}"),
    }
    match watcher.next_non_heartbeat(SOON).await {
        StreamEvent::Msgs { msgs } => assert_eq!(msgs, vec![posted]),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_revoked_session_loses_its_stream_at_once() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 3600).await;
    let admin = app.setup_admin("ann").await;
    let bob = app.member(&admin, "bob").await;
    let mut stream = app.stream_as(&bob).await;
    let mut other_tab = app.stream_as(&bob).await;
    let mut admins = app.stream_as(&admin).await;
    app.wait_for_clients(3, SOON).await;

    let out = app
        .api(Method::DELETE, "/api/me/sessions", Some(&bob), None)
        .await;
    assert_eq!(out.status(), 204);
    for s in [&mut stream, &mut other_tab] {
        assert_eq!(
            s.next_event(Duration::from_secs(1)).await,
            StreamEvent::Bye {
                reason: "signed out".into()
            }
        );
        assert_eq!(
            s.next_line(Duration::from_secs(1)).await,
            None,
            "the stream ends"
        );
    }
    assert_eq!(app.me(&bob).await, Err(401));
    // The admin's stream carries on.
    let sent = app.post("guest", "still here").await;
    assert_eq!(
        admins.next_non_heartbeat(SOON).await,
        StreamEvent::Msgs { msgs: vec![sent] }
    );
}

#[tokio::test]
async fn changing_the_password_needs_the_current_one_and_ends_the_other_sessions() {
    let app = spawn_app().await;
    let here = app.setup_admin("ann").await;
    let elsewhere = session_of(&app.sign_in("ann", PASSWORD).await).unwrap();
    let change = |current: &str, new: &str| json!({"current": current, "new": new});
    let wrong = app
        .api(
            Method::POST,
            "/api/me/password",
            Some(&here),
            Some(change("nope nope nope", "a new password")),
        )
        .await;
    expect_json_error(wrong, 401, "current password is wrong").await;
    let short = app
        .api(
            Method::POST,
            "/api/me/password",
            Some(&here),
            Some(change(PASSWORD, "short")),
        )
        .await;
    expect_json_error(short, 400, "at least 10").await;
    let done = app
        .api(
            Method::POST,
            "/api/me/password",
            Some(&here),
            Some(change(PASSWORD, "a new password")),
        )
        .await;
    assert_eq!(done.status(), 204);
    assert!(app.me(&here).await.is_ok(), "this session goes on");
    assert_eq!(
        app.me(&elsewhere).await,
        Err(401),
        "every other session ends"
    );
    assert_eq!(app.sign_in("ann", PASSWORD).await.status(), 401);
    assert_eq!(app.sign_in("ann", "a new password").await.status(), 200);
}

#[tokio::test]
async fn admins_deactivate_promote_and_keep_the_last_admin() {
    let app = spawn_app_with(|s| s.heartbeat_secs = 3600).await;
    let admin = app.setup_admin("ann").await;
    let bob = app.member(&admin, "bob").await;
    let mut bobs_stream = app.stream_as(&bob).await;

    let patch = |who: &str, body| {
        let path = format!("/api/accounts/{who}");
        let (app, admin) = (&app, &admin);
        async move { app.api(Method::PATCH, &path, Some(admin), Some(body)).await }
    };
    // Deactivating ends bob's sessions and streams at once; he cannot sign in.
    let off = patch("bob", json!({"active": false})).await;
    assert_eq!(off.status(), 200);
    assert!(!off.json::<AccountView>().await.unwrap().active);
    assert_eq!(
        bobs_stream.next_event(Duration::from_secs(1)).await,
        StreamEvent::Bye {
            reason: "signed out".into()
        }
    );
    assert_eq!(app.me(&bob).await, Err(401));
    expect_json_error(
        app.sign_in("bob", PASSWORD).await,
        401,
        "wrong username or password",
    )
    .await;
    // Reactivated, he signs in again; made admin, he can list accounts.
    assert_eq!(patch("bob", json!({"active": true})).await.status(), 200);
    let bob = session_of(&app.sign_in("bob", PASSWORD).await).unwrap();
    assert_eq!(
        app.api(Method::GET, "/api/accounts", Some(&bob), None)
            .await
            .status(),
        403
    );
    assert_eq!(patch("bob", json!({"role": "admin"})).await.status(), 200);
    let accounts: Vec<AccountView> = app
        .api(Method::GET, "/api/accounts", Some(&bob), None)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(accounts.len(), 2);
    // Two admins: one may step down; the last may not.
    assert_eq!(patch("bob", json!({"role": "member"})).await.status(), 200);
    expect_json_error(
        patch("ann", json!({"role": "member"})).await,
        409,
        "last admin",
    )
    .await;
    expect_json_error(
        patch("ann", json!({"active": false})).await,
        409,
        "last admin",
    )
    .await;
    expect_json_error(
        patch("nobody", json!({"active": false})).await,
        404,
        "no account",
    )
    .await;
}

#[tokio::test]
async fn with_guests_off_only_accounts_read_and_post() {
    let app = spawn_app_with(|s| s.guests = backend::config::OnOff::Off).await;
    let admin = app.setup_admin("ann").await;
    let anonymous = app
        .client
        .get(app.url("/msgs?since=0"))
        .send()
        .await
        .unwrap();
    expect_json_error(anonymous, 401, "sign in").await;
    let plain = app.client.get(app.url("/msgs")).send().await.unwrap();
    assert_eq!(plain.status(), 401);
    let events = app
        .client
        .get(app.url("/msgs/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), 401);
    let history = app
        .client
        .get(app.url("/msgs/history"))
        .send()
        .await
        .unwrap();
    assert_eq!(history.status(), 401);
    // The stream of every room and the lobby's room endpoints too.
    for path in [
        "/api/stream",
        "/api/stream/events",
        "/api/rooms",
        "/api/rooms/0",
        "/api/rooms/0/history",
        "/api/rooms/0/presence",
    ] {
        let refused = app.client.get(app.url(path)).send().await.unwrap();
        expect_json_error(refused, 401, "sign in").await;
    }
    expect_json_error(
        app.post_json(&json!({"user": "g", "text": "hi"})).await,
        401,
        "sign in",
    )
    .await;
    let mut stream = app.stream_as(&admin).await;
    let posted = app.post_as(&admin, json!({"text": "members only"})).await;
    assert_eq!(posted.status(), 201);
    assert!(matches!(
        stream.next_non_heartbeat(SOON).await,
        StreamEvent::Msgs { .. }
    ));
}

#[tokio::test]
async fn the_openapi_document_lists_every_api_endpoint() {
    let app = spawn_app().await;
    let doc: serde_json::Value = app
        .client
        .get(app.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/api/status", &["get"][..]),
        ("/api/setup", &["post"]),
        ("/api/signup", &["post"]),
        ("/api/session", &["post", "delete"]),
        ("/api/me", &["get"]),
        ("/api/me/sessions", &["delete"]),
        ("/api/me/password", &["post"]),
        ("/api/accounts", &["get"]),
        ("/api/accounts/{username}", &["patch"]),
        ("/api/invites", &["get", "post"]),
        ("/api/invites/{id}", &["delete"]),
        ("/api/rooms/{id}/read", &["post"]),
        ("/api/rooms/{id}/notify", &["put"]),
        ("/api/rooms/{id}/presence", &["get"]),
        (
            "/api/rooms/{id}/msgs/{msg}/reactions/{emoji}",
            &["put", "delete"],
        ),
    ] {
        for method in methods {
            assert!(
                paths.get(path).and_then(|p| p.get(*method)).is_some(),
                "{method} {path} missing from the document"
            );
        }
    }
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    assert!(schemas.contains_key("AccountView") && schemas.contains_key("ErrorBody"));
    assert!(schemas.contains_key("ReadState") && schemas.contains_key("NotifyChoice"));
    assert!(schemas.contains_key("RoomPresence"));
}
