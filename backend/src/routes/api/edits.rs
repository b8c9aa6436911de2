//! `PATCH` and `DELETE /api/rooms/{id}/msgs/{msg}`: editing and deleting a message (the
//! rules are in [`crate::message_changes`]). Every stream of the room gets an `edited` or
//! `deleted` event.

use super::message_ids;
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::message_changes::MessageChanges;
use actix_web::{web, HttpResponse};
use common::MessageEdit;

/// Replaces the text of your own message, within the edit window: 200 with the message as
/// it is now (`edited`).
#[utoipa::path(patch, path = "/api/rooms/{id}/msgs/{msg}", tag = "rooms",
    params(("id" = u64, Path), ("msg" = u64, Path)), request_body = Object,
    responses((status = 200, body = Object, description = "the edited message"),
        (status = 400, description = "bad text", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not its author, archived, or the edit window is over", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or no such message in it", body = common::ErrorBody)))]
pub async fn edit(
    changes: web::Data<MessageChanges>,
    caller: SignedIn,
    path: web::Path<(String, String)>,
    body: web::Json<MessageEdit>,
) -> Result<HttpResponse, ApiError> {
    let (room, id) = message_ids(&path.0, &path.1)?;
    let message = changes
        .edit(&caller.0.account, room, id, &body.text)
        .await?;
    Ok(HttpResponse::Ok().json(message))
}

/// Deletes a message: your own within the edit window, or any in a room you manage (an
/// admin: any room). 204; its text is gone from the server.
#[utoipa::path(delete, path = "/api/rooms/{id}/msgs/{msg}", tag = "rooms",
    params(("id" = u64, Path), ("msg" = u64, Path)),
    responses((status = 204),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "not its author nor a manager, or the edit window is over", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or no such message in it", body = common::ErrorBody)))]
pub async fn delete(
    changes: web::Data<MessageChanges>,
    caller: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (room, id) = message_ids(&path.0, &path.1)?;
    changes.delete(&caller.0.account, room, id).await?;
    Ok(HttpResponse::NoContent().finish())
}
