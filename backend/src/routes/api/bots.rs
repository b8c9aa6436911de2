//! `/api/bots`: admins create bots, list them, rotate and revoke their API tokens. A token
//! is in an answer only once, when it is made.

use crate::accounts::Accounts;
use crate::auth::Admin;
use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use common::bot::{BotToken, BotView, NewBot};

/// The bot id of a path, or 404.
fn bot_id(raw: &str) -> Result<u64, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("no bot {raw}")))
}

/// A new bot account and its API token, shown this once.
#[utoipa::path(post, path = "/api/bots", tag = "bots", request_body = NewBot,
    responses((status = 201, body = BotToken),
        (status = 400, description = "bad username, display name or webhook URL", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin, or another origin", body = common::ErrorBody),
        (status = 409, description = "the username is taken", body = common::ErrorBody)))]
pub async fn create(
    accounts: web::Data<Accounts>,
    admin: Admin,
    body: web::Json<NewBot>,
) -> Result<HttpResponse, ApiError> {
    let created = accounts.create_bot(&admin.0, body.into_inner()).await?;
    tracing::info!(by = %admin.0.account.username, bot = %created.username, "bot created");
    Ok(no_store(HttpResponse::Created()).json(created))
}

/// Every bot, without tokens.
#[utoipa::path(get, path = "/api/bots", tag = "bots",
    responses((status = 200, body = Vec<BotView>),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin", body = common::ErrorBody)))]
pub async fn list(accounts: web::Data<Accounts>, _admin: Admin) -> HttpResponse {
    no_store(HttpResponse::Ok()).json(accounts.directory().bots())
}

/// A new token for the bot, shown this once; the old one stops working at once.
#[utoipa::path(post, path = "/api/bots/{id}/token", tag = "bots", params(("id" = u64, Path)),
    responses((status = 201, body = BotToken),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin, or another origin", body = common::ErrorBody),
        (status = 404, description = "no such bot", body = common::ErrorBody)))]
pub async fn rotate_token(
    accounts: web::Data<Accounts>,
    admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let rotated = accounts.rotate_bot_token(bot_id(&id)?).await?;
    tracing::info!(by = %admin.0.account.username, bot = %rotated.username, "bot token rotated");
    Ok(no_store(HttpResponse::Created()).json(rotated))
}

/// Revokes the bot's token: it can no longer post and gets no webhooks until a new one
/// is made. (Deactivating the account, `PATCH /api/accounts/{username}`, stops it too.)
#[utoipa::path(delete, path = "/api/bots/{id}/token", tag = "bots", params(("id" = u64, Path)),
    responses((status = 204, description = "revoked"),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not an admin, or another origin", body = common::ErrorBody),
        (status = 404, description = "no such bot", body = common::ErrorBody)))]
pub async fn revoke_token(
    accounts: web::Data<Accounts>,
    admin: Admin,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = bot_id(&id)?;
    accounts.revoke_bot_token(id).await?;
    tracing::info!(by = %admin.0.account.username, bot = id, "bot token revoked");
    Ok(HttpResponse::NoContent().finish())
}

fn no_store(mut builder: actix_web::HttpResponseBuilder) -> actix_web::HttpResponseBuilder {
    builder.insert_header(("cache-control", "no-store"));
    builder
}
