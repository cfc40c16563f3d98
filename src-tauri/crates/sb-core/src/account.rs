//! Accounts: a label, a base URL and a default model, saved in `accounts.json` in the data
//! directory. The key is not part of an account: it lives in the [`SecretStore`] under the
//! account's id, and nothing here ever returns it to a caller outside this crate.

use std::fmt;
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
    /// The proxy for this account's requests (`http`, `https`, `socks5` or `socks5h` URL, user
    /// name allowed, password in the keyring); `None`: the system proxy settings. Loopback
    /// addresses are never proxied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<String>,
    /// At most this many answers stream from this account at once; `None`: no limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrent: Option<u32>,
    /// Models the user added by hand.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub models: Vec<CustomModel>,
}

/// A model added to an account by hand (the provider does not list it, or lists it without the
/// facts Switchboard needs).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CustomModel {
    /// The provider's own model ID, sent as is.
    pub id: String,
    /// The protocol it needs at this account.
    pub api: sb_llm::Api,
    /// The logical model it belongs to, grouping it with other accounts' routes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub logical: Option<String>,
    /// Display name (the id when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
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
    /// Why the stored key cannot be used (it is bound to another origin), if it cannot.
    pub key_problem: Option<String>,
    /// Whether the keyring holds a proxy password for it.
    pub has_proxy_password: bool,
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
    /// Proxy URL (see [`Account::proxy`]).
    pub proxy: Option<String>,
    /// The proxy's password, for the keyring.
    pub proxy_password: Option<Secret<String>>,
    /// At most this many answers at once.
    pub max_concurrent: Option<u32>,
    /// Models added by hand.
    pub models: Vec<CustomModel>,
}

impl Default for NewAccount {
    fn default() -> Self {
        Self {
            label: String::new(),
            base_url: String::new(),
            api_key: Secret::new(String::new()),
            model: String::new(),
            api: sb_llm::Api::default(),
            server_state: false,
            preset: String::new(),
            allow_http: false,
            headers: Vec::new(),
            proxy: None,
            proxy_password: None,
            max_concurrent: None,
            models: Vec::new(),
        }
    }
}

/// New settings for an existing account. The key and proxy password are write-only: `Some`
/// replaces the stored one, `None` keeps it.
#[derive(Debug, Clone)]
pub struct AccountUpdate {
    /// Label.
    pub label: String,
    /// Base URL. Moving it to another origin needs the key again (keys are bound to origins).
    pub base_url: String,
    /// Default model ID.
    pub model: String,
    /// Wire protocol.
    pub api: sb_llm::Api,
    /// Continue from the provider's stored response (Responses API only).
    pub server_state: bool,
    /// Allow plain `http://` to a host other than this machine.
    pub allow_http: bool,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Serves requests.
    pub enabled: bool,
    /// Proxy URL; `None`: system settings.
    pub proxy: Option<String>,
    /// A new proxy password.
    pub proxy_password: Option<Secret<String>>,
    /// At most this many answers at once.
    pub max_concurrent: Option<u32>,
    /// Models added by hand (the whole list).
    pub models: Vec<CustomModel>,
    /// A new API key.
    pub api_key: Option<Secret<String>>,
}

impl AccountUpdate {
    /// The account's current settings, changing nothing when applied.
    pub fn from_account(account: &Account) -> Self {
        Self {
            label: account.label.clone(),
            base_url: account.base_url.clone(),
            model: account.model.clone(),
            api: account.api,
            server_state: account.server_state,
            allow_http: account.allow_http,
            headers: account.headers.clone(),
            enabled: account.enabled,
            proxy: account.proxy.clone(),
            proxy_password: None,
            max_concurrent: account.max_concurrent,
            models: account.models.clone(),
            api_key: None,
        }
    }
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
        let mut settings = AccountUpdate {
            label: new.label,
            base_url: new.base_url,
            model: new.model,
            api: new.api,
            server_state: new.server_state,
            allow_http: new.allow_http,
            headers: new.headers,
            enabled: true,
            proxy: new.proxy,
            proxy_password: None,
            max_concurrent: new.max_concurrent,
            models: new.models,
            api_key: None,
        };
        let account = validated(AccountId::generate(), preset.to_owned(), &mut settings)?;
        let key = validate_key(&new.api_key, account.key_required())?;
        let proxy_password = validate_proxy_password(&account, new.proxy_password.as_ref())?;
        if let Some(key) = &key {
            self.secrets
                .set(account.id.as_str(), &seal(&origin(&account.base_url), key))?;
        }
        if let (Some(password), Some(proxy)) = (&proxy_password, &account.proxy) {
            if let Err(error) = self
                .secrets
                .set(&proxy_entry(&account.id), &seal(&origin(proxy), password))
            {
                let _ = self.secrets.delete(account.id.as_str());
                return Err(error.into());
            }
        }
        let mut list = self.list_guard();
        let mut next = list.clone();
        next.push(account.clone());
        if let Err(error) = self.save(&next) {
            // Do not leave a key behind for an account that does not exist.
            let _ = self.secrets.delete(account.id.as_str());
            let _ = self.secrets.delete(&proxy_entry(&account.id));
            return Err(error);
        }
        *list = next;
        Ok(AccountSummary {
            key_hint: key.as_ref().map(Secret::last_four),
            has_key: key.is_some(),
            key_problem: None,
            has_proxy_password: proxy_password.is_some(),
            account,
        })
    }

    /// Changes an account's settings. Keys are bound to the origin they were entered for: moving
    /// the base URL (or the proxy) to another origin needs the key (or proxy password) again, so
    /// a changed address never receives a key the user gave for another one.
    pub fn update(
        &self,
        id: &AccountId,
        mut update: AccountUpdate,
    ) -> Result<AccountSummary, CoreError> {
        let old = self.get(id)?;
        let account = validated(old.id.clone(), old.preset.clone(), &mut update)?;
        let key = match &update.api_key {
            Some(key) => validate_key(key, account.key_required())?,
            None => None,
        };
        let stored_key = self.secrets.get(account.id.as_str())?;
        let new_origin = origin(&account.base_url);
        if key.is_none() && stored_key.is_some() && origin(&old.base_url) != new_origin {
            return Err(CoreError::InvalidInput(format!(
                "Base URL: the stored key was entered for {}; enter it again to use it with {} \
                 (Switchboard only sends a key to the address it was entered for).",
                origin(&old.base_url),
                new_origin
            )));
        }
        let proxy_password = validate_proxy_password(&account, update.proxy_password.as_ref())?;
        let stored_password = self.secrets.get(&proxy_entry(id))?;
        let proxy_moved = old.proxy.as_deref().map(origin) != account.proxy.as_deref().map(origin);
        if proxy_password.is_none() && stored_password.is_some() && proxy_moved {
            if account.proxy.is_some() {
                return Err(CoreError::InvalidInput(
                    "Proxy: the stored proxy password was entered for another proxy; enter it \
                     again for the new one."
                        .into(),
                ));
            }
            // No proxy any more: its password has nothing left to protect.
            self.secrets.delete(&proxy_entry(id))?;
        }
        if let Some(key) = &key {
            self.secrets
                .set(account.id.as_str(), &seal(&new_origin, key))?;
        }
        if let (Some(password), Some(proxy)) = (&proxy_password, &account.proxy) {
            self.secrets
                .set(&proxy_entry(id), &seal(&origin(proxy), password))?;
        }
        let mut list = self.list_guard();
        let mut next = list.clone();
        if let Some(slot) = next.iter_mut().find(|a| &a.id == id) {
            *slot = account;
        }
        self.save(&next)?;
        *list = next;
        drop(list);
        self.summary(self.get(id)?)
    }

    /// Stores a new key for an account, replacing the old one (and binding it to the account's
    /// current origin).
    pub fn set_key(
        &self,
        id: &AccountId,
        key: &Secret<String>,
    ) -> Result<AccountSummary, CoreError> {
        let account = self.get(id)?;
        let key = validate_key(key, true)?.ok_or_else(|| {
            CoreError::InvalidInput("API key: enter the key your provider gave you.".into())
        })?;
        self.secrets
            .set(account.id.as_str(), &seal(&origin(&account.base_url), &key))?;
        self.summary(account)
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

    /// Puts the accounts in the given order (the priority order of routing). `order` must name
    /// every account exactly once: a stale list from a UI is refused, not half-applied.
    pub fn reorder(&self, order: &[AccountId]) -> Result<(), CoreError> {
        let mut list = self.list_guard();
        let mut next = Vec::with_capacity(list.len());
        for id in order {
            match list.iter().find(|a| &a.id == id) {
                Some(account) if !next.iter().any(|a: &Account| &a.id == id) => {
                    next.push(account.clone())
                }
                _ => {
                    return Err(CoreError::InvalidInput(
                        "The account list changed meanwhile; reload it and reorder again.".into(),
                    ))
                }
            }
        }
        if next.len() != list.len() {
            return Err(CoreError::InvalidInput(
                "The account list changed meanwhile; reload it and reorder again.".into(),
            ));
        }
        self.save(&next)?;
        *list = next;
        Ok(())
    }

    /// Removes an account and its keyring entries. The keys go first: if the keyring refuses,
    /// the account stays, so no key is ever left behind without an account that can delete it.
    pub fn remove(&self, id: &AccountId) -> Result<Account, CoreError> {
        let account = self.get(id)?;
        self.secrets.delete(account.id.as_str())?;
        self.secrets.delete(&proxy_entry(id))?;
        let mut list = self.list_guard();
        let next: Vec<Account> = list.iter().filter(|a| &a.id != id).cloned().collect();
        self.save(&next)?;
        *list = next;
        Ok(account)
    }

    /// All accounts, oldest first, with what the keyring holds for each.
    pub fn list(&self) -> Result<Vec<AccountSummary>, CoreError> {
        let accounts = self.list_guard().clone();
        accounts
            .into_iter()
            .map(|account| self.summary(account))
            .collect()
    }

    /// What a front end may know about one account's keyring entries.
    fn summary(&self, account: Account) -> Result<AccountSummary, CoreError> {
        let stored = self.secrets.get(account.id.as_str())?;
        let (key_hint, key_problem) = match stored.map(|s| unseal(&s, &origin(&account.base_url))) {
            None => (None, None),
            Some(Ok(key)) => (Some(key.last_four()), None),
            Some(Err(problem)) => (None, Some(problem)),
        };
        let has_proxy_password = self.secrets.get(&proxy_entry(&account.id))?.is_some();
        Ok(AccountSummary {
            has_key: key_hint.is_some() || key_problem.is_some(),
            key_hint,
            key_problem,
            has_proxy_password,
            account,
        })
    }

    /// Whether the keyring answers at all (reads an entry that never exists).
    pub fn check_keyring(&self) -> Result<(), CoreError> {
        Ok(self.secrets.check()?)
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
    /// can ask for a key. A key bound to another origin is refused: the account's address
    /// changed outside Switchboard's settings.
    /// An account whose provider needs no key gets an empty one (no `Authorization` header).
    pub(crate) fn key(&self, account: &Account) -> Result<Secret<String>, CoreError> {
        let stored = self.secrets.get(account.id.as_str())?;
        Self::usable_key(account, stored)
    }

    /// [`Self::key`] when the store can answer from memory without waiting (its cache has the
    /// entry); `None` when the keyring would have to be asked.
    pub(crate) fn remembered_key(
        &self,
        account: &Account,
    ) -> Option<Result<Secret<String>, CoreError>> {
        let stored = self.secrets.remembered(account.id.as_str())?;
        Some(Self::usable_key(account, stored))
    }

    fn usable_key(
        account: &Account,
        stored: Option<Secret<String>>,
    ) -> Result<Secret<String>, CoreError> {
        match stored {
            Some(stored) => unseal(&stored, &origin(&account.base_url)).map_err(|problem| {
                CoreError::KeyNotBound {
                    label: account.label.clone(),
                    problem,
                }
            }),
            None if !account.key_required() => Ok(Secret::new(String::new())),
            None => Err(CoreError::MissingKey {
                label: account.label.clone(),
            }),
        }
    }

    /// The proxy password of an account, when its proxy has one (and it is bound to that proxy).
    pub(crate) fn proxy_password(
        &self,
        account: &Account,
    ) -> Result<Option<Secret<String>>, CoreError> {
        let Some(proxy) = &account.proxy else {
            return Ok(None);
        };
        match self.secrets.get(&proxy_entry(&account.id))? {
            None => Ok(None),
            Some(stored) => unseal(&stored, &origin(proxy))
                .map(Some)
                .map_err(|problem| CoreError::KeyNotBound {
                    label: account.label.clone(),
                    problem: format!("Proxy password: {problem}"),
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
        crate::data_dir::write_atomically(&self.path, &bytes)
            .map_err(|e| CoreError::Storage(format!("Cannot save {}: {e}", self.path.display())))
    }
}

/// Checks the editable settings and builds the account they describe.
fn validated(
    id: AccountId,
    preset: String,
    settings: &mut AccountUpdate,
) -> Result<Account, CoreError> {
    let proxy = match settings.proxy.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => Some(validate_proxy("Proxy", raw)?),
    };
    let max_concurrent = match settings.max_concurrent {
        Some(0) => {
            return Err(CoreError::InvalidInput(
                "Concurrency limit: at least 1 answer at a time; leave it empty for no limit."
                    .into(),
            ))
        }
        Some(n) if n > MAX_CONCURRENCY_LIMIT => {
            return Err(CoreError::InvalidInput(format!(
                "Concurrency limit: at most {MAX_CONCURRENCY_LIMIT}; leave it empty for no limit."
            )))
        }
        limit => limit,
    };
    Ok(Account {
        id,
        label: required("Label", &settings.label)?,
        base_url: validate_base_url(&settings.base_url, settings.allow_http)?,
        model: required("Model", &settings.model)?,
        api: settings.api,
        server_state: settings.server_state && settings.api == sb_llm::Api::Responses,
        preset,
        allow_http: settings.allow_http,
        headers: validate_headers(&settings.headers)?,
        enabled: settings.enabled,
        proxy,
        max_concurrent,
        models: validate_models(&settings.models)?,
    })
}

/// More parallel answers than this from one account is a typo, not a plan.
const MAX_CONCURRENCY_LIMIT: u32 = 64;

/// A proxy URL as Switchboard stores it; the password goes to the keyring, never the file.
/// A proxy address as typed, checked and in the proxy's own spelling; errors name `setting`.
pub(crate) fn validate_proxy(setting: &str, raw: &str) -> Result<String, CoreError> {
    sb_llm::proxy::ProxyConfig::parse(raw, None)
        .map(|proxy| proxy.display())
        .map_err(|e| CoreError::InvalidInput(format!("{setting}: {e}")))
}

/// A proxy password only makes sense with a proxy.
fn validate_proxy_password(
    account: &Account,
    password: Option<&Secret<String>>,
) -> Result<Option<Secret<String>>, CoreError> {
    let Some(password) = password.filter(|p| !p.expose().is_empty()) else {
        return Ok(None);
    };
    if account.proxy.is_none() {
        return Err(CoreError::InvalidInput(
            "Proxy password: enter the proxy URL too, or clear the password.".into(),
        ));
    }
    Ok(Some(password.clone()))
}

/// Models added by hand: a non-empty ID without spaces, each at most once. At most 200.
fn validate_models(models: &[CustomModel]) -> Result<Vec<CustomModel>, CoreError> {
    if models.len() > 200 {
        return Err(CoreError::InvalidInput(
            "Models: at most 200 models added by hand per account.".into(),
        ));
    }
    let mut checked: Vec<CustomModel> = Vec::with_capacity(models.len());
    for model in models {
        let id = model.id.trim();
        if id.is_empty() || id.chars().any(char::is_whitespace) {
            return Err(CoreError::InvalidInput(format!(
                "Models: {id:?} is not a model ID (the provider's ID, without spaces, e.g. gpt-4o)."
            )));
        }
        if checked.iter().any(|m| m.id == id) {
            return Err(CoreError::InvalidInput(format!(
                "Models: {id} is listed twice."
            )));
        }
        let trimmed = |value: &Option<String>| {
            value
                .as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        checked.push(CustomModel {
            id: id.to_owned(),
            api: model.api,
            logical: trimmed(&model.logical),
            name: trimmed(&model.name),
        });
    }
    Ok(checked)
}

/// The keyring entry of an account's proxy password.
fn proxy_entry(id: &AccountId) -> String {
    format!("{id}.proxy")
}

/// `scheme://host[:port]` of a URL, lower-cased; the text itself when it does not parse.
/// Written by hand: the URL standard's own origin is opaque ("null") for schemes such as
/// `socks5h`, which would bind every SOCKS proxy to the same origin.
pub(crate) fn origin(url: &str) -> String {
    match reqwest::Url::parse(url.trim()) {
        Ok(parsed) => {
            let host = parsed.host_str().unwrap_or_default().to_ascii_lowercase();
            match parsed.port() {
                Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
                None => format!("{}://{host}", parsed.scheme()),
            }
        }
        Err(_) => url.trim().to_owned(),
    }
}

/// The first line of every keyring value: which origin the secret below it belongs to.
const BINDING_TAG: &str = "switchboard-binding/1 ";

/// A keyring value: the origin the secret was entered for, then the secret.
fn seal(origin: &str, secret: &Secret<String>) -> Secret<String> {
    Secret::new(format!("{BINDING_TAG}{origin}\n{}", secret.expose()))
}

/// The secret in a keyring value, when it is bound to `origin`; else why it is not usable.
fn unseal(stored: &Secret<String>, origin: &str) -> Result<Secret<String>, String> {
    let Some((first, secret)) = stored.expose().split_once('\n') else {
        return Err(
            "the stored key was saved without the address it belongs to; enter it again.".into(),
        );
    };
    match first.strip_prefix(BINDING_TAG) {
        Some(bound) if bound == origin => Ok(Secret::new(secret.to_owned())),
        Some(bound) => Err(format!(
            "the stored key was entered for {bound}, but the account now points to {origin}; \
             enter the key again to send it there."
        )),
        None => Err(
            "the stored key was saved without the address it belongs to; enter it again.".into(),
        ),
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
            ..NewAccount::default()
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
            Some("switchboard-binding/1 http://127.0.0.1:9\nsk-unit-SECRET-9876".to_owned()),
            "the keyring holds the key, bound to the account's origin"
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

    /// Tampering with accounts.json (pointing an account at another host) must not make
    /// Switchboard send the stored key there.
    #[test]
    fn a_key_is_bound_to_the_origin_it_was_entered_for() -> Result<(), CoreError> {
        let dir = temp_dir();
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&dir, store.clone())?;
        let added = accounts.add(new_account("sk-bound-1234"))?;
        let account = added.account.clone();
        let stored = store.get(account.id.as_str())?.expect("stored");
        assert!(
            stored
                .expose()
                .starts_with("switchboard-binding/1 http://127.0.0.1:9\n"),
            "the keyring value names the origin it belongs to"
        );
        assert_eq!(accounts.key(&account)?.expose(), "sk-bound-1234");

        // Another process rewrites the file to point the account elsewhere.
        let text = std::fs::read_to_string(dir.join(FILE_NAME)).expect("read");
        std::fs::write(
            dir.join(FILE_NAME),
            text.replace("http://127.0.0.1:9", "https://evil.example/v1"),
        )
        .expect("write");
        let reopened = Accounts::open(&dir, store.clone())?;
        let moved = reopened.get(&account.id)?;
        match reopened.key(&moved) {
            Err(CoreError::KeyNotBound { problem, .. }) => assert!(
                problem.contains("http://127.0.0.1:9") && problem.contains("https://evil.example"),
                "the refusal names both origins: {problem}"
            ),
            other => panic!("the key must not go to another origin, got {other:?}"),
        }
        let listed = &reopened.list()?[0];
        assert!(
            listed.key_hint.is_none() && listed.key_problem.is_some(),
            "the list says the key needs re-entry: {listed:?}"
        );

        // Entering the key again binds it to the new origin.
        let fixed = reopened.set_key(&account.id, &Secret::new("sk-again-5678".into()))?;
        assert_eq!(
            (fixed.key_hint.as_deref(), fixed.key_problem),
            (Some("5678"), None)
        );
        assert_eq!(reopened.key(&moved)?.expose(), "sk-again-5678");
        Ok(())
    }

    #[test]
    fn reorder_sets_the_priority_and_refuses_a_stale_list() -> Result<(), CoreError> {
        let dir = temp_dir();
        let accounts = Accounts::open(&dir, Arc::new(MemoryStore::default()))?;
        let a = accounts.add(new_account("sk-a-1111"))?.account.id;
        let b = accounts.add(new_account("sk-b-2222"))?.account.id;
        let c = accounts.add(new_account("sk-c-3333"))?.account.id;
        accounts.reorder(&[c.clone(), a.clone(), b.clone()])?;
        let order: Vec<AccountId> = accounts.all().into_iter().map(|x| x.id).collect();
        assert_eq!(order, [c.clone(), a.clone(), b.clone()]);
        let reopened = Accounts::open(&dir, Arc::new(MemoryStore::default()))?;
        let order: Vec<AccountId> = reopened.all().into_iter().map(|x| x.id).collect();
        assert_eq!(
            order,
            [c.clone(), a.clone(), b.clone()],
            "the order is saved"
        );
        for stale in [
            vec![a.clone(), b.clone()],
            vec![a.clone(), a.clone(), b.clone()],
            vec![
                a.clone(),
                b.clone(),
                c.clone(),
                AccountId::from("gone".to_owned()),
            ],
        ] {
            assert!(
                matches!(accounts.reorder(&stale), Err(CoreError::InvalidInput(_))),
                "{stale:?} is refused"
            );
        }
        let order: Vec<AccountId> = accounts.all().into_iter().map(|x| x.id).collect();
        assert_eq!(order, [c, a, b], "a refused reorder changes nothing");
        Ok(())
    }

    #[test]
    fn origins_name_scheme_host_and_port_for_every_scheme() {
        for (url, expected) in [
            ("https://API.example.com/v1", "https://api.example.com"),
            ("https://api.example.com:443/v1", "https://api.example.com"),
            ("http://127.0.0.1:8080/v1", "http://127.0.0.1:8080"),
            ("socks5h://me@Proxy.lan:1080", "socks5h://proxy.lan:1080"),
            ("socks5://proxy.lan:1081", "socks5://proxy.lan:1081"),
            ("http://[::1]:11434/v1", "http://[::1]:11434"),
        ] {
            assert_eq!(origin(url), expected, "{url}");
        }
        assert_ne!(
            origin("socks5://a.lan:1080"),
            origin("socks5://b.lan:1080"),
            "two SOCKS proxies are two origins (the URL standard calls both \"null\")"
        );
    }

    #[test]
    fn a_remembered_key_is_handed_over_as_a_keyring_read_would_be() -> Result<(), CoreError> {
        let dir = temp_dir();
        let first = Arc::new(MemoryStore::default());
        let account = Accounts::open(&dir, first.clone())?
            .add(new_account("sk-remember-7777"))?
            .account;
        // The next start: the keyring holds the sealed key, the cache is empty.
        let keyring = MemoryStore::default();
        if let Some(sealed) = first.get(account.id.as_str())? {
            keyring.set(account.id.as_str(), &sealed)?;
        }
        let accounts = Accounts::open(&dir, Arc::new(sb_secrets::CachingStore::new(keyring)))?;
        assert!(
            accounts.remembered_key(&account).is_none(),
            "nothing read yet: the keyring must be asked"
        );
        assert_eq!(accounts.key(&account)?.expose(), "sk-remember-7777");
        let remembered = accounts.remembered_key(&account).transpose()?;
        assert_eq!(
            remembered.as_ref().map(|k| k.expose().as_str()),
            Some("sk-remember-7777"),
            "after one read the key is handed over from memory"
        );
        let moved = Account {
            base_url: "https://elsewhere.example/v1".into(),
            ..account
        };
        assert!(
            matches!(
                accounts.remembered_key(&moved),
                Some(Err(CoreError::KeyNotBound { .. }))
            ),
            "from memory too, a key goes only to the origin it was entered for"
        );
        Ok(())
    }

    #[test]
    fn a_value_without_binding_is_not_used() -> Result<(), CoreError> {
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&temp_dir(), store.clone())?;
        let account = accounts.add(new_account("sk-bound-1234"))?.account;
        store.set(account.id.as_str(), &Secret::new("sk-raw-value".into()))?;
        assert!(
            matches!(accounts.key(&account), Err(CoreError::KeyNotBound { .. })),
            "a raw value (written by something else) is never sent"
        );
        Ok(())
    }

    #[test]
    fn update_changes_settings_and_needs_the_key_again_for_another_origin() -> Result<(), CoreError>
    {
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&temp_dir(), store.clone())?;
        let account = accounts.add(new_account("sk-first-1111"))?.account;

        let mut same_origin = AccountUpdate::from_account(&account);
        same_origin.label = "Renamed".into();
        same_origin.base_url = "http://127.0.0.1:9/v2".into();
        same_origin.max_concurrent = Some(2);
        same_origin.models = vec![CustomModel {
            id: " my-model ".into(),
            api: sb_llm::Api::Responses,
            logical: Some("gpt-5.1".into()),
            name: Some(" ".into()),
        }];
        let updated = accounts.update(&account.id, same_origin)?;
        assert_eq!(updated.account.label, "Renamed");
        assert_eq!(updated.account.max_concurrent, Some(2));
        assert_eq!(
            updated.account.models,
            vec![CustomModel {
                id: "my-model".into(),
                api: sb_llm::Api::Responses,
                logical: Some("gpt-5.1".into()),
                name: None,
            }],
            "models are trimmed; a blank name is none"
        );
        assert_eq!(
            updated.key_hint.as_deref(),
            Some("1111"),
            "a path change on the same origin keeps the key"
        );

        let mut elsewhere = AccountUpdate::from_account(&updated.account);
        elsewhere.base_url = "https://api.other.example/v1".into();
        match accounts.update(&account.id, elsewhere.clone()) {
            Err(CoreError::InvalidInput(message)) => assert!(
                message.contains("enter it again") && message.contains("http://127.0.0.1:9"),
                "{message}"
            ),
            other => panic!("moving the key to another origin needs the key, got {other:?}"),
        }
        assert_eq!(
            accounts.get(&account.id)?.base_url,
            "http://127.0.0.1:9/v2",
            "a refused update changes nothing"
        );
        elsewhere.api_key = Some(Secret::new("sk-other-2222".into()));
        let moved = accounts.update(&account.id, elsewhere)?;
        assert_eq!(moved.key_hint.as_deref(), Some("2222"));
        assert_eq!(
            accounts.key(&moved.account)?.expose(),
            "sk-other-2222",
            "the new key is bound to the new origin"
        );

        for (limit, ok) in [
            (Some(0), false),
            (Some(65), false),
            (Some(64), true),
            (None, true),
        ] {
            let mut change = AccountUpdate::from_account(&moved.account);
            change.max_concurrent = limit;
            assert_eq!(
                accounts.update(&account.id, change).is_ok(),
                ok,
                "concurrency limit {limit:?}"
            );
        }
        let mut twice = AccountUpdate::from_account(&moved.account);
        let model = CustomModel {
            id: "m".into(),
            api: sb_llm::Api::ChatCompletions,
            logical: None,
            name: None,
        };
        twice.models = vec![model.clone(), model];
        assert!(
            matches!(accounts.update(&account.id, twice), Err(CoreError::InvalidInput(m)) if m.contains("twice"))
        );
        Ok(())
    }

    #[test]
    fn proxy_passwords_live_in_the_keyring_bound_to_their_proxy() -> Result<(), CoreError> {
        let dir = temp_dir();
        let store = Arc::new(MemoryStore::default());
        let accounts = Accounts::open(&dir, store.clone())?;
        let added = accounts.add(NewAccount {
            proxy: Some("socks5h://me@proxy.lan:1080".into()),
            proxy_password: Some(Secret::new("hunter2-proxy".into())),
            ..new_account("sk-first-1111")
        })?;
        assert!(added.has_proxy_password);
        let file = std::fs::read_to_string(dir.join(FILE_NAME)).expect("read");
        assert!(
            file.contains("socks5h://me@proxy.lan:1080") && !file.contains("hunter2"),
            "the file has the proxy URL, never its password: {file}"
        );
        let account = added.account;
        assert_eq!(
            accounts
                .proxy_password(&account)?
                .map(|p| p.expose().clone()),
            Some("hunter2-proxy".to_owned())
        );

        let mut in_url = AccountUpdate::from_account(&account);
        in_url.proxy = Some("http://me:secret@proxy.lan:3128".into());
        assert!(
            matches!(accounts.update(&account.id, in_url), Err(CoreError::InvalidInput(m)) if m.starts_with("Proxy")),
            "a password inside the proxy URL would land in the file"
        );

        let mut other_proxy = AccountUpdate::from_account(&account);
        other_proxy.proxy = Some("http://me@other.lan:3128".into());
        assert!(
            accounts.update(&account.id, other_proxy).is_err(),
            "the password of one proxy is not sent to another without asking"
        );

        let mut no_proxy = AccountUpdate::from_account(&account);
        no_proxy.proxy = None;
        let direct = accounts.update(&account.id, no_proxy)?;
        assert!(
            !direct.has_proxy_password,
            "dropping the proxy deletes its password"
        );

        let mut orphan = AccountUpdate::from_account(&direct.account);
        orphan.proxy_password = Some(Secret::new("pw".into()));
        assert!(
            accounts.update(&account.id, orphan).is_err(),
            "a password without a proxy is refused"
        );
        accounts.remove(&account.id)?;
        assert_eq!(store.get(&proxy_entry(&account.id))?, None);
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
