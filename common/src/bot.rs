//! Bots on the wire: the `/api/bots` bodies an admin sends and gets, and the JSON a bot's
//! outgoing webhook receives and may answer.
//!
//! A bot is an account of kind bot: it never signs in with a password; it posts with its
//! API token (`Authorization: Bearer TOKEN`), which is shown once and stored only hashed.

use crate::room::{RoomId, RoomKind};
use crate::Message;
use serde::{Deserialize, Serialize};

/// Longest webhook URL, in bytes.
pub const WEBHOOK_URL_MAX_BYTES: usize = 2048;

/// The headers a webhook request carries: when it was signed (Unix seconds), and
/// `sha256=HEX` of HMAC-SHA256 over `TIMESTAMP.BODY` (see `docs/API.md`, "Bots").
pub const TIMESTAMP_HEADER: &str = "x-h2chat-timestamp";
pub const SIGNATURE_HEADER: &str = "x-h2chat-signature";

/// `POST /api/bots` (admins).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewBot {
    pub username: String,
    /// Defaults to the username.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `http://` or `https://`: where mentions and direct messages are sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
}

/// A bot's new API token, shown this once (`POST /api/bots`, `POST /api/bots/{id}/token`).
/// The same token, hashed, keys its webhook signatures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotToken {
    pub id: u64,
    pub username: String,
    pub token: String,
}

/// A bot as `GET /api/bots` lists it: never its token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BotView {
    pub id: u64,
    pub username: String,
    pub display_name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_url: Option<String>,
    /// False once an admin deactivated the account.
    pub active: bool,
    /// False once its token was revoked (until a new one is made).
    pub has_token: bool,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
}

/// Why a webhook is called.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WebhookReason {
    /// The message says `@bot`.
    Mention,
    /// The message was posted in a direct conversation the bot is part of.
    Direct,
}

/// The room a webhook's message was posted in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookRoom {
    pub id: RoomId,
    pub name: String,
    pub kind: RoomKind,
}

/// The JSON body a bot's webhook receives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookCall {
    /// The bot's username.
    pub bot: String,
    pub reason: WebhookReason,
    pub room: WebhookRoom,
    pub message: Message,
}

/// What a webhook may answer (200, JSON): `text` is posted as the bot in the same room.
/// Any other answer posts nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookReply {
    pub text: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_bot_needs_only_a_username_and_refuses_unknown_fields() {
        let bot: NewBot = serde_json::from_str(r#"{"username":"helper"}"#).unwrap();
        assert_eq!(
            bot,
            NewBot {
                username: "helper".into(),
                display_name: None,
                webhook_url: None
            }
        );
        assert!(serde_json::from_str::<NewBot>(r#"{"username":"h","token":"x"}"#).is_err());
    }

    #[test]
    fn a_webhook_call_has_the_documented_shape() {
        let call = WebhookCall {
            bot: "helper".into(),
            reason: WebhookReason::Mention,
            room: WebhookRoom {
                id: 5,
                name: "plans".into(),
                kind: RoomKind::Closed,
            },
            message: Message {
                id: 9,
                user: "Ann".into(),
                text: "@helper hi".into(),
                time: 1,
                account: Some("ann".into()),
                room: 5,
                mentions: vec!["helper".into()],
                ..Default::default()
            },
        };
        let json = serde_json::to_value(&call).unwrap();
        assert_eq!(json["reason"], "mention");
        assert_eq!(json["room"]["kind"], "closed");
        assert_eq!(json["message"]["account"], "ann");
        assert_eq!(json["message"]["text"], "@helper hi");
        assert_eq!(
            serde_json::from_value::<WebhookCall>(json).unwrap(),
            call,
            "round trip"
        );
        let reply: WebhookReply = serde_json::from_str(r#"{"text":"hello"}"#).unwrap();
        assert_eq!(reply.text, "hello");
    }
}
