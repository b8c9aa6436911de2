//! `PUT` and `DELETE /api/rooms/{id}/msgs/{msg}/reactions/{emoji}`: the caller adds or
//! takes back a reaction (the rules are in [`crate::reactions`]). Both are idempotent;
//! every stream of the room gets a `reaction` event when something changed.

use super::message_ids;
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::limits::client_ip;
use crate::reactions::MessageReactions;
use actix_web::{web, HttpRequest, HttpResponse};
use common::reaction::Reaction;
use serde::Serialize;

/// The answer to both: the message's reactions after the change.
#[derive(Serialize)]
struct Reactions {
    reactions: Vec<Reaction>,
}

/// The room and message ids and the emoji of a path; ids that are not numbers are a room
/// or message not found.
fn parts(path: &(String, String, String)) -> Result<(u64, u64, &str), ApiError> {
    let (room, message) = message_ids(&path.0, &path.1)?;
    Ok((room, message, &path.2))
}

async fn change(
    req: &HttpRequest,
    reactions: &MessageReactions,
    caller: &SignedIn,
    path: &(String, String, String),
    added: bool,
) -> Result<HttpResponse, ApiError> {
    let (room, message, emoji) = parts(path)?;
    let reactions = reactions
        .change(
            (&caller.0.account, client_ip(req)),
            room,
            message,
            emoji,
            added,
        )
        .await?;
    Ok(HttpResponse::Ok().json(Reactions { reactions }))
}

/// Reacts with one emoji (URL-encoded in the path): 200 with the message's reactions
/// (`{"reactions": [{"emoji", "accounts"}]}`). Reacting again changes nothing.
#[utoipa::path(put, path = "/api/rooms/{id}/msgs/{msg}/reactions/{emoji}", tag = "rooms",
    params(("id" = u64, Path), ("msg" = u64, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Object, description = "the message's reactions"),
        (status = 400, description = "not exactly one emoji", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "archived room, or a foreign origin", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or no such message in it", body = common::ErrorBody),
        (status = 429, description = "over the post rate", body = common::ErrorBody),
        (status = 409, description = "the message has the most different emoji already", body = common::ErrorBody)))]
pub async fn add(
    req: HttpRequest,
    reactions: web::Data<MessageReactions>,
    caller: SignedIn,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    change(&req, &reactions, &caller, &path, true).await
}

/// Takes the caller's reaction back: 200 with the message's reactions. Taking back one
/// that is not there changes nothing.
#[utoipa::path(delete, path = "/api/rooms/{id}/msgs/{msg}/reactions/{emoji}", tag = "rooms",
    params(("id" = u64, Path), ("msg" = u64, Path), ("emoji" = String, Path)),
    responses((status = 200, body = Object, description = "the message's reactions"),
        (status = 400, description = "not exactly one emoji", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "archived room, or a foreign origin", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or no such message in it", body = common::ErrorBody),
        (status = 429, description = "over the post rate", body = common::ErrorBody)))]
pub async fn remove(
    req: HttpRequest,
    reactions: web::Data<MessageReactions>,
    caller: SignedIn,
    path: web::Path<(String, String, String)>,
) -> Result<HttpResponse, ApiError> {
    change(&req, &reactions, &caller, &path, false).await
}
