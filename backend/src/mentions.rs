//! Mentions of a post, as the server keeps them: the names [`common::mention::parse`] finds
//! that are accounts' usernames (others are just text), and whether the poster may say
//! `@here` in that room.

use crate::accounts::{Account, Directory};
use crate::error::ApiError;
use crate::rooms::Room;
use common::mention::{self, HERE_MAX_MEMBERS};
use common::room::RoomKind;

/// What a post mentions, ready to store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Addressed {
    /// Usernames of existing accounts, lowercase, each once, in order.
    pub mentions: Vec<String>,
    pub here: bool,
}

/// The mentions of `text` posted by `poster` (a guest: `None`) in `room`: names that are no
/// account's are dropped; `@here` in a room of more than [`HERE_MAX_MEMBERS`] members is
/// refused (403) unless the poster is an admin or manages the room.
pub fn address(
    text: &str,
    room: &Room,
    poster: Option<&Account>,
    directory: &Directory,
) -> Result<Addressed, ApiError> {
    let found = mention::parse(text);
    if found.here && !poster.is_some_and(|p| room.managed_by(p)) {
        let members = match room.kind {
            RoomKind::Open => directory.active_count(),
            RoomKind::Closed | RoomKind::Direct => room.members.len(),
        };
        if members > HERE_MAX_MEMBERS {
            return Err(ApiError::Forbidden(format!(
                "@here reaches everyone online in a room of {members} members; in rooms of \
                 more than {HERE_MAX_MEMBERS} only admins and the room's managers may use it"
            )));
        }
    }
    let mentions = found
        .names
        .iter()
        .filter_map(|name| directory.account_named(name))
        .map(|account| account.username.to_lowercase())
        .fold(Vec::new(), |mut names, name| {
            if !names.contains(&name) {
                names.push(name);
            }
            names
        });
    Ok(Addressed {
        mentions,
        here: found.here,
    })
}
