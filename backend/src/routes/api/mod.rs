//! The JSON API under `/api/`: accounts, sessions, invites, administration, and the
//! OpenAPI document of all of it (`GET /api/openapi.json`), generated from these handlers'
//! annotations so it cannot drift from them.

pub mod admin;
pub mod bots;
pub mod edits;
pub mod moderation;
pub mod reactions;
pub mod reads;
pub mod rooms;
pub mod search;
pub mod session;

use crate::error::ApiError;
use actix_web::{web, HttpResponse};
use common::room::RoomId;
use utoipa::OpenApi;

/// The room id of a path, or 404 as for any room the caller cannot see.
fn room_id(raw: &str) -> Result<RoomId, ApiError> {
    raw.parse()
        .map_err(|_| ApiError::NotFound(format!("no room {raw}")))
}

/// The room and message ids of a path; anything else is a room or message not found.
fn message_ids(room: &str, message: &str) -> Result<(RoomId, u64), ApiError> {
    let room = room_id(room)?;
    let id = message
        .parse()
        .map_err(|_| ApiError::NotFound(format!("no message {message}")))?;
    Ok((room, id))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "h2chat API",
        description = "Accounts, sessions, invites, administration and rooms. A session is the \
                       `__Host-h2chat` cookie set by setup, sign-up and sign-in. Every \
                       request that changes state must come from the chat's own origin \
                       (`Origin`) and send JSON. A bot posts to `/api/rooms/{id}/msgs` with \
                       `Authorization: Bearer TOKEN` instead (no cookie, no Origin). \
                       Errors are `{\"error\": \"...\"}`."
    ),
    paths(
        session::status,
        session::setup,
        session::signup,
        session::sign_in,
        session::sign_out,
        session::me,
        session::people,
        session::sign_out_everywhere,
        session::change_password,
        admin::accounts,
        admin::change_account,
        admin::create_invite,
        admin::invites,
        admin::revoke_invite,
        moderation::ban_guest,
        moderation::bans,
        moderation::unban_guest,
        moderation::ban_account,
        moderation::audit,
        rooms::list,
        rooms::get,
        rooms::create,
        rooms::change,
        rooms::add_member,
        rooms::remove_member,
        rooms::leave,
        rooms::direct,
        rooms::post,
        edits::edit,
        edits::delete,
        rooms::history,
        rooms::typing,
        reads::read,
        reads::notify,
        rooms::presence,
        search::search,
        reactions::add,
        reactions::remove,
        bots::create,
        bots::list,
        bots::rotate_token,
        bots::revoke_token,
    )
)]
pub struct ApiDoc;

/// `GET /api/openapi.json`.
async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("cache-control", "no-cache"))
        .json(ApiDoc::openapi())
}

/// The `/api` routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api")
            .route("/openapi.json", web::get().to(openapi))
            .route("/status", web::get().to(session::status))
            .route("/setup", web::post().to(session::setup))
            .route("/signup", web::post().to(session::signup))
            .service(
                web::resource("/session")
                    .route(web::post().to(session::sign_in))
                    .route(web::delete().to(session::sign_out)),
            )
            .route("/me", web::get().to(session::me))
            .route("/people", web::get().to(session::people))
            .route(
                "/me/sessions",
                web::delete().to(session::sign_out_everywhere),
            )
            .route("/me/password", web::post().to(session::change_password))
            .route("/accounts", web::get().to(admin::accounts))
            .route(
                "/accounts/{username}",
                web::patch().to(admin::change_account),
            )
            .service(
                web::resource("/invites")
                    .route(web::post().to(admin::create_invite))
                    .route(web::get().to(admin::invites)),
            )
            .route("/invites/{id}", web::delete().to(admin::revoke_invite))
            .route(
                "/accounts/{username}/ban",
                web::post().to(moderation::ban_account),
            )
            .service(
                web::resource("/bans")
                    .route(web::post().to(moderation::ban_guest))
                    .route(web::get().to(moderation::bans)),
            )
            // An IPv6 ban's address ends in `/64`: the segment takes the slash.
            .route(
                "/bans/{address:.+}",
                web::delete().to(moderation::unban_guest),
            )
            .route("/audit", web::get().to(moderation::audit))
            .service(
                web::resource("/rooms")
                    .route(web::get().to(rooms::list))
                    .route(web::post().to(rooms::create)),
            )
            .service(
                web::resource("/rooms/{id}")
                    .route(web::get().to(rooms::get))
                    .route(web::patch().to(rooms::change)),
            )
            .route("/rooms/{id}/members", web::post().to(rooms::add_member))
            .route(
                "/rooms/{id}/members/{username}",
                web::delete().to(rooms::remove_member),
            )
            .route("/rooms/{id}/leave", web::post().to(rooms::leave))
            .service(web::resource("/rooms/{id}/msgs").route(web::post().to(rooms::post)))
            .service(
                web::resource("/rooms/{id}/msgs/{msg}")
                    .route(web::patch().to(edits::edit))
                    .route(web::delete().to(edits::delete)),
            )
            .service(
                web::resource("/rooms/{id}/msgs/{msg}/reactions/{emoji}")
                    .route(web::put().to(reactions::add))
                    .route(web::delete().to(reactions::remove)),
            )
            .route("/rooms/{id}/history", web::get().to(rooms::history))
            .route("/rooms/{id}/typing", web::post().to(rooms::typing))
            .route("/rooms/{id}/read", web::post().to(reads::read))
            .route("/rooms/{id}/notify", web::put().to(reads::notify))
            .route("/rooms/{id}/presence", web::get().to(rooms::presence))
            .route("/dms", web::post().to(rooms::direct))
            .route("/search", web::get().to(search::search))
            .service(
                web::resource("/bots")
                    .route(web::post().to(bots::create))
                    .route(web::get().to(bots::list)),
            )
            .service(
                web::resource("/bots/{id}/token")
                    .route(web::post().to(bots::rotate_token))
                    .route(web::delete().to(bots::revoke_token)),
            )
            .route("/stream", web::get().to(super::msgs::room_stream))
            .route("/stream/events", web::get().to(super::events::room_events))
            .route(
                "/stream/ws",
                web::get().to(super::websocket::room_websocket),
            )
            .default_service(web::to(super::not_found)),
    );
}
