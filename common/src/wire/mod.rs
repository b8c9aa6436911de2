//! JSON shapes exchanged on `/msgs`. `docs/PROTOCOL.md` describes them for humans.

use crate::reaction::Reaction;
use crate::room::{RoomId, RoomSummary, LOBBY};
use serde::{Deserialize, Serialize};

/// How a client reads the chat: the one name for the wire format of an open stream, used by
/// the server's registry and metrics (`h2chat_streams{transport}`), the page's
/// `?transport=` and the load tool's `--transport`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// The course's contract, plain `GET /msgs`: every line is the whole recent window.
    Window,
    /// Our protocol on the same HTTP/2 response, `GET /msgs?since=ID`: a `hello`, then only
    /// what is new, one JSON event per line.
    Stream,
    /// The same events as Server-Sent Events, `GET /msgs/events`.
    Sse,
    /// The same events as WebSocket text frames, `/msgs/ws` (which also takes posts).
    Ws,
}

impl Transport {
    pub const ALL: [Transport; 4] = [Self::Window, Self::Stream, Self::Sse, Self::Ws];

    /// The short name: `window`, `stream`, `sse` or `ws`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Window => "window",
            Self::Stream => "stream",
            Self::Sse => "sse",
            Self::Ws => "ws",
        }
    }

    /// The inverse of [`Transport::name`].
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }

    /// What a person reads, e.g. in the page's header.
    pub fn label(self) -> &'static str {
        match self {
            Self::Window => "HTTP/2 stream (whole window)",
            Self::Stream => "HTTP/2 stream",
            Self::Sse => "Server-Sent Events",
            Self::Ws => "WebSocket",
        }
    }
}

/// A stored chat message, the same on every line shape.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Assigned by the server, strictly increasing within one epoch.
    pub id: u64,
    /// The name shown: an account's display name, or the name a guest typed.
    pub user: String,
    pub text: String,
    /// Milliseconds since the Unix epoch, set by the server when it accepted the message.
    pub time: u64,
    /// The author's username, when a signed-in account posted it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// Posted without an account: by a guest (or before accounts existed). Such a `user`
    /// is only what its author typed.
    #[serde(default, skip_serializing_if = "is_false")]
    pub guest: bool,
    /// The room it was posted in; left out for the lobby, so the course's lines keep their
    /// shape.
    #[serde(default, skip_serializing_if = "is_lobby")]
    pub room: RoomId,
    /// Usernames the text mentions (`@ann`), as the server parsed them: lowercase, each once,
    /// only accounts that exist. Left out when there are none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mentions: Vec<String>,
    /// The text says `@here`: it is meant for every member online when it was posted.
    #[serde(default, skip_serializing_if = "is_false")]
    pub here: bool,
    /// Its author changed the text after posting (`text` is the latest). Left out when
    /// not, so an unedited message keeps the course's shape.
    #[serde(default, skip_serializing_if = "is_false")]
    pub edited: bool,
    /// Deleted by its author or a moderator: `text` is empty and `mentions` none; shown as
    /// "message deleted". Left out when not.
    #[serde(default, skip_serializing_if = "is_false")]
    pub deleted: bool,
    /// Who reacted with which emoji ([`crate::reaction`]), each emoji in the order it was
    /// first added. Left out when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
}

fn is_lobby(room: &RoomId) -> bool {
    *room == LOBBY
}

fn is_false(value: &bool) -> bool {
    !value
}

fn yes() -> bool {
    true
}

/// Body of `POST /msgs`: the course client's shape, kept so that client works unchanged.
/// A signed-in account's post carries its account whatever `user` says (it may be left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewMessage {
    #[serde(default)]
    pub user: String,
    pub text: String,
    /// Where to post, on a stream that carries several rooms (`/api/stream/ws`); the lobby
    /// when left out.
    #[serde(default, skip_serializing_if = "is_lobby")]
    pub room: RoomId,
}

/// Body of `PATCH /api/rooms/{id}/msgs/{msg}`: the message's new text (the same rules as
/// a post's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEdit {
    pub text: String,
}

/// A line of the plain `GET /msgs` stream (no query): the whole recent window, oldest first.
///
/// This is the course's wire contract: its client replaces its list with `msg` on every line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WindowLine {
    pub msg: Vec<Message>,
}

/// How long a `typing` event is shown without news: a typist sends one at most every
/// second while typing ([`TYPING_EVERY_MS`]), so one that stops fades out after this.
pub const TYPING_SHOWN_MS: u64 = 5_000;
/// The most often one account's typing in one room is passed on.
pub const TYPING_EVERY_MS: u64 = 1_000;

/// A line of the delta stream (`GET /msgs?since=ID`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamEvent {
    /// Always the first line. `epoch` names this run of the server's history: ids are only
    /// comparable within one epoch. With `reset`, `msgs` is the whole window and replaces what
    /// the client shows; without it, `msgs` are exactly the messages after the client's `since`.
    /// `heartbeat_ms` says how often a line arrives at the least, so a client can tell a
    /// silently dead stream from a quiet chat.
    Hello {
        epoch: String,
        reset: bool,
        #[serde(default)]
        heartbeat_ms: u64,
        msgs: Vec<Message>,
        /// Whether messages older than the first of `msgs` may exist (ids say nothing: the
        /// log's events take ids too). Servers before this field: assume so.
        #[serde(default = "yes")]
        older: bool,
        /// On `/api/stream`: every room the reader may read right now, the lobby first. It
        /// replaces the client's list, so a `room_added` or `room_removed` missed while
        /// disconnected is made up for. Left out on `/msgs`, which carries the lobby alone.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rooms: Option<Vec<RoomSummary>>,
    },
    /// New messages, in id order, to append (each to its `room`).
    Msgs { msgs: Vec<Message> },
    /// A message was edited: `msg` is it as it is now (same `id`, the latest `text`,
    /// `edited`), to replace the one shown.
    Edited { msg: Message },
    /// A message was deleted: `msg` is what is left of it (same `id`, `deleted`, no
    /// text), to replace the one shown.
    Deleted { msg: Message },
    /// Account `account` (a username) added (`added`) or removed `emoji` on message
    /// `message` of room `id`. A set change: applying it again changes nothing
    /// ([`crate::reaction::apply`]).
    Reaction {
        id: RoomId,
        message: u64,
        emoji: String,
        account: String,
        added: bool,
    },
    /// The reader may now read this room (created, invited, a direct message started).
    RoomAdded { room: RoomSummary },
    /// The room's name, members or archived state changed.
    RoomUpdated { room: RoomSummary },
    /// The reader may no longer read this room: nothing more of it arrives.
    RoomRemoved { id: RoomId },
    /// Someone is typing in room `id`: shown for a few seconds ([`TYPING_SHOWN_MS`]) or
    /// until their message arrives. Never stored, never in a `hello`, never replayed.
    Typing {
        id: RoomId,
        /// Their username and display name.
        account: String,
        user: String,
    },
    /// The reader's read marker in room `id` moved (in this tab or another of their pages):
    /// `read` is the newest message read, `unread` and `mentions` the counts after it.
    Read {
        id: RoomId,
        read: u64,
        unread: u32,
        mentions: u32,
    },
    /// Who is online changed (on `/api/stream` only, at most once a
    /// [`crate::presence::PRESENCE_EVERY_MS`]). With `reset` (the line right after the
    /// hello), `joined` is everyone online and replaces what the client knows; otherwise it
    /// and `left` are the usernames that came and went since the last line. `online` counts
    /// the accounts online after it, `guests` the streams open without an account.
    Presence {
        #[serde(default, skip_serializing_if = "is_false")]
        reset: bool,
        online: u32,
        guests: u32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        joined: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        left: Vec<String>,
    },
    /// Keeps idle proxies from closing the stream and lets the server notice dead clients.
    Heartbeat { time: u64 },
    /// The server is going away (shutdown); the body ends right after. Reconnect promptly.
    Bye { reason: String },
    /// The server's store changed state: with `degraded`, posts are refused (503) until a
    /// later status says otherwise; the stream itself stays up. Sent on every change, and
    /// right after the hello to a client that connects while degraded.
    Status { degraded: bool, reason: String },
    /// A line type this client does not know yet; newer servers may send more kinds.
    #[serde(other)]
    Unknown,
}

/// Every field any [`StreamEvent`] can carry, flat. Decoding into a plain struct needs no
/// buffering of the document (an internally tagged enum does), which keeps the browser's
/// wasm noticeably smaller; [`StreamEvent::from_json`] builds the enum from it.
#[derive(Deserialize)]
struct FlatEvent {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    epoch: String,
    #[serde(default)]
    reset: bool,
    #[serde(default)]
    heartbeat_ms: u64,
    #[serde(default)]
    msgs: Vec<Message>,
    #[serde(default)]
    time: u64,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    degraded: bool,
    #[serde(default = "yes")]
    older: bool,
    #[serde(default)]
    rooms: Option<Vec<RoomSummary>>,
    #[serde(default)]
    room: Option<RoomSummary>,
    #[serde(default)]
    id: RoomId,
    #[serde(default)]
    account: String,
    #[serde(default)]
    user: String,
    #[serde(default)]
    read: u64,
    #[serde(default)]
    unread: u32,
    #[serde(default)]
    mentions: u32,
    #[serde(default)]
    online: u32,
    #[serde(default)]
    guests: u32,
    #[serde(default)]
    joined: Vec<String>,
    #[serde(default)]
    left: Vec<String>,
    #[serde(default)]
    msg: Option<Message>,
    #[serde(default)]
    message: u64,
    #[serde(default)]
    emoji: String,
    #[serde(default)]
    added: bool,
}

impl StreamEvent {
    /// A line's `type`, read without decoding the rest: serde writes the tag first, so
    /// every line a server sends starts `{"type":"…"`. For readers that act on a few kinds
    /// only (the load tool); `None` when the line does not start so (decode it to know).
    pub fn kind_of(line: &str) -> Option<&str> {
        let rest = line.strip_prefix(r#"{"type":""#)?;
        rest.find('"').map(|end| &rest[..end])
    }

    /// Decodes one line; the same result as `serde_json::from_str::<StreamEvent>` for every
    /// line the server sends, with less code.
    pub fn from_json(line: &str) -> serde_json::Result<Self> {
        let flat: FlatEvent = serde_json::from_str(line)?;
        Ok(match flat.kind.as_str() {
            "hello" => Self::Hello {
                epoch: flat.epoch,
                reset: flat.reset,
                heartbeat_ms: flat.heartbeat_ms,
                msgs: flat.msgs,
                older: flat.older,
                rooms: flat.rooms,
            },
            "msgs" => Self::Msgs { msgs: flat.msgs },
            "edited" | "deleted" => match (flat.kind.as_str(), flat.msg) {
                ("edited", Some(msg)) => Self::Edited { msg },
                (_, Some(msg)) => Self::Deleted { msg },
                (_, None) => Self::Unknown,
            },
            "room_added" | "room_updated" => match (flat.kind.as_str(), flat.room) {
                ("room_added", Some(room)) => Self::RoomAdded { room },
                (_, Some(room)) => Self::RoomUpdated { room },
                (_, None) => Self::Unknown,
            },
            "reaction" => Self::Reaction {
                id: flat.id,
                message: flat.message,
                emoji: flat.emoji,
                account: flat.account,
                added: flat.added,
            },
            "room_removed" => Self::RoomRemoved { id: flat.id },
            "typing" => Self::Typing {
                id: flat.id,
                account: flat.account,
                user: flat.user,
            },
            "read" => Self::Read {
                id: flat.id,
                read: flat.read,
                unread: flat.unread,
                mentions: flat.mentions,
            },
            "presence" => Self::Presence {
                reset: flat.reset,
                online: flat.online,
                guests: flat.guests,
                joined: flat.joined,
                left: flat.left,
            },
            "heartbeat" => Self::Heartbeat { time: flat.time },
            "bye" => Self::Bye {
                reason: flat.reason,
            },
            "status" => Self::Status {
                degraded: flat.degraded,
                reason: flat.reason,
            },
            _ => Self::Unknown,
        })
    }
}

/// The server's answer to a message a client sent over the WebSocket (`/msgs/ws`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum WsReply {
    /// Stored and sent to everyone (the same as a `201` to `POST /msgs`).
    Posted { msg: Message },
    /// Refused, with the same text `POST /msgs` puts in its `{"error": ...}` body.
    Error { error: String },
}

/// Body of `GET /msgs/history`: a page of older messages, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryPage {
    pub msgs: Vec<Message>,
    /// Whether messages older than the first of `msgs` exist.
    pub more: bool,
}

/// Body of every error response: `{"error": "..."}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: String,
}

/// Serializes `value` as one stream line: compact JSON followed by `\n`.
pub fn encode_line<T: Serialize>(value: &T) -> Vec<u8> {
    // Serializing our own plain structs cannot fail: no maps with non-string keys, no
    // fallible Serialize impls.
    let mut line = serde_json::to_vec(value).unwrap_or_else(|_| b"{}".to_vec());
    line.push(b'\n');
    line
}

#[cfg(test)]
mod tests;
