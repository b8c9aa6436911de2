//! Who may do what: every `/api` endpoint asked by every kind of caller (no session, a
//! guest with a made-up cookie, a member, an admin, a deactivated account's old session),
//! and the same-origin rule for everything that changes state.

use crate::helpers::*;
use crate::people::*;
use reqwest::Method;
use serde_json::{json, Value};

/// The callers of the matrix, by the session they present.
struct Callers {
    member: String,
    admin: String,
    deactivated: String,
}

async fn callers(app: &TestApp) -> Callers {
    let admin = app.setup_admin("ann").await;
    let member = app.member(&admin, "bob").await;
    let deactivated = app.member(&admin, "dan").await;
    let off = app
        .api(
            Method::PATCH,
            "/api/accounts/dan",
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.status(), 200);
    Callers {
        member,
        admin,
        deactivated,
    }
}

/// One request of the matrix; `body` is sent as JSON.
struct Case {
    method: Method,
    path: &'static str,
    body: Option<Value>,
    /// Expected status for: no session, a made-up cookie, a member, an admin, the
    /// deactivated account's session.
    expect: [u16; 5],
}

fn case(method: Method, path: &'static str, body: Option<Value>, expect: [u16; 5]) -> Case {
    Case {
        method,
        path,
        body,
        expect,
    }
}

#[tokio::test]
async fn every_endpoint_answers_every_kind_of_caller_as_it_must() {
    let app = spawn_app().await;
    let who = callers(&app).await;
    let change = Some(json!({"current": "wrong wrong wrong", "new": "another password"}));
    let cases = [
        case(Method::GET, "/api/status", None, [200, 200, 200, 200, 200]),
        case(
            Method::GET,
            "/api/openapi.json",
            None,
            [200, 200, 200, 200, 200],
        ),
        case(Method::GET, "/api/me", None, [401, 401, 200, 200, 401]),
        case(Method::GET, "/api/people", None, [401, 401, 200, 200, 401]),
        case(
            Method::DELETE,
            "/api/me/sessions",
            None,
            [401, 401, 204, 204, 401],
        ),
        case(
            Method::POST,
            "/api/me/password",
            change,
            [401, 401, 401, 401, 401],
        ),
        case(
            Method::GET,
            "/api/accounts",
            None,
            [401, 401, 403, 200, 401],
        ),
        case(
            Method::PATCH,
            "/api/accounts/bob",
            Some(json!({"role": "member"})),
            [401, 401, 403, 200, 401],
        ),
        case(Method::GET, "/api/invites", None, [401, 401, 403, 200, 401]),
        case(
            Method::POST,
            "/api/invites",
            Some(json!({})),
            [401, 401, 403, 201, 401],
        ),
        case(
            Method::DELETE,
            "/api/invites/0000000000000000",
            None,
            [401, 401, 403, 404, 401],
        ),
        case(
            Method::DELETE,
            "/api/session",
            None,
            [401, 401, 204, 204, 401],
        ),
        // Setup is over for everyone; sign-up needs an invite whoever asks.
        case(
            Method::POST,
            "/api/setup",
            Some(json!({"token": "x", "username": "eve", "password": PASSWORD})),
            [409, 409, 409, 409, 409],
        ),
        case(
            Method::POST,
            "/api/signup",
            Some(json!({"username": "eve", "password": PASSWORD})),
            [403, 403, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/nothing-here",
            None,
            [404, 404, 404, 404, 404],
        ),
    ];
    for case in cases {
        // Fresh sessions for every case: some cases end the session they are sent with.
        let member = session_of(&app.sign_in("bob", PASSWORD).await).unwrap();
        let admin = session_of(&app.sign_in("ann", PASSWORD).await).unwrap();
        let sessions = [
            None,
            Some("made-up-cookie-value"),
            Some(member.as_str()),
            Some(admin.as_str()),
            Some(who.deactivated.as_str()),
        ];
        for (session, expected) in sessions.into_iter().zip(case.expect) {
            let response = app
                .api(case.method.clone(), case.path, session, case.body.clone())
                .await;
            let status = response.status().as_u16();
            assert_eq!(
                status, expected,
                "{} {} as {session:?}",
                case.method, case.path
            );
            if status >= 400 {
                let body: Value = response.json().await.unwrap_or(Value::Null);
                assert!(
                    body["error"].is_string(),
                    "{} {}: a JSON error, not {body}",
                    case.method,
                    case.path
                );
            }
        }
    }
    // "Sign out everywhere" in the matrix ended the sessions made first, too.
    assert_eq!(app.me(&who.member).await, Err(401));
    assert_eq!(app.me(&who.admin).await, Err(401));
}

#[tokio::test]
async fn state_changing_requests_must_come_from_our_own_page() {
    let app = spawn_app_with(|s| s.allow_origins = vec!["http://127.0.0.1:8080".into()]).await;
    let admin = app.setup_admin("ann").await;
    let cookie = format!("__Host-h2chat={admin}");
    let post = |origin: Option<&str>, site: Option<&str>, content_type: &str, path: &str| {
        let mut request = app
            .client
            .post(app.url(path))
            .header("cookie", cookie.clone())
            .header("content-type", content_type)
            .body(r#"{"user":"x","text":"from elsewhere"}"#);
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(site) = site {
            request = request.header("sec-fetch-site", site);
        }
        request.send()
    };
    let json_type = "application/json";
    // Another site, with the visitor's cookie: refused, for posts and for the API.
    for path in ["/msgs", "/api/invites"] {
        let refused = post(Some("https://evil.example"), None, json_type, path)
            .await
            .unwrap();
        expect_json_error(refused, 403, "own page").await;
        let refused = post(None, Some("cross-site"), json_type, path)
            .await
            .unwrap();
        expect_json_error(refused, 403, "own page").await;
        let refused = post(None, None, json_type, path).await.unwrap();
        expect_json_error(refused, 403, "own page").await;
    }
    // Our own page, but a form's content type: refused.
    let form = post(Some(&app.origin()), None, "text/plain", "/msgs")
        .await
        .unwrap();
    expect_json_error(form, 403, "JSON").await;
    // Our own page (Origin, or Sec-Fetch-Site without Origin) and the allowed dev origin.
    for (origin, site) in [
        (Some(app.origin()), None),
        (None, Some("same-origin")),
        (Some("http://127.0.0.1:8080".to_owned()), None),
    ] {
        let ok = post(origin.as_deref(), site, json_type, "/msgs")
            .await
            .unwrap();
        assert_eq!(ok.status(), 201, "{origin:?} {site:?}");
    }
    // Sign-in from another site is refused too (no cookie needed for that to matter).
    let login = app
        .client
        .post(app.url("/api/session"))
        .header("origin", "https://evil.example")
        .json(&json!({"username": "ann", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    expect_json_error(login, 403, "own page").await;
    // A guest without a cookie posts from anywhere, like the course's own client.
    let guest = app
        .client
        .post(app.url("/msgs"))
        .header("origin", "https://elsewhere.example")
        .json(&json!({"user": "course", "text": "hello"}))
        .send()
        .await
        .unwrap();
    assert_eq!(guest.status(), 201);
}

#[tokio::test]
async fn reads_stay_open_to_any_origin_and_never_need_the_rule() {
    let app = spawn_app().await;
    let admin = app.setup_admin("ann").await;
    let me = app
        .client
        .get(app.url("/api/me"))
        .header("cookie", format!("__Host-h2chat={admin}"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    // GET changes nothing; the browser keeps the answer from another site's script (no
    // CORS headers are sent).
    assert_eq!(me.status(), 200);
    assert!(me.headers().get("access-control-allow-origin").is_none());
}
