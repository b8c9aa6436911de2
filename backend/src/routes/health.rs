//! `/healthz` (the process serves), `/readyz` (it can also reach its store) and
//! `/metrics` (Prometheus text).

use crate::error::ApiError;
use crate::hub::Hub;
use crate::metrics::Metrics;
use crate::store::Store;
use actix_web::{web, HttpResponse};
use std::time::Duration;

/// `GET /healthz`: the process is up and serving.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(serde_json::json!({ "status": "ok" }))
}

/// `GET /readyz`: the store answers a read within two seconds, so posts can succeed.
pub async fn readyz(store: web::Data<Store>) -> Result<HttpResponse, ApiError> {
    match tokio::time::timeout(
        Duration::from_secs(2),
        store.history(common::room::LOBBY, None, 1),
    )
    .await
    {
        Ok(Ok(_)) => Ok(HttpResponse::Ok()
            .insert_header(("cache-control", "no-store"))
            .json(serde_json::json!({ "status": "ready" }))),
        Ok(Err(err)) => Err(ApiError::Unavailable(format!("not ready: {err}"))),
        Err(_) => Err(ApiError::Unavailable(
            "not ready: the store did not answer within 2 s".into(),
        )),
    }
}

/// `GET /metrics`: Prometheus text exposition format.
pub async fn metrics(metrics: web::Data<Metrics>, hub: web::Data<Hub>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .insert_header(("cache-control", "no-store"))
        .body(metrics.render(&hub.stream_counts()))
}
