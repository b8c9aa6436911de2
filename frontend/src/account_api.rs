//! The `/api` endpoints for accounts, one function per endpoint. Each returns the server's
//! `{"error": ...}` text when it refuses, ready to show under a form.
//!
//! The session lives in an HttpOnly cookie the page never sees; `fetch` from the page sends
//! it (same origin). Bodies go out as `application/json`, which the server requires of
//! every request that changes something, so DELETEs carry that content type too.

use common::account::{
    AccountChange, AccountView, CreatedInvite, InviteView, NewInvite, PasswordChange, ServerStatus,
    SetupRequest, SignInRequest, SignupRequest,
};
use common::ErrorBody;
use gloo_net::http::{Method, RequestBuilder};
use serde::de::DeserializeOwned;
use serde::Serialize;

/// What came back, read whole.
pub(crate) struct Answer {
    status: u16,
    text: String,
    retry_after: Option<String>,
}

/// The one place that talks to the server. Not generic, so the browser build carries one
/// copy of the request machinery however many endpoints there are.
pub(crate) async fn call(
    method: Method,
    url: &str,
    body: Option<String>,
) -> Result<Answer, String> {
    let reads = method == Method::GET;
    let builder = RequestBuilder::new(url).method(method);
    // Every body is JSON; a DELETE says so too (the server's same-origin rule asks it of
    // bodies only, which costs nothing to satisfy everywhere).
    let builder = if reads {
        builder
    } else {
        builder.header("content-type", "application/json")
    };
    let request = match body {
        Some(body) => builder.body(body),
        None => builder.build(),
    };
    let response = request
        .map_err(|e| format!("cannot encode the request: {e}"))?
        .send()
        .await
        .map_err(|e| format!("cannot reach the server: {e}"))?;
    Ok(Answer {
        status: response.status(),
        retry_after: response.headers().get("retry-after"),
        text: response.text().await.unwrap_or_default(),
    })
}

/// A 2xx answer's text, or the server's `error` text.
pub(crate) fn accepted(answer: Answer) -> Result<String, String> {
    if (200..300).contains(&answer.status) {
        return Ok(answer.text);
    }
    let text = match serde_json::from_str::<ErrorBody>(&answer.text) {
        Ok(body) => body.error,
        Err(_) => format!("the server refused the request (HTTP {})", answer.status),
    };
    Err(with_retry_after(
        text,
        answer.status,
        answer.retry_after.as_deref(),
    ))
}

/// Adds the wait a 429 asks for, when it says so in seconds.
pub fn with_retry_after(text: String, status: u16, retry_after: Option<&str>) -> String {
    match retry_after.and_then(|s| s.trim().parse::<u64>().ok()) {
        Some(seconds) if status == 429 => format!("{text} (try again in {seconds} s)"),
        _ => text,
    }
}

pub(crate) fn parse<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| format!("unexpected answer from the server: {e}"))
}

pub(crate) fn encode<B: Serialize>(body: &B) -> Option<String> {
    // Our own plain structs always serialize.
    serde_json::to_string(body).ok()
}

pub(crate) async fn get<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    parse(&accepted(call(Method::GET, url, None).await?)?)
}

pub(crate) async fn send<T: DeserializeOwned>(
    method: Method,
    url: &str,
    body: Option<String>,
) -> Result<T, String> {
    parse(&accepted(call(method, url, body).await?)?)
}

pub(crate) async fn no_content(
    method: Method,
    url: &str,
    body: Option<String>,
) -> Result<(), String> {
    accepted(call(method, url, body).await?).map(drop)
}

/// `GET /api/status`: whether setup is pending, how people join, whether guests may chat.
pub async fn status() -> Result<ServerStatus, String> {
    get("/api/status").await
}

/// `GET /api/me`: the signed-in account, or `None` without a session (401).
pub async fn me() -> Result<Option<AccountView>, String> {
    let answer = call(Method::GET, "/api/me", None).await?;
    if answer.status == 401 {
        return Ok(None);
    }
    parse(&accepted(answer)?).map(Some)
}

/// `POST /api/setup`: the first account (an admin); signs it in.
pub async fn setup(request: &SetupRequest) -> Result<AccountView, String> {
    send(Method::POST, "/api/setup", encode(request)).await
}

/// `POST /api/signup`: an account from an invite; signs it in.
pub async fn signup(request: &SignupRequest) -> Result<AccountView, String> {
    send(Method::POST, "/api/signup", encode(request)).await
}

/// `POST /api/session`: sign in.
pub async fn sign_in(request: &SignInRequest) -> Result<AccountView, String> {
    send(Method::POST, "/api/session", encode(request)).await
}

/// `DELETE /api/session`: sign out here.
pub async fn sign_out() -> Result<(), String> {
    no_content(Method::DELETE, "/api/session", None).await
}

/// `DELETE /api/me/sessions`: sign out everywhere, this browser included.
pub async fn sign_out_everywhere() -> Result<(), String> {
    no_content(Method::DELETE, "/api/me/sessions", None).await
}

/// `POST /api/me/password`: the other sessions are signed out.
pub async fn change_password(change: &PasswordChange) -> Result<(), String> {
    no_content(Method::POST, "/api/me/password", encode(change)).await
}

/// `GET /api/accounts` (admins).
pub async fn accounts() -> Result<Vec<AccountView>, String> {
    get("/api/accounts").await
}

/// `PATCH /api/accounts/{username}` (admins).
pub async fn change_account(username: &str, change: &AccountChange) -> Result<AccountView, String> {
    let url = format!("/api/accounts/{}", js_sys::encode_uri_component(username));
    send(Method::PATCH, &url, encode(change)).await
}

/// `POST /api/invites` (admins): the code is in the answer, and only there.
pub async fn create_invite(invite: &NewInvite) -> Result<CreatedInvite, String> {
    send(Method::POST, "/api/invites", encode(invite)).await
}

/// `GET /api/invites` (admins).
pub async fn invites() -> Result<Vec<InviteView>, String> {
    get("/api/invites").await
}

/// `DELETE /api/invites/{id}` (admins).
pub async fn revoke_invite(id: &str) -> Result<(), String> {
    let url = format!("/api/invites/{}", js_sys::encode_uri_component(id));
    no_content(Method::DELETE, &url, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_429_says_how_long_to_wait() {
        let text = || "too many attempts".to_owned();
        assert_eq!(
            with_retry_after(text(), 429, Some("30")),
            "too many attempts (try again in 30 s)"
        );
        assert_eq!(with_retry_after(text(), 429, None), "too many attempts");
        // An HTTP date instead of seconds: the server's text alone.
        assert_eq!(
            with_retry_after(text(), 429, Some("Wed, 21 Oct 2026 07:28:00 GMT")),
            "too many attempts"
        );
        assert_eq!(
            with_retry_after(text(), 401, Some("30")),
            "too many attempts"
        );
    }
}
