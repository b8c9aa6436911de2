//! What people do to rooms: create them, rename and archive them, add and remove members,
//! leave, start a direct conversation. Each request is checked, then written to the log as
//! an event; the answer waits until this node has applied it, so the caller's next request
//! (on this node) sees the change.
//!
//! The rule for every one of them: a room the caller may not read is "not found" (404),
//! never "forbidden", so nobody learns which rooms exist. A reader who may not manage the
//! room gets 403.

use super::{summary, Room, Rooms};
use crate::accounts::{Account, Directory};
use crate::config::RoomCreation;
use crate::event::{AccountId, Event};
use crate::store::{Claim, NewEntry, Store, StoreError};
use common::room::{
    NewDirect, NewRoom, RoomChange, RoomId, RoomKind, RoomName, RoomSummary, DIRECT_MAX_MEMBERS,
    DIRECT_MIN_MEMBERS,
};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

/// How long a request waits for its own event to come back from the store.
const APPLY_WITHIN: Duration = Duration::from_secs(5);

/// Why a room request was refused; `error.rs` turns each into its HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum RoomError {
    /// 400.
    #[error("{0}")]
    BadRequest(String),
    /// 403: the caller reads the room but may not do this.
    #[error("{0}")]
    Forbidden(String),
    /// 404: no such room for this caller, or no such account.
    #[error("{0}")]
    NotFound(String),
    /// 409: already so.
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Room requests of one node.
pub struct RoomActions {
    rooms: Arc<Rooms>,
    directory: Arc<Directory>,
    store: Store,
    creation: RoomCreation,
}

fn no_room(id: RoomId) -> RoomError {
    RoomError::NotFound(format!("no room {id}"))
}

impl RoomActions {
    pub fn new(
        rooms: Arc<Rooms>,
        directory: Arc<Directory>,
        store: Store,
        creation: RoomCreation,
    ) -> Self {
        Self {
            rooms,
            directory,
            store,
            creation,
        }
    }

    /// Room `id` if `caller` (a guest: `None`) may read it; 404 otherwise.
    pub fn readable(&self, id: RoomId, caller: Option<&Account>) -> Result<Room, RoomError> {
        self.rooms
            .readable(id, caller.map(|a| a.id))
            .ok_or_else(|| no_room(id))
    }

    /// Every room `caller` may read, the lobby first.
    pub fn list(&self, caller: Option<&Account>) -> Vec<RoomSummary> {
        self.rooms.summaries_for(caller, &self.directory)
    }

    /// Room `id` as `caller` (a guest: `None`) sees it; 404 if they may not read it.
    pub fn view(&self, id: RoomId, caller: Option<&Account>) -> Result<RoomSummary, RoomError> {
        let room = self.readable(id, caller)?;
        Ok(summary(&room, caller, &self.directory))
    }

    /// Room `id` if `caller` may read and manage it.
    fn managed(&self, id: RoomId, caller: &Account) -> Result<Room, RoomError> {
        let room = self.readable(id, Some(caller))?;
        if !room.managed_by(caller) {
            return Err(RoomError::Forbidden(match room.kind {
                RoomKind::Direct => "a direct conversation's members are fixed".into(),
                _ => "only the room's creator and admins may do this".into(),
            }));
        }
        Ok(room)
    }

    /// Appends `event` (taking `claims`) and waits until this node applied it.
    async fn record(&self, event: Event, claims: Vec<Claim>) -> Result<u64, RoomError> {
        let entry = self.store.append(NewEntry::Event(event), claims).await?;
        if !self.directory.wait_applied(entry.id, APPLY_WITHIN).await {
            return Err(StoreError::Unavailable(
                "the change was stored but has not reached this server yet".into(),
            )
            .into());
        }
        Ok(entry.id)
    }

    /// The active account named `username` (compared as usernames are).
    fn account_named(&self, username: &str) -> Result<Account, RoomError> {
        self.directory
            .account_named(username)
            .filter(|a| a.active)
            .ok_or_else(|| RoomError::NotFound(format!("no account named {username:?}")))
    }

    /// `POST /api/rooms`: an open or closed room; its creator is a member and manages it.
    pub async fn create(
        &self,
        caller: &Account,
        request: NewRoom,
    ) -> Result<RoomSummary, RoomError> {
        if self.creation == RoomCreation::Admins && !caller.is_admin() {
            return Err(RoomError::Forbidden(
                "only admins may create rooms on this server".into(),
            ));
        }
        let name =
            RoomName::parse(&request.name).map_err(|e| RoomError::BadRequest(e.to_string()))?;
        let members = match request.kind {
            RoomKind::Direct => {
                return Err(RoomError::BadRequest(
                    "start a direct conversation with POST /api/dms".into(),
                ))
            }
            RoomKind::Open if !request.members.is_empty() => {
                return Err(RoomError::BadRequest(
                    "an open room has every account as a member: leave members out".into(),
                ))
            }
            RoomKind::Open => Vec::new(),
            RoomKind::Closed => {
                let mut members = BTreeSet::from([caller.id]);
                for username in &request.members {
                    members.insert(self.account_named(username)?.id);
                }
                members.into_iter().collect()
            }
        };
        let id = self
            .record(
                Event::RoomCreated {
                    kind: request.kind,
                    name: name.into_inner(),
                    created_by: caller.id,
                    members,
                },
                Vec::new(),
            )
            .await?;
        tracing::info!(room = id, kind = ?request.kind, by = caller.id, "room created");
        self.view(id, Some(caller))
    }

    /// `PATCH /api/rooms/{id}`: rename, archive, take out of the archive.
    pub async fn change(
        &self,
        id: RoomId,
        caller: &Account,
        change: RoomChange,
    ) -> Result<RoomSummary, RoomError> {
        self.managed(id, caller)?;
        let name = change
            .name
            .as_deref()
            .map(RoomName::parse)
            .transpose()
            .map_err(|e| RoomError::BadRequest(e.to_string()))?
            .map(RoomName::into_inner);
        if name.is_none() && change.archived.is_none() {
            return Err(RoomError::BadRequest(
                "nothing to change: give name or archived".into(),
            ));
        }
        if id == common::room::LOBBY && change.archived == Some(true) {
            return Err(RoomError::Forbidden("the lobby cannot be archived".into()));
        }
        self.record(
            Event::RoomChanged {
                room: id,
                name,
                archived: change.archived,
            },
            Vec::new(),
        )
        .await?;
        self.view(id, Some(caller))
    }

    /// `POST /api/rooms/{id}/members`: a manager adds an account to a closed room.
    pub async fn add_member(
        &self,
        id: RoomId,
        caller: &Account,
        username: &str,
    ) -> Result<RoomSummary, RoomError> {
        let room = self.managed(id, caller)?;
        if room.kind == RoomKind::Open {
            return Err(RoomError::Conflict(
                "an open room has every account as a member already".into(),
            ));
        }
        let account = self.account_named(username)?;
        if room.members.contains(&account.id) {
            return Err(RoomError::Conflict(format!(
                "{} is a member already",
                account.username
            )));
        }
        self.record(
            Event::MemberAdded {
                room: id,
                account: account.id,
            },
            Vec::new(),
        )
        .await?;
        self.view(id, Some(caller))
    }

    /// `DELETE /api/rooms/{id}/members/{username}`: a manager removes a member, or a member
    /// leaves (their own username). Open rooms and direct conversations have no member
    /// list to leave.
    pub async fn remove_member(
        &self,
        id: RoomId,
        caller: &Account,
        username: &str,
    ) -> Result<(), RoomError> {
        let room = self.readable(id, Some(caller))?;
        let account = self.account_named(username)?;
        if account.id != caller.id {
            self.managed(id, caller)?;
        }
        if room.kind != RoomKind::Closed {
            return Err(RoomError::Conflict(
                match room.kind {
                    RoomKind::Open => {
                        "an open room has every account as a member: nobody leaves it"
                    }
                    _ => "a direct conversation's members are fixed",
                }
                .into(),
            ));
        }
        if !room.members.contains(&account.id) {
            return Err(RoomError::NotFound(format!(
                "{} is not a member",
                account.username
            )));
        }
        self.remove(id, account.id).await
    }

    /// `POST /api/rooms/{id}/leave`.
    pub async fn leave(&self, id: RoomId, caller: &Account) -> Result<(), RoomError> {
        let username = caller.username.clone();
        self.remove_member(id, caller, &username).await
    }

    async fn remove(&self, room: RoomId, account: AccountId) -> Result<(), RoomError> {
        self.record(Event::MemberRemoved { room, account }, Vec::new())
            .await?;
        tracing::info!(room, account, "member removed");
        Ok(())
    }

    /// `POST /api/dms`: the direct conversation of the caller and `members` (2 to 8
    /// accounts in all). Asking again for the same set returns the same room: the second
    /// result is `false` then.
    pub async fn direct(
        &self,
        caller: &Account,
        request: NewDirect,
    ) -> Result<(RoomSummary, bool), RoomError> {
        let mut members = BTreeSet::from([caller.id]);
        for username in &request.members {
            members.insert(self.account_named(username)?.id);
        }
        if !(DIRECT_MIN_MEMBERS..=DIRECT_MAX_MEMBERS).contains(&members.len()) {
            return Err(RoomError::BadRequest(format!(
                "a direct conversation has {DIRECT_MIN_MEMBERS} to {DIRECT_MAX_MEMBERS} members, you included"
            )));
        }
        if let Some(id) = self.rooms.direct_between(&members) {
            return Ok((self.view(id, Some(caller))?, false));
        }
        let key = members
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let created = self
            .record(
                Event::RoomCreated {
                    kind: RoomKind::Direct,
                    name: String::new(),
                    created_by: caller.id,
                    members: members.iter().copied().collect(),
                },
                vec![Claim {
                    key: format!("direct:{key}"),
                    limit: 1,
                }],
            )
            .await;
        match created {
            Ok(id) => Ok((self.view(id, Some(caller))?, true)),
            // Someone started the same conversation at the same moment (maybe on another
            // node): theirs is the one, once it arrives here.
            Err(RoomError::Store(StoreError::Conflict(_))) => {
                let deadline = tokio::time::Instant::now() + APPLY_WITHIN;
                while tokio::time::Instant::now() < deadline {
                    if let Some(id) = self.rooms.direct_between(&members) {
                        return Ok((self.view(id, Some(caller))?, false));
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(StoreError::Unavailable(
                    "the conversation exists but has not reached this server yet".into(),
                )
                .into())
            }
            Err(other) => Err(other),
        }
    }
}
