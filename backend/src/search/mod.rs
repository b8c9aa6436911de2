//! Searching messages (`GET /api/search`): which rooms a reader searches, and what each
//! result shows. A room's access rules apply exactly as to the stream and history: an
//! account searches the rooms it may read, a guest (while guests are on) the lobby, and
//! asking for one room it may not read is "no such room". The words are matched by the
//! store's full-text index (`store/fts.rs`); [`snippet`] cuts and marks what is shown.

pub mod snippet;

use crate::accounts::Account;
use crate::error::ApiError;
use crate::rooms::manage::RoomActions;
use crate::store::fts::Lookup;
use crate::store::Store;
use common::room::RoomId;
use common::search::{SearchHit, SearchQuery, SearchResults, RESULTS_MAX};

/// What was asked: the raw query and, if one, the room.
pub struct Ask<'a> {
    pub q: &'a str,
    pub room: Option<&'a str>,
}

/// Searches what `reader` (a guest: `None`) may read.
pub async fn search(
    store: &Store,
    rooms: &RoomActions,
    reader: Option<&Account>,
    ask: Ask<'_>,
) -> Result<SearchResults, ApiError> {
    let query = SearchQuery::parse(ask.q).map_err(|e| ApiError::BadRequest(e.to_string()))?;
    let rooms: Vec<RoomId> = match ask.room {
        Some(raw) => {
            let id: RoomId = raw.parse().map_err(|_| {
                ApiError::BadRequest(format!("room must be a room id, not {raw:?}"))
            })?;
            vec![rooms.readable(id, reader)?.id]
        }
        None => rooms.list(reader).iter().map(|room| room.id).collect(),
    };
    let lookup = Lookup {
        query: query.clone(),
        rooms,
        limit: RESULTS_MAX,
    };
    let found = store.search(lookup).await?;
    let results = found
        .into_iter()
        .map(|message| SearchHit {
            snippet: snippet::snippet(&message.text, &query),
            message,
        })
        .collect();
    Ok(SearchResults { results })
}
