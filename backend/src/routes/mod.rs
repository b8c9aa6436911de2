//! HTTP handlers, and the route table ([`configure`]): the one place that says which path
//! and method reach which handler.

pub mod api;
pub mod events;
pub mod health;
mod marks;
pub mod msgs;
mod resume;
pub mod static_files;
pub mod websocket;

use crate::error::ApiError;
use actix_web::http::Method;
use actix_web::{web, HttpRequest, HttpResponse};
use std::path::Path;

/// Every route of the server. `static_dir` holds the built frontend.
pub fn configure(cfg: &mut web::ServiceConfig, static_dir: &Path) {
    api::configure(cfg);
    cfg.route("/healthz", web::get().to(health::healthz))
        .route("/readyz", web::get().to(health::readyz))
        .route("/metrics", web::get().to(health::metrics))
        .service(
            web::resource("/msgs/events")
                .route(web::get().to(events::events))
                .default_service(web::to(get_only)),
        )
        .service(
            web::resource("/msgs/ws")
                .route(web::get().to(websocket::websocket))
                .default_service(web::to(get_only)),
        )
        .service(
            web::resource("/msgs/history")
                .route(web::get().to(msgs::history))
                .default_service(web::to(get_only)),
        )
        .service(
            web::resource("/msgs")
                .route(web::get().to(msgs::stream))
                .route(web::post().to(msgs::post))
                .default_service(web::to(get_or_post_only)),
        )
        .route("/", web::get().to(static_files::index))
        .route("/", web::head().to(static_files::index))
        .route("/index.html", web::get().to(static_files::index))
        // The page's own routes: the frontend reads the path.
        .route("/setup", web::get().to(static_files::index))
        .route("/signin", web::get().to(static_files::index))
        .route("/admin", web::get().to(static_files::index))
        .route("/join/{code}", web::get().to(static_files::index))
        .route("/r/{room}", web::get().to(static_files::index))
        .service(
            web::resource("/sw.js")
                .route(web::get().to(static_files::service_worker))
                .route(web::head().to(static_files::service_worker))
                .default_service(web::to(get_only)),
        )
        .service(static_files::files(static_dir));
}

/// Any other method on `/msgs`.
async fn get_or_post_only(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allowed: "GET, POST",
    })
}

/// Any method but GET on a read-only resource.
async fn get_only(req: HttpRequest) -> Result<HttpResponse, ApiError> {
    Err(ApiError::MethodNotAllowed {
        method: req.method().to_string(),
        allowed: "GET",
    })
}

/// Paths that are neither API nor a file of the frontend.
async fn not_found(req: HttpRequest) -> Result<HttpResponse, ApiError> {
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
