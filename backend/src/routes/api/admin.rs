//! `/api/accounts` and `/api/invites`: what admins do.

use crate::accounts::Accounts;
use crate::auth::Admin;
use crate::error::ApiError;
use actix_web::{web, HttpRequest, HttpResponse};
use common::account::{AccountChange, AccountView, CreatedInvite, InviteView, NewInvite};

/// Every account.
#[utoipa::path(get, path = "/api/accounts", tag = "admin",
    responses((status = 200, body = Vec<AccountView>),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody)))]
pub async fn accounts(accounts: web::Data<Accounts>, _admin: Admin) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(accounts.directory().accounts())
}

/// Deactivates or reactivates an account (a deactivated one's sessions and streams end at
/// once), or changes its role. The last active admin stays one.
#[utoipa::path(patch, path = "/api/accounts/{username}", tag = "admin",
    params(("username" = String, Path)), request_body = AccountChange,
    responses((status = 200, body = AccountView),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody),
        (status = 404, description = "no such account", body = common::ErrorBody),
        (status = 409, description = "it would remove the last admin", body = common::ErrorBody)))]
pub async fn change_account(
    accounts: web::Data<Accounts>,
    admin: Admin,
    username: web::Path<String>,
    body: web::Json<AccountChange>,
) -> Result<HttpResponse, ApiError> {
    let view = accounts
        .change_account(&admin.0, &username, body.into_inner())
        .await?;
    tracing::info!(by = %admin.0.account.username, account = %username, "account changed");
    Ok(HttpResponse::Ok().json(view))
}

/// A new invite link, shown this once.
#[utoipa::path(post, path = "/api/invites", tag = "admin", request_body = NewInvite,
    responses((status = 201, body = CreatedInvite),
        (status = 400, description = "out of range", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody)))]
pub async fn create_invite(
    req: HttpRequest,
    accounts: web::Data<Accounts>,
    admin: Admin,
    body: web::Json<NewInvite>,
) -> Result<HttpResponse, ApiError> {
    // The page's own origin (checked by the same-origin rule), so the link opens where the
    // admin is; our host otherwise.
    let base = req
        .headers()
        .get("origin")
        .and_then(|o| o.to_str().ok())
        .map_or_else(
            || format!("https://{}", req.connection_info().host()),
            str::to_owned,
        );
    let invite = accounts
        .create_invite(&admin.0, body.into_inner(), &base)
        .await?;
    Ok(HttpResponse::Created().json(invite))
}

/// Every invite (without its code).
#[utoipa::path(get, path = "/api/invites", tag = "admin",
    responses((status = 200, body = Vec<InviteView>),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody)))]
pub async fn invites(accounts: web::Data<Accounts>, _admin: Admin) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(accounts.directory().invites())
}

/// Revokes an invite: its link no longer makes accounts.
#[utoipa::path(delete, path = "/api/invites/{id}", tag = "admin",
    params(("id" = String, Path)),
    responses((status = 204, description = "revoked"),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody),
        (status = 404, description = "no such invite", body = common::ErrorBody)))]
pub async fn revoke_invite(
    accounts: web::Data<Accounts>,
    _admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    accounts.revoke_invite(&id).await?;
    Ok(HttpResponse::NoContent().finish())
}
