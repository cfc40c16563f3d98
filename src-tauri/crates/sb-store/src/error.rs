//! Store errors: each says what failed and what to do, and has a stable [`StoreError::code`].

use std::path::PathBuf;

use crate::model::{ConversationId, MessageId, MessageStatus};

/// Why a history operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a Switchboard history database, or SQLite found it damaged. It was not
    /// changed.
    #[error(
        "The history database {path} cannot be used: {detail}. Switchboard did not change it. \
         Move it out of the way (with any -wal and -shm file beside it) and start again to begin \
         a new history; the moved copy may still be recoverable with sqlite3's `.recover`."
    )]
    Damaged {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        detail: String,
    },
    /// The file was written by a newer Switchboard. It was not changed.
    #[error(
        "The history database {path} was written by a newer Switchboard (schema version {found}; \
         this version understands up to {supported}). It was not changed; update Switchboard to \
         open it."
    )]
    NewerVersion {
        /// The file.
        path: PathBuf,
        /// Its schema version.
        found: i64,
        /// The newest this build understands.
        supported: i64,
    },
    /// The file or its folder cannot be opened or created.
    #[error("Cannot open the history database {path}: {detail}")]
    Open {
        /// The file.
        path: PathBuf,
        /// The operating system's or SQLite's words.
        detail: String,
    },
    /// No conversation has this id.
    #[error("No conversation with id {0} exists; it may have been deleted. Reload the list.")]
    ConversationNotFound(ConversationId),
    /// No message has this id.
    #[error("No message with id {0} exists; it may have been deleted. Reload the conversation.")]
    MessageNotFound(MessageId),
    /// The request cannot be carried out as asked; the message says which part and why.
    #[error("{0}")]
    InvalidInput(String),
    /// An answer's text or end was saved after it had already ended.
    #[error(
        "The answer {id} has already ended ({status}); its text can no longer change. Start a new \
         answer instead."
    )]
    NotStreaming {
        /// The answer.
        id: MessageId,
        /// How it ended.
        status: MessageStatus,
    },
    /// The stored tree contradicts itself (a bug or an edit by another program).
    #[error(
        "The history is inconsistent: {0}. Export what you can and report this; Switchboard did \
         not change anything."
    )]
    Inconsistent(String),
    /// An import file is malformed; nothing was imported.
    #[error("Nothing was imported: {0}")]
    Import(String),
    /// SQLite failed while doing `operation`.
    #[error("History database: {operation} failed: {source}")]
    Sqlite {
        /// What the store was doing.
        operation: &'static str,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

impl StoreError {
    /// Stable snake_case code for front ends (matches the UI's `ErrorCode` vocabulary where the
    /// meaning is shared).
    pub fn code(&self) -> &'static str {
        match self {
            Self::Damaged { .. } => "history_damaged",
            Self::NewerVersion { .. } => "history_newer",
            Self::Open { .. } | Self::Sqlite { .. } | Self::Inconsistent(_) => "internal",
            Self::ConversationNotFound(_) | Self::MessageNotFound(_) => "not_found",
            Self::InvalidInput(_) | Self::NotStreaming { .. } => "invalid_input",
            Self::Import(_) => "import",
        }
    }
}

/// Names the operation on a SQLite error.
pub(crate) trait Context<T> {
    /// Wraps the error with what the store was doing.
    fn during(self, operation: &'static str) -> Result<T, StoreError>;
}

impl<T> Context<T> for Result<T, rusqlite::Error> {
    fn during(self, operation: &'static str) -> Result<T, StoreError> {
        self.map_err(|source| StoreError::Sqlite { operation, source })
    }
}
