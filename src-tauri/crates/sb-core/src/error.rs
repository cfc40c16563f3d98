//! Core errors: each has a stable [`CoreError::code`] the UI and CLI act on, and a message that
//! names what failed and what to do.

use sb_llm::LlmError;
use sb_secrets::SecretError;

/// Why a core operation failed.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The user's input cannot be used; the message says which field and why.
    #[error("{0}")]
    InvalidInput(String),
    /// The OS keyring failed or is missing.
    #[error(transparent)]
    Keyring(#[from] SecretError),
    /// No account has this id (it was removed, or the UI is stale).
    #[error("No account with id {0} exists; it may have been removed. Reload the account list.")]
    UnknownAccount(String),
    /// The account exists but its key is not in the keyring.
    #[error("The account \"{label}\" has no API key in the OS keyring. Add the key again in its settings.")]
    MissingKey {
        /// The account's label.
        label: String,
    },
    /// The keyring holds a key for the account, but bound to another origin than the account's.
    #[error("The account \"{label}\" cannot use its key: {problem}")]
    KeyNotBound {
        /// The account's label.
        label: String,
        /// What is wrong and what to do.
        problem: String,
    },
    /// The history store refused or failed (its code says which: `invalid_input`, `not_found`,
    /// `internal`...).
    #[error("{message}")]
    History {
        /// The store's error code.
        code: &'static str,
        /// What failed and what to do.
        message: String,
    },
    /// Reading or writing the data directory failed.
    #[error("{0}")]
    Storage(String),
    /// The provider request failed.
    #[error("{0}")]
    Llm(#[from] LlmError),
}

impl CoreError {
    /// Stable snake_case code, shared with the UI (`ui/src/ipc/types.ts` `ErrorCode`).
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidInput(_) => "invalid_input",
            Self::Keyring(_) => "keyring",
            Self::UnknownAccount(_) => "not_found",
            Self::MissingKey { .. } | Self::KeyNotBound { .. } => "auth",
            Self::Storage(_) => "internal",
            Self::History { code, .. } => code,
            Self::Llm(error) => error.code(),
        }
    }
}
