//! One webhook call: the signed POST, its bounded retries, the redirect rule, and the reply.
//!
//! - Each attempt has the whole timeout (`--webhook-timeout-secs`, 7 s by default) from
//!   connecting to the last byte of the answer.
//! - A connection error, a timeout or a 5xx answer is tried again, at most
//!   [`ATTEMPTS`] times in all, waiting [`FIRST_BACKOFF`] and then twice as long each time.
//!   A 4xx answer is the receiver's "no": it is not tried again.
//! - Redirects are followed only to the same origin (scheme, host and port), at most
//!   [`MAX_REDIRECTS`] times; a redirect elsewhere is not followed and counts as refused,
//!   so a receiver cannot point the server at another host.
//! - A 2xx answer whose body is JSON `{"text": "..."}` (at most [`REPLY_MAX_BYTES`]) is the
//!   bot's reply; any other body is ignored.

use super::signature::sign;
use crate::accounts::BotTarget;
use crate::clock::now_ms;
use common::bot::{WebhookReply, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use reqwest::redirect::{Attempt, Policy};
use reqwest::{Client, Response};
use std::time::Duration;

/// Attempts per call, the first included.
pub const ATTEMPTS: u32 = 3;
/// The wait before the second attempt; it doubles before each next one.
pub const FIRST_BACKOFF: Duration = Duration::from_millis(500);
/// Same-origin redirects followed per attempt.
pub const MAX_REDIRECTS: usize = 3;
/// Largest answer body read for a reply.
pub const REPLY_MAX_BYTES: usize = 64 * 1024;

/// How a call ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// 2xx; with the reply's text, if it had one.
    Delivered(Option<String>),
    /// 4xx, or a redirect to another origin: not tried again.
    Refused(String),
    /// Every attempt failed (connection, timeout, 5xx).
    Failed(String),
}

impl Outcome {
    /// The `outcome` label of `h2chat_webhooks_total`.
    pub fn label(&self) -> &'static str {
        match self {
            Self::Delivered(_) => "delivered",
            Self::Refused(_) => "refused",
            Self::Failed(_) => "failed",
        }
    }
}

/// The webhook client: `timeout` per attempt, same-origin redirects only.
pub fn client(timeout: Duration) -> Client {
    Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(Policy::custom(same_origin_only))
        .user_agent(concat!("h2chat-webhook/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_else(|err| {
            // Only a TLS backend that cannot start fails here; without it no call could go.
            tracing::error!(error = %err, "cannot build the webhook client; using defaults");
            Client::new()
        })
}

fn same_origin_only(attempt: Attempt) -> reqwest::redirect::Action {
    let Some(first) = attempt.previous().first() else {
        return attempt.stop();
    };
    if attempt.previous().len() > MAX_REDIRECTS {
        return attempt.stop();
    }
    if first.origin() == attempt.url().origin() {
        attempt.follow()
    } else {
        attempt.stop()
    }
}

/// Sends `body` to `target`, signed, with bounded retries; returns how it ended.
pub async fn deliver(client: &Client, target: &BotTarget, body: &[u8]) -> Outcome {
    let mut backoff = FIRST_BACKOFF;
    let mut why = String::new();
    for attempt in 1..=ATTEMPTS {
        let timestamp = now_ms() / 1000;
        let sent = client
            .post(&target.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(TIMESTAMP_HEADER, timestamp.to_string())
            .header(SIGNATURE_HEADER, sign(&target.key, timestamp, body))
            .body(body.to_vec())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                return Outcome::Delivered(reply_of(response).await);
            }
            Ok(response) if response.status().is_redirection() => {
                return Outcome::Refused(format!(
                    "redirect not followed (to another origin, or too many) ({})",
                    response.status()
                ));
            }
            Ok(response) if response.status().is_client_error() => {
                return Outcome::Refused(format!("answered {}", response.status()));
            }
            Ok(response) => why = format!("answered {}", response.status()),
            Err(err) if err.is_timeout() => why = "timed out".into(),
            Err(err) => why = format!("cannot reach it: {err}"),
        }
        tracing::info!(bot = %target.username, attempt, reason = %why, "webhook attempt failed");
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    Outcome::Failed(why)
}

/// The reply text of a 2xx answer: JSON `{"text": "..."}`, not blank, read whole only up
/// to [`REPLY_MAX_BYTES`].
async fn reply_of(mut response: Response) -> Option<String> {
    let is_json = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("json"));
    if !is_json {
        return None;
    }
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        if body.len() + chunk.len() > REPLY_MAX_BYTES {
            return None;
        }
        body.extend_from_slice(&chunk);
    }
    let reply: WebhookReply = serde_json::from_slice(&body).ok()?;
    Some(reply.text).filter(|text| !text.trim().is_empty())
}
