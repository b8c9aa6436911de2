//! `POST /api/rooms/{id}/read` and `PUT /api/rooms/{id}/notify`: the caller's read marker
//! and notification level in a room, and the room list with both filled in. Kept beside the
//! log, per account and room ([`crate::store::reads`]); each change reaches the caller's
//! other streams on every node, and no one else's.

use super::room_id;
use crate::auth::SignedIn;
use crate::error::ApiError;
use crate::hub::Hub;
use crate::rooms::manage::RoomActions;
use crate::routes::marks::refresh_older;
use crate::store::Store;
use actix_web::{web, HttpResponse};
use common::room::{NotifyChoice, ReadMarker, ReadState, RoomSummary};
use common::StreamEvent;

/// Moves the caller's read marker in a room forward to `id` (an id past the room's newest
/// message counts as the newest; a smaller id than the marker changes nothing). Answers the
/// marker and the counts after it; the caller's other streams get a `read` event.
#[utoipa::path(post, path = "/api/rooms/{id}/read", tag = "rooms", params(("id" = u64, Path)),
    request_body = ReadMarker,
    responses((status = 200, body = ReadState),
        (status = 400, description = "not a read marker", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn read(
    rooms: web::Data<RoomActions>,
    store: web::Data<Store>,
    hub: web::Data<Hub>,
    caller: SignedIn,
    id: web::Path<String>,
    body: web::Json<ReadMarker>,
) -> Result<HttpResponse, ApiError> {
    let id = room_id(&id)?;
    let account = &caller.0.account;
    let room = rooms.view(id, Some(account))?;
    let wanted = body.id.min(room.last_id);
    let now = store.mark_read(account.id, id, wanted).await?;
    let marks = hub.marks();
    marks.read(account.id, id, now);
    refresh_older(&hub, &store, account).await;
    let (read, counts) = hub.read_state(account, room);
    let state = ReadState {
        read,
        unread: counts.unread,
        mentions: counts.mentions,
    };
    if now == wanted {
        let event = StreamEvent::Read {
            id,
            read,
            unread: counts.unread,
            mentions: counts.mentions,
        };
        store.publish_to(account.id, event, &**hub).await?;
    }
    Ok(HttpResponse::Ok().json(state))
}

/// Chooses when the caller is notified of a room's messages: `all`, `mentions` or
/// `nothing`. Answers the room as the caller sees it; their other streams get it as a
/// `room_updated`.
#[utoipa::path(put, path = "/api/rooms/{id}/notify", tag = "rooms", params(("id" = u64, Path)),
    request_body = NotifyChoice,
    responses((status = 200, body = RoomSummary),
        (status = 400, description = "not a level", body = common::ErrorBody),
        (status = 401, description = "not signed in", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn notify(
    rooms: web::Data<RoomActions>,
    store: web::Data<Store>,
    hub: web::Data<Hub>,
    caller: SignedIn,
    id: web::Path<String>,
    body: web::Json<NotifyChoice>,
) -> Result<HttpResponse, ApiError> {
    let id = room_id(&id)?;
    let account = &caller.0.account;
    let room = rooms.view(id, Some(account))?;
    store.choose_notify(account.id, id, body.level).await?;
    let marks = hub.marks();
    marks.refresh(&store, account.id).await?;
    marks.notify(account.id, id, body.level);
    let mut view = [room];
    hub.personalize(account, &mut view);
    let [view] = view;
    store
        .publish_to(
            account.id,
            StreamEvent::RoomUpdated { room: view.clone() },
            &**hub,
        )
        .await?;
    Ok(HttpResponse::Ok().json(view))
}
