//! Accounts: a label, a base URL and a default model, saved in `accounts.json` in the data
//! directory. The key is not part of an account: it lives in the [`SecretStore`] under the
//! account's id, and nothing here ever returns it to a caller outside this crate.

use std::fmt;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use sb_secrets::{Secret, SecretStore};
use serde::{Deserialize, Serialize};

use crate::error::CoreError;

/// An account's id: stable, random, and the name of its keyring entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AccountId(String);

impl AccountId {
    fn generate() -> Self {
        Self(uuid::Uuid::new_v4().to_string())
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AccountId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<String> for AccountId {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// A configured provider account. Holds no key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Its id.
    pub id: AccountId,
    /// The user's name for it.
    pub label: String,
    /// The provider's base URL, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    /// The model ID used unless the user picks another.
    pub model: String,
    /// The wire protocol this account speaks (files from before the choice existed: chat).
    #[serde(default)]
    pub api: sb_llm::Api,
    /// Responses API: continue conversations from the provider's stored response
    /// (`previous_response_id`) instead of resending the history each turn.
    #[serde(default)]
    pub server_state: bool,
    /// The provider preset this account was made from (`custom` when none).
    #[serde(default = "custom_preset")]
    pub preset: String,
    /// The user allowed plain `http://` to a host that is not this machine, knowing the key then
    /// travels unencrypted.
    #[serde(default)]
    pub allow_http: bool,
    /// Extra headers sent with every request to this account (e.g. an organisation id).
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// Disabled accounts keep their key but serve no requests and no routes.
    #[serde(default = "enabled_by_default")]
    pub enabled: bool,
}

fn enabled_by_default() -> bool {
    true
}

fn custom_preset() -> String {
    "custom".to_owned()
}

impl Account {
    /// Whether this account's provider needs a key (local servers usually do not).
    pub fn key_required(&self) -> bool {
        crate::preset::preset(&self.preset).is_none_or(|p| p.key_required)
    }
}

/// What a front end may know about an account: never the key, only whether one is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountSummary {
    /// The account.
    pub account: Account,
    /// Whether the keyring holds its key.
    pub has_key: bool,
    /// The key's last four characters, so the user can tell which key is stored.
    pub key_hint: Option<String>,
}

/// A new account as the user entered it.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Label.
    pub label: String,
    /// Base URL.
    pub base_url: String,
    /// API key, to be stored in the keyring only.
    pub api_key: Secret<String>,
    /// Default model ID.
    pub model: String,
    /// Wire protocol.
    pub api: sb_llm::Api,
    /// Continue from the provider's stored response (Responses API only).
    pub server_state: bool,
    /// Provider preset id (`custom` when none); decides whether a key is required.
    pub preset: String,
    /// Allow plain `http://` to a host other than this machine.
    pub allow_http: bool,
    /// Extra headers sent with every request (`NAME`, `value`).
    pub headers: Vec<(String, String)>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct AccountsFile {
    version: u32,
    accounts: Vec<Account>,
}

const FILE_VERSION: u32 = 1;
const FILE_NAME: &str = "accounts.json";

/// The account list, saved on every change.
#[derive(Debug)]
pub struct Accounts {
    path: PathBuf,
    secrets: Arc<dyn SecretStore>,
    list: Mutex<Vec<Account>>,
}

impl Accounts {
    /// Loads the accounts in `data_dir`. A file from a newer version or a damaged file is an
    /// error, never silently replaced.
    pub fn open(data_dir: &Path, secrets: Arc<dyn SecretStore>) -> Result<Self, CoreError> {
        std::fs::create_dir_all(data_dir).map_err(|e| {
            CoreError::Storage(format!(
                "Cannot create the data directory {}: {e}",
                data_dir.display()
            ))
        })?;
        let path = data_dir.join(FILE_NAME);
        let list = match std::fs::read(&path) {
            Ok(bytes) => parse_file(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                return Err(CoreError::Storage(format!(
                    "Cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        Ok(Self {
            path,
            secrets,
            list: Mutex::new(list),
        })
    }

    fn list_guard(&self) -> MutexGuard<'_, Vec<Account>> {
        // Every mutation writes the file before touching the list, so a poisoned lock still
        // holds a consistent list.
        self.list.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Validates and adds an account, storing its key in the keyring first: if the keyring
    /// refuses, nothing is saved.
    pub fn add(&self, new: NewAccount) -> Result<AccountSummary, CoreError> {
        let preset = new.preset.trim();
        let preset = if preset.is_empty() { "custom" } else { preset };
        if crate::preset::preset(preset).is_none() {
            return Err(CoreError::InvalidInput(format!(
                "Provider: {preset:?} is not a known preset; choose one from the list or Custom."
            )));
        }
        let account = Account {
            id: AccountId::generate(),
            label: required("Label", &new.label)?,
            base_url: validate_base_url(&new.base_url, new.allow_http)?,
            model: required("Model", &new.model)?,
            api: new.api,
            server_state: new.server_state && new.api == sb_llm::Api::Responses,
            preset: preset.to_owned(),
            allow_http: new.allow_http,
            headers: validate_headers(&new.headers)?,
            enabled: true,
        };
        let key = validate_key(&new.api_key, account.key_required())?;
        if let Some(key) = &key {
            self.secrets.set(account.id.as_str(), key)?;
        }
        let mut list = self.list_guard();
        let mut next = list.clone();
        next.push(account.clone());
        if let Err(error) = self.save(&next) {
            // Do not leave a key behind for an account that does not exist.
            let _ = self.secrets.delete(account.id.as_str());
            return Err(error);
        }
        *list = next;
        let key_hint = key.as_ref().map(Secret::last_four);
        Ok(AccountSummary {
            account,
            has_key: key.is_some(),
            key_hint,
        })
    }

    /// Stores a new key for an account, replacing the old one.
    pub fn set_key(
        &self,
        id: &AccountId,
        key: &Secret<String>,
    ) -> Result<AccountSummary, CoreError> {
        let account = self.get(id)?;
        let key = validate_key(key, true)?.ok_or_else(|| {
            CoreError::InvalidInput("API key: enter the key your provider gave you.".into())
        })?;
        self.secrets.set(account.id.as_str(), &key)?;
        Ok(AccountSummary {
            key_hint: Some(key.last_four()),
            account,
            has_key: true,
        })
    }

    /// Deletes an account's key from the keyring; the account stays. `false` when it had none.
    pub fn delete_key(&self, id: &AccountId) -> Result<bool, CoreError> {
        let account = self.get(id)?;
        Ok(self.secrets.delete(account.id.as_str())?)
    }

    /// Enables or disables an account; a disabled one keeps its key but serves nothing.
    pub fn set_enabled(&self, id: &AccountId, enabled: bool) -> Result<Account, CoreError> {
        let mut list = self.list_guard();
        let mut next = list.clone();
        let account = next
            .iter_mut()
            .find(|a| &a.id == id)
            .ok_or_else(|| CoreError::UnknownAccount(id.to_string()))?;
        account.enabled = enabled;
        let changed = account.clone();
        self.save(&next)?;
        *list = next;
        Ok(changed)
    }

    /// Removes an account and its key. The key goes first: if the keyring refuses, the account
    /// stays, so no key is ever left behind without an account that can delete it.
    pub fn remove(&self, id: &AccountId) -> Result<Account, CoreError> {
        let account = self.get(id)?;
        self.secrets.delete(account.id.as_str())?;
        let mut list = self.list_guard();
        let next: Vec<Account> = list.iter().filter(|a| &a.id != id).cloned().collect();
        self.save(&next)?;
        *list = next;
        Ok(account)
    }

    /// All accounts, oldest first, with whether each has a key.
    pub fn list(&self) -> Result<Vec<AccountSummary>, CoreError> {
        let accounts = self.list_guard().clone();
        accounts
            .into_iter()
            .map(|account| {
                let key = self.secrets.get(account.id.as_str())?;
                Ok(AccountSummary {
                    account,
                    has_key: key.is_some(),
                    key_hint: key.as_ref().map(Secret::last_four),
                })
            })
            .collect()
    }

    /// All accounts, oldest first, without touching the keyring.
    pub fn all(&self) -> Vec<Account> {
        self.list_guard().clone()
    }

    /// One account by id.
    pub fn get(&self, id: &AccountId) -> Result<Account, CoreError> {
        self.list_guard()
            .iter()
            .find(|a| &a.id == id)
            .cloned()
            .ok_or_else(|| CoreError::UnknownAccount(id.to_string()))
    }

    /// The key of an account, for the request to its own base URL. Crate-private: no front end
    /// can ask for a key.
    /// An account whose provider needs no key gets an empty one (no `Authorization` header).
    pub(crate) fn key(&self, account: &Account) -> Result<Secret<String>, CoreError> {
        match self.secrets.get(account.id.as_str())? {
            Some(key) => Ok(key),
            None if !account.key_required() => Ok(Secret::new(String::new())),
            None => Err(CoreError::MissingKey {
                label: account.label.clone(),
            }),
        }
    }

    fn save(&self, accounts: &[Account]) -> Result<(), CoreError> {
        let file = AccountsFile {
            version: FILE_VERSION,
            accounts: accounts.to_vec(),
        };
        let bytes = serde_json::to_vec_pretty(&file)
            .map_err(|e| CoreError::Storage(format!("Cannot encode the account list: {e}")))?;
        // Write a sibling file and rename it over the old one, so a crash never leaves half a file.
        let tmp = self.path.with_extension("json.tmp");
        let write = || -> std::io::Result<()> {
            let mut f = std::fs::File::create(&tmp)?;
            f.write_all(&bytes)?;
            f.sync_all()?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|e| CoreError::Storage(format!("Cannot save {}: {e}", self.path.display())))
    }
}

fn parse_file(path: &Path, bytes: &[u8]) -> Result<Vec<Account>, CoreError> {
    let file: AccountsFile = serde_json::from_slice(bytes).map_err(|e| {
        CoreError::Storage(format!(
            "{} is damaged ({e}). Switchboard left it untouched; move it away to start with no \
             accounts, or restore it from a backup.",
            path.display()
        ))
    })?;
    if file.version > FILE_VERSION {
        return Err(CoreError::Storage(format!(
            "{} was written by a newer Switchboard (format {}, this version reads {FILE_VERSION}). \
             Update Switchboard; the file was left untouched.",
            path.display(),
            file.version
        )));
    }
    Ok(file.accounts)
}

fn required(field: &str, value: &str) -> Result<String, CoreError> {
    let value = value.trim();
    if value.is_empty() {
        Err(CoreError::InvalidInput(format!(
            "{field}: this field is required."
        )))
    } else {
        Ok(value.to_owned())
    }
}

/// Headers the app sets itself, or that would carry a second credential, cannot be overridden.
const RESERVED_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "host",
    "content-length",
    "content-type",
    "transfer-encoding",
    "connection",
    "accept",
    "cookie",
];

/// Checks custom headers: a valid HTTP name that Switchboard does not set itself, and a value
/// without line breaks. At most 20.
fn validate_headers(headers: &[(String, String)]) -> Result<Vec<(String, String)>, CoreError> {
    if headers.len() > 20 {
        return Err(CoreError::InvalidInput(
            "Headers: at most 20 custom headers per account.".into(),
        ));
    }
    headers
        .iter()
        .map(|(name, value)| {
            let name = name.trim();
            let value = value.trim();
            let valid_name = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
            if !valid_name {
                return Err(CoreError::InvalidInput(format!(
                    "Headers: {name:?} is not a valid header name (letters, digits and - only, like X-Org-Id)."
                )));
            }
            if RESERVED_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                return Err(CoreError::InvalidInput(format!(
                    "Headers: {name} is set by Switchboard itself (the key goes in the API key field)."
                )));
            }
            if value.chars().any(char::is_control) {
                return Err(CoreError::InvalidInput(format!(
                    "Headers: the value of {name} contains line breaks or control characters."
                )));
            }
            Ok((name.to_owned(), value.to_owned()))
        })
        .collect()
}

/// A key as typed: trimmed; `None` when empty and the provider needs none.
fn validate_key(key: &Secret<String>, required: bool) -> Result<Option<Secret<String>>, CoreError> {
    let key = key.expose().trim();
    if key.is_empty() {
        return if required {
            Err(CoreError::InvalidInput(
                "API key: enter the key your provider gave you.".into(),
            ))
        } else {
            Ok(None)
        };
    }
    if key.chars().any(char::is_whitespace) {
        return Err(CoreError::InvalidInput(
            "API key: it contains spaces or line breaks; paste the key alone.".into(),
        ));
    }
    Ok(Some(Secret::new(key.to_owned())))
}

/// Whether a host is this machine (the key never leaves it, so plain HTTP is fine).
fn is_loopback(url: &reqwest::Url) -> bool {
    let host = url.host_str().unwrap_or_default();
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Accepts `http(s)://host[:port][/path]`, trimmed and without a trailing slash. Plain HTTP to
/// another machine would send the key unencrypted: it needs the account's explicit opt-in.
fn validate_base_url(raw: &str, allow_http: bool) -> Result<String, CoreError> {
    let raw = raw.trim().trim_end_matches('/');
    let url = reqwest::Url::parse(raw).map_err(|e| {
        CoreError::InvalidInput(format!(
            "Base URL: {raw:?} is not a URL ({e}); write it like https://api.openai.com/v1."
        ))
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(CoreError::InvalidInput(format!(
            "Base URL: {raw:?} must start with http:// or https:// and name a host."
        )));
    }
    if url.scheme() == "http" && !is_loopback(&url) && !allow_http {
        return Err(CoreError::InvalidInput(format!(
            "Base URL: plain http:// would send your API key unencrypted to {}. Use https://, \
             or allow plain HTTP for this account if you trust the network to that host.",
            url.host_str().unwrap_or_default()
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(CoreError::InvalidInput(
            "Base URL: remove the ?query or #fragment; paths such as /chat/completions are added by Switchboard.".into(),
        ));
    }
    Ok(raw.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_secrets::MemoryStore;

    fn temp_dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sb-core-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    fn new_account(key: &str) -> NewAccount {
        NewAccount {
            label: " Starrise ".into(),
            base_url: "http://127.0.0.1:9/v1/".into(),
            api_key: Secret::new(key.into()),
            model: "gpt-5.1".into(),
            api: sb_llm::Api::ChatCompletions,
            server_state: false,
            preset: "custom".into(),
            allow_http: false,
            headers: Vec::new(),
        }
    }

    #[test]
    fn key_goes_to_the_store_and_never_to_the_file() -> Result<(), CoreError> {
        let dir = temp_dir();
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&dir, store.clone())?;
        let added = accounts.add(new_account("sk-unit-SECRET-9876"))?;
        assert_eq!(added.account.label, "Starrise", "label is trimmed");
        assert_eq!(
            added.account.base_url, "http://127.0.0.1:9/v1",
            "trailing slash dropped"
        );
        let file = std::fs::read_to_string(dir.join(FILE_NAME)).expect("saved");
        assert!(
            !file.contains("SECRET"),
            "the key must never reach accounts.json: {file}"
        );
        assert_eq!(
            store
                .get(added.account.id.as_str())?
                .map(|s| s.expose().clone()),
            Some("sk-unit-SECRET-9876".to_owned())
        );
        let reopened = Accounts::open(&dir, store)?;
        let listed = reopened.list()?;
        assert_eq!(listed.len(), 1, "accounts survive a restart");
        assert!(listed[0].has_key);
        Ok(())
    }

    #[test]
    fn bad_input_names_the_field() -> Result<(), CoreError> {
        let accounts = Accounts::open(&temp_dir(), Arc::new(MemoryStore::default()))?;
        let cases = [
            (
                NewAccount {
                    label: " ".into(),
                    ..new_account("k")
                },
                "Label",
            ),
            (
                NewAccount {
                    base_url: "ftp://x".into(),
                    ..new_account("k")
                },
                "Base URL",
            ),
            (
                NewAccount {
                    base_url: "not a url".into(),
                    ..new_account("k")
                },
                "Base URL",
            ),
            (
                NewAccount {
                    preset: "starrise".into(),
                    ..new_account("")
                },
                "API key",
            ),
            (new_account("sk-a b"), "API key"),
            (
                NewAccount {
                    model: "".into(),
                    ..new_account("k")
                },
                "Model",
            ),
        ];
        for (input, field) in cases {
            match accounts.add(input) {
                Err(CoreError::InvalidInput(message)) => {
                    assert!(
                        message.starts_with(field),
                        "{message:?} should name {field}"
                    )
                }
                other => panic!("expected an input error naming {field}, got {other:?}"),
            }
        }
        assert!(accounts.list()?.is_empty(), "nothing was saved");
        Ok(())
    }

    #[test]
    fn files_written_before_the_protocol_choice_read_as_chat() -> Result<(), CoreError> {
        let dir = temp_dir();
        std::fs::write(
            dir.join(FILE_NAME),
            r#"{"version":1,"accounts":[{"id":"a1","label":"Old","base_url":"http://127.0.0.1:9/v1","model":"m"}]}"#,
        )
        .expect("write");
        let accounts = Accounts::open(&dir, Arc::new(MemoryStore::default()))?;
        assert_eq!(
            accounts.get(&AccountId::from("a1".to_owned()))?.api,
            sb_llm::Api::ChatCompletions
        );
        Ok(())
    }

    #[test]
    fn plain_http_needs_an_opt_in_unless_the_host_is_this_machine() -> Result<(), CoreError> {
        let accounts = Accounts::open(&temp_dir(), Arc::new(MemoryStore::default()))?;
        for loopback in [
            "http://127.0.0.1:8080/v1",
            "http://localhost:11434/v1",
            "http://[::1]:1234/v1",
        ] {
            let added = accounts.add(NewAccount {
                base_url: loopback.into(),
                ..new_account("k")
            });
            assert!(
                added.is_ok(),
                "{loopback}: the key never leaves this machine"
            );
        }
        let refused = accounts.add(NewAccount {
            base_url: "http://llm.example.net/v1".into(),
            ..new_account("k")
        });
        match refused {
            Err(CoreError::InvalidInput(message)) => assert!(
                message.contains("unencrypted") && message.contains("llm.example.net"),
                "{message}"
            ),
            other => panic!("plain http to another host must be refused, got {other:?}"),
        }
        let allowed = accounts.add(NewAccount {
            base_url: "http://llm.example.net/v1".into(),
            allow_http: true,
            ..new_account("k")
        })?;
        assert!(
            allowed.account.allow_http,
            "the opt-in is kept with the account"
        );
        Ok(())
    }

    #[test]
    fn custom_headers_are_checked_and_kept() -> Result<(), CoreError> {
        let accounts = Accounts::open(&temp_dir(), Arc::new(MemoryStore::default()))?;
        let header = |name: &str, value: &str| vec![(name.to_owned(), value.to_owned())];
        let added = accounts.add(NewAccount {
            headers: header(" X-Org-Id ", " org-1 "),
            ..new_account("k")
        })?;
        assert_eq!(
            added.account.headers,
            header("X-Org-Id", "org-1"),
            "trimmed and kept"
        );
        for (name, value, why) in [
            ("Authorization", "Bearer x", "set by Switchboard"),
            ("Bad Header", "x", "not a valid header name"),
            ("X-Ok", "a\r\nInjected: 1", "line breaks"),
        ] {
            match accounts.add(NewAccount {
                headers: header(name, value),
                ..new_account("k")
            }) {
                Err(CoreError::InvalidInput(message)) => {
                    assert!(message.contains(why), "{name}: {message}")
                }
                other => panic!("{name} must be refused, got {other:?}"),
            }
        }
        Ok(())
    }

    #[test]
    fn a_disabled_account_keeps_its_key() -> Result<(), CoreError> {
        let accounts = Accounts::open(&temp_dir(), Arc::new(MemoryStore::default()))?;
        let id = accounts.add(new_account("sk-keep-5555"))?.account.id;
        assert!(!accounts.set_enabled(&id, false)?.enabled);
        let listed = accounts.list()?;
        assert!(
            !listed[0].account.enabled && listed[0].has_key,
            "disabled, key kept"
        );
        assert!(accounts.set_enabled(&id, true)?.enabled);
        Ok(())
    }

    #[test]
    fn local_presets_need_no_key_and_send_none() -> Result<(), CoreError> {
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&temp_dir(), store.clone())?;
        let ollama = accounts.add(NewAccount {
            preset: "ollama".into(),
            base_url: "http://127.0.0.1:11434/v1".into(),
            ..new_account("")
        })?;
        assert!(!ollama.has_key, "nothing was stored");
        assert_eq!(
            accounts.key(&ollama.account)?.expose(),
            "",
            "an empty key means no header"
        );
        let remote = accounts.add(NewAccount {
            preset: "openai".into(),
            ..new_account("")
        });
        assert!(
            matches!(remote, Err(CoreError::InvalidInput(ref m)) if m.starts_with("API key")),
            "a remote provider needs its key: {remote:?}"
        );
        let unknown = accounts.add(NewAccount {
            preset: "nope".into(),
            ..new_account("k")
        });
        assert!(
            matches!(unknown, Err(CoreError::InvalidInput(ref m)) if m.starts_with("Provider"))
        );
        Ok(())
    }

    #[test]
    fn keys_can_be_replaced_deleted_and_removed_with_their_account() -> Result<(), CoreError> {
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&temp_dir(), store.clone())?;
        let added = accounts.add(new_account("sk-first-1111"))?;
        assert_eq!(
            added.key_hint.as_deref(),
            Some("1111"),
            "only the last four are shown"
        );
        let id = added.account.id.clone();

        let replaced = accounts.set_key(&id, &Secret::new("sk-second-2222".into()))?;
        assert_eq!(replaced.key_hint.as_deref(), Some("2222"));
        assert_eq!(accounts.list()?[0].key_hint.as_deref(), Some("2222"));

        assert!(accounts.delete_key(&id)?, "the key existed");
        let listed = accounts.list()?;
        assert!(
            !listed[0].has_key && listed[0].key_hint.is_none(),
            "the account stays without key"
        );

        accounts.set_key(&id, &Secret::new("sk-third-3333".into()))?;
        let removed = accounts.remove(&id)?;
        assert_eq!(removed.id, id);
        assert!(accounts.list()?.is_empty(), "the account is gone");
        assert_eq!(store.get(id.as_str())?, None, "and its key with it");
        assert!(matches!(
            accounts.remove(&id),
            Err(CoreError::UnknownAccount(_))
        ));
        Ok(())
    }

    #[test]
    fn damaged_or_newer_file_is_refused_and_left_untouched() {
        let dir = temp_dir();
        for content in ["{not json", r#"{"version":99,"accounts":[]}"#] {
            std::fs::write(dir.join(FILE_NAME), content).expect("write");
            let result = Accounts::open(&dir, Arc::new(MemoryStore::default()));
            assert!(
                matches!(result, Err(CoreError::Storage(_))),
                "{content} must be refused"
            );
            assert_eq!(
                std::fs::read_to_string(dir.join(FILE_NAME)).expect("read"),
                content,
                "the file is never overwritten"
            );
        }
    }
}
