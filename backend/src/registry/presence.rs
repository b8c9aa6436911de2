//! The streams told who is online: every `/api/stream` stream (of an account or a guest),
//! not the course's `/msgs`, whose lines are the lobby's alone.

use super::{ClientId, Fanout, Gone, Lines, Registry};

impl Registry {
    /// Client `id` gets `presence` lines from now on.
    pub fn read_presence(&mut self, id: ClientId) {
        if self.clients.contains_key(&id) {
            self.presence_readers.insert(id);
        }
    }

    /// Offers `lines` to every stream that reads presence; a full queue is cut, as for a
    /// message.
    pub fn broadcast_presence(&mut self, lines: &Lines) -> Fanout {
        let mut fanout = Fanout::default();
        let mut gone = Vec::new();
        for id in &self.presence_readers {
            let Some(client) = self.clients.get(id) else {
                continue;
            };
            let Some(line) = lines.for_transport(client.transport) else {
                continue;
            };
            match client.offer(line, None) {
                Ok(()) => fanout.delivered += 1,
                Err(why) => {
                    if why == Gone::Cut {
                        fanout.cut.push(*id);
                    }
                    gone.push(*id);
                }
            }
        }
        for id in gone {
            self.remove(id);
        }
        fanout
    }
}
