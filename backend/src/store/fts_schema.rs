//! The full-text index's schema, apart so that both the database's migrations and each
//! Redis node's in-memory index create the same one (searched by `fts.rs`).
//!
//! An external-content FTS5 table: it keeps tokens, not text. With FTS5's `secure-delete`
//! on (a persistent option of the table), the tokens of a text that goes (an edit's old
//! text, a deleted message, retention) are removed from its b-trees rather than only
//! marked deleted, so together with `PRAGMA secure_delete` no deleted word stays in the
//! file.

/// The full-text index of the messages' text (`fts.rs` searches it): created over an
/// existing `messages` table, filled, and kept in step by triggers.
pub(crate) const SEARCH_INDEX: &str = "
    CREATE VIRTUAL TABLE messages_fts USING fts5(
        text, content = 'messages', content_rowid = 'id'
    );
    INSERT INTO messages_fts (messages_fts, rank) VALUES ('secure-delete', 1);
    INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
        INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
    END;";
