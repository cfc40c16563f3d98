//! The schema, its migrations, and the checks made before a file is touched.
//!
//! Versions live in `PRAGMA user_version`; migration `n` (1-based) takes the file from version
//! `n - 1` to `n` in one transaction. A file is checked through a read-only connection first
//! (SQLite header, owner, version, `quick_check`), so a file that is refused is never written.

use std::io::Read as _;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Context as _, StoreError};

/// `PRAGMA application_id` of a Switchboard history ("SBhs"), so another program's SQLite
/// file is refused instead of migrated.
pub(crate) const APPLICATION_ID: i32 = 0x5342_6873;

/// How long a writer waits for another connection's lock before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The migrations, oldest first. Never edit one that shipped; add a new one.
const MIGRATIONS: &[&str] = &[MIGRATION_1];

/// The schema version this build writes.
pub(crate) const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// Version 1: conversations, the message tree, and trigram search indexes over message text
/// and conversation titles.
///
/// - `seq` is each table's rowid, the search indexes' key (an explicit `INTEGER PRIMARY KEY`,
///   so `VACUUM` never renumbers it); `id` is the public UUID.
/// - `depth` is the message's index in any branch through it (root = 0), so a page of a
///   branch is found without reading the messages before it.
/// - Streaming answers are not indexed: their text is rewritten every few hundred ms, and
///   re-indexing it each time would cost O(n^2) for a long answer. They are indexed once they
///   end (the triggers watch `status`).
const MIGRATION_1: &str = r#"
PRAGMA application_id = 1396861043;

CREATE TABLE conversations (
    seq             INTEGER PRIMARY KEY,
    id              TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL DEFAULT '',
    title_generated INTEGER NOT NULL DEFAULT 0 CHECK (title_generated IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    pinned          INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
    archived        INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    system_prompt   TEXT,
    target          TEXT,
    params          TEXT,
    current_leaf    TEXT
) STRICT;

CREATE INDEX conversations_list ON conversations (archived, pinned DESC, updated_at DESC);

CREATE TABLE messages (
    seq               INTEGER PRIMARY KEY,
    id                TEXT NOT NULL UNIQUE,
    conversation_id   TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    parent_id         TEXT REFERENCES messages (id) ON DELETE CASCADE,
    depth             INTEGER NOT NULL CHECK (depth >= 0),
    role              TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
    created_at        INTEGER NOT NULL,
    content           TEXT NOT NULL DEFAULT '',
    reasoning         TEXT NOT NULL DEFAULT '',
    images            TEXT NOT NULL DEFAULT '[]',
    model             TEXT,
    status            TEXT NOT NULL
        CHECK (status IN ('complete', 'streaming', 'interrupted', 'stopped', 'error')),
    route             TEXT,
    api               TEXT CHECK (api IN ('chat', 'responses')),
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    total_tokens      INTEGER,
    reasoning_tokens  INTEGER,
    cached_tokens     INTEGER,
    ttft_ms           INTEGER,
    tokens_per_second REAL,
    finish_reason     TEXT,
    error_code        TEXT,
    error_message     TEXT
) STRICT;

-- Siblings (children of one parent, or the roots of one conversation), oldest first, read
-- from the index alone; also serves deleting a conversation's messages.
CREATE INDEX messages_siblings ON messages (conversation_id, parent_id, created_at, seq, id);
-- Children of a message: the foreign-key check when a message is deleted, and tree walks.
CREATE INDEX messages_children ON messages (parent_id, created_at, seq);
-- Answers left streaming by a crash, found at open without scanning every message.
CREATE INDEX messages_streaming ON messages (seq) WHERE status = 'streaming';

CREATE VIRTUAL TABLE messages_fts USING fts5 (
    content,
    content = 'messages',
    content_rowid = 'seq',
    tokenize = 'trigram'
);

CREATE VIRTUAL TABLE conversations_fts USING fts5 (
    title,
    content = 'conversations',
    content_rowid = 'seq',
    tokenize = 'trigram'
);

CREATE TRIGGER conversations_fts_insert AFTER INSERT ON conversations
BEGIN
    INSERT INTO conversations_fts (rowid, title) VALUES (new.seq, new.title);
END;

CREATE TRIGGER conversations_fts_delete AFTER DELETE ON conversations
BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title)
        VALUES ('delete', old.seq, old.title);
END;

CREATE TRIGGER conversations_fts_update AFTER UPDATE OF title ON conversations
WHEN old.title IS NOT new.title
BEGIN
    INSERT INTO conversations_fts (conversations_fts, rowid, title)
        VALUES ('delete', old.seq, old.title);
    INSERT INTO conversations_fts (rowid, title) VALUES (new.seq, new.title);
END;

CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
WHEN new.status <> 'streaming'
BEGIN
    INSERT INTO messages_fts (rowid, content) VALUES (new.seq, new.content);
END;

CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
WHEN old.status <> 'streaming'
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content) VALUES ('delete', old.seq, old.content);
END;

CREATE TRIGGER messages_fts_update AFTER UPDATE OF content, status ON messages
WHEN old.content IS NOT new.content
  OR (old.status = 'streaming') <> (new.status = 'streaming')
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, content)
        SELECT 'delete', old.seq, old.content WHERE old.status <> 'streaming';
    INSERT INTO messages_fts (rowid, content)
        SELECT new.seq, new.content WHERE new.status <> 'streaming';
END;
"#;

/// Checks an existing file without writing to it: it must be a SQLite database that is empty
/// or ours, not newer than this build, and pass `quick_check`. A missing or empty file is a new
/// history.
pub(crate) fn check_existing(path: &Path) -> Result<(), StoreError> {
    let damaged = |detail: String| StoreError::Damaged {
        path: path.to_owned(),
        detail,
    };
    let metadata = match std::fs::metadata(path) {
        Ok(metadata) => metadata,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => {
            return Err(StoreError::Open {
                path: path.to_owned(),
                detail: e.to_string(),
            })
        }
    };
    if !metadata.is_file() {
        return Err(damaged("it is not a file".into()));
    }
    if metadata.len() == 0 {
        return Ok(());
    }
    let mut header = [0u8; 16];
    let read = std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .map_err(|e| StoreError::Open {
            path: path.to_owned(),
            detail: e.to_string(),
        });
    if read.is_err() || &header != b"SQLite format 3\0" {
        return Err(damaged("it is not a SQLite database".into()));
    }

    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| damaged(format!("SQLite cannot open it ({e})")))?;
    conn.busy_timeout(BUSY_TIMEOUT)
        .map_err(|e| damaged(format!("SQLite cannot open it ({e})")))?;
    let read_header = || -> rusqlite::Result<(i64, i32, i64)> {
        let version = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        let application_id = conn.pragma_query_value(None, "application_id", |r| r.get(0))?;
        let objects = conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        Ok((version, application_id, objects))
    };
    let (version, application_id, objects) =
        read_header().map_err(|e| damaged(format!("SQLite cannot read it ({e})")))?;
    if application_id != APPLICATION_ID && (application_id != 0 || objects > 0) {
        return Err(damaged(
            "it is a SQLite database of another program, not a Switchboard history".into(),
        ));
    }
    if version > SCHEMA_VERSION {
        return Err(StoreError::NewerVersion {
            path: path.to_owned(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    let problems = quick_check(&conn)
        .map_err(|e| damaged(format!("SQLite's quick_check found damage: {e}")))?;
    if !problems.is_empty() {
        return Err(damaged(format!(
            "SQLite's quick_check found damage ({})",
            problems.join("; ")
        )));
    }
    Ok(())
}

/// The problems `PRAGMA quick_check` reports (at most 5); empty when the file is sound.
///
/// Checked table by table: every ordinary table (the search index's own tables included) and
/// its indexes, which reads the whole file once. A whole-file `quick_check` would also run
/// FTS5's semantic check of the search index, which took 38 s on a million messages (the
/// B-trees: 2.7 s); the index is derived from the messages, and [`crate::Store::integrity_check`]
/// still checks it in full.
fn quick_check(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let tables = conn
        .prepare(
            "SELECT name FROM sqlite_schema WHERE type = 'table' \
             AND sql NOT LIKE 'CREATE VIRTUAL TABLE%' ORDER BY rootpage",
        )?
        .query_map([], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut problems = Vec::new();
    for table in tables {
        let sql = format!("PRAGMA quick_check(\"{}\")", table.replace('"', "\"\""));
        let mut statement = conn.prepare(&sql)?;
        let lines = statement
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        problems.extend(lines.into_iter().filter(|line| line != "ok").take(5));
        if problems.len() >= 5 {
            break;
        }
    }
    problems.truncate(5);
    Ok(problems)
}

/// The connection settings: WAL (readers never wait for the writer), `synchronous=NORMAL`
/// (durable at checkpoints; a power cut may lose the last commits but never corrupts),
/// foreign keys on, and a busy timeout for a second process such as the `sb` command line.
pub(crate) fn configure(conn: &Connection, in_memory: bool) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)
        .during("setting the busy timeout")?;
    if !in_memory {
        let mode: String = conn
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .during("switching to WAL mode")?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::InvalidInput(format!(
                "The history database could not use write-ahead logging (SQLite chose {mode}); \
                 keep the data folder on a local disk."
            )));
        }
    }
    conn.pragma_update(None, "synchronous", "NORMAL")
        .during("setting synchronous=NORMAL")?;
    conn.pragma_update(None, "foreign_keys", true)
        .during("turning foreign keys on")?;
    Ok(())
}

/// Brings the schema to [`SCHEMA_VERSION`], each migration in its own transaction. The version
/// is read again inside each transaction, so two processes opening at once do not both migrate.
pub(crate) fn migrate(conn: &mut Connection, path: &Path) -> Result<(), StoreError> {
    for (index, sql) in MIGRATIONS.iter().enumerate() {
        let target = index as i64 + 1;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .during("starting a migration")?;
        let version: i64 = tx
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .during("reading the schema version")?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::NewerVersion {
                path: path.to_owned(),
                found: version,
                supported: SCHEMA_VERSION,
            });
        }
        if version >= target {
            continue; // dropping `tx` ends the transaction without changes
        }
        tx.execute_batch(sql).during("migrating the schema")?;
        tx.pragma_update(None, "user_version", target)
            .during("recording the schema version")?;
        tx.commit().during("committing a migration")?;
    }
    Ok(())
}

/// Marks answers left `streaming` by a crash as `interrupted`, keeping their text. Returns how
/// many there were.
pub(crate) fn recover_interrupted(conn: &Connection) -> Result<usize, StoreError> {
    conn.execute(
        "UPDATE messages SET status = 'interrupted' WHERE status = 'streaming'",
        [],
    )
    .during("marking unfinished answers as interrupted")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_sqlite_has_fts5_with_the_trigram_tokenizer() -> rusqlite::Result<()> {
        let conn = Connection::open_in_memory()?;
        let fts5: bool =
            conn.query_row("SELECT sqlite_compileoption_used('ENABLE_FTS5')", [], |r| {
                r.get(0)
            })?;
        conn.execute_batch(
            "CREATE VIRTUAL TABLE t USING fts5 (x, tokenize = 'trigram'); \
             INSERT INTO t VALUES ('今日は良い天気');",
        )?;
        let found: i64 = conn.query_row(
            "SELECT count(*) FROM t WHERE t MATCH '\"良い天\"'",
            [],
            |r| r.get(0),
        )?;
        assert!(fts5);
        assert_eq!(found, 1);
        Ok(())
    }

    #[test]
    fn application_id_in_sql_matches_the_constant() {
        assert!(MIGRATION_1.contains(&format!("application_id = {APPLICATION_ID};")));
    }
}
