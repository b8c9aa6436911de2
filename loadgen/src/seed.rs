//! `loadgen seed-rooms`: a fresh SQLite database of accounts, their sessions and closed
//! rooms, written straight into the chat's log, and the plan `loadgen rooms` reads (which
//! token is whose, and in which room).
//!
//! Why not through the API: 5 000 sign-ups would each hash a password (Argon2, tens of ms
//! and 19 MiB each, two at a time) and 500 rooms would each wait for a commit; written
//! here they take one transaction. The rows are what the server itself writes: events
//! serialized by `backend::event::to_json`, ids from the log's one sequence (accounts,
//! then sessions, then rooms), and the username claims that keep names unique. The server
//! continues the sequence above the log's highest id (`Database::open`'s `last_id`), so
//! no message can take an event's id.

use anyhow::{bail, Context};
use backend::accounts::credentials::{hash_password, name_key, new_secret, secret_hash};
use backend::event::{self, Event};
use backend::store::{Database, DbLocation};
use common::account::Role;
use common::room::{RoomId, RoomKind};
use rusqlite::params;
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct SeedArgs {
    /// The database to create (it must not exist yet).
    #[arg(long)]
    db: PathBuf,
    /// Closed rooms.
    #[arg(long, default_value = "500")]
    rooms: usize,
    /// Members of each room; every account is in exactly one room.
    #[arg(long, default_value = "10")]
    per_room: usize,
    /// Where to write the plan (JSON).
    #[arg(long)]
    out: PathBuf,
}

/// What `loadgen rooms` needs: each account's session token and room.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub rooms: Vec<RoomPlan>,
    pub accounts: Vec<AccountPlan>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct RoomPlan {
    pub id: RoomId,
    /// Indexes into [`Plan::accounts`].
    pub members: Vec<usize>,
}

#[derive(Debug, serde::Serialize, serde::Deserialize)]
pub struct AccountPlan {
    pub id: u64,
    pub username: String,
    /// The session cookie's token (only its hash is in the database).
    pub token: String,
    pub room: RoomId,
}

pub async fn run(args: SeedArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let plan = seed(&args.db, args.rooms, args.per_room).await?;
    let json = serde_json::to_vec(&plan)?;
    std::fs::write(&args.out, json)
        .with_context(|| format!("cannot write {}", args.out.display()))?;
    eprintln!(
        "loadgen: {} accounts in {} rooms of {} seeded into {} in {:.1} s",
        plan.accounts.len(),
        plan.rooms.len(),
        args.per_room,
        args.db.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Creates `db` with `rooms * per_room` accounts, one session each, and `rooms` closed rooms
/// of `per_room` members (account `i` is in room `i / per_room`).
pub async fn seed(db: &Path, rooms: usize, per_room: usize) -> anyhow::Result<Plan> {
    if rooms == 0 || per_room == 0 {
        bail!("--rooms and --per-room must be at least 1");
    }
    if db.exists() {
        bail!(
            "{} exists: seed-rooms writes a fresh database",
            db.display()
        );
    }
    // The schema, exactly as the server makes it.
    let epoch = format!("{:016x}", crate::readers::now_micros());
    drop(Database::open(
        &DbLocation::File(db.to_owned()),
        None,
        &epoch,
    )?);
    // One hash for everyone: nobody signs in with a password, sessions are seeded.
    let password_hash = hash_password(new_secret()).await;
    let accounts = rooms * per_room;
    // Sessions start now: they expire 30 days after their start, unused.
    let now = crate::readers::now_micros() / 1000;
    let mut conn = rusqlite::Connection::open(db)?;
    let tx = conn.transaction()?;
    let mut plan = Plan {
        rooms: Vec::with_capacity(rooms),
        accounts: Vec::with_capacity(accounts),
    };
    {
        let mut log = tx.prepare("INSERT INTO log (id, time, event) VALUES (?1, ?2, ?3)")?;
        let mut claim = tx.prepare("INSERT INTO claims (key, count) VALUES (?1, 1)")?;
        let mut append = |id: u64, event: &Event| {
            log.execute(params![id as i64, now as i64, event::to_json(event)])
        };
        for i in 0..accounts {
            let id = i as u64 + 1;
            let username = format!("u{i:05}");
            append(
                id,
                &Event::AccountCreated {
                    username: username.clone(),
                    display_name: username.clone(),
                    password_hash: password_hash.clone(),
                    role: Role::Member,
                    invite: None,
                },
            )?;
            claim.execute(params![format!("username:{}", name_key(&username))])?;
            plan.accounts.push(AccountPlan {
                id,
                username,
                token: new_secret(),
                room: 0,
            });
        }
        for (i, account) in plan.accounts.iter().enumerate() {
            let session = Event::SessionStarted {
                session: secret_hash(&account.token),
                account: account.id,
            };
            append((accounts + i) as u64 + 1, &session)?;
        }
        for r in 0..rooms {
            let id = (2 * accounts + r) as u64 + 1;
            let members: Vec<usize> = (r * per_room..(r + 1) * per_room).collect();
            let ids: Vec<u64> = members.iter().map(|m| plan.accounts[*m].id).collect();
            append(
                id,
                &Event::RoomCreated {
                    kind: RoomKind::Closed,
                    name: format!("room {r}"),
                    created_by: ids[0],
                    members: ids,
                },
            )?;
            for m in &members {
                plan.accounts[*m].room = id;
            }
            plan.rooms.push(RoomPlan { id, members });
        }
    }
    tx.commit()?;
    Ok(plan)
}

/// Reads a plan written by `seed-rooms`.
pub fn read_plan(path: &Path) -> anyhow::Result<Plan> {
    let json = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&json).with_context(|| format!("{} is not a plan", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use backend::event::Record;
    use std::collections::{HashMap, HashSet};

    #[tokio::test]
    async fn seeds_accounts_sessions_and_closed_rooms_the_server_reads_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rooms.db");
        let plan = seed(&path, 500, 10).await.unwrap();
        assert!(seed(&path, 1, 1).await.is_err(), "an existing file is kept");

        let db = Database::open(&DbLocation::File(path), None, "unused").unwrap();
        // The writer continues above every seeded event: no message reuses an id.
        assert_eq!(db.last_id, 5_000 + 5_000 + 500);
        let (mut accounts, mut sessions, mut rooms) = (HashSet::new(), HashMap::new(), Vec::new());
        for entry in db.events().unwrap() {
            match entry.record {
                Record::Event(Event::AccountCreated { .. }) => {
                    accounts.insert(entry.id);
                }
                Record::Event(Event::SessionStarted { session, account }) => {
                    sessions.insert(session, account);
                }
                Record::Event(Event::RoomCreated { kind, members, .. }) => {
                    assert_eq!(kind, RoomKind::Closed);
                    rooms.push((entry.id, members));
                }
                other => panic!("unexpected {other:?}"),
            }
        }
        assert_eq!(
            (accounts.len(), sessions.len(), rooms.len()),
            (5_000, 5_000, 500)
        );
        let mut seen = HashSet::new();
        for (id, members) in &rooms {
            let distinct: HashSet<_> = members.iter().collect();
            assert_eq!(distinct.len(), 10, "room {id}");
            assert!(members.iter().all(|m| accounts.contains(m)));
            assert!(members.iter().all(|m| seen.insert(*m)), "one room each");
        }
        for account in &plan.accounts {
            assert_eq!(
                sessions.get(&secret_hash(&account.token)),
                Some(&account.id)
            );
            let (_, members) = rooms.iter().find(|(id, _)| *id == account.room).unwrap();
            assert!(members.contains(&account.id));
        }
        assert_eq!(
            plan.rooms.iter().map(|r| r.id).collect::<Vec<_>>(),
            rooms.iter().map(|(id, _)| *id).collect::<Vec<_>>()
        );
    }
}
