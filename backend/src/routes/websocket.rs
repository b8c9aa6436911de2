//! `GET /msgs/ws` (the lobby) and `GET /api/stream/ws` (every room the reader may read): the
//! same deltas as WebSocket text frames; clients may also send messages over the socket,
//! which take the same way in as `POST /msgs` (the post pipeline). On `/api/stream/ws` a
//! frame names its room (`{"room": ID, "text": ...}`, the lobby if left out).
//!
//! One task per socket moves three things: queued events out, client frames in, and a
//! ping every heartbeat interval. A peer that misses two pings, or stays unwritable for
//! [`SEND_TIMEOUT`], is closed; a peer that falls behind is cut by the registry like any
//! stream (its queue closes) and gets a close frame telling it to reconnect.

use super::resume::ResumeQuery;
use crate::auth::{Caller, Reader};
use crate::error::ApiError;
use crate::hub::{Hub, Scope, Subscribe, Subscription};
use crate::limits::client_ip;
use crate::post_pipeline::PostPipeline;
use crate::routes::marks::refresh_marks;
use actix_web::{web, HttpRequest, HttpResponse};
use actix_ws::{AggregatedMessage, CloseCode, CloseReason, Session};
use bytestring::ByteString;
use common::room::{RoomId, LOBBY};
use common::validation::BODY_LIMIT_BYTES;
use common::WsReply;
use futures_util::StreamExt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Longest a single frame may wait for the peer to accept it.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);

/// Seconds between pings; set from `--heartbeat-secs` at start-up.
#[derive(Debug, Clone, Copy)]
pub struct PingEvery(pub Duration);

/// What a socket carries and where its frames go.
pub struct Door {
    scope: Scope,
    room: Option<RoomId>,
}

/// `GET /msgs/ws`: the lobby.
pub async fn websocket(
    req: HttpRequest,
    body: web::Payload,
    hub: web::Data<Hub>,
    pipeline: web::Data<PostPipeline>,
    reader: Reader,
    ping: web::Data<PingEvery>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    let door = Door {
        scope: Scope::Lobby,
        room: Some(LOBBY),
    };
    open(req, body, hub, pipeline, reader, ping, query, door)
}

/// `GET /api/stream/ws`: every room the reader may read.
pub async fn room_websocket(
    req: HttpRequest,
    body: web::Payload,
    hub: web::Data<Hub>,
    pipeline: web::Data<PostPipeline>,
    reader: Reader,
    ping: web::Data<PingEvery>,
    query: web::Query<ResumeQuery>,
) -> Result<HttpResponse, ApiError> {
    let door = Door {
        scope: Scope::Rooms,
        room: None,
    };
    refresh_marks(&req, &hub, &reader).await;
    open(req, body, hub, pipeline, reader, ping, query, door)
}

#[allow(clippy::too_many_arguments)]
fn open(
    req: HttpRequest,
    body: web::Payload,
    hub: web::Data<Hub>,
    pipeline: web::Data<PostPipeline>,
    reader: Reader,
    ping: web::Data<PingEvery>,
    query: web::Query<ResumeQuery>,
    door: Door,
) -> Result<HttpResponse, ApiError> {
    let since = query.into_inner().resume_point(&req)?;
    let peer = client_ip(&req);
    let (response, session, messages) = actix_ws::handle(&req, body)
        .map_err(|e| ApiError::BadRequest(format!("expected a WebSocket upgrade: {e}")))?;
    let hub = hub.into_inner();
    let subscription = hub.subscribe(Subscribe::Ws(since), door.scope, peer, reader.owner)?;
    // Frames a little over the body limit still arrive, so they can be refused politely.
    let messages = messages
        .max_frame_size(4 * BODY_LIMIT_BYTES)
        .aggregate_continuations()
        .max_continuation_size(4 * BODY_LIMIT_BYTES);
    let sender = Sender {
        pipeline: pipeline.into_inner(),
        peer,
        caller: reader.caller,
        room: door.room,
    };
    actix_web::rt::spawn(run(session, messages, subscription, sender, hub, ping.0));
    Ok(response)
}

/// Who sends what arrives over the socket, and where it goes in.
struct Sender {
    pipeline: Arc<PostPipeline>,
    peer: Option<IpAddr>,
    /// Who opened the socket: its frames are posted as that account (or guest).
    caller: Caller,
    /// Where its frames go: the lobby (`/msgs/ws`), or `None`: where each frame says.
    room: Option<RoomId>,
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

/// A message sent over the socket, through the post pipeline: the reply frame says what
/// `POST /msgs` would have answered.
async fn post(sender: &Sender, frame: &[u8]) -> String {
    let reply = match sender
        .pipeline
        .accept_frame(sender.peer, &sender.caller, frame, sender.room)
        .await
    {
        Ok(msg) => WsReply::Posted { msg },
        Err(err) => WsReply::Error {
            error: err.to_string(),
        },
    };
    serde_json::to_string(&reply).unwrap_or_default()
}
