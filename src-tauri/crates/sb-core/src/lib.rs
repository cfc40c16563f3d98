//! Switchboard's core: accounts (keys only in the OS keyring) and the chat service that streams
//! an answer, renders it and can be cancelled. It knows no window: it reports through a callback
//! it is given, so the Tauri app, the CLI and tests drive it the same way.
#![deny(missing_docs)]

pub mod account;
pub mod attachment;
pub mod catalog;
pub mod chat;
pub mod data_dir;
pub mod error;
pub mod history;
pub mod pacing;
pub mod preset;
pub mod remote_image;
pub mod router;
pub mod settings;
pub mod title;

use std::path::Path;
use std::sync::Arc;

pub use account::{
    Account, AccountId, AccountSummary, AccountUpdate, Accounts, CustomModel, NewAccount,
};
pub use chat::{
    AccountHealth, ChatService, Rendered, RenderedPage, RenderedPart, Route, RoutedRequest,
    TurnEvent, TurnOutcome, TurnRequest,
};
pub use error::CoreError;
pub use sb_llm::chat_completions::{Message, Role};
pub use sb_llm::{params, Api, Params};
pub use sb_secrets::{CachingStore, KeyringStore, MemoryStore, Secret, SecretStore};

/// Everything the app and the CLI share, opened on one data directory.
#[derive(Debug, Clone)]
pub struct Switchboard {
    accounts: Arc<Accounts>,
    chat: ChatService,
    settings: Arc<settings::Settings>,
    /// Where the data lives (accounts, history, settings; keys are in the keyring).
    data_dir: Arc<std::path::PathBuf>,
    /// The history store, opened on first use (a damaged history must not keep the accounts
    /// from working).
    history: Arc<LazyHistory>,
}

/// The history store's path and, once opened, the store or why it could not open.
#[derive(Debug)]
struct LazyHistory {
    path: std::path::PathBuf,
    store: std::sync::OnceLock<Result<Arc<sb_store::Store>, (&'static str, String)>>,
}

impl Switchboard {
    /// Opens the data in `data_dir` (created if missing), keeping keys in `secrets`.
    pub fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        let accounts = Arc::new(Accounts::open(data_dir, secrets)?);
        let settings = Arc::new(settings::Settings::open(data_dir)?);
        let chat = ChatService::new(accounts.clone())?
            .with_protocols_file(data_dir.join("protocols.json"))
            .with_discovered_file(data_dir.join("catalog.json"))
            .with_settings(settings.clone());
        Ok(Self {
            accounts,
            chat,
            settings,
            data_dir: Arc::new(data_dir.to_owned()),
            history: Arc::new(LazyHistory {
                path: data_dir.join(history::FILE_NAME),
                store: std::sync::OnceLock::new(),
            }),
        })
    }

    /// The history store (`history.sqlite3` in the data directory), opened and migrated on
    /// first use. A damaged or newer database is an error every time, never replaced.
    pub fn history(&self) -> Result<Arc<sb_store::Store>, CoreError> {
        let opened = self.history.store.get_or_init(|| {
            sb_store::Store::open(&self.history.path)
                .map(Arc::new)
                .map_err(|e| match CoreError::from(e) {
                    CoreError::History { code, message } => (code, message),
                    other => ("internal", other.to_string()),
                })
        });
        opened
            .clone()
            .map_err(|(code, message)| CoreError::History { code, message })
    }

    /// Does now what the window's first calls need, so they find it done: opens the history
    /// and reads every account's keyring entries (into the store's memory, when it keeps one).
    /// Meant for a background thread at start, while the window loads; failures are left for
    /// those calls to report.
    pub fn warm_up(&self) {
        let _ = self.history();
        let _ = self.accounts.list();
    }

    /// The accounts.
    pub fn accounts(&self) -> &Arc<Accounts> {
        &self.accounts
    }

    /// The chat service.
    pub fn chat(&self) -> &ChatService {
        &self.chat
    }

    /// The data directory this was opened on.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The app-wide settings (the default proxy).
    pub fn settings(&self) -> &Arc<settings::Settings> {
        &self.settings
    }
}
