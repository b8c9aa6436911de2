//! One way in for every message, whatever the door: `POST /msgs` and a frame sent over the
//! WebSocket both go through the same steps ([`PostPipeline`]), so they share the size limit, the
//! JSON shape, the rate budget, the validation rules, the store, the error texts and the
//! `h2chat_messages_{accepted,rejected}_total` counts.
//!
//! The order is the same for both doors: size, JSON, rate limit, room, validation,
//! mentions (parsed here, once, so both doors store the same), store (HTTP checks its
//! content type first). A body that is not even a message does not spend
//! its sender's budget. A room the sender may not read is "not found", whatever the door.

use crate::accounts::Accounts;
use crate::auth::{not_signed_in, Caller};
use crate::clock::now_ms;
use crate::error::ApiError;
use crate::guest_origins::GuestOrigins;
use crate::limits::{client_ip, PostLimiter};
use crate::mentions::address;
use crate::metrics::{Metrics, Rejection};
use crate::rooms::Rooms;
use crate::store::{NewPost, Store};
use crate::webhooks::{Reply, Webhooks};
use actix_web::http::header;
use actix_web::mime;
use actix_web::{web, HttpRequest};
use common::moderation::GuestBan;
use common::room::RoomId;
use common::validation::{MessageText, BODY_LIMIT_BYTES};
use common::{Message, NewMessage};
use futures_util::StreamExt;
use std::net::IpAddr;
use std::sync::Arc;

/// Everything a message needs on its way in. One per server, shared by every worker.
pub struct PostPipeline {
    store: Store,
    limiter: Arc<PostLimiter>,
    metrics: Arc<Metrics>,
    accounts: Arc<Accounts>,
    rooms: Arc<Rooms>,
    origins: Arc<GuestOrigins>,
    webhooks: Webhooks,
}

impl PostPipeline {
    pub fn new(
        store: Store,
        limiter: Arc<PostLimiter>,
        metrics: Arc<Metrics>,
        accounts: Arc<Accounts>,
        rooms: Arc<Rooms>,
        origins: Arc<GuestOrigins>,
        webhooks: Webhooks,
    ) -> Self {
        Self {
            store,
            limiter,
            metrics,
            accounts,
            rooms,
            origins,
            webhooks,
        }
    }

    /// A bot's webhook reply: posted as the bot, through the same steps as any post (its
    /// rate budget, validation, the room's access rule). Nothing is posted when the bot
    /// was deactivated or lost its token meanwhile.
    pub async fn accept_reply(&self, reply: Reply) -> Result<Message, ApiError> {
        let Some(bot) = self.accounts.bot_poster(reply.bot) else {
            return Err(ApiError::Unauthorized(
                "this bot is deactivated or has no token".into(),
            ));
        };
        let body = serde_json::to_vec(&serde_json::json!({ "text": reply.text }))
            .map_err(|e| ApiError::BadRequest(e.to_string()))?;
        let caller = Caller::Account(Box::new(bot));
        let outcome = self
            .store_message(None, &caller, &body, Some(reply.room))
            .await;
        self.count(&outcome);
        outcome
    }

    /// `POST /msgs` (`room`: the lobby) and `POST /api/rooms/{id}/msgs`: a JSON body
    /// `{"user": …, "text": …}` (`user` only counts for guests). Returns the message
    /// stored, with its id, or why not. Every outcome is counted.
    pub async fn accept_post(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        caller: &Caller,
        room: RoomId,
    ) -> Result<Message, ApiError> {
        let outcome = match read_json_body(req, payload).await {
            Ok(body) => {
                self.store_message(client_ip(req), caller, &body, Some(room))
                    .await
            }
            Err(error) => Err(error),
        };
        self.count(&outcome);
        outcome
    }

    /// A text or binary frame sent by `ip` over the WebSocket: the same JSON as a post body,
    /// the same outcome. `room`: where the door posts (`/msgs/ws`: the lobby), or `None`
    /// where the frame names its room (`/api/stream/ws`).
    pub async fn accept_frame(
        &self,
        ip: Option<IpAddr>,
        caller: &Caller,
        frame: &[u8],
        room: Option<RoomId>,
    ) -> Result<Message, ApiError> {
        let outcome = self.store_message(ip, caller, frame, room).await;
        self.count(&outcome);
        outcome
    }

    async fn store_message(
        &self,
        ip: Option<IpAddr>,
        caller: &Caller,
        body: &[u8],
        room: Option<RoomId>,
    ) -> Result<Message, ApiError> {
        if body.len() > BODY_LIMIT_BYTES {
            return Err(ApiError::TooLarge {
                limit: BODY_LIMIT_BYTES,
            });
        }
        let message: NewMessage = serde_json::from_slice(body)
            .map_err(|e| ApiError::BadRequest(format!("invalid JSON body: {e}")))?;
        // A bot spends its account's budget alone: bots often share an address (the host
        // they run on) with each other and with people.
        let account = caller.signed().map(|s| s.account.id);
        let from = ip.filter(|_| !caller.signed().is_some_and(|s| s.account.bot));
        self.limiter.check(from, account)?;
        let room = room.unwrap_or(message.room);
        let Some(found) = self.rooms.readable(room, account) else {
            return Err(ApiError::NotFound(format!("no room {room}")));
        };
        if found.archived {
            return Err(ApiError::archived(&found.name));
        }
        let mut post = match caller.signed() {
            // The account speaks, whatever `user` says.
            Some(signed) => NewPost {
                user: signed.account.display_name.clone(),
                text: MessageText::parse(&message.text)?.into_inner(),
                account: Some(signed.account.username.clone()),
                guest: false,
                room,
                mentions: Vec::new(),
                here: false,
            },
            None => self.guest_post(ip, message)?,
        };
        let poster = caller.signed().map(|s| &s.account);
        let addressed = address(&post.text, &found, poster, self.accounts.directory())?;
        post.mentions = addressed.mentions;
        post.here = addressed.here;
        let message = self.store.post(post).await?;
        if let (true, Some(ip)) = (message.guest, ip) {
            self.origins.remember(message.id, ip).await;
        }
        self.webhooks
            .offer(&message, &found, poster, self.accounts.directory());
        Ok(message)
    }

    /// A guest's post: allowed when guests are, from an address not banned, under any name
    /// but a registered username (compared ignoring case and look-alike characters).
    fn guest_post(&self, ip: Option<IpAddr>, message: NewMessage) -> Result<NewPost, ApiError> {
        if !self.accounts.guests {
            return Err(not_signed_in());
        }
        let directory = self.accounts.directory();
        if let Some(ban) = ip.and_then(|ip| directory.ban_on(ip, now_ms())) {
            return Err(ApiError::Forbidden(banned(&ban)));
        }
        let valid = message.validate()?;
        if self
            .accounts
            .directory()
            .account_named(valid.user.as_str())
            .is_some()
        {
            return Err(ApiError::Conflict(format!(
                "{:?} is the name of an account: sign in to use it, or choose another name",
                valid.user.as_str()
            )));
        }
        Ok(NewPost {
            user: valid.user.into_inner(),
            text: valid.text.into_inner(),
            account: None,
            guest: true,
            room: common::room::LOBBY,
            mentions: Vec::new(),
            here: false,
        })
    }

    fn count(&self, outcome: &Result<Message, ApiError>) {
        let error = match outcome {
            Ok(_) => {
                self.metrics.accepted.inc();
                return;
            }
            Err(error) => error,
        };
        let reason = match error {
            ApiError::Invalid(_) => Rejection::Invalid,
            ApiError::TooLarge { .. } => Rejection::TooLarge,
            ApiError::UnsupportedMediaType => Rejection::ContentType,
            ApiError::TooManyRequests { .. } => Rejection::RateLimited,
            ApiError::Store(_) | ApiError::Unavailable(_) => Rejection::StoreUnavailable,
            ApiError::Unauthorized(_) | ApiError::Forbidden(_) | ApiError::NotFound(_) => {
                Rejection::NotAllowed
            }
            ApiError::Conflict(_) => Rejection::NameTaken,
            ApiError::BadRequest(_) | ApiError::MethodNotAllowed { .. } => Rejection::BadBody,
        };
        self.metrics.rejected(reason);
        match reason {
            Rejection::StoreUnavailable => tracing::warn!(%error, "message not stored"),
            _ => tracing::info!(%error, "message refused"),
        }
    }
}

/// What a banned guest is told: until when, and why if the admin said.
fn banned(ban: &GuestBan) -> String {
    let until = std::time::UNIX_EPOCH + std::time::Duration::from_millis(ban.until);
    let mut text = format!(
        "guests from your address may not post until {}",
        httpdate::fmt_http_date(until)
    );
    if !ban.reason.is_empty() {
        text.push_str(&format!(": {}", ban.reason));
    }
    text
}

/// The body of an HTTP post, read whole if it is JSON and not larger than a message may be.
async fn read_json_body(
    req: &HttpRequest,
    mut payload: web::Payload,
) -> Result<web::BytesMut, ApiError> {
    let is_json = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<mime::Mime>().ok())
        .is_some_and(|m| m.subtype() == mime::JSON || m.suffix() == Some(mime::JSON));
    if !is_json {
        return Err(ApiError::UnsupportedMediaType);
    }
    let too_large = ApiError::TooLarge {
        limit: BODY_LIMIT_BYTES,
    };
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if announced.is_some_and(|len| len > BODY_LIMIT_BYTES) {
        return Err(too_large);
    }
    let mut body = web::BytesMut::with_capacity(announced.unwrap_or(256));
    while let Some(chunk) = payload.next().await {
        let chunk =
            chunk.map_err(|e| ApiError::BadRequest(format!("cannot read request body: {e}")))?;
        if body.len() + chunk.len() > BODY_LIMIT_BYTES {
            return Err(too_large);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}
