//! Ephemeral events across nodes: what must reach every node's streams at once but is never
//! kept (typing). Published on the Pub/Sub channel `PREFIX:ephemeral`; every node (the
//! publisher too) subscribes and hands each event to its listener. Events for one
//! account's streams (its read markers, its levels) come the same way on
//! `PREFIX:personal`, with the account. Lossy by design: while
//! Redis is unreachable they are dropped, and a node that reconnects gets only new ones.

use super::reads::Personal;
use super::tail::{jitter, FIRST_RETRY, MAX_RETRY};
use super::RedisStore;
use crate::store::{StoreError, StoreListener};
use common::StreamEvent;
use futures_util::StreamExt;
use std::sync::Arc;

impl RedisStore {
    /// Publishes `event` to every node (this one too, through its subscription).
    pub async fn publish(&self, event: &StreamEvent) -> Result<(), StoreError> {
        let mut conn = self.conn.clone();
        let channel = self.keys.ephemeral.clone();
        let payload = serde_json::to_string(event).unwrap_or_default();
        self.run(async move {
            redis::cmd("PUBLISH")
                .arg(channel)
                .arg(payload)
                .query_async::<i64>(&mut conn)
                .await
        })
        .await
        .map(drop)
    }

    /// Subscribes to the channel and hands every event to `listener`, reconnecting with
    /// backoff, until the Redis thread stops.
    pub fn start_ephemeral(&self, listener: Arc<dyn StoreListener>) {
        let client = (*self.client).clone();
        let channels = Channels {
            ephemeral: self.keys.ephemeral.clone(),
            personal: self.keys.personal.clone(),
        };
        self.runtime.spawn(async move {
            let mut delay = FIRST_RETRY;
            loop {
                match subscribe(&client, &channels, &*listener, &mut delay).await {
                    Ok(()) => tracing::debug!("ephemeral subscription ended; subscribing again"),
                    Err(err) => tracing::debug!(error = %err, "ephemeral subscription failed"),
                }
                tokio::time::sleep(jitter(delay)).await;
                delay = (delay * 2).min(MAX_RETRY);
            }
        });
    }
}

struct Channels {
    ephemeral: String,
    personal: String,
}

async fn subscribe(
    client: &redis::Client,
    channels: &Channels,
    listener: &dyn StoreListener,
    delay: &mut std::time::Duration,
) -> redis::RedisResult<()> {
    let mut pubsub = client.get_async_pubsub().await?;
    pubsub.subscribe(&channels.ephemeral).await?;
    pubsub.subscribe(&channels.personal).await?;
    *delay = FIRST_RETRY;
    let mut messages = pubsub.on_message();
    while let Some(message) = messages.next().await {
        let Ok(payload) = message.get_payload::<String>() else {
            continue;
        };
        if message.get_channel_name() == channels.personal {
            match serde_json::from_str::<Personal>(&payload) {
                Ok(Personal { account, event }) => listener.personal(account, event),
                Err(err) => {
                    tracing::warn!(error = %err, "skipping a personal event we cannot read")
                }
            }
            continue;
        }
        match serde_json::from_str::<StreamEvent>(&payload) {
            Ok(event) => listener.ephemeral(event),
            Err(err) => tracing::warn!(error = %err, "skipping an ephemeral event we cannot read"),
        }
    }
    Ok(())
}
