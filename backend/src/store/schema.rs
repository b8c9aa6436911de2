//! The database's schema, one migration per release that changed it. [`super::database`]
//! runs them at start; a step never changes once released (a change is a new step).

use rusqlite_migration::{Migrations, M};

/// The schema, one version per step (`PRAGMA user_version` says which ran). A database
/// is brought up to the newest at start, in place, in one transaction per step.
pub(super) fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        // 1: the schema before versions were kept. IF NOT EXISTS: a database made by an
        // earlier release has it already (at user_version 0) and is marked 1 as it is.
        M::up(
            "CREATE TABLE IF NOT EXISTS messages (
                 id   INTEGER PRIMARY KEY AUTOINCREMENT,
                 user TEXT    NOT NULL,
                 text TEXT    NOT NULL,
                 time INTEGER NOT NULL
             );
             CREATE INDEX IF NOT EXISTS messages_time ON messages(time);
             CREATE TABLE IF NOT EXISTS meta (
                 key   TEXT PRIMARY KEY,
                 value TEXT NOT NULL
             );",
        ),
        // 2: a message records its author's account, or that a guest wrote it. Messages
        // from before accounts existed were all written by whoever typed a name: guests.
        M::up(
            "ALTER TABLE messages ADD COLUMN account TEXT;
             ALTER TABLE messages ADD COLUMN guest INTEGER NOT NULL DEFAULT 1;",
        ),
        // 3: the rest of the chat's log (accounts, sessions, invites: see event.rs), with
        // ids from the same sequence as the messages, and the claims that keep usernames
        // unique and count an invite's uses.
        M::up(
            "CREATE TABLE log (
                 id    INTEGER PRIMARY KEY,
                 time  INTEGER NOT NULL,
                 event TEXT    NOT NULL
             );
             CREATE TABLE claims (
                 key   TEXT PRIMARY KEY,
                 count INTEGER NOT NULL
             );",
        ),
        // 4: rooms. Every message so far was posted in the lobby (room 0); a room's
        // history is read newest first by (room, id).
        M::up(
            "ALTER TABLE messages ADD COLUMN room INTEGER NOT NULL DEFAULT 0;
             CREATE INDEX messages_room ON messages(room, id);",
        ),
        // 5: mentions. A message keeps the usernames it mentions (space-separated; older
        // rows: none) and whether it says `@here`. Read markers and notification levels
        // live beside the log, not in it, so reading grows nothing: one row per account
        // and room, `notify` NULL until the account chooses (then its default applies).
        M::up(
            "ALTER TABLE messages ADD COLUMN mentions TEXT;
             ALTER TABLE messages ADD COLUMN here INTEGER NOT NULL DEFAULT 0;
             CREATE TABLE reads (
                 account INTEGER NOT NULL,
                 room    INTEGER NOT NULL,
                 read    INTEGER NOT NULL DEFAULT 0,
                 notify  TEXT,
                 PRIMARY KEY (account, room)
             ) WITHOUT ROWID;",
        ),
        // 6: edits and deletions (store/changes.rs): a message is rewritten in place and
        // marks that it was edited, or that it was deleted (its text then empty).
        M::up(
            "ALTER TABLE messages ADD COLUMN edited INTEGER NOT NULL DEFAULT 0;
             ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0;",
        ),
        // 7: search (store/fts.rs): a full-text index of the messages' text, kept in step
        // by triggers, filled from the messages already stored.
        M::up(super::fts_schema::SEARCH_INDEX),
        // 8: reactions (store/reactions.rs): who reacted to which message with what, and
        // the log id that added it (the order they are shown in).
        M::up(
            "CREATE TABLE reactions (
                 message INTEGER NOT NULL,
                 emoji   TEXT    NOT NULL,
                 account TEXT    NOT NULL,
                 entry   INTEGER NOT NULL,
                 PRIMARY KEY (message, emoji, account)
             ) WITHOUT ROWID;",
        ),
    ])
}
