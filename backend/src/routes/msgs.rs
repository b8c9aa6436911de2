//! `/msgs`: the long-lived message stream (GET) and posting (POST).

use super::resume::ResumeQuery;
use crate::auth::{Caller, Reader};
use crate::client_stream::ClientStream;
use crate::error::ApiError;
use crate::hub::{Hub, Scope, Since, Subscribe};
use crate::limits::client_ip;
use crate::post_pipeline::PostPipeline;
use crate::routes::marks::refresh_marks;
use crate::store::Store;
use actix_web::{web, HttpRequest, HttpResponse};
use common::room::{RoomId, LOBBY};
use common::HistoryPage;
use serde::Deserialize;

/// `GET /msgs[?since=ID[&epoch=E]]`: 200 at once, then one JSON document per line, forever.
pub async fn stream(
    req: HttpRequest,
    hub: web::Data<Hub>,
    reader: Reader,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    open_stream(req, hub, reader, query.into_inner(), Scope::Lobby)
}

/// `GET /api/stream[?since=ID[&epoch=E]]`: the same events for every room the reader may
/// read (a guest: the lobby), with the room list in the hello.
pub async fn room_stream(
    req: HttpRequest,
    hub: web::Data<Hub>,
    reader: Reader,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    let mut query = query.into_inner();
    // Always the delta stream: the window line is the course's, the lobby's alone.
    query.since.get_or_insert(0);
    refresh_marks(&req, &hub, &reader).await;
    open_stream(req, hub, reader, query, Scope::Rooms)
}

fn open_stream(
    req: HttpRequest,
    hub: web::Data<Hub>,
    reader: Reader,
    ResumeQuery { since, epoch }: ResumeQuery,
    scope: Scope,
) -> Result<HttpResponse, ApiError> {
    let (request, content_type) = match (since, epoch) {
        (None, None) => (Subscribe::Window, "text/plain; charset=utf-8"),
        (Some(since), epoch) => (
            Subscribe::Stream(Since { since, epoch }),
            "application/x-ndjson; charset=utf-8",
        ),
        (None, Some(_)) => {
            return Err(ApiError::BadRequest(
                "epoch is only meaningful together with since".into(),
            ))
        }
    };
    let peer = client_ip(&req);
    let body = ClientStream::new(
        hub.into_inner()
            .subscribe(request, scope, peer, reader.owner)?,
    );
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // Every line must reach the browser now: no caching, no proxy buffering, and no
        // compression (actix compresses nothing unless a middleware asks it to).
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

/// `POST /msgs` with `{"user": "...", "text": "..."}`: 201 with the stored message, sent
/// only once the message is durably committed; its fan-out to every stream follows at once.
pub async fn post(
    req: HttpRequest,
    payload: web::Payload,
    pipeline: web::Data<PostPipeline>,
    caller: Caller,
) -> Result<HttpResponse, ApiError> {
    let stored = pipeline.accept_post(&req, payload, &caller, LOBBY).await?;
    Ok(HttpResponse::Created().json(stored))
}

/// Largest page `GET /msgs/history` returns.
pub const HISTORY_MAX_LIMIT: usize = 200;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HistoryQuery {
    before: Option<u64>,
    limit: Option<usize>,
}

/// `GET /msgs/history?before=ID&limit=N`: older messages of the lobby for scrolling back,
/// oldest first.
pub async fn history(
    store: web::Data<Store>,
    _reader: Reader,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    page(&store, LOBBY, &query).await
}

/// A page of `room`'s history (the caller checked that the reader may read it).
pub async fn page(
    store: &Store,
    room: RoomId,
    query: &HistoryQuery,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=HISTORY_MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {HISTORY_MAX_LIMIT}"
        )));
    }
    let (msgs, more) = store.history(room, query.before, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(HistoryPage { msgs, more }))
}
