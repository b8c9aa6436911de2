//! One open stream as the registry keeps it, and how a line is offered to it: queued, or
//! held beside the queue ([`crate::held`]); and the tally of one fan-out's offers.

use super::held::Due;
use super::{ClientId, Fanout, Owner};
use crate::held::{Held, HELD_MAX_LINES};
use crate::inbox::{Grants, Queued};
use bytes::Bytes;
use common::room::RoomId;
use common::Transport;
use std::net::IpAddr;
use std::sync::Arc;
use tokio::sync::mpsc::{self, error::TrySendError};

#[derive(Debug)]
pub(super) struct Client {
    pub(super) tx: mpsc::Sender<Queued>,
    pub(super) transport: Transport,
    pub(super) ip: Option<IpAddr>,
    pub(super) owner: Option<Owner>,
    /// Set on an account's stream of every room (`/api/stream`): the closed and direct
    /// rooms it may read. `None`: the lobby alone.
    pub(super) grants: Option<Arc<Grants>>,
    /// Where its deferred lines wait, if its transport holds them.
    pub(super) held: Option<Arc<Held>>,
}

impl Client {
    /// Offers one line: a deferred one is held beside the queue if the stream holds lines
    /// (the first noted in `due` as client `id`'s), any other is queued. `Err` with whether
    /// the client must go (queue full: cut).
    pub(super) fn offer(
        &self,
        id: ClientId,
        line: &Bytes,
        room: Option<RoomId>,
        deferred: bool,
        due: &mut Due,
    ) -> Result<(), Gone> {
        if let (true, Some(held)) = (deferred, &self.held) {
            match held.keep(room, line.clone()) {
                1 => due.note(id),
                n if n < HELD_MAX_LINES => {}
                _ => return self.queue(Queued::flush()),
            }
            return Ok(());
        }
        self.queue(Queued {
            line: line.clone(),
            room,
        })
    }

    pub(super) fn queue(&self, queued: Queued) -> Result<(), Gone> {
        match self.tx.try_send(queued) {
            Ok(()) => Ok(()),
            Err(TrySendError::Full(_)) => Err(Gone::Cut),
            // Its response is gone; the drop guard is about to remove it anyway.
            Err(TrySendError::Closed(_)) => Err(Gone::Closed),
        }
    }
}

/// Why a client left during a fan-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Gone {
    Cut,
    Closed,
}

/// One fan-out's offers as they go: who took the line, who was cut, who is gone.
#[derive(Debug, Default)]
pub(super) struct Tally {
    pub(super) fanout: Fanout,
    pub(super) gone: Vec<ClientId>,
}

impl Tally {
    pub(super) fn add(&mut self, id: ClientId, offered: Result<(), Gone>) {
        match offered {
            Ok(()) => self.fanout.delivered += 1,
            Err(why) => {
                if why == Gone::Cut {
                    self.fanout.cut.push(id);
                }
                self.gone.push(id);
            }
        }
    }
}
