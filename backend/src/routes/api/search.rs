//! `GET /api/search?q=WORDS&room=ID`: messages the caller may read that hold every word,
//! the best matches first, each with a snippet (the rules are in [`crate::search`]).

use crate::auth::Reader;
use crate::error::ApiError;
use crate::rooms::manage::RoomActions;
use crate::search::{search as find, Ask};
use crate::store::Store;
use actix_web::{web, HttpResponse};
use common::search::SearchResults;

#[derive(Debug, serde::Deserialize)]
pub struct SearchParams {
    #[serde(default)]
    q: String,
    room: Option<String>,
}

/// Searches every room the caller may read (a guest: the lobby), or one: up to 50
/// results, the best first, each the message as it is now and a snippet of plain-text
/// parts, hits marked.
#[utoipa::path(get, path = "/api/search", tag = "rooms",
    params(("q" = String, Query), ("room" = Option<u64>, Query)),
    responses((status = 200, body = SearchResults),
        (status = 400, description = "no words, too long, or room is not an id", body = common::ErrorBody),
        (status = 401, description = "not signed in, and guests are off", body = common::ErrorBody),
        (status = 404, description = "no such room for this caller", body = common::ErrorBody)))]
pub async fn search(
    store: web::Data<Store>,
    rooms: web::Data<RoomActions>,
    reader: Reader,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let ask = Ask {
        q: &params.q,
        room: params.room.as_deref(),
    };
    let account = reader.caller.signed().map(|s| &s.account);
    let results = find(&store, &rooms, account, ask).await?;
    Ok(HttpResponse::Ok()
        .insert_header(("cache-control", "no-store"))
        .json(results))
}
