//! The rooms of the chat and who may read them, as the log's events made them: the lobby,
//! open and closed rooms, and direct conversations.
//!
//! Like the accounts' [`Directory`], every node holds the same [`Rooms`], rebuilt from the
//! log at start and kept current by the hub, which applies each event in log order under
//! its lock, before the messages that follow it are fanned out. So a member removed at log
//! position N reads nothing of that room after N, on any node.
//!
//! The one rule every endpoint and the stream follow is [`Rooms::may_read`]: a room someone
//! may not read does not exist for them. [`manage`] turns requests into events.

pub mod manage;
#[cfg(test)]
mod tests;

use crate::accounts::{Account, Directory};
use crate::event::{AccountId, Entry, Event, Record};
use common::room::{NotifyLevel, RoomId, RoomKind, RoomSummary, LOBBY};
use parking_lot::RwLock;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

/// The lobby's name until an admin renames it.
pub const LOBBY_NAME: &str = "Lobby";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Room {
    pub id: RoomId,
    pub kind: RoomKind,
    pub name: String,
    /// A closed or direct room's members; empty for open rooms (everyone). Shared: a copy
    /// of a room (every request that reads one gets one) does not copy thousands of ids.
    pub members: Arc<BTreeSet<AccountId>>,
    /// 0 for the lobby.
    pub created_by: AccountId,
    pub archived: bool,
    /// The newest message's id.
    pub last_id: u64,
}

impl Room {
    fn lobby() -> Self {
        Self {
            id: LOBBY,
            kind: RoomKind::Open,
            name: LOBBY_NAME.into(),
            members: Arc::default(),
            created_by: 0,
            archived: false,
            last_id: 0,
        }
    }

    /// Whether only its members read it (and so whether losing access can happen).
    pub fn is_restricted(&self) -> bool {
        self.kind != RoomKind::Open
    }

    /// Whether `account` may read it (an active account: the caller checked the session).
    pub fn readable_by(&self, account: AccountId) -> bool {
        !self.is_restricted() || self.members.contains(&account)
    }

    /// Whether `account` may rename, archive and change members: an admin, or the creator
    /// of a room that is not the lobby. Nobody manages a direct room's fixed set.
    pub fn managed_by(&self, account: &Account) -> bool {
        match self.kind {
            RoomKind::Direct => false,
            _ if self.id == LOBBY => account.is_admin(),
            _ => account.is_admin() || self.created_by == account.id,
        }
    }
}

/// What an applied event changed, for the hub to tell the streams concerned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoomChange {
    /// A new room: its readers get `room_added`.
    Created(RoomId),
    /// Name or archived state: its readers get `room_updated`.
    Updated(RoomId),
    /// `account` may now read `room`; the other members get `room_updated`.
    Joined { room: RoomId, account: AccountId },
    /// `account` may no longer read `room`: nothing more of it may reach its streams.
    Left { room: RoomId, account: AccountId },
}

#[derive(Debug)]
struct State {
    rooms: BTreeMap<RoomId, Room>,
    /// A direct room by its sorted member set: asking again returns the same room.
    direct: HashMap<Vec<AccountId>, RoomId>,
    /// The closed and direct rooms each account belongs to.
    member_of: HashMap<AccountId, BTreeSet<RoomId>>,
    /// When each member of a closed or direct room last joined it (the log id of the
    /// event): where their read marker starts ([`Rooms::joined`]).
    joined: HashMap<(RoomId, AccountId), u64>,
}

impl Default for State {
    fn default() -> Self {
        Self {
            rooms: BTreeMap::from([(LOBBY, Room::lobby())]),
            direct: HashMap::new(),
            member_of: HashMap::new(),
            joined: HashMap::new(),
        }
    }
}

impl State {
    /// Message `id` was committed in `room`: its newest id moves.
    fn saw(&mut self, room: RoomId, id: u64) {
        if let Some(room) = self.rooms.get_mut(&room) {
            room.last_id = room.last_id.max(id);
        }
    }

    fn apply(&mut self, entry: &Entry) -> Option<RoomChange> {
        let event = match &entry.record {
            Record::Message(message) => {
                self.saw(message.room, message.id);
                return None;
            }
            Record::Event(event) => event,
        };
        match event {
            Event::RoomCreated {
                kind,
                name,
                created_by,
                members,
            } => {
                let id = entry.id;
                let members: BTreeSet<AccountId> = match kind {
                    RoomKind::Open => BTreeSet::new(),
                    _ => members.iter().copied().collect(),
                };
                if *kind == RoomKind::Direct {
                    self.direct.insert(members.iter().copied().collect(), id);
                }
                for account in &members {
                    self.member_of.entry(*account).or_default().insert(id);
                    self.joined.insert((id, *account), id);
                }
                let room = Room {
                    id,
                    kind: *kind,
                    name: name.clone(),
                    members: Arc::new(members),
                    created_by: *created_by,
                    archived: false,
                    last_id: 0,
                };
                self.rooms.insert(id, room);
                Some(RoomChange::Created(id))
            }
            Event::RoomChanged {
                room,
                name,
                archived,
            } => {
                let found = self.rooms.get_mut(room)?;
                if let Some(name) = name {
                    found.name.clone_from(name);
                }
                if let Some(archived) = archived {
                    found.archived = *archived;
                }
                Some(RoomChange::Updated(*room))
            }
            Event::MemberAdded { room, account } => {
                let found = self.rooms.get_mut(room).filter(|r| r.is_restricted())?;
                Arc::make_mut(&mut found.members)
                    .insert(*account)
                    .then_some(())?;
                self.member_of.entry(*account).or_default().insert(*room);
                self.joined.insert((*room, *account), entry.id);
                Some(RoomChange::Joined {
                    room: *room,
                    account: *account,
                })
            }
            Event::MemberRemoved { room, account } => {
                let found = self.rooms.get_mut(room).filter(|r| r.is_restricted())?;
                Arc::make_mut(&mut found.members)
                    .remove(account)
                    .then_some(())?;
                if let Some(rooms) = self.member_of.get_mut(account) {
                    rooms.remove(room);
                }
                Some(RoomChange::Left {
                    room: *room,
                    account: *account,
                })
            }
            _ => None,
        }
    }
}

/// Every room and its members, shared by the hub and the request handlers of a node.
#[derive(Debug, Default)]
pub struct Rooms {
    state: RwLock<State>,
}

impl Rooms {
    /// The rooms the log's `events` make.
    pub fn new(events: &[Entry]) -> Self {
        let rooms = Self::default();
        rooms.replace(events);
        rooms
    }

    /// Starts over from `events` (the store lost its history and started a new one).
    pub fn replace(&self, events: &[Entry]) {
        let mut state = State::default();
        for entry in events {
            state.apply(entry);
        }
        *self.state.write() = state;
    }

    /// Applies one log entry: events change rooms, messages move their room's newest id.
    pub fn apply(&self, entry: &Entry) -> Option<RoomChange> {
        self.state.write().apply(entry)
    }

    /// Messages of the recent window, after a restart: their rooms' newest ids.
    pub fn saw_messages(&self, messages: &[common::Message]) {
        let mut state = self.state.write();
        for message in messages {
            state.saw(message.room, message.id);
        }
    }

    /// Each room's newest message id as the store holds it, after a restart: the recent
    /// window holds only the newest messages of all rooms, and a quiet room whose
    /// messages all lie before it still has them (its history, its unread count).
    pub fn saw_last_ids(&self, last_ids: &HashMap<RoomId, u64>) {
        let mut state = self.state.write();
        for (room, id) in last_ids {
            state.saw(*room, *id);
        }
    }

    /// Retention deleted every message below `first_kept`: a room whose newest message
    /// was among them has none left, as after a restart ([`Rooms::saw_last_ids`] knows
    /// only what the store still holds).
    pub fn retained(&self, first_kept: u64) {
        for room in self.state.write().rooms.values_mut() {
            if room.last_id < first_kept {
                room.last_id = 0;
            }
        }
    }

    /// Messages up to `id` were committed in `room`.
    pub fn saw(&self, room: RoomId, id: u64) {
        self.state.write().saw(room, id);
    }

    pub fn kind(&self, id: RoomId) -> Option<RoomKind> {
        self.state.read().rooms.get(&id).map(|room| room.kind)
    }

    pub fn get(&self, id: RoomId) -> Option<Room> {
        self.state.read().rooms.get(&id).cloned()
    }

    /// Every room's id, the lobby's first.
    pub fn all_ids(&self) -> Vec<RoomId> {
        self.state.read().rooms.keys().copied().collect()
    }

    /// The room, if `reader` (an account, or a guest: `None`) may read it. Guests read the
    /// lobby only (whether guests may read at all is the caller's rule).
    pub fn readable(&self, id: RoomId, reader: Option<AccountId>) -> Option<Room> {
        let state = self.state.read();
        let room = state.rooms.get(&id)?;
        let may = match reader {
            None => id == LOBBY,
            Some(account) => room.readable_by(account),
        };
        may.then(|| room.clone())
    }

    /// Whether `reader` may read room `id`.
    pub fn may_read(&self, id: RoomId, reader: Option<AccountId>) -> bool {
        let state = self.state.read();
        state.rooms.get(&id).is_some_and(|room| match reader {
            None => id == LOBBY,
            Some(account) => room.readable_by(account),
        })
    }

    /// The closed and direct rooms `account` belongs to.
    pub fn restricted_rooms_of(&self, account: AccountId) -> BTreeSet<RoomId> {
        self.state
            .read()
            .member_of
            .get(&account)
            .cloned()
            .unwrap_or_default()
    }

    /// Where `account`'s read marker in `room` starts before they move it: the messages
    /// from before they could read the room are not news to them. An open room: since the
    /// account exists (its id is its creation's log id); a closed or direct room: since
    /// they last joined it.
    pub fn joined(&self, room: RoomId, account: AccountId) -> u64 {
        let state = self.state.read();
        match state.rooms.get(&room) {
            Some(found) if found.is_restricted() => {
                state.joined.get(&(room, account)).copied().unwrap_or(0)
            }
            _ => account,
        }
    }

    /// The direct room of exactly these members, if it exists.
    pub fn direct_between(&self, members: &BTreeSet<AccountId>) -> Option<RoomId> {
        let key: Vec<AccountId> = members.iter().copied().collect();
        self.state.read().direct.get(&key).copied()
    }

    /// Every room `reader` may read, the lobby first, as they see them (`None`: a guest,
    /// who sees the lobby).
    pub fn summaries_for(
        &self,
        reader: Option<&Account>,
        directory: &Directory,
    ) -> Vec<RoomSummary> {
        let state = self.state.read();
        let ids: Vec<RoomId> = match reader {
            None => vec![LOBBY],
            Some(account) => state
                .rooms
                .values()
                .filter(|room| room.readable_by(account.id))
                .map(|room| room.id)
                .collect(),
        };
        ids.iter()
            .filter_map(|id| state.rooms.get(id))
            .map(|room| summary(room, reader, directory))
            .collect()
    }

    /// Room `id` as `reader` sees it, if they may read it.
    pub fn summary_for(
        &self,
        id: RoomId,
        reader: Option<&Account>,
        directory: &Directory,
    ) -> Option<RoomSummary> {
        let room = self.readable(id, reader.map(|a| a.id))?;
        Some(summary(&room, reader, directory))
    }
}

/// A room as `reader` sees it: a direct room is named after its other members.
pub fn summary(room: &Room, reader: Option<&Account>, directory: &Directory) -> RoomSummary {
    let name = match room.kind {
        RoomKind::Direct => {
            let others: Vec<String> = room
                .members
                .iter()
                .filter(|id| Some(**id) != reader.map(|r| r.id))
                .filter_map(|id| directory.account(*id))
                .map(|m| m.display_name)
                .collect();
            if others.is_empty() {
                "Just you".into()
            } else {
                others.join(", ")
            }
        }
        _ => room.name.clone(),
    };
    RoomSummary {
        id: room.id,
        kind: room.kind,
        name,
        // One lock and no account copied: a closed room may have thousands of members,
        // and every new stream of each of them gets this.
        members: directory.usernames_in_order(room.members.iter().copied()),
        last_id: room.last_id,
        archived: room.archived,
        manage: reader.is_some_and(|r| room.managed_by(r)),
        read: 0,
        unread: 0,
        mentions: 0,
        notify: NotifyLevel::default_for(room.kind),
    }
}
