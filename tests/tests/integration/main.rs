//! Cross-crate integration tests: the core against the provider simulator over loopback, and the
//! real Secret Service. Run by the README test command inside `dbus-run-session` with an
//! unlocked gnome-keyring (see `.ci/test-layers`).

mod accounts;
mod catalog;
mod chat;
mod keyring;
mod openapi;
mod providers;
mod proxy;
mod remote_image;
mod routing;
mod settings;
mod titles;

use std::path::PathBuf;
use std::sync::Arc;

use sb_core::{MemoryStore, NewAccount, Secret, SecretStore, Switchboard};

/// A throw-away data directory, removed when dropped.
#[derive(Debug)]
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("sb-it-{tag}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A core on a fresh data dir with an in-memory key store, plus one account pointing at
/// `base_url` with `key`.
pub fn core_with_account(
    base_url: &str,
    key: &str,
    store: Arc<dyn SecretStore>,
) -> (TempDir, Switchboard, sb_core::AccountId) {
    let dir = TempDir::new("core");
    let core = Switchboard::open(&dir.0, store).expect("open core");
    let added = core
        .accounts()
        .add(account_input("Simulator", base_url, key, "custom"))
        .expect("add account");
    (dir, core, added.account.id)
}

/// The add-account input the tests use: chat completions, model `gpt-5.1`, no extras.
pub fn account_input(label: &str, base_url: &str, key: &str, preset: &str) -> NewAccount {
    NewAccount {
        label: label.into(),
        base_url: base_url.into(),
        api_key: Secret::new(key.into()),
        model: "gpt-5.1".into(),
        api: sb_core::Api::ChatCompletions,
        server_state: false,
        preset: preset.into(),
        allow_http: false,
        headers: Vec::new(),
        ..NewAccount::default()
    }
}

pub fn memory_store() -> Arc<dyn SecretStore> {
    Arc::new(MemoryStore::default())
}
