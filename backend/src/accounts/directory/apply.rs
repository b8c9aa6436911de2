//! How each log event changes the directory: the one place that turns accounts', sessions'
//! and invites' events into state, the same on every node and at every start.

use super::{Account, Cut, Invite, Session, State};
use crate::accounts::credentials::name_key;
use crate::event::{AccountId, Event, SecretHash};
use common::account::Role;

impl State {
    /// Applies one log event (id `id`, written at `time`); what it ends, if anything.
    pub(super) fn apply(&mut self, id: u64, time: u64, event: &Event) -> Option<Cut> {
        let accounts = &self.accounts;
        self.moderation.apply(id, time, event, |account| {
            accounts.get(&account).map(|a| a.username.clone())
        });
        match event {
            Event::AccountCreated {
                username,
                display_name,
                password_hash,
                role,
                invite,
            } => {
                self.by_name.insert(name_key(username), id);
                self.accounts.insert(
                    id,
                    Account {
                        id,
                        username: username.clone(),
                        display_name: display_name.clone(),
                        password_hash: password_hash.clone(),
                        role: *role,
                        active: true,
                        created_at: time,
                        bot: false,
                    },
                );
                if let Some(invite) = invite.as_ref().and_then(|c| self.invites.get_mut(c)) {
                    invite.uses += 1;
                }
                if *role == Role::Admin {
                    self.admins_version = id;
                }
            }
            Event::PasswordChanged {
                account,
                password_hash,
            } => {
                if let Some(a) = self.accounts.get_mut(account) {
                    a.password_hash = password_hash.clone();
                }
            }
            Event::AccountActive {
                account, active, ..
            } => {
                let a = self.accounts.get_mut(account)?;
                a.active = *active;
                if a.role == Role::Admin {
                    self.admins_version = id;
                }
                if !active {
                    return Some(self.end_sessions(*account, None));
                }
            }
            Event::RoleChanged { account, role, .. } => {
                let a = self.accounts.get_mut(account)?;
                if a.role != *role {
                    a.role = *role;
                    self.admins_version = id;
                }
            }
            Event::SessionStarted { session, account } => {
                self.sessions.insert(
                    session.clone(),
                    Session {
                        account: *account,
                        seen: time,
                    },
                );
            }
            Event::SessionSeen { session } => {
                if let Some(s) = self.sessions.get_mut(session) {
                    s.seen = s.seen.max(time);
                }
            }
            Event::SessionEnded { session } => {
                self.sessions.remove(session)?;
                return Some(Cut::Session(session.clone()));
            }
            Event::SessionsEnded { account, except } => {
                return Some(self.end_sessions(*account, except.clone()));
            }
            Event::InviteCreated {
                code,
                created_by,
                expires_at,
                max_uses,
            } => {
                self.invites.insert(
                    code.clone(),
                    Invite {
                        created_by: *created_by,
                        created_at: time,
                        expires_at: *expires_at,
                        max_uses: *max_uses,
                        uses: 0,
                        revoked: false,
                    },
                );
            }
            Event::InviteRevoked { code } => {
                if let Some(invite) = self.invites.get_mut(code) {
                    invite.revoked = true;
                }
            }
            Event::BotCreated { .. } | Event::BotTokenChanged { .. } => {
                self.apply_bot(id, time, event);
            }
            // Rooms are the rooms' business (`crate::rooms`).
            Event::RoomCreated { .. }
            | Event::RoomChanged { .. }
            | Event::MemberAdded { .. }
            | Event::MemberRemoved { .. }
            | Event::MessageEdited { .. }
            | Event::MessageDeleted { .. }
            | Event::MessagesPurged { .. }
            | Event::GuestBanned { .. }
            | Event::GuestUnbanned { .. }
            | Event::Reaction { .. }
            | Event::Unknown => {}
        }
        None
    }

    fn end_sessions(&mut self, account: AccountId, except: Option<SecretHash>) -> Cut {
        self.sessions
            .retain(|hash, s| s.account != account || Some(hash) == except.as_ref());
        Cut::Account { account, except }
    }
}
