//! `GET /msgs/events`: the same deltas as Server-Sent Events, for `EventSource`, `curl -N`
//! and proxies that only pass `text/event-stream` through unbuffered.

use crate::client_stream::ClientStream;
use crate::error::ApiError;
use crate::hub::{Hub, Subscribe};
use crate::limits::client_ip;
use crate::registry::Mode;
use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

/// `?since=ID&epoch=E`, shared by the SSE and WebSocket endpoints.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResumeQuery {
    pub since: Option<u64>,
    pub epoch: Option<String>,
}

/// Where to resume: `Last-Event-ID` (sent by `EventSource` when it reconnects by itself)
/// wins over `?since=`, which wins over the start.
pub fn resume_point(req: &HttpRequest, query: &ResumeQuery) -> Result<u64, ApiError> {
    match req.headers().get("last-event-id") {
        Some(value) => value
            .to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .ok_or_else(|| ApiError::BadRequest("Last-Event-ID must be a message id".into())),
        None => Ok(query.since.unwrap_or(0)),
    }
}

pub async fn events(
    req: HttpRequest,
    hub: web::Data<Hub>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    let since = resume_point(&req, &query)?;
    let subscription = hub.into_inner().subscribe(
        Subscribe::Since {
            since,
            epoch: query.into_inner().epoch,
            format: Mode::Sse,
        },
        client_ip(&req),
    )?;
    Ok(HttpResponse::Ok()
        .content_type("text/event-stream; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(ClientStream::new(subscription)))
}
