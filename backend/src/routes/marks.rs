//! Before a stream's hello or a room list, this node loads the reader's read markers and
//! levels from the store ([`crate::reads`]), and has the store count the unread messages
//! older than the hub's window ([`crate::reads::older`]), so the counts it fills in are
//! exact. Both are async steps taken before the hub's lock, never under it.

use crate::accounts::Account;
use crate::auth::Reader;
use crate::hub::Hub;
use crate::reads::older::{self, Older};
use crate::store::Store;
use actix_web::{web, HttpRequest};
use common::room::RoomId;
use std::collections::HashMap;

/// How often the older counts are extended and kept again when the window moved on while
/// the store counted.
const CATCH_UP: usize = 3;

/// Loads the caller's marks from the store before the hub fills in a summary or a hello,
/// then their counts of messages older than the window. A store that cannot answer leaves
/// what this node knows: the room list and the stream still work, with counts from this
/// node's view.
pub async fn refresh_marks(req: &HttpRequest, hub: &Hub, reader: &Reader) {
    let Some(store) = req.app_data::<web::Data<Store>>() else {
        return;
    };
    if let Some(signed) = reader.caller.signed() {
        if let Err(err) = hub.marks().refresh(store, signed.account.id).await {
            tracing::warn!(error = %err, "read markers not loaded; counting from this node's");
        }
        refresh_older(hub, store, &signed.account).await;
    }
}

/// Has the store count `account`'s unread messages older than the window, in the rooms
/// that have some (usually none: then the store is not asked) and whose counts this node
/// does not keep already, and has the hub keep the counts. If the window moved on
/// meanwhile, the messages that left it are counted too and keeping is tried again, a few
/// times; a window that keeps moving faster than the store counts gets the counts as they
/// stand (short by what left it during the last count), counted again next time.
pub async fn refresh_older(hub: &Hub, store: &Store, account: &Account) {
    let (mut before, wanted) = hub.older_wanted(account).unwrap_or_default();
    let ids: Vec<RoomId> = wanted.iter().map(|&(room, _)| room).collect();
    let rooms = older::to_count(&wanted, &hub.marks().older(account.id));
    if rooms.is_empty() {
        let _ = hub.keep_older(account, None, &ids, HashMap::new());
        return;
    }
    let reader = account.username.to_lowercase();
    let mut counted: HashMap<RoomId, Older> = rooms
        .iter()
        .map(|&(room, after)| {
            let counts = Default::default();
            let whole = true;
            (
                room,
                Older {
                    after,
                    before,
                    counts,
                    whole,
                },
            )
        })
        .collect();
    let mut from = rooms.clone();
    for _ in 0..=CATCH_UP {
        match store.older_counts(reader.clone(), from, before).await {
            Ok(counts) => {
                for (room, counts) in counts {
                    if let Some(entry) = counted.get_mut(&room) {
                        entry.counts = entry.counts.plus(counts);
                    }
                }
            }
            Err(err) => {
                tracing::warn!(error = %err, "older unread messages not counted");
                return;
            }
        }
        for entry in counted.values_mut() {
            entry.before = before;
        }
        match hub.keep_older(account, Some(before), &ids, counted.clone()) {
            Ok(()) => return,
            Err(now) => {
                // Next, only what left the window since: from the last start to the new.
                from = rooms
                    .iter()
                    .map(|&(room, after)| (room, after.max(before.saturating_sub(1))))
                    .collect();
                before = now;
            }
        }
    }
    tracing::debug!(
        account = account.id,
        "the window kept moving while older messages were counted"
    );
    for entry in counted.values_mut() {
        entry.whole = false;
    }
    let _ = hub.keep_older(account, None, &ids, counted);
}
