//! The history store: every conversation in one SQLite file, as a tree of messages, with
//! full-text search, export and import.
//!
//! - **Never lost.** An answer is saved while it streams ([`Store::save_progress`]); one left
//!   `streaming` by a crash is marked `interrupted` at the next open, its text kept. Imports
//!   are validated whole and written in one transaction. A damaged file, another program's
//!   file, or one from a newer version is refused with a message and never written to.
//! - **A tree, not a list.** Editing a user message or regenerating an answer adds a sibling;
//!   the conversation remembers which branch is shown ([`Store::branch`],
//!   [`Store::switch_branch`]), and a long branch loads one screen at a time
//!   ([`Store::branch_page`]).
//! - **Search any language.** FTS5 with the trigram tokenizer finds substrings in English,
//!   Chinese or Japanese alike; shorter queries fall back to a scan ([`Store::search`]).
//!
//! The store knows nothing of providers or windows: routes, targets and parameters are JSON
//! text chosen by the caller, kept and exported as given.
#![deny(missing_docs)]

mod chatgpt;
mod conversations;
mod error;
mod export;
mod import;
mod messages;
mod model;
mod rows;
mod schema;
mod search;
mod tree;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError};

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use error::StoreError;
pub use export::{format_utc, EXPORT_FORMAT, EXPORT_VERSION};
pub use model::{
    AnswerEnd, AnswerStart, Api, BranchPage, Conversation, ConversationId, ConversationPatch,
    Image, ImportReport, ListQuery, Message, MessageError, MessageId, MessageStatus,
    NewConversation, NewMessage, Role, SearchHit, ThreadMessage, Usage,
};

use error::Context as _;

/// The history. `Send + Sync`; share it in an `Arc`.
///
/// Two SQLite connections, each behind a mutex: one writes, one (read-only) reads. In WAL mode
/// a reader sees every committed write and never waits for the writer, so a slow read (a
/// one-character search scanning a million messages) does not hold up an answer being saved.
/// Every method is one short transaction; none holds a lock while waiting on anything but
/// SQLite.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// `None` in memory, where a second connection would see another database.
    reader: Option<Mutex<Connection>>,
    path: Option<PathBuf>,
}

impl Store {
    /// Opens (or creates) the history at `path`, migrating it to the current schema and marking
    /// answers left streaming by a crash as interrupted.
    ///
    /// Refused, and left exactly as it was: a file that is not a SQLite database, another
    /// program's database, a file `quick_check` finds damaged ([`StoreError::Damaged`]), and a
    /// file from a newer Switchboard ([`StoreError::NewerVersion`]).
    ///
    /// The check reads the whole file once (every table and index; the search index's own
    /// consistency is left to [`Store::integrity_check`]): about 50 ms for 20,000 messages and
    /// 3.5 s for a million on the development machine (BENCHMARKS.md). Call it off the UI thread.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref();
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| StoreError::Open {
                path: path.to_owned(),
                detail: format!("cannot create the folder {}: {e}", dir.display()),
            })?;
        }
        schema::check_existing(path)?;
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        schema::configure(&conn, false)?;
        schema::migrate(&mut conn, path)?;
        schema::recover_interrupted(&conn)?;
        let reader = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(|e| StoreError::Open {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        reader
            .busy_timeout(schema::BUSY_TIMEOUT)
            .during("setting the busy timeout")?;
        Ok(Self {
            conn: Mutex::new(conn),
            reader: Some(Mutex::new(reader)),
            path: Some(path.to_owned()),
        })
    }

    /// A history in memory, gone when dropped (for tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        let path = PathBuf::from(":memory:");
        let mut conn = Connection::open_in_memory().map_err(|e| StoreError::Open {
            path: path.clone(),
            detail: e.to_string(),
        })?;
        schema::configure(&conn, true)?;
        schema::migrate(&mut conn, &path)?;
        Ok(Self {
            conn: Mutex::new(conn),
            reader: None,
            path: None,
        })
    }

    /// The file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// Runs `PRAGMA integrity_check` (reads the whole file, search index included): `true` when
    /// SQLite finds no damage.
    pub fn integrity_check(&self) -> Result<bool, StoreError> {
        self.read("checking integrity", |tx| {
            // FTS5 keeps the index structure cached per connection and refreshes it when a
            // query or write opens the table, but its integrity check does not: after another
            // connection wrote, it would check a stale structure and report damage that is not
            // there. Touching the table first refreshes it (in this same snapshot).
            tx.query_row(
                "SELECT count(*) FROM messages_fts WHERE rowid = 0",
                [],
                |r| r.get::<_, i64>(0),
            )
            .during("checking integrity")?;
            let first: String = tx
                .query_row("PRAGMA integrity_check(1)", [], |r| r.get(0))
                .during("checking integrity")?;
            Ok(first == "ok")
        })
    }

    /// The writing connection. A panic while it was held left no open transaction behind
    /// (rusqlite rolls back on drop), so a poisoned lock is still consistent.
    fn lock(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The reading connection (the writing one in memory).
    fn lock_reader(&self) -> MutexGuard<'_, Connection> {
        match &self.reader {
            Some(reader) => reader.lock().unwrap_or_else(PoisonError::into_inner),
            None => self.lock(),
        }
    }

    /// Runs `work` in one write transaction, committed only if it succeeds. `IMMEDIATE` takes the
    /// write lock at the start, so a second process waits (up to the busy timeout) instead of
    /// failing halfway.
    fn write<T>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .during(operation)?;
        let value = work(&tx)?;
        tx.commit().during(operation)?;
        Ok(value)
    }

    /// Runs `work` in one read transaction: a consistent snapshot across its queries.
    fn read<T>(
        &self,
        operation: &'static str,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self.lock_reader();
        let tx = conn.transaction().during(operation)?;
        work(&tx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn store_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Store>();
    }
}
