//! `/msgs`: the long-lived message stream (GET) and posting (POST).

use crate::error::ApiError;
use crate::hub::{Hub, Subscribe};
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use common::NewMessage;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamQuery {
    since: Option<u64>,
    epoch: Option<String>,
}

/// `GET /msgs[?since=ID[&epoch=E]]`: 200 at once, then one JSON document per line, forever.
pub async fn stream(
    hub: web::Data<Hub>,
    query: web::Query<StreamQuery>,
) -> Result<HttpResponse, ApiError> {
    let StreamQuery { since, epoch } = query.into_inner();
    let (request, content_type) = match (since, epoch) {
        (None, None) => (Subscribe::Window, "text/plain; charset=utf-8"),
        (Some(since), epoch) => (
            Subscribe::Since { since, epoch },
            "application/x-ndjson; charset=utf-8",
        ),
        (None, Some(_)) => {
            return Err(ApiError::BadRequest(
                "epoch is only meaningful together with since".into(),
            ))
        }
    };
    let body = hub.into_inner().subscribe(request);
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        // Every line must reach the browser now: no caching, no proxy buffering, and no
        // compression (actix compresses nothing unless a middleware asks it to).
        .insert_header(("cache-control", "no-store"))
        .insert_header(("x-accel-buffering", "no"))
        .streaming(body))
}

/// `POST /msgs` with `{"user": "...", "text": "..."}`: 201 with the stored message.
pub async fn post(
    hub: web::Data<Hub>,
    body: web::Json<NewMessage>,
) -> Result<HttpResponse, ApiError> {
    let valid = body.validate().inspect_err(|err| {
        tracing::info!(error = %err, "post rejected");
    })?;
    let stored = hub.post(valid);
    Ok(HttpResponse::Created().json(stored))
}

/// Any other method on `/msgs`.
pub async fn method_not_allowed(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allowed: "GET, POST",
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
