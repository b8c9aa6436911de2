//! `GET /msgs/events`: the same deltas as Server-Sent Events, for `EventSource`, `curl -N`
//! and proxies that only pass `text/event-stream` through unbuffered.

use super::resume::ResumeQuery;
use crate::auth::Reader;
use crate::client_stream::ClientStream;
use crate::error::ApiError;
use crate::hub::{Hub, Scope, Subscribe};
use crate::limits::client_ip;
use crate::routes::marks::refresh_marks;
use actix_web::{web, HttpRequest, HttpResponse};

/// `GET /msgs/events`: the lobby.
pub async fn events(
    req: HttpRequest,
    hub: web::Data<Hub>,
    reader: Reader,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    open_events(req, hub, reader, query.into_inner(), Scope::Lobby)
}

/// `GET /api/stream/events`: every room the reader may read.
pub async fn room_events(
    req: HttpRequest,
    hub: web::Data<Hub>,
    reader: Reader,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    refresh_marks(&req, &hub, &reader).await;
    open_events(req, hub, reader, query.into_inner(), Scope::Rooms)
}

fn open_events(
    req: HttpRequest,
    hub: web::Data<Hub>,
    reader: Reader,
    query: ResumeQuery,
    scope: Scope,
) -> Result<HttpResponse, ApiError> {
    let since = query.resume_point(&req)?;
    let subscription =
        hub.into_inner()
            .subscribe(Subscribe::Sse(since), scope, client_ip(&req), reader.owner)?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(ClientStream::new(subscription)))
}
