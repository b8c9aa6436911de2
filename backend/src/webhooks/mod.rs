//! Bots' outgoing webhooks: when a message mentions a bot, or is posted in a direct
//! conversation with one, the server POSTs it as JSON to the bot's URL, signed, and posts
//! the answer's text as the bot in the same room.
//!
//! Posting never waits for a webhook: [`Webhooks::offer`] puts the call on a bounded queue
//! (`try_send`); when the queue is full the call is dropped, logged and counted
//! (`h2chat_webhooks_total{outcome="dropped"}`). One worker task takes calls off the queue
//! and runs at most [`CONCURRENT`] at a time (see [`delivery`] for timeouts, retries and
//! redirects). Replies come back on a second bounded queue, which the caller of
//! [`Webhooks::start`] posts from.
//!
//! Only the node that accepted a post offers it, so with several nodes each call is made
//! once. Messages posted by bots (replies included) call no webhook, so two bots cannot
//! talk to each other forever.

pub mod delivery;
pub mod signature;
pub mod url;

use crate::accounts::{Account, BotTarget, Directory};
use crate::event::AccountId;
use crate::metrics::Metrics;
use crate::rooms::Room;
use common::bot::{WebhookCall, WebhookReason, WebhookRoom};
use common::room::{RoomId, RoomKind};
use common::Message;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, Semaphore};

/// Calls waiting to be made; more are dropped.
pub const QUEUE: usize = 1024;
/// Calls in flight at once: a slow receiver holds one of them, not the queue.
pub const CONCURRENT: usize = 16;

/// A bot's answer, to post as the bot in `room`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub bot: AccountId,
    pub room: RoomId,
    pub text: String,
}

struct Call {
    target: BotTarget,
    room: RoomId,
    body: Vec<u8>,
}

/// The way into the webhook worker, shared by every request handler.
pub struct Webhooks {
    calls: mpsc::Sender<Call>,
    metrics: Arc<Metrics>,
}

impl Webhooks {
    /// Starts the worker (on the current tokio runtime); returns the handle, the replies
    /// to post, and the worker's task.
    pub fn start(
        timeout: Duration,
        metrics: Arc<Metrics>,
    ) -> (Self, mpsc::Receiver<Reply>, tokio::task::JoinHandle<()>) {
        let (calls, queue) = mpsc::channel(QUEUE);
        let (replies, replied) = mpsc::channel(QUEUE);
        let worker = tokio::spawn(work(
            queue,
            replies,
            delivery::client(timeout),
            metrics.clone(),
        ));
        (Self { calls, metrics }, replied, worker)
    }

    /// Queues a call to every bot `message` (just stored in `room`, posted by `poster`)
    /// is for: those it mentions that may read the room, and a direct conversation's bots.
    /// Never waits.
    pub fn offer(
        &self,
        message: &Message,
        room: &Room,
        poster: Option<&Account>,
        directory: &Directory,
    ) {
        if poster.is_some_and(|p| p.bot) {
            return;
        }
        for (target, reason) in targets(message, room, poster, directory) {
            let call = WebhookCall {
                bot: target.username.clone(),
                reason,
                room: WebhookRoom {
                    id: room.id,
                    name: room.name.clone(),
                    kind: room.kind,
                },
                message: message.clone(),
            };
            let Ok(body) = serde_json::to_vec(&call) else {
                continue;
            };
            let call = Call {
                target,
                room: room.id,
                body,
            };
            if let Err(err) = self.calls.try_send(call) {
                let bot = match &err {
                    mpsc::error::TrySendError::Full(c) | mpsc::error::TrySendError::Closed(c) => {
                        c.target.username.clone()
                    }
                };
                tracing::warn!(%bot, "webhook queue full: call dropped");
                self.metrics.webhook("dropped");
            }
        }
    }
}

/// The bots `message` calls, each once: mentioned ones that may read `room` (a mention of
/// a bot outside a closed room does not show it the message), then, in a direct room,
/// its other bots.
fn targets(
    message: &Message,
    room: &Room,
    poster: Option<&Account>,
    directory: &Directory,
) -> Vec<(BotTarget, WebhookReason)> {
    let mentioned = message
        .mentions
        .iter()
        .filter_map(|name| directory.account_named(name))
        .filter(|a| a.bot && room.readable_by(a.id))
        .map(|a| (a.id, WebhookReason::Mention));
    let direct = (room.kind == RoomKind::Direct)
        .then(|| room.members.iter().copied())
        .into_iter()
        .flatten()
        .filter(|id| poster.is_none_or(|p| p.id != *id))
        .map(|id| (id, WebhookReason::Direct));
    let mut found: Vec<(BotTarget, WebhookReason)> = Vec::new();
    for (id, reason) in mentioned.chain(direct) {
        if found.iter().any(|(t, _)| t.id == id) {
            continue;
        }
        if let Some(target) = directory.bot_target(id) {
            found.push((target, reason));
        }
    }
    found
}

/// The worker: takes calls off the queue and makes each on its own task, at most
/// [`CONCURRENT`] at once.
async fn work(
    mut queue: mpsc::Receiver<Call>,
    replies: mpsc::Sender<Reply>,
    client: reqwest::Client,
    metrics: Arc<Metrics>,
) {
    let slots = Arc::new(Semaphore::new(CONCURRENT));
    while let Some(call) = queue.recv().await {
        let Ok(slot) = slots.clone().acquire_owned().await else {
            return;
        };
        let (client, metrics, replies) = (client.clone(), metrics.clone(), replies.clone());
        tokio::spawn(async move {
            let outcome = delivery::deliver(&client, &call.target, &call.body).await;
            drop(slot);
            metrics.webhook(outcome.label());
            match outcome {
                delivery::Outcome::Delivered(Some(text)) => {
                    let reply = Reply {
                        bot: call.target.id,
                        room: call.room,
                        text,
                    };
                    if replies.try_send(reply).is_err() {
                        tracing::warn!(bot = %call.target.username, "webhook reply dropped: too many waiting");
                    }
                }
                delivery::Outcome::Delivered(None) => {}
                delivery::Outcome::Refused(why) | delivery::Outcome::Failed(why) => {
                    tracing::warn!(bot = %call.target.username, reason = %why, "webhook not delivered");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Entry, Event, Record};
    use std::collections::BTreeSet;

    fn directory() -> Directory {
        let entry = |id: u64, event: Event| Entry {
            id,
            time: 1,
            record: Record::Event(event),
        };
        Directory::new(
            &[
                entry(
                    1,
                    Event::BotCreated {
                        username: "hooked".into(),
                        display_name: "Hooked".into(),
                        created_by: 0,
                        webhook_url: Some("http://127.0.0.1:9/h".into()),
                        token: "k".into(),
                    },
                ),
                entry(
                    2,
                    Event::BotCreated {
                        username: "silent".into(),
                        display_name: "Silent".into(),
                        created_by: 0,
                        webhook_url: None,
                        token: "k2".into(),
                    },
                ),
            ],
            2,
        )
    }

    fn room(kind: RoomKind, members: &[AccountId]) -> Room {
        Room {
            id: 9,
            kind,
            name: "r".into(),
            members: std::sync::Arc::new(members.iter().copied().collect::<BTreeSet<_>>()),
            created_by: 0,
            archived: false,
            last_id: 0,
        }
    }

    fn mentioning(names: &[&str]) -> Message {
        Message {
            id: 5,
            text: "hi".into(),
            mentions: names.iter().map(|n| (*n).to_owned()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn only_bots_with_a_webhook_that_may_read_the_room_are_called_each_once() {
        let dir = directory();
        let ids = |found: Vec<(BotTarget, WebhookReason)>| {
            found
                .into_iter()
                .map(|(t, r)| (t.id, r))
                .collect::<Vec<_>>()
        };
        let open = room(RoomKind::Open, &[]);
        let both = mentioning(&["hooked", "silent", "hooked"]);
        assert_eq!(
            ids(targets(&both, &open, None, &dir)),
            [(1, WebhookReason::Mention)]
        );
        let closed = room(RoomKind::Closed, &[7]);
        assert!(
            targets(&both, &closed, None, &dir).is_empty(),
            "not a member"
        );
        let direct = room(RoomKind::Direct, &[1, 7]);
        assert_eq!(
            ids(targets(&mentioning(&[]), &direct, None, &dir)),
            [(1, WebhookReason::Direct)]
        );
        assert_eq!(
            ids(targets(&both, &direct, None, &dir)),
            [(1, WebhookReason::Mention)],
            "once, for the first reason"
        );
    }

    #[tokio::test]
    async fn a_full_queue_drops_the_call_and_counts_it_without_waiting() {
        let metrics = Arc::new(Metrics::new());
        let (calls, mut queue) = mpsc::channel(1);
        let webhooks = Webhooks {
            calls,
            metrics: metrics.clone(),
        };
        let dir = directory();
        let open = room(RoomKind::Open, &[]);
        let message = mentioning(&["hooked"]);
        webhooks.offer(&message, &open, None, &dir);
        webhooks.offer(&message, &open, None, &dir);
        assert_eq!(metrics.webhooks("dropped"), 1);
        let queued = queue.try_recv().expect("the first call is queued");
        let call: WebhookCall = serde_json::from_slice(&queued.body).unwrap();
        assert_eq!((call.bot.as_str(), call.room.id), ("hooked", 9));
        // A bot's own post calls nobody.
        let bot = dir.bot(1);
        webhooks.offer(&message, &open, bot.as_ref(), &dir);
        assert!(queue.try_recv().is_err());
    }
}
