//! The `/api/bots` endpoints (admins), one function per endpoint, with the server's
//! `{"error": ...}` text when it refuses.

use crate::account_api::{encode, get, no_content, send};
use common::bot::{BotToken, BotView, NewBot};
use gloo_net::http::Method;

/// `POST /api/bots`: the new bot and its token, shown once.
pub async fn create_bot(bot: &NewBot) -> Result<BotToken, String> {
    send(Method::POST, "/api/bots", encode(bot)).await
}

/// `GET /api/bots`: every bot, without tokens.
pub async fn bots() -> Result<Vec<BotView>, String> {
    get("/api/bots").await
}

/// `POST /api/bots/{id}/token`: a new token, shown once; the old one stops working.
pub async fn rotate_token(id: u64) -> Result<BotToken, String> {
    send(Method::POST, &format!("/api/bots/{id}/token"), None).await
}

/// `DELETE /api/bots/{id}/token`: the bot can no longer post.
pub async fn revoke_token(id: u64) -> Result<(), String> {
    no_content(Method::DELETE, &format!("/api/bots/{id}/token"), None).await
}
