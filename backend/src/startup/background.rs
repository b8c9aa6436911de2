//! The tasks that run beside the HTTP server, each on its own schedule: heartbeats, the
//! held lines' flush, presence ticks (and, with Redis, sharing them), bots' replies,
//! retention and forgetting old rate budgets and sign-in failures. Each holds its owner
//! weakly (or a channel's end), so it ends when the server is dropped.

use crate::accounts::Accounts;
use crate::config::Settings;
use crate::hub::Hub;
use crate::limits::PostLimiter;
use crate::periodic::spawn_every;
use crate::post_pipeline::PostPipeline;
use crate::store::{Retention, Store};
use crate::webhooks::Reply;
use crate::{heartbeat, held, presence, retention};
use actix_web::web;
use std::sync::Arc;
use std::time::Duration;

/// How often every stream gets a line at the least (`--heartbeat-secs`).
pub(super) fn heartbeat_every(settings: &Settings) -> Duration {
    Duration::from_secs(settings.heartbeat_secs)
}

/// Tells the streams who came and went once every [`presence::EVERY`], and (with Redis)
/// shares this node's presence with the others.
pub(super) fn spawn_presence(
    settings: &Settings,
    hub: &Arc<Hub>,
    store: &Store,
) -> tokio::task::JoinHandle<()> {
    let to_nodes = match store {
        Store::Redis(redis) => Some(redis.start_presence(
            hub.presence().clone(),
            Duration::from_secs(settings.presence_ttl_secs),
        )),
        Store::Sqlite(_) => None,
    };
    spawn_every(Arc::downgrade(hub), presence::EVERY, move |hub| {
        let change = hub.tell_presence(std::time::Instant::now());
        if let (Some(change), Some(to_nodes)) = (change, &to_nodes) {
            let _ = to_nodes.send(change);
        }
    })
}

/// Posts bots' webhook replies as they come back, one at a time, through the pipeline
/// (so the bot's rate budget and the room's rules apply).
pub(super) fn spawn_reply_poster(
    mut replies: tokio::sync::mpsc::Receiver<Reply>,
    pipeline: web::Data<PostPipeline>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(reply) = replies.recv().await {
            let bot = reply.bot;
            if let Err(err) = pipeline.accept_reply(reply).await {
                tracing::info!(bot, error = %err, "webhook reply not posted");
            }
        }
    })
}

/// The tasks that run beside the server, each on its own schedule: heartbeats, retention
/// (SQLite only: Redis trims on every append), forgetting idle rate budgets and old
/// sign-in failures.
pub(super) fn spawn_background(
    settings: &Settings,
    hub: &Arc<Hub>,
    store: &Store,
    limiter: &Arc<PostLimiter>,
    accounts: &Arc<Accounts>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let mut tasks = vec![
        heartbeat::spawn(Arc::downgrade(hub), heartbeat_every(settings)),
        spawn_every(Arc::downgrade(hub), held::FLUSH_EVERY, Hub::flush_held),
        spawn_every(
            Arc::downgrade(limiter),
            retention::EVERY,
            PostLimiter::forget_idle,
        ),
        spawn_every(
            Arc::downgrade(accounts),
            retention::EVERY,
            Accounts::forget_old_failures,
        ),
    ];
    #[cfg(feature = "alloc-glibc-trim")]
    tasks.push(crate::memory_trim::spawn(Arc::downgrade(hub)));
    if let Store::Sqlite(_) = store {
        let policy = Retention {
            days: settings.retain_days,
            messages: settings.retain_messages,
        };
        tasks.extend(retention::spawn(store.clone(), policy));
    }
    tasks
}
