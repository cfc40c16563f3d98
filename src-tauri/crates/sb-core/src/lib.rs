//! Switchboard's core: accounts (keys only in the OS keyring) and the chat service that streams
//! an answer, renders it and can be cancelled. It knows no window: it reports through a callback
//! it is given, so the Tauri app, the CLI and tests drive it the same way.
#![deny(missing_docs)]

pub mod account;
pub mod catalog;
pub mod chat;
pub mod data_dir;
pub mod error;
pub mod preset;
pub mod router;

use std::path::Path;
use std::sync::Arc;

pub use account::{
    Account, AccountId, AccountSummary, AccountUpdate, Accounts, CustomModel, NewAccount,
};
pub use chat::{
    AccountHealth, ChatService, Route, RoutedRequest, TurnEvent, TurnOutcome, TurnRequest,
};
pub use error::CoreError;
pub use sb_llm::chat_completions::{Message, Role};
pub use sb_llm::{params, Api, Params};
pub use sb_secrets::{KeyringStore, MemoryStore, Secret, SecretStore};

/// Everything the app and the CLI share, opened on one data directory.
#[derive(Debug, Clone)]
pub struct Switchboard {
    accounts: Arc<Accounts>,
    chat: ChatService,
}

impl Switchboard {
    /// Opens the data in `data_dir` (created if missing), keeping keys in `secrets`.
    pub fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        let accounts = Arc::new(Accounts::open(data_dir, secrets)?);
        let chat = ChatService::new(accounts.clone())?
            .with_protocols_file(data_dir.join("protocols.json"))
            .with_discovered_file(data_dir.join("catalog.json"));
        Ok(Self { accounts, chat })
    }

    /// The accounts.
    pub fn accounts(&self) -> &Arc<Accounts> {
        &self.accounts
    }

    /// The chat service.
    pub fn chat(&self) -> &ChatService {
        &self.chat
    }
}
