//! `/api/bans`, `/api/audit` and `/api/accounts/{username}/ban`: what admins do to keep the
//! chat healthy. Every action lands in the log, so it holds on every node, and in the
//! audit log (`crate::moderation`).

use crate::accounts::{AccountError, Accounts};
use crate::auth::Admin;
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::guest_origins::GuestOrigins;
use crate::message_changes::MessageChanges;
use actix_web::{web, HttpResponse};
use common::account::AccountChange;
use common::moderation::{
    AccountBan, AccountBanned, AuditEntry, BanTarget, GuestAddress, GuestBan, NewGuestBan,
};
use serde::Deserialize;

/// Most audit entries one request returns.
const AUDIT_PAGE_MAX: usize = 200;

/// Stops guests from an address posting for a while (an IPv6 address bans its /64): the
/// address given, or the one guest message `message` came from. A banned guest's post is
/// answered 403 with until when.
#[utoipa::path(post, path = "/api/bans", tag = "admin", request_body = NewGuestBan,
    responses((status = 201, body = GuestBan),
        (status = 400, description = "bad address, hours or reason", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody),
        (status = 404, description = "no guest message known by that id", body = common::ErrorBody)))]
pub async fn ban_guest(
    accounts: web::Data<Accounts>,
    origins: web::Data<GuestOrigins>,
    admin: Admin,
    body: web::Json<NewGuestBan>,
) -> Result<HttpResponse, ApiError> {
    let request = body.into_inner();
    let address = match request
        .validate()
        .map_err(|e| ApiError::BadRequest(e.to_string()))?
    {
        BanTarget::Address(address) => address,
        BanTarget::Message(id) => origins.of(id).await?.map(GuestAddress::of).ok_or_else(|| {
            ApiError::NotFound(format!(
                "no guest message {id} is known here (addresses are kept a week on \
                     Redis, since the start on SQLite): ban by address"
            ))
        })?,
    };
    let ban = accounts.ban_guest(&admin.0, address, request).await?;
    tracing::info!(by = %admin.0.account.username, until = ban.until, "guest address banned");
    Ok(HttpResponse::Created().json(ban))
}

/// The guest bans in force, ending soonest first.
#[utoipa::path(get, path = "/api/bans", tag = "admin",
    responses((status = 200, body = Vec<GuestBan>),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody)))]
pub async fn bans(accounts: web::Data<Accounts>, _admin: Admin) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(accounts.directory().bans(now_ms()))
}

/// Lifts a guest ban before its time.
#[utoipa::path(delete, path = "/api/bans/{address}", tag = "admin",
    params(("address" = String, Path)),
    responses((status = 204, description = "lifted"),
        (status = 400, description = "not an address", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody),
        (status = 404, description = "not banned", body = common::ErrorBody)))]
pub async fn unban_guest(
    accounts: web::Data<Accounts>,
    admin: Admin,
    address: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    accounts.unban_guest(&admin.0, &address).await?;
    tracing::info!(by = %admin.0.account.username, "guest ban lifted");
    Ok(HttpResponse::NoContent().finish())
}

/// Bans an account: deactivates it (its sessions and streams end at once) and, when
/// `delete_messages`, deletes every message it wrote, in every room (each a `deleted`
/// event in its room's stream).
#[utoipa::path(post, path = "/api/accounts/{username}/ban", tag = "admin",
    params(("username" = String, Path)), request_body = AccountBan,
    responses((status = 200, body = AccountBanned),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody),
        (status = 404, description = "no such account", body = common::ErrorBody),
        (status = 409, description = "yourself, or the last admin", body = common::ErrorBody)))]
pub async fn ban_account(
    accounts: web::Data<Accounts>,
    changes: web::Data<MessageChanges>,
    admin: Admin,
    username: web::Path<String>,
    body: web::Json<AccountBan>,
) -> Result<HttpResponse, ApiError> {
    let directory = accounts.directory();
    let target = directory
        .account_named(&username)
        .ok_or_else(|| AccountError::NotFound(format!("no account {username}")))?;
    if target.id == admin.0.account.id {
        return Err(AccountError::Conflict("you cannot ban yourself".into()).into());
    }
    let deactivate = AccountChange {
        active: Some(false),
        role: None,
    };
    accounts
        .change_account(&admin.0, &target.username, deactivate)
        .await?;
    let deleted = if body.delete_messages {
        changes.purge(&admin.0.account, &target).await?
    } else {
        0
    };
    tracing::info!(by = %admin.0.account.username, account = %target.username, deleted, "account banned");
    Ok(HttpResponse::Ok().json(AccountBanned {
        username: target.username,
        deleted,
    }))
}

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    before: Option<u64>,
    #[serde(default)]
    limit: Option<usize>,
}

/// What admins and room managers did, newest first: deactivations, role changes, messages
/// of others deleted, bans. `before`: an entry id, for older ones. The newest 1 000 are
/// kept in memory; the log keeps every one.
#[utoipa::path(get, path = "/api/audit", tag = "admin",
    params(("before" = Option<u64>, Query), ("limit" = Option<usize>, Query)),
    responses((status = 200, body = Vec<AuditEntry>),
        (status = 400, description = "bad query", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody)))]
pub async fn audit(
    accounts: web::Data<Accounts>,
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=AUDIT_PAGE_MAX).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {AUDIT_PAGE_MAX}"
        )));
    }
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(accounts.directory().audit(query.before, limit)))
}
