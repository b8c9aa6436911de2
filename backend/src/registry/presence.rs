//! The streams told who is online: every `/api/stream` stream (of an account or a guest),
//! not the course's `/msgs`, whose lines are the lobby's alone. An account's stream is told
//! who came and went; a guest's only how many are online, never who (a stranger in the
//! lobby does not learn the accounts' names from presence).

use super::{ClientId, Fanout, Gone, Lines, Registry};

impl Registry {
    /// Client `id` gets `presence` lines from now on: with the names when `names`, else
    /// the counts alone.
    pub fn read_presence(&mut self, id: ClientId, names: bool) {
        if self.clients.contains_key(&id) {
            self.presence_readers.insert(id, names);
        }
    }

    /// Offers `named` to every account's stream that reads presence and `counted` to every
    /// guest's; a full queue is cut, as for a message.
    pub fn broadcast_presence(&mut self, named: &Lines, counted: &Lines) -> Fanout {
        let mut fanout = Fanout::default();
        let mut gone = Vec::new();
        for (id, names) in &self.presence_readers {
            let Some(client) = self.clients.get(id) else {
                continue;
            };
            let lines = if *names { named } else { counted };
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
