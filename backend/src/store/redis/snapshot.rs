//! What a node reads when it starts, and again when Redis lost the history it served: the
//! epoch, the recent messages, every event, and each room's newest message id.

use super::entries::{newest, to_event, Keys};
use crate::event::Entry;
use crate::store::Snapshot;
use common::room::LOBBY;

/// Every event of the log, oldest first, read in pages.
async fn all_events<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    stream: &str,
) -> redis::RedisResult<Vec<Entry>> {
    const PAGE: usize = 1000;
    let mut events = Vec::new();
    let mut start = "-".to_owned();
    loop {
        let reply: redis::streams::StreamRangeReply = redis::cmd("XRANGE")
            .arg(stream)
            .arg(&start)
            .arg("+")
            .arg("COUNT")
            .arg(PAGE)
            .query_async(conn)
            .await?;
        let Some(last) = reply.ids.last() else { break };
        start = format!("({}", last.id);
        events.extend(reply.ids.iter().filter_map(to_event));
        if reply.ids.len() < PAGE {
            break;
        }
    }
    Ok(events)
}

/// Reads the epoch (creating it for an empty Redis), the newest `history` messages and every
/// event.
pub(super) async fn snapshot<C: redis::aio::ConnectionLike + Send>(
    conn: &mut C,
    keys: &Keys,
    history: usize,
) -> redis::RedisResult<Snapshot> {
    // NX: every node that starts on an empty Redis agrees on the first epoch written.
    redis::cmd("SET")
        .arg(&keys.epoch)
        .arg(crate::clock::new_epoch())
        .arg("NX")
        .exec_async(conn)
        .await?;
    let epoch: String = redis::cmd("GET").arg(&keys.epoch).query_async(conn).await?;
    let recent_len = crate::window::recent_capacity(history);
    let recent = newest(conn, &keys.msgs, None, "+", recent_len).await?;
    let mut recent =
        super::changes::overlay(conn, keys.change_sets(), None, "+", recent_len, recent).await?;
    recent.reverse();
    super::reactions::attach(conn, |id| keys.reactions(id), &mut recent).await?;
    let lobby = newest(conn, &keys.msgs, Some(LOBBY), "+", history).await?;
    let mut lobby =
        super::changes::overlay(conn, keys.change_sets(), Some(LOBBY), "+", history, lobby).await?;
    lobby.reverse();
    super::reactions::attach(conn, |id| keys.reactions(id), &mut lobby).await?;
    let events = all_events(conn, &keys.log).await?;
    let counter: Option<u64> = redis::cmd("GET")
        .arg(&keys.next_id)
        .query_async(conn)
        .await?;
    let last_id = counter
        .unwrap_or(0)
        .max(recent.last().map_or(0, |m| m.id))
        .max(events.last().map_or(0, |e| e.id));
    // After the counter: whatever is appended meanwhile is in the hash or reaches the tail.
    let last_ids = super::last_ids::load(conn, keys, &events, last_id).await?;
    Ok(Snapshot {
        epoch,
        recent,
        lobby,
        events,
        last_id,
        last_ids,
    })
}
