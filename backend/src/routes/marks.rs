//! Before a stream's hello or a room list, this node loads the reader's read markers and
//! levels from the store ([`crate::reads`]), so the counts it fills in are the store's.

use crate::auth::Reader;
use crate::hub::Hub;
use crate::store::Store;
use actix_web::{web, HttpRequest};

/// Loads the caller's marks from the store before the hub fills in a summary or a hello.
/// A store that cannot answer leaves what this node knows: the room list and the stream
/// still work, with counts from this node's view.
pub async fn refresh_marks(req: &HttpRequest, hub: &Hub, reader: &Reader) {
    let Some(store) = req.app_data::<web::Data<Store>>() else {
        return;
    };
    if let Some(signed) = reader.caller.signed() {
        if let Err(err) = hub.marks().refresh(store, signed.account.id).await {
            tracing::warn!(error = %err, "read markers not loaded; counting from this node's");
        }
    }
}
