//! The streams told who is online: every `/api/stream` stream (of an account or a guest),
//! not the course's `/msgs`, whose lines are the lobby's alone. An account's stream is told
//! who came and went; a guest's only how many are online, never who (a stranger in the
//! lobby does not learn the accounts' names from presence).

use super::{ClientId, Fanout, Lines, Registry};

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
        let readers: Vec<(ClientId, &Lines)> = self
            .presence_readers
            .iter()
            .map(|(id, names)| (*id, if *names { named } else { counted }))
            .collect();
        self.offer_each(readers, None)
    }
}
