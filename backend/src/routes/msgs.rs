//! `/msgs`: the long-lived message stream (GET) and posting (POST).

use crate::client_stream::ClientStream;
use crate::error::ApiError;
use crate::hub::{Hub, Subscribe};
use crate::limits::{client_ip, PostLimiter};
use crate::metrics::{Metrics, Rejection};
use crate::registry::Mode;
use crate::routes::events::ResumeQuery;
use crate::store::Store;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use common::{HistoryPage, NewMessage};
use serde::Deserialize;

/// `GET /msgs[?since=ID[&epoch=E]]`: 200 at once, then one JSON document per line, forever.
pub async fn stream(
    req: HttpRequest,
    hub: web::Data<Hub>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    let ResumeQuery { since, epoch } = query.into_inner();
    let (request, content_type) = match (since, epoch) {
        (None, None) => (Subscribe::Window, "text/plain; charset=utf-8"),
        (Some(since), epoch) => (
            Subscribe::Since {
                since,
                epoch,
                format: Mode::Delta,
            },
            "application/x-ndjson; charset=utf-8",
        ),
        (None, Some(_)) => {
            return Err(ApiError::BadRequest(
                "epoch is only meaningful together with since".into(),
            ))
        }
    };
    let peer = client_ip(&req);
    let body = ClientStream::new(hub.into_inner().subscribe(request, peer)?);
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
    store: web::Data<Store>,
    limiter: web::Data<PostLimiter>,
    metrics: web::Data<Metrics>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    limiter
        .check(client_ip(&req))
        .inspect_err(|_| metrics.rejected(Rejection::RateLimited))?;
    let valid = body.validate().inspect_err(|err| {
        metrics.rejected(Rejection::Invalid);
        tracing::info!(error = %err, "post rejected");
    })?;
    let stored = store.append(valid).await.inspect_err(|err| {
        tracing::warn!(error = %err, "post not stored");
    })?;
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

/// `GET /msgs/history?before=ID&limit=N`: older messages for scrolling back, oldest first.
pub async fn history(
    store: web::Data<Store>,
    query: web::Query<HistoryQuery>,
) -> Result<HttpResponse, ApiError> {
    let limit = query.limit.unwrap_or(50);
    if !(1..=HISTORY_MAX_LIMIT).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {HISTORY_MAX_LIMIT}"
        )));
    }
    let (msgs, more) = store.history(query.before, limit).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(HistoryPage { msgs, more }))
}

/// Any other method on `/msgs`.
pub async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allowed: "GET, POST",
    })
}

/// Any method but GET on a read-only resource.
pub async fn get_only(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allowed: "GET",
    })
}

/// Unknown paths under the API (not static files).
pub async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(
        if req.method() == Method::GET || req.method() == Method::HEAD {
            ApiError::NotFound(req.path().to_owned())
        } else {
            ApiError::MethodNotAllowed {
                method: req.method().to_string(),
                allowed: "GET",
            }
        },
    )
}
