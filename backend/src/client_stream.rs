//! The body of one `/msgs` or `/msgs/events` response: lines from the client's registry
//! queue.
//!
//! The [`Registration`] guard lives inside the body, so the moment actix drops the response
//! (client gone, stream reset, server stopping) the client leaves the registry.

use crate::hub::{Hub, Subscription};
use crate::registry::ClientId;
use bytes::Bytes;
use futures_util::Stream;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Weak;
use std::task::{Context, Poll};
use tokio::sync::mpsc;

/// Removes the client from the hub's registry when dropped.
#[derive(Debug)]
pub struct Registration {
    hub: Weak<Hub>,
    id: ClientId,
}

impl Registration {
    pub(crate) fn new(hub: Weak<Hub>, id: ClientId) -> Self {
        Self { hub, id }
    }

    pub fn id(&self) -> ClientId {
        self.id
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        if let Some(hub) = self.hub.upgrade() {
            hub.unregister(self.id);
        }
    }
}

/// A stream of ready-made lines; it ends when the hub closes the client's queue.
#[derive(Debug)]
pub struct ClientStream {
    rx: mpsc::Receiver<Bytes>,
    registration: Registration,
}

impl ClientStream {
    pub fn new(subscription: Subscription) -> Self {
        Self {
            rx: subscription.rx,
            registration: subscription.registration,
        }
    }

    pub fn id(&self) -> ClientId {
        self.registration.id()
    }
}

impl Stream for ClientStream {
    type Item = Result<Bytes, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // One line per chunk: the course client parses every chunk as one JSON document.
        self.rx.poll_recv(cx).map(|line| line.map(Ok))
    }
}
