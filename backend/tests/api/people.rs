//! People for the account tests: the first admin, invited members, sign-in, and requests
//! made the way the chat's own page makes them (its `Origin`, JSON, the session cookie).

use crate::helpers::*;
use common::account::{AccountView, CreatedInvite};
use reqwest::Method;
use serde_json::{json, Value};

pub const PASSWORD: &str = "correct horse battery";

/// The session token in a response's `set-cookie`, if it sets one.
pub fn session_of(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("__Host-h2chat="))
        .map(|rest| rest.split(';').next().unwrap_or("").to_owned())
        .filter(|token| !token.is_empty())
}

/// A request as the chat's page at `base` (its origin, `https://127.0.0.1:PORT`) makes it:
/// that `Origin`, a JSON body, the session cookie.
pub async fn page_request(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    session: Option<&str>,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = client
        .request(method, format!("{base}{path}"))
        .header("origin", base);
    if let Some(token) = session {
        request = request.header("cookie", format!("__Host-h2chat={token}"));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.expect("request sent")
}

impl TestApp {
    /// The chat's own origin, as its page sends it.
    pub fn origin(&self) -> String {
        format!("https://127.0.0.1:{}", self.port)
    }

    /// A request as the chat's page makes it: same origin, JSON body, the session cookie.
    pub async fn api(
        &self,
        method: Method,
        path: &str,
        session: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        page_request(&self.client, &self.origin(), method, path, session, body).await
    }

    /// Sets the chat up with its first admin; returns the admin's session.
    pub async fn setup_admin(&self, username: &str) -> String {
        let token = self
            .setup_token
            .clone()
            .expect("a fresh chat prints a setup token");
        let body = json!({"token": token, "username": username, "password": PASSWORD});
        let response = self.api(Method::POST, "/api/setup", None, Some(body)).await;
        assert_eq!(response.status(), 201, "setup");
        session_of(&response).expect("setup signs in")
    }

    /// A new invite made by `admin`.
    pub async fn invite(&self, admin: &str, body: Value) -> CreatedInvite {
        let response = self
            .api(Method::POST, "/api/invites", Some(admin), Some(body))
            .await;
        assert_eq!(response.status(), 201, "invite");
        response.json().await.unwrap()
    }

    /// A member who joined with a fresh invite from `admin`; returns their session.
    pub async fn member(&self, admin: &str, username: &str) -> String {
        let invite = self.invite(admin, json!({})).await;
        let response = self.join(&invite.code, username, PASSWORD).await;
        assert_eq!(response.status(), 201, "join as {username}");
        session_of(&response).expect("joining signs in")
    }

    pub async fn join(&self, code: &str, username: &str, password: &str) -> reqwest::Response {
        let body = json!({"invite": code, "username": username, "password": password});
        self.api(Method::POST, "/api/signup", None, Some(body))
            .await
    }

    pub async fn sign_in(&self, username: &str, password: &str) -> reqwest::Response {
        let body = json!({"username": username, "password": password});
        self.api(Method::POST, "/api/session", None, Some(body))
            .await
    }

    /// `GET /api/me` with `session`: the account, or the status it got instead.
    pub async fn me(&self, session: &str) -> Result<AccountView, u16> {
        let response = self.api(Method::GET, "/api/me", Some(session), None).await;
        match response.status().as_u16() {
            200 => Ok(response.json().await.unwrap()),
            other => Err(other),
        }
    }

    /// Opens `/msgs?since=0` with `session`'s cookie and reads its hello.
    pub async fn stream_as(&self, session: &str) -> LineStream {
        let response = self
            .client
            .get(self.url("/msgs?since=0"))
            .header("cookie", format!("__Host-h2chat={session}"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        let mut stream = LineStream::from_response(response);
        stream.next_event(SOON).await;
        stream
    }

    /// Posts `text` to the lobby with `session`'s cookie (the page's way).
    pub async fn post_as(&self, session: &str, body: Value) -> reqwest::Response {
        self.api(Method::POST, "/msgs", Some(session), Some(body))
            .await
    }
}
