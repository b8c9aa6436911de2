//! Awareness lines (presence, typing) kept *beside* a stream's queue, not in it.
//!
//! Such a line may wait up to [`HOLD_MAX`] and leave together with the stream's next line:
//! in a busy room it then costs no write (HTTP/2 frame, TLS record) of its own. Queuing it
//! would still wake the stream's task only to hold the line, once per line and stream: in
//! a 5 000-member room with presence and typing that is 10 000 wake-ups a second, plus a
//! timer each. Kept here, it wakes nobody. The registry notes when a stream's first held
//! line came and, if the stream has written nothing since by the end of the hold, queues a
//! flush marker ([`crate::registry`]); the stream's inbox takes the held lines before each
//! line it passes on ([`crate::inbox`]).
//!
//! Only the transports whose lines the response body joins into one write hold lines (the
//! stream and SSE): the course's window lines are whole documents, and a WebSocket sends
//! each line as a message of its own.

use bytes::Bytes;
use common::room::RoomId;
use common::Transport;
use parking_lot::Mutex;
use std::sync::Arc;
use std::time::Duration;

/// Longest a held line waits for company.
pub const HOLD_MAX: Duration = Duration::from_millis(250);

/// How often the registry looks for streams whose hold is over. A line waits between
/// `HOLD_MAX - FLUSH_EVERY` and `HOLD_MAX` when no other line comes.
pub const FLUSH_EVERY: Duration = Duration::from_millis(125);

/// Held lines at which the stream is woken anyway (people typing faster than messages
/// come): each line from then on is offered like a queued one, so a stream that reads
/// nothing fills its queue and is cut.
pub const HELD_MAX_LINES: usize = 64;

/// One stream's held lines, each with the restricted room it belongs to (if any), shared
/// by the registry (which adds) and the stream's inbox (which takes).
#[derive(Debug, Default)]
pub struct Held(Mutex<Vec<(Option<RoomId>, Bytes)>>);

impl Held {
    /// Somewhere to hold lines, for the transports that hold them.
    pub fn for_transport(transport: Transport) -> Option<Arc<Self>> {
        matches!(transport, Transport::Stream | Transport::Sse).then(Arc::default)
    }

    /// Holds `line`; returns how many are held now.
    pub fn keep(&self, room: Option<RoomId>, line: Bytes) -> usize {
        let mut lines = self.0.lock();
        lines.push((room, line));
        lines.len()
    }

    /// Everything held, oldest first; nothing is held afterwards.
    pub fn take(&self) -> Vec<(Option<RoomId>, Bytes)> {
        std::mem::take(&mut *self.0.lock())
    }

    pub fn is_empty(&self) -> bool {
        self.0.lock().is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_kept_in_order_and_taken_once() {
        let held = Held::default();
        assert_eq!(held.keep(None, Bytes::from_static(b"a\n")), 1);
        assert_eq!(held.keep(Some(7), Bytes::from_static(b"b\n")), 2);
        assert_eq!(
            held.take(),
            vec![
                (None, Bytes::from_static(b"a\n")),
                (Some(7), Bytes::from_static(b"b\n"))
            ]
        );
        assert!(held.is_empty());
        assert!(held.take().is_empty());
    }

    #[test]
    fn only_joined_transports_hold() {
        assert!(Held::for_transport(Transport::Stream).is_some());
        assert!(Held::for_transport(Transport::Sse).is_some());
        assert!(Held::for_transport(Transport::Ws).is_none());
        assert!(Held::for_transport(Transport::Window).is_none());
    }
}
