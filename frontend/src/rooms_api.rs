//! The `/api/rooms` and `/api/dms` endpoints, one function each. Each returns the server's
//! `{"error": ...}` text when it refuses, ready to show under a form.

use crate::account_api::{encode, get, no_content, send};
use common::account::Person;
use common::room::{
    NewDirect, NewMember, NewRoom, NotifyChoice, NotifyLevel, ReadMarker, ReadState, RoomChange,
    RoomId, RoomPost, RoomSummary,
};
use common::{HistoryPage, Message, MessageEdit};
use gloo_net::http::Method;

/// `GET /api/people`: every active account, to pick from.
pub async fn people() -> Result<Vec<Person>, String> {
    get("/api/people").await
}

/// `POST /api/rooms`: a new open or closed room; the caller manages it.
pub async fn create_room(room: &NewRoom) -> Result<RoomSummary, String> {
    send(Method::POST, "/api/rooms", encode(room)).await
}

/// `PATCH /api/rooms/{id}`: rename or (un)archive (managers).
pub async fn change_room(id: RoomId, change: &RoomChange) -> Result<RoomSummary, String> {
    send(Method::PATCH, &format!("/api/rooms/{id}"), encode(change)).await
}

/// `POST /api/rooms/{id}/members`: invite an account (managers of closed rooms).
pub async fn add_member(id: RoomId, username: &str) -> Result<RoomSummary, String> {
    let body = NewMember {
        username: username.to_owned(),
    };
    let url = format!("/api/rooms/{id}/members");
    send(Method::POST, &url, encode(&body)).await
}

/// `POST /api/rooms/{id}/leave`.
pub async fn leave(id: RoomId) -> Result<(), String> {
    no_content(Method::POST, &format!("/api/rooms/{id}/leave"), None).await
}

/// `POST /api/dms`: the direct conversation with these people (a new one or the one that
/// exists already).
pub async fn start_direct(members: Vec<String>) -> Result<RoomSummary, String> {
    send(Method::POST, "/api/dms", encode(&NewDirect { members })).await
}

/// `PATCH /api/rooms/{id}/msgs/{msg}`: our own message's new text (within the edit
/// window); the stream brings the `edited` event to every page.
pub async fn edit_message(room: RoomId, msg: u64, text: &str) -> Result<Message, String> {
    let body = MessageEdit {
        text: text.to_owned(),
    };
    send(
        Method::PATCH,
        &format!("/api/rooms/{room}/msgs/{msg}"),
        encode(&body),
    )
    .await
}

/// `DELETE /api/rooms/{id}/msgs/{msg}`: our own message (within the edit window), or any
/// in a room we manage; the stream brings the `deleted` event to every page.
pub async fn delete_message(room: RoomId, msg: u64) -> Result<(), String> {
    no_content(
        Method::DELETE,
        &format!("/api/rooms/{room}/msgs/{msg}"),
        None,
    )
    .await
}

/// `PUT` (`added`) or `DELETE /api/rooms/{id}/msgs/{msg}/reactions/{emoji}`: our reaction
/// with one emoji; the stream brings the `reaction` event to every page.
pub async fn react(room: RoomId, msg: u64, emoji: &str, added: bool) -> Result<(), String> {
    let method = if added { Method::PUT } else { Method::DELETE };
    let emoji = String::from(js_sys::encode_uri_component(emoji));
    let url = format!("/api/rooms/{room}/msgs/{msg}/reactions/{emoji}");
    no_content(method, &url, None).await
}

/// `POST /api/rooms/{id}/typing`: the room's readers see that we are typing.
pub async fn typing(id: RoomId) -> Result<(), String> {
    no_content(Method::POST, &format!("/api/rooms/{id}/typing"), None).await
}

/// `POST /api/rooms/{id}/read`: we have read up to message `upto` (the marker never
/// moves back); the marker and counts after it.
pub async fn mark_read(id: RoomId, upto: u64) -> Result<ReadState, String> {
    let url = format!("/api/rooms/{id}/read");
    send(Method::POST, &url, encode(&ReadMarker { id: upto })).await
}

/// `PUT /api/rooms/{id}/notify`: when this room's messages notify us; the room as we see
/// it.
pub async fn notify(id: RoomId, level: NotifyLevel) -> Result<RoomSummary, String> {
    let url = format!("/api/rooms/{id}/notify");
    send(Method::PUT, &url, encode(&NotifyChoice { level })).await
}

/// `POST /api/rooms/{id}/msgs` as the signed-in account.
pub async fn post(id: RoomId, text: String) -> Result<Message, String> {
    let url = format!("/api/rooms/{id}/msgs");
    send(Method::POST, &url, encode(&RoomPost { text })).await
}

/// `GET /api/rooms/{id}/history?before=ID&limit=N`: older messages, oldest first; the
/// newest ones without `before`.
pub async fn history(id: RoomId, before: Option<u64>, limit: usize) -> Result<HistoryPage, String> {
    let url = match before {
        Some(before) => format!("/api/rooms/{id}/history?before={before}&limit={limit}"),
        None => format!("/api/rooms/{id}/history?limit={limit}"),
    };
    get(&url).await
}
