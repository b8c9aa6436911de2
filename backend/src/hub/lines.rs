//! The hub's events, each encoded once per transport: the bytes a client of that transport
//! reads, shared (`Bytes` clones) by every client of it.

use crate::registry::Lines;
use crate::window::RecentWindow;
use bytes::Bytes;
use common::wire::encode_line;
use common::{Message, StreamEvent};
use serde::Serialize;
use std::collections::VecDeque;

/// SSE reconnection delay suggested to `EventSource` (`retry:`), in milliseconds.
pub const SSE_RETRY_MS: u64 = 2000;

#[derive(Serialize)]
struct WindowRef<'a> {
    msg: &'a VecDeque<Message>,
}

/// `{"msg":[window]}\n`: the course's line, what window clients read.
pub(super) fn window_line(window: &RecentWindow) -> Bytes {
    Bytes::from(encode_line(&WindowRef {
        msg: window.window(),
    }))
}

/// `{"type":"msgs","msgs":[...]}` from borrowed messages (no clone of them).
#[derive(Serialize)]
pub(super) struct MsgsRef<'a> {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub msgs: &'a [&'a Message],
}

/// A delta event (one JSON line) for the stream, SSE and WebSocket transports; window
/// clients are skipped. `sse_id` becomes the SSE `id:` field, which `EventSource` sends
/// back as `Last-Event-ID` when it reconnects.
pub(super) fn wire_formats(json_line: Bytes, sse_id: Option<u64>, sse_retry: bool) -> Lines {
    let json = json_line.slice(..json_line.len().saturating_sub(1));
    let mut sse = Vec::with_capacity(json.len() + 48);
    if sse_retry {
        sse.extend_from_slice(format!("retry: {SSE_RETRY_MS}\n").as_bytes());
    }
    if let Some(id) = sse_id {
        sse.extend_from_slice(format!("id: {id}\n").as_bytes());
    }
    sse.extend_from_slice(b"data: ");
    sse.extend_from_slice(&json);
    sse.extend_from_slice(b"\n\n");
    Lines {
        window: None,
        stream: Some(json_line),
        sse: Some(Bytes::from(sse)),
        ws: Some(json),
        deferred: false,
    }
}

/// A `bye` event for every delta transport (none for window clients).
pub(super) fn bye_lines(reason: &str) -> Lines {
    wire_formats(
        Bytes::from(encode_line(&StreamEvent::Bye {
            reason: reason.into(),
        })),
        None,
        false,
    )
}

/// A `status` event for every delta transport.
pub(super) fn status_lines(degraded: bool, reason: String) -> Lines {
    wire_formats(
        Bytes::from(encode_line(&StreamEvent::Status { degraded, reason })),
        None,
        false,
    )
}

/// `lines` marked to wait for the next write on each stream ([`Lines::deferred`]).
pub(super) fn deferred(lines: Lines) -> Lines {
    Lines {
        deferred: true,
        ..lines
    }
}
