//! Following the log in Redis: every node reads every entry of both streams (messages and
//! events), in id order, and hands it to its hub. That is how a post made on node B reaches
//! the clients of node A, and a session started on A is known to B, in the same order
//! everywhere.
//!
//! The tail has a connection of its own, because `XREAD BLOCK` holds its connection while it
//! waits. When Redis goes away, the node tells its streams the chat is degraded, posts fail
//! fast with 503, and the tail reconnects with capped, jittered backoff, then carries on
//! after the last id it handed over, so nothing Redis accepted is missed.

use super::entries::{entry_id, to_event, to_message, Keys};
use super::snapshot::snapshot;
use super::{RedisStore, COMMAND_TIMEOUT};
use crate::event::{Entry, Record};
use crate::store::StoreListener;
use redis::aio::MultiplexedConnection;
use redis::streams::{StreamKey, StreamReadReply};
use redis::AsyncConnectionConfig;
use std::sync::Arc;
use std::time::Duration;

/// How long one `XREAD` waits for new entries before asking again.
const BLOCK: Duration = Duration::from_secs(5);
/// Most entries handed over in one group.
const BATCH: usize = 1024;
/// Reconnect delays: from `FIRST_RETRY`, doubling, never above `MAX_RETRY`.
pub(super) const FIRST_RETRY: Duration = Duration::from_millis(100);
pub(super) const MAX_RETRY: Duration = Duration::from_secs(3);

/// Why streams are told the chat is degraded.
pub const DEGRADED: &str = "the message store (Redis) is unreachable: posting is paused, \
                            messages will arrive once it is back";

/// Tails until the Redis thread stops (the task is dropped with its runtime).
pub(super) async fn run(
    client: redis::Client,
    store: RedisStore,
    listener: Arc<dyn StoreListener>,
    mut last_id: u64,
    mut epoch: String,
) {
    let mut delay = FIRST_RETRY;
    loop {
        let err = follow(
            &client,
            &store,
            &*listener,
            &mut last_id,
            &mut epoch,
            &mut delay,
        )
        .await;
        if store.reachable.set(false) {
            tracing::error!(error = %err, "Redis unreachable: streams told, posts refused");
            store.metrics.set_store_up("redis", false);
            listener.store_state(Some(DEGRADED));
        } else {
            tracing::debug!(error = %err, "Redis still unreachable");
        }
        tokio::time::sleep(jitter(delay)).await;
        delay = (delay * 2).min(MAX_RETRY);
    }
}

/// Connects and follows the stream; returns only with the error that stopped it.
async fn follow(
    client: &redis::Client,
    store: &RedisStore,
    listener: &dyn StoreListener,
    last_id: &mut u64,
    epoch: &mut String,
    delay: &mut Duration,
) -> redis::RedisError {
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(COMMAND_TIMEOUT))
        .set_response_timeout(Some(BLOCK + COMMAND_TIMEOUT));
    let mut conn: MultiplexedConnection = match client
        .get_multiplexed_async_connection_with_config(&config)
        .await
    {
        Ok(conn) => conn,
        Err(err) => return err,
    };
    if let Err(err) = reattach(&mut conn, store, listener, last_id, epoch).await {
        return err;
    }
    if !store.reachable.is_up() {
        // Let the posting connection replace its dead socket before posts are let through.
        for _ in 0..3 {
            if store.ping().await {
                break;
            }
        }
        store.reachable.set(true);
        store.metrics.set_store_up("redis", true);
        store.metrics.store_reconnects.inc();
        tracing::info!(last_id = *last_id, "Redis reachable again: tailing resumes");
        listener.store_state(None);
    }
    *delay = FIRST_RETRY;
    loop {
        let reply: Option<StreamReadReply> = match redis::cmd("XREAD")
            .arg("COUNT")
            .arg(BATCH)
            .arg("BLOCK")
            .arg(BLOCK.as_millis() as u64)
            .arg("STREAMS")
            .arg(&store.keys.msgs)
            .arg(&store.keys.log)
            .arg(format!("{last_id}-0"))
            .arg(format!("{last_id}-0"))
            .query_async(&mut conn)
            .await
        {
            Ok(reply) => reply,
            Err(err) => return err,
        };
        let Some(reply) = reply else { continue };
        let (entries, through) = merge(&store.keys, reply.keys);
        *last_id = (*last_id).max(through);
        if !entries.is_empty() {
            listener.committed(&entries);
        }
    }
}

/// The entries of one `XREAD` of both streams, in id order, and the id everything up to
/// which was read. Ids come from one counter and each append is atomic, so a read sees every
/// entry below the newest it returns, in either stream, unless `COUNT` cut a stream short:
/// then only what lies below that stream's last entry is complete; the rest is read again
/// next time. Entries we cannot read are passed over, never read twice.
fn merge(keys: &Keys, streams: Vec<StreamKey>) -> (Vec<Entry>, u64) {
    let mut through = u64::MAX;
    let mut newest = 0;
    for stream in &streams {
        let last = stream.ids.last().and_then(entry_id).unwrap_or(0);
        newest = newest.max(last);
        if stream.ids.len() >= BATCH {
            through = through.min(last);
        }
    }
    let through = through.min(newest);
    let mut entries: Vec<Entry> = Vec::new();
    for stream in &streams {
        for item in &stream.ids {
            if entry_id(item).is_none_or(|id| id > through) {
                continue;
            }
            let entry = if stream.key == keys.msgs {
                to_message(item).map(|message| Entry {
                    id: message.id,
                    time: message.time,
                    record: Record::Message(message),
                })
            } else {
                to_event(item)
            };
            entries.extend(entry);
        }
    }
    entries.sort_by_key(|entry| entry.id);
    (entries, through)
}

/// Checks that Redis still holds the history this node serves. If it lost it (restarted
/// without persistence, or flushed), the node starts over from what Redis has now.
async fn reattach(
    conn: &mut MultiplexedConnection,
    store: &RedisStore,
    listener: &dyn StoreListener,
    last_id: &mut u64,
    epoch: &mut String,
) -> redis::RedisResult<()> {
    let current: Option<String> = redis::cmd("GET")
        .arg(&store.keys.epoch)
        .query_async(conn)
        .await?;
    if current.as_deref() == Some(epoch.as_str()) {
        return Ok(());
    }
    let fresh = snapshot(conn, &store.keys, store.config.history).await?;
    tracing::error!(
        old_epoch = %epoch,
        new_epoch = %fresh.epoch,
        "Redis no longer holds this chat's history (data lost?): clients start over"
    );
    *epoch = fresh.epoch.clone();
    *last_id = fresh.last_id;
    listener.reset(fresh);
    Ok(())
}

/// Between half and all of `delay`, so nodes that lost Redis together do not return in step.
pub(super) fn jitter(delay: Duration) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    delay / 2 + delay.mul_f64(f64::from(nanos % 1000) / 2000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(key: &str, ids: &[u64]) -> StreamKey {
        StreamKey {
            key: key.into(),
            ids: ids
                .iter()
                .map(|id| {
                    let mut fields = std::collections::HashMap::new();
                    for (k, v) in [("user", "u"), ("text", "t"), ("time", "1")] {
                        fields.insert(k.to_owned(), redis::Value::BulkString(v.into()));
                    }
                    fields.insert(
                        "event".to_owned(),
                        redis::Value::BulkString(
                            br#"{"type":"session_ended","session":"x"}"#.to_vec(),
                        ),
                    );
                    redis::streams::StreamId {
                        id: format!("{id}-0"),
                        map: fields,
                        ..Default::default()
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn both_streams_merge_in_id_order() {
        let keys = Keys::new("p");
        let (entries, through) = merge(
            &keys,
            vec![read("p:msgs", &[1, 2, 5]), read("p:log", &[3, 4])],
        );
        let ids: Vec<u64> = entries.iter().map(|e| e.id).collect();
        assert_eq!(ids, [1, 2, 3, 4, 5]);
        assert_eq!(through, 5);
        assert!(matches!(entries[2].record, Record::Event(_)));
    }

    #[test]
    fn a_stream_cut_short_by_count_bounds_what_is_complete() {
        let keys = Keys::new("p");
        let full: Vec<u64> = (1..=BATCH as u64).map(|i| i * 2).collect();
        let last = *full.last().unwrap();
        // The events stream goes past the messages' last: those may miss messages not read yet.
        let (entries, through) = merge(
            &keys,
            vec![
                read("p:msgs", &full),
                read("p:log", &[3, last + 1, last + 3]),
            ],
        );
        assert_eq!(through, last);
        assert_eq!(
            entries.len(),
            BATCH + 1,
            "everything up to {last}, no further"
        );
        assert!(entries.iter().all(|e| e.id <= last));
    }

    #[test]
    fn jitter_stays_between_half_and_whole() {
        for _ in 0..100 {
            let d = jitter(Duration::from_millis(800));
            assert!(d >= Duration::from_millis(400) && d <= Duration::from_millis(800));
        }
    }
}
