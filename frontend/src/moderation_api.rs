//! The `/api` endpoints of moderation (admins): guest bans, banning an account, the audit
//! log. Same conventions as [`crate::account_api`].

use crate::account_api::{encode, get, no_content, send};
use common::moderation::{AccountBan, AccountBanned, AuditEntry, GuestBan, NewGuestBan};
use gloo_net::http::Method;

/// `POST /api/bans`.
pub async fn ban_guest(ban: &NewGuestBan) -> Result<GuestBan, String> {
    send(Method::POST, "/api/bans", encode(ban)).await
}

/// `GET /api/bans`: the bans in force.
pub async fn bans() -> Result<Vec<GuestBan>, String> {
    get("/api/bans").await
}

/// `DELETE /api/bans/{address}` (an IPv6 ban's `…/64` keeps its slash: the route takes it).
pub async fn unban_guest(address: &str) -> Result<(), String> {
    let url = format!("/api/bans/{}", js_sys::encode_uri(address));
    no_content(Method::DELETE, &url, None).await
}

/// `POST /api/accounts/{username}/ban`.
pub async fn ban_account(username: &str, ban: &AccountBan) -> Result<AccountBanned, String> {
    let url = format!(
        "/api/accounts/{}/ban",
        js_sys::encode_uri_component(username)
    );
    send(Method::POST, &url, encode(ban)).await
}

/// `GET /api/audit`: the newest entries, or those before entry `before`.
pub async fn audit(before: Option<u64>) -> Result<Vec<AuditEntry>, String> {
    match before {
        Some(id) => get(&format!("/api/audit?before={id}")).await,
        None => get("/api/audit").await,
    }
}
