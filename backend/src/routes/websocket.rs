//! `GET /msgs/ws`: the same deltas as WebSocket text frames; clients may also send messages
//! over the socket, validated and stored exactly like `POST /msgs`.
//!
//! One task per socket moves three things: queued events out, client frames in, and a
//! ping every heartbeat interval. A peer that misses two pings, or stays unwritable for
//! [`SEND_TIMEOUT`], is closed; a peer that falls behind is cut by the registry like any
//! stream (its queue closes) and gets a close frame telling it to reconnect.

use crate::error::ApiError;
use crate::hub::{Hub, Subscribe, Subscription};
use crate::limits::{client_ip, PostLimiter};
use crate::registry::Mode;
use crate::routes::events::{resume_point, ResumeQuery};
use crate::store::Store;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use bytestring::ByteString;
use common::validation::BODY_LIMIT_BYTES;
use common::{NewMessage, WsReply};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a single frame may wait for the peer to accept it.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Seconds between pings; set from `--heartbeat-secs` at start-up.
#[derive(Debug, Clone, Copy)]
pub struct PingEvery(pub Duration);

pub async fn websocket(
    req: HttpRequest,
    body: web::Payload,
    hub: web::Data<Hub>,
    store: web::Data<Store>,
    ping: web::Data<PingEvery>,
    limiter: web::Data<PostLimiter>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    let since = resume_point(&req, &query)?;
    let peer = client_ip(&req);
    let (response, session, messages) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("expected a WebSocket upgrade: {e}")))?;
    let hub = hub.into_inner();
    let subscription = hub.subscribe(
        Subscribe::Since {
            since,
            epoch: query.into_inner().epoch,
            format: Mode::Ws,
        },
        peer,
    )?;
    // Frames a little over the body limit still arrive, so they can be refused politely.
    let messages = messages
        .max_frame_size(4 * BODY_LIMIT_BYTES)
        .aggregate_continuations()
        .max_continuation_size(4 * BODY_LIMIT_BYTES);
    let sender = Sender {
        store: store.get_ref().clone(),
        limiter: limiter.into_inner(),
        peer,
    };
    actix_web::rt::spawn(run(session, messages, subscription, sender, hub, ping.0));
    Ok(response)
}

/// What a message sent over the socket needs: the store, and the poster's rate budget.
struct Sender {
    store: Store,
    limiter: Arc<PostLimiter>,
    peer: Option<std::net::IpAddr>,
}

async fn run(
    mut session: Session,
    mut messages: actix_ws::AggregatedMessageStream,
    mut subscription: Subscription,
    sender: Sender,
    hub: Arc<Hub>,
    ping_every: Duration,
) {
    let mut pings = tokio::time::interval_at(tokio::time::Instant::now() + ping_every, ping_every);
    let mut last_pong = Instant::now();
    let reason = loop {
        tokio::select! {
            line = subscription.rx.recv() => match line {
                Some(line) => {
                    // SAFETY: every queued line is JSON written by serde_json: valid UTF-8.
                    let text = unsafe { ByteString::from_bytes_unchecked(line) };
                    match tokio::time::timeout(SEND_TIMEOUT, session.text(text)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => break None,
                        Err(_) => break Some(close(CloseCode::Policy, "not reading: reconnect and resume")),
                    }
                }
                None if hub.is_closed() => break Some(close(CloseCode::Away, "server shutting down")),
                None => break Some(close(CloseCode::Policy, "too slow: reconnect and resume")),
            },
            frame = messages.next() => match frame {
                Some(Ok(AggregatedMessage::Text(text))) => {
                    let reply = post(&sender, text.as_bytes()).await;
                    if session.text(reply).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(AggregatedMessage::Binary(bytes))) => {
                    let reply = post(&sender, &bytes).await;
                    if session.text(reply).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(AggregatedMessage::Ping(bytes))) => {
                    if session.pong(&bytes).await.is_err() {
                        break None;
                    }
                }
                Some(Ok(AggregatedMessage::Pong(_))) => last_pong = Instant::now(),
                Some(Ok(AggregatedMessage::Close(_))) | None => break None,
                Some(Err(err)) => {
                    tracing::info!(error = %err, "websocket protocol error");
                    break Some(close(CloseCode::Protocol, "protocol error"));
                }
            },
            _ = pings.tick() => {
                if last_pong.elapsed() > 2 * ping_every {
                    break Some(close(CloseCode::Away, "no pong: connection presumed dead"));
                }
                if session.ping(b"").await.is_err() {
                    break None;
                }
            }
        }
    };
    if let Some(reason) = &reason {
        tracing::info!(client = subscription.registration.id(), reason = ?reason.description, "closing websocket");
    }
    let _ = session.close(reason).await;
}

fn close(code: CloseCode, description: &str) -> CloseReason {
    CloseReason {
        code,
        description: Some(description.to_owned()),
    }
}

/// Validates and stores a message sent over the socket, like `POST /msgs` (same rate
/// budget, same rules, same error texts).
async fn post(sender: &Sender, frame: &[u8]) -> String {
    let checked = sender
        .limiter
        .check(sender.peer)
        .map_err(|e| e.to_string())
        .and_then(|()| parse(frame));
    let reply = match checked {
        Err(error) => WsReply::Error { error },
        Ok(valid) => match sender.store.append(valid).await {
            Ok(msg) => WsReply::Posted { msg },
            Err(err) => WsReply::Error {
                error: err.to_string(),
            },
        },
    };
    if let WsReply::Error { error } = &reply {
        tracing::info!(%error, "websocket message rejected");
    }
    serde_json::to_string(&reply).unwrap_or_default()
}

fn parse(frame: &[u8]) -> Result<common::ValidNewMessage, String> {
    if frame.len() > BODY_LIMIT_BYTES {
        return Err(ApiError::TooLarge {
            limit: BODY_LIMIT_BYTES,
        }
        .to_string());
    }
    let message: NewMessage =
        serde_json::from_slice(frame).map_err(|e| format!("invalid JSON body: {e}"))?;
    message.validate().map_err(|e| e.to_string())
}
