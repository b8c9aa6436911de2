//! Presence across nodes. Each node keeps its whole state in the hash
//! `PREFIX:presence:node:NODE` (fields `seq`, `guests`, and one per online account id),
//! listed in the set `PREFIX:presence:nodes`, with a TTL it refreshes every quarter of it;
//! every change is written there and published on `PREFIX:presence` at once. Each node
//! follows the channel for speed and reads every node's hash at each refresh for truth: a
//! node that died stops refreshing, its hash expires, and the next read forgets its accounts
//! (so they go offline at most TTL + TTL/4 after the crash).

use super::entries::Keys;
use super::tail::{jitter, FIRST_RETRY, MAX_RETRY};
use super::RedisStore;
use crate::presence::{NodeChange, NodeId, NodeState, Presence};
use futures_util::StreamExt;
use redis::aio::ConnectionManager;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Where the presence tick hands this node's changes to be shared.
pub type PresenceSender = mpsc::UnboundedSender<NodeChange>;

impl RedisStore {
    /// Starts sharing this node's presence and following the other nodes'. States live
    /// `ttl` unless refreshed.
    pub fn start_presence(&self, presence: Arc<Presence>, ttl: Duration) -> PresenceSender {
        let (tx, rx) = mpsc::unbounded_channel();
        let sharing = Sharing {
            conn: self.conn.clone(),
            keys: self.keys.clone(),
            presence: presence.clone(),
            ttl,
            written: 0,
        };
        self.runtime.spawn(sharing.run(rx));
        let client = (*self.client).clone();
        let channel = self.keys.presence.clone();
        self.runtime.spawn(async move {
            let mut delay = FIRST_RETRY;
            loop {
                match follow(&client, &channel, &presence, &mut delay).await {
                    Ok(()) => tracing::debug!("presence subscription ended; subscribing again"),
                    Err(err) => tracing::debug!(error = %err, "presence subscription failed"),
                }
                tokio::time::sleep(jitter(delay)).await;
                delay = (delay * 2).min(MAX_RETRY);
            }
        });
        tx
    }
}

struct Sharing {
    conn: ConnectionManager,
    keys: Arc<Keys>,
    presence: Arc<Presence>,
    ttl: Duration,
    /// The `seq` of the whole state last written: older changes are in it already.
    written: u64,
}

impl Sharing {
    async fn run(mut self, mut changes: mpsc::UnboundedReceiver<NodeChange>) {
        let mut refresh = tokio::time::interval(self.ttl / 4);
        refresh.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_read = Instant::now();
        loop {
            tokio::select! {
                change = changes.recv() => {
                    let Some(change) = change else { return };
                    if let Err(err) = self.write_change(&change).await {
                        // The next refresh writes the whole state again.
                        tracing::debug!(error = %err, "cannot share a presence change");
                    }
                }
                _ = refresh.tick() => {
                    if let Err(err) = self.write_state().await {
                        tracing::debug!(error = %err, "cannot refresh this node's presence");
                    }
                    let read_at = Instant::now();
                    match read_states(&mut self.conn, &self.keys).await {
                        Ok(states) => {
                            self.presence.other_states(states, read_at);
                            last_read = read_at;
                        }
                        Err(err) => {
                            tracing::debug!(error = %err, "cannot read the nodes' presence");
                            if last_read.elapsed() > self.ttl {
                                self.presence.forget_others();
                            }
                        }
                    }
                }
            }
        }
    }

    /// Writes `change` into this node's hash (unless the whole state written since has it)
    /// and publishes it.
    async fn write_change(&mut self, change: &NodeChange) -> redis::RedisResult<()> {
        let key = self.keys.presence_node(self.presence.node());
        let payload = serde_json::to_string(change).unwrap_or_default();
        let mut pipe = redis::pipe();
        pipe.atomic();
        if change.seq > self.written {
            let set = pipe
                .cmd("HSET")
                .arg(&key)
                .arg("seq")
                .arg(change.seq)
                .arg("guests")
                .arg(change.guests);
            for account in &change.online {
                set.arg(account).arg(1);
            }
            if !change.offline.is_empty() {
                pipe.cmd("HDEL").arg(&key).arg(&change.offline);
            }
            pipe.cmd("PEXPIRE")
                .arg(&key)
                .arg(self.ttl.as_millis() as u64);
        }
        pipe.cmd("PUBLISH").arg(&self.keys.presence).arg(payload);
        pipe.query_async::<()>(&mut self.conn).await
    }

    /// Writes this node's whole state and lists the node.
    async fn write_state(&mut self) -> redis::RedisResult<()> {
        let state = self.presence.local_state();
        let key = self.keys.presence_node(self.presence.node());
        let mut pipe = redis::pipe();
        pipe.atomic().cmd("DEL").arg(&key);
        let set = pipe
            .cmd("HSET")
            .arg(&key)
            .arg("seq")
            .arg(state.seq)
            .arg("guests")
            .arg(state.guests);
        for account in &state.accounts {
            set.arg(account).arg(1);
        }
        pipe.cmd("PEXPIRE")
            .arg(&key)
            .arg(self.ttl.as_millis() as u64)
            .cmd("SADD")
            .arg(&self.keys.presence_nodes)
            .arg(self.presence.node());
        pipe.query_async::<()>(&mut self.conn).await?;
        self.written = state.seq;
        Ok(())
    }
}

/// Every listed node's state; nodes whose hash expired are taken off the list.
async fn read_states(
    conn: &mut ConnectionManager,
    keys: &Keys,
) -> redis::RedisResult<HashMap<NodeId, NodeState>> {
    let nodes: Vec<NodeId> = redis::cmd("SMEMBERS")
        .arg(&keys.presence_nodes)
        .query_async(conn)
        .await?;
    let mut pipe = redis::pipe();
    for node in &nodes {
        pipe.cmd("HGETALL").arg(keys.presence_node(node));
    }
    let hashes: Vec<HashMap<String, u64>> = pipe.query_async(conn).await?;
    let mut states = HashMap::new();
    let mut gone = Vec::new();
    for (node, hash) in nodes.into_iter().zip(hashes) {
        if hash.is_empty() {
            gone.push(node);
            continue;
        }
        let mut state = NodeState::default();
        for (field, value) in hash {
            match field.as_str() {
                "seq" => state.seq = value,
                "guests" => state.guests = value as u32,
                account => {
                    if let Ok(account) = account.parse() {
                        state.accounts.insert(account);
                    }
                }
            }
        }
        states.insert(node, state);
    }
    if !gone.is_empty() {
        tracing::info!(nodes = ?gone, "nodes gone: their presence expired");
        redis::cmd("SREM")
            .arg(&keys.presence_nodes)
            .arg(&gone)
            .query_async::<()>(conn)
            .await?;
    }
    Ok(states)
}

/// Hands every change another node publishes to `presence` until the subscription ends.
async fn follow(
    client: &redis::Client,
    channel: &str,
    presence: &Presence,
    delay: &mut Duration,
) -> redis::RedisResult<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(channel).await?;
    *delay = FIRST_RETRY;
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let Ok(payload) = message.get_payload::<String>() else {
            continue;
        };
        match serde_json::from_str::<NodeChange>(&payload) {
            Ok(change) => presence.other_change(&change),
            Err(err) => tracing::warn!(error = %err, "skipping a presence change we cannot read"),
        }
    }
    Ok(())
}
