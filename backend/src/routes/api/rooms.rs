//! `/api/rooms` and `/api/dms`: rooms, their members, their messages and history.
//!
//! A room the caller may not read answers 404 on every endpoint, exactly like a room that
//! does not exist (a path that is not even a number too), so nobody learns names or ids.

use super::room_id;
use crate::auth::{Poster, Reader, SignedIn};
use crate::error::ApiError;
use crate::hub::Hub;
use crate::post_pipeline::PostPipeline;
use crate::rooms::manage::RoomActions;
use crate::routes::marks::refresh_marks;
use crate::routes::msgs::{page, HistoryQuery};
use crate::store::Store;
use crate::typing::TypingGate;
use actix_web::{web, HttpRequest, HttpResponse};
use common::presence::RoomPresence;
use common::room::{NewDirect, NewMember, NewRoom, RoomChange, RoomPost, RoomSummary};
use common::{Message, StreamEvent};

fn no_store(mut response: HttpResponse) -> HttpResponse {
    response.headers_mut().insert(
        actix_web::http::header::CACHE_CONTROL,
        actix_web::http::header::HeaderValue::from_static("no-store"),
    );
    response
}

/// Every room the caller may read, the lobby first (a guest: the lobby).
#[utoipa::path(get, path = "/api/rooms", tag = "rooms",
    responses((status = 200, body = Vec<RoomSummary>),
        (status = 401, description = "not signed in, and guests are off", body = common::ErrorBody)))]
pub async fn list(
    req: HttpRequest,
    rooms: web::Data<RoomActions>,
    hub: web::Data<Hub>,
    reader: Reader,
) -> HttpResponse {
    refresh_marks(&req, &hub, &reader).await;
    let account = reader.caller.signed().map(|s| &s.account);
    let mut list = rooms.list(account);
    if let Some(account) = account {
        hub.personalize(account, &mut list);
    }
    no_store(HttpResponse::Ok().json(list))
}

/// One room.
#[utoipa::path(get, path = "/api/rooms/{id}", tag = "rooms", params(("id" = u64, Path)),
    responses((status = 200, body = RoomSummary),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn get(
    req: HttpRequest,
    rooms: web::Data<RoomActions>,
    hub: web::Data<Hub>,
    reader: Reader,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = room_id(&id)?;
    let account = reader.caller.signed().map(|s| &s.account);
    let mut view = [rooms.view(id, account)?];
    if let Some(account) = account {
        refresh_marks(&req, &hub, &reader).await;
        hub.personalize(account, &mut view);
    }
    let [view] = view;
    Ok(no_store(HttpResponse::Ok().json(view)))
}

/// A new open or closed room; its creator is a member and manages it.
#[utoipa::path(post, path = "/api/rooms", tag = "rooms", request_body = NewRoom,
    responses((status = 201, body = RoomSummary),
        (status = 400, description = "bad name, kind or members", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "only admins create rooms here", body = common::ErrorBody),
        (status = 404, description = "a member names no account", body = common::ErrorBody)))]
pub async fn create(
    rooms: web::Data<RoomActions>,
    caller: SignedIn,
    body: web::Json<NewRoom>,
) -> Result<HttpResponse, ApiError> {
    let view = rooms.create(&caller.0.account, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Rename, archive (read-only) or take out of the archive: the room's managers.
#[utoipa::path(patch, path = "/api/rooms/{id}", tag = "rooms", params(("id" = u64, Path)),
    request_body = RoomChange,
    responses((status = 200, body = RoomSummary),
        (status = 403, description = "not a manager of the room", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn change(
    rooms: web::Data<RoomActions>,
    caller: SignedIn,
    id: web::Path<String>,
    body: web::Json<RoomChange>,
) -> Result<HttpResponse, ApiError> {
    let view = rooms
        .change(room_id(&id)?, &caller.0.account, body.into_inner())
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Adds an account to a closed room: the room's managers.
#[utoipa::path(post, path = "/api/rooms/{id}/members", tag = "rooms",
    params(("id" = u64, Path)), request_body = NewMember,
    responses((status = 200, body = RoomSummary),
        (status = 403, description = "not a manager of the room", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or no such account", body = common::ErrorBody),
        (status = 409, description = "a member already, or an open room", body = common::ErrorBody)))]
pub async fn add_member(
    rooms: web::Data<RoomActions>,
    caller: SignedIn,
    id: web::Path<String>,
    body: web::Json<NewMember>,
) -> Result<HttpResponse, ApiError> {
    let view = rooms
        .add_member(room_id(&id)?, &caller.0.account, &body.username)
        .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Removes a member (managers), or leaves (your own username).
#[utoipa::path(delete, path = "/api/rooms/{id}/members/{username}", tag = "rooms",
    params(("id" = u64, Path), ("username" = String, Path)),
    responses((status = 204),
        (status = 403, description = "not a manager of the room", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or not a member", body = common::ErrorBody),
        (status = 409, description = "open rooms and direct conversations have no members to remove", body = common::ErrorBody)))]
pub async fn remove_member(
    rooms: web::Data<RoomActions>,
    caller: SignedIn,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (id, username) = path.into_inner();
    rooms
        .remove_member(room_id(&id)?, &caller.0.account, &username)
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Leaves a closed room.
#[utoipa::path(post, path = "/api/rooms/{id}/leave", tag = "rooms", params(("id" = u64, Path)),
    responses((status = 204),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody),
        (status = 409, description = "an open room or a direct conversation", body = common::ErrorBody)))]
pub async fn leave(
    rooms: web::Data<RoomActions>,
    caller: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    rooms.leave(room_id(&id)?, &caller.0.account).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The direct conversation of the caller and `members` (2 to 8 accounts in all): 201 when
/// it is new, 200 with the same room when it exists.
#[utoipa::path(post, path = "/api/dms", tag = "rooms", request_body = NewDirect,
    responses((status = 201, body = RoomSummary), (status = 200, body = RoomSummary),
        (status = 400, description = "too few or too many members", body = common::ErrorBody),
        (status = 404, description = "a member names no account", body = common::ErrorBody)))]
pub async fn direct(
    rooms: web::Data<RoomActions>,
    caller: SignedIn,
    body: web::Json<NewDirect>,
) -> Result<HttpResponse, ApiError> {
    let (view, created) = rooms.direct(&caller.0.account, body.into_inner()).await?;
    Ok(if created {
        HttpResponse::Created().json(view)
    } else {
        HttpResponse::Ok().json(view)
    })
}

/// Posts `{"text": ...}` in a room: 201 with the stored message, as `POST /msgs` (the same
/// limits and checks; guests post in the lobby only). A bot posts here with
/// `Authorization: Bearer TOKEN` (no cookie, no `Origin` needed).
#[utoipa::path(post, path = "/api/rooms/{id}/msgs", tag = "rooms", params(("id" = u64, Path)),
    request_body = RoomPost,
    responses((status = 201, body = Object, description = "the stored message"),
        (status = 401, description = "a wrong or revoked bot token", body = common::ErrorBody),
        (status = 403, description = "the room is archived", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    pipeline: web::Data<PostPipeline>,
    poster: Poster,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let stored: Message = pipeline
        .accept_post(&req, payload, &poster.0, room_id(&id)?)
        .await?;
    Ok(HttpResponse::Created().json(stored))
}

/// Says the caller is typing in a room: its readers' streams get a `typing` event (never
/// stored, never replayed). At most one a second per account and room is passed on; the
/// others are answered the same and dropped.
#[utoipa::path(post, path = "/api/rooms/{id}/typing", tag = "rooms", params(("id" = u64, Path)),
    responses((status = 204),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 403, description = "the room is archived", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or typing is off on this server (`--typing off`)", body = common::ErrorBody)))]
pub async fn typing(
    rooms: web::Data<RoomActions>,
    gate: web::Data<TypingGate>,
    store: web::Data<Store>,
    hub: web::Data<Hub>,
    caller: SignedIn,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    if !gate.is_on() {
        return Err(ApiError::NotFound(
            "typing is off on this server".to_owned(),
        ));
    }
    let id = room_id(&id)?;
    let account = &caller.0.account;
    let room = rooms.readable(id, Some(account))?;
    if room.archived {
        return Err(ApiError::archived(&room.name));
    }
    if gate.pass(account.id, id, std::time::Instant::now()) {
        let event = StreamEvent::Typing {
            id,
            account: account.username.clone(),
            user: account.display_name.clone(),
        };
        store.publish(event, &**hub).await?;
    }
    Ok(HttpResponse::NoContent().finish())
}

/// Who of the room's members is online (an open room's: every account online), as the
/// streams were last told; the lobby adds the guests. The same access as the room's
/// history.
#[utoipa::path(get, path = "/api/rooms/{id}/presence", tag = "rooms", params(("id" = u64, Path)),
    responses((status = 200, body = RoomPresence),
        (status = 401, description = "not signed in, and guests are off", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller, or presence is off on this server (`--presence off`)", body = common::ErrorBody)))]
pub async fn presence(
    rooms: web::Data<RoomActions>,
    hub: web::Data<Hub>,
    reader: Reader,
    id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let signed = reader.caller.signed().map(|s| &s.account);
    let room = rooms.readable(room_id(&id)?, signed)?;
    if !hub.tells_presence() {
        return Err(ApiError::NotFound(
            "presence is off on this server".to_owned(),
        ));
    }
    Ok(no_store(
        HttpResponse::Ok().json(hub.room_presence(&room, signed.is_some())),
    ))
}

/// Older messages of a room, oldest first: `?before=ID&limit=N` (1 to 200, default 50).
#[utoipa::path(get, path = "/api/rooms/{id}/history", tag = "rooms",
    params(("id" = u64, Path), ("before" = Option<u64>, Query), ("limit" = Option<usize>, Query)),
    responses((status = 200, body = Object, description = "{msgs, more}"),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn history(
    rooms: web::Data<RoomActions>,
    store: web::Data<Store>,
    reader: Reader,
    id: web::Path<String>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let id = room_id(&id)?;
    rooms.readable(id, reader.caller.signed().map(|s| &s.account))?;
    page(&store, id, &query).await
}
