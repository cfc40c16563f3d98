//! An account's model catalog: the preset's known models, merged with what the provider lists at
//! `GET /models`, and the connection test that fetches that list.

use std::time::Duration;

use sb_llm::models::RemoteModel;
use sb_llm::{Api, Endpoint, ErrorKind};
use serde::Serialize;

use crate::account::{Account, AccountId, CustomModel};
use crate::preset::{self, Capabilities};

/// Where a catalog entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// Known from the provider preset (with its protocol and capabilities).
    Preset,
    /// Listed by the provider, not in the preset.
    Discovered,
    /// Added by the user (a model added by hand, or the account's own default model).
    Manual,
}

/// One model an account can serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CatalogEntry {
    /// The provider's own model ID.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The logical model it belongs to, when known (groups it with other providers' routes).
    pub logical: Option<String>,
    /// The protocol to use for it at this account.
    pub api: Api,
    /// What it can do, as far as known.
    pub capabilities: Capabilities,
    /// Where the entry comes from.
    pub source: ModelSource,
    /// The provider listed it at `/models` (false: known from the preset but not listed now).
    pub listed: bool,
}

/// Merges the preset's models for `account` with the models added by hand and the `discovered`
/// list. Preset entries come first and keep their protocol; then the models added by hand (and
/// the account's default model when nothing else names it); a discovered model nobody else
/// knows uses the protocol the listing names when it names only one, else the account's.
pub fn merge(account: &Account, discovered: &[RemoteModel]) -> Vec<CatalogEntry> {
    let known = preset::preset(&account.preset)
        .map(|p| p.models.as_slice())
        .unwrap_or_default();
    let mut entries: Vec<CatalogEntry> = known
        .iter()
        .map(|model| CatalogEntry {
            id: model.id.clone(),
            name: model.name.clone(),
            logical: Some(model.logical.clone()),
            api: model.api,
            capabilities: model.capabilities,
            source: ModelSource::Preset,
            listed: discovered.iter().any(|d| d.id == model.id),
        })
        .collect();
    let default_model = CustomModel {
        id: account.model.clone(),
        api: account.api,
        logical: None,
        name: None,
    };
    for manual in account.models.iter().chain(std::iter::once(&default_model)) {
        if entries.iter().any(|e| e.id == manual.id) {
            continue;
        }
        entries.push(CatalogEntry {
            id: manual.id.clone(),
            name: manual.name.clone().unwrap_or_else(|| manual.id.clone()),
            logical: manual.logical.clone(),
            api: manual.api,
            capabilities: Capabilities::default(),
            source: ModelSource::Manual,
            listed: discovered.iter().any(|d| d.id == manual.id),
        });
    }
    for remote in discovered {
        if entries.iter().any(|e| e.id == remote.id) {
            continue;
        }
        let api = match remote.endpoints.as_slice() {
            [only] => *only,
            _ => account.api,
        };
        entries.push(CatalogEntry {
            id: remote.id.clone(),
            name: remote.name.clone().unwrap_or_else(|| remote.id.clone()),
            logical: None,
            api,
            capabilities: Capabilities {
                reasoning: remote.capabilities.reasoning,
                vision: remote.capabilities.vision,
                tools: remote.capabilities.tools,
                json_mode: remote.capabilities.json_mode,
            },
            source: ModelSource::Discovered,
            listed: true,
        });
    }
    entries
}

/// The verdict of a connection test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// The key works and the provider listed its models.
    Ok,
    /// The provider answered but has no model list, so the key could not be checked this way.
    NoModelList,
    /// The provider rejected the key.
    KeyRejected,
    /// The provider could not be reached.
    Unreachable,
    /// Something else went wrong; see the message.
    Failed,
}

/// What a connection test found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectionReport {
    /// The verdict.
    pub verdict: Verdict,
    /// A readable sentence for the user.
    pub message: String,
    /// The merged catalog (the preset's models when the list could not be fetched).
    pub models: Vec<CatalogEntry>,
    /// The provider's own list, when it gave one (kept for the model picker).
    #[serde(skip)]
    pub discovered: Option<Vec<RemoteModel>>,
}

/// How long a connection test may take.
pub const TEST_TIMEOUT: Duration = Duration::from_secs(20);

/// Tests an account: lists its models with its key and judges the answer.
pub async fn test_connection(
    http: &reqwest::Client,
    account: &Account,
    api_key: &sb_secrets::Secret<String>,
) -> ConnectionReport {
    let endpoint = Endpoint {
        base_url: &account.base_url,
        api_key,
        headers: &account.headers,
    };
    match sb_llm::models::list_models(http, endpoint, TEST_TIMEOUT).await {
        Ok(models) => {
            let count = match models.len() {
                1 => "1 model is".to_owned(),
                n => format!("{n} models are"),
            };
            ConnectionReport {
                verdict: Verdict::Ok,
                message: format!(
                    "Connected to {}: the key works and {count} listed.",
                    account.label
                ),
                models: merge(account, &models),
                discovered: Some(models),
            }
        }
        Err(error) => {
            let (verdict, message) = match error.kind {
                ErrorKind::Auth => (
                    Verdict::KeyRejected,
                    format!("{} rejected the key: {}", account.label, error.message),
                ),
                ErrorKind::NotFound => (
                    Verdict::NoModelList,
                    format!(
                        "{} is reachable but does not list models at /models, so the key could \
                         not be checked; the preset's models are shown.",
                        account.label
                    ),
                ),
                ErrorKind::Network | ErrorKind::Stalled => (Verdict::Unreachable, error.message),
                _ => (Verdict::Failed, error.message),
            };
            ConnectionReport {
                verdict,
                message,
                models: merge(account, &[]),
                discovered: None,
            }
        }
    }
}

/// The key that groups an entry with the same model at other accounts: its logical model, or
/// its own ID when no preset or user named one.
pub fn group_key(entry: &CatalogEntry) -> &str {
    entry.logical.as_deref().unwrap_or(&entry.id)
}

/// Whether `entry` serves what the user asked for as `model` (a group key or a model ID).
pub fn serves(entry: &CatalogEntry, model: &str) -> bool {
    group_key(entry) == model || entry.id == model
}

/// One model offered across accounts, for the model picker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelGroup {
    /// What a routed request names ([`group_key`]).
    pub key: String,
    /// Display name (the first route's).
    pub name: String,
    /// What the model can do: for each capability, the first route that documents it.
    pub capabilities: Capabilities,
    /// The accounts that serve it, in account order (the priority order), with their entry.
    pub routes: Vec<(AccountId, CatalogEntry)>,
}

/// Groups the catalogs of `accounts` (in priority order) by [`group_key`], sorted by name. A
/// group takes its name from the first preset entry (a listing often names a model by its ID),
/// else from its first entry.
pub fn group(catalogs: &[(AccountId, Vec<CatalogEntry>)]) -> Vec<ModelGroup> {
    let mut groups: Vec<ModelGroup> = Vec::new();
    // Per group: whether its name came from a preset.
    let mut named_by_preset: Vec<bool> = Vec::new();
    for (account, entries) in catalogs {
        for entry in entries {
            let key = group_key(entry);
            let index = match groups.iter().position(|g| g.key == key) {
                Some(index) => index,
                None => {
                    groups.push(ModelGroup {
                        key: key.to_owned(),
                        name: entry.name.clone(),
                        capabilities: Capabilities::default(),
                        routes: Vec::new(),
                    });
                    named_by_preset.push(entry.source == ModelSource::Preset);
                    groups.len() - 1
                }
            };
            let group = &mut groups[index];
            if entry.source == ModelSource::Preset && !named_by_preset[index] {
                group.name = entry.name.clone();
                named_by_preset[index] = true;
            }
            if group.routes.iter().any(|(a, _)| a == account) {
                continue;
            }
            let caps = &mut group.capabilities;
            caps.reasoning = caps.reasoning.or(entry.capabilities.reasoning);
            caps.vision = caps.vision.or(entry.capabilities.vision);
            caps.tools = caps.tools.or(entry.capabilities.tools);
            caps.json_mode = caps.json_mode.or(entry.capabilities.json_mode);
            group.routes.push((account.clone(), entry.clone()));
        }
    }
    groups.sort_by_cached_key(|g| (g.name.to_lowercase(), g.key.clone()));
    groups
}

/// The model lists the providers gave at the last connection test of each account
/// (`catalog.json` in the data directory). Derived data: a damaged file is ignored and
/// rewritten, never a reason to refuse to start.
#[derive(Debug, Default)]
pub struct DiscoveredModels {
    path: Option<std::path::PathBuf>,
    lists: std::sync::Mutex<std::collections::HashMap<AccountId, Vec<RemoteModel>>>,
}

#[derive(serde::Serialize, serde::Deserialize)]
struct DiscoveredFile {
    version: u32,
    accounts: std::collections::HashMap<AccountId, Vec<RemoteModel>>,
}

impl DiscoveredModels {
    /// Lists kept in memory only.
    pub fn in_memory() -> Self {
        Self::default()
    }

    /// Lists kept in `path`, loading what is there now.
    pub fn open(path: std::path::PathBuf) -> Self {
        let saved = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<DiscoveredFile>(&bytes).ok());
        Self {
            lists: std::sync::Mutex::new(saved.map(|f| f.accounts).unwrap_or_default()),
            path: Some(path),
        }
    }

    fn lists(
        &self,
    ) -> std::sync::MutexGuard<'_, std::collections::HashMap<AccountId, Vec<RemoteModel>>> {
        self.lists
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The last list `account`'s provider gave (empty when never tested).
    pub fn get(&self, account: &AccountId) -> Vec<RemoteModel> {
        self.lists().get(account).cloned().unwrap_or_default()
    }

    /// Keeps the list `account`'s provider just gave; `None` forgets it (account removed).
    pub fn set(&self, account: &AccountId, models: Option<Vec<RemoteModel>>) {
        let mut lists = self.lists();
        match models {
            Some(models) => {
                lists.insert(account.clone(), models);
            }
            None => {
                lists.remove(account);
            }
        }
        let Some(path) = &self.path else {
            return;
        };
        let file = DiscoveredFile {
            version: 1,
            accounts: lists.clone(),
        };
        if let Ok(bytes) = serde_json::to_vec(&file) {
            // Derived data: a failed write is retried with the next change.
            let _ = crate::data_dir::write_atomically(path, &bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::account::AccountId;

    fn account(preset: &str, api: Api) -> Account {
        Account {
            id: AccountId::from("a".to_owned()),
            label: "Test".into(),
            base_url: "https://example.invalid/v1".into(),
            model: "m".into(),
            api,
            server_state: false,
            preset: preset.into(),
            allow_http: false,
            headers: Vec::new(),
            enabled: true,
            proxy: None,
            max_concurrent: None,
            models: Vec::new(),
        }
    }

    fn remote(id: &str, endpoints: Vec<Api>) -> RemoteModel {
        RemoteModel {
            id: id.into(),
            endpoints,
            ..RemoteModel::default()
        }
    }

    #[test]
    fn preset_models_come_first_with_their_protocol_and_discovered_ones_follow() {
        let aiml = account("aimlapi", Api::ChatCompletions);
        let merged = merge(
            &aiml,
            &[
                remote("openai/gpt-5-1-codex-mini", vec![]),
                remote("some/new-model", vec![]),
                remote("only/responses", vec![Api::Responses]),
            ],
        );
        let codex = merged
            .iter()
            .find(|e| e.id == "openai/gpt-5-1-codex-mini")
            .expect("preset model");
        assert_eq!(
            codex.api,
            Api::Responses,
            "the preset knows codex needs /responses here"
        );
        assert_eq!((codex.source, codex.listed), (ModelSource::Preset, true));
        assert_eq!(codex.logical.as_deref(), Some("gpt-5.1-codex-mini"));
        let new = merged
            .iter()
            .find(|e| e.id == "some/new-model")
            .expect("discovered");
        assert_eq!(
            (new.api, new.source),
            (Api::ChatCompletions, ModelSource::Discovered)
        );
        let only = merged
            .iter()
            .find(|e| e.id == "only/responses")
            .expect("discovered");
        assert_eq!(
            only.api,
            Api::Responses,
            "a listing that names one endpoint decides it"
        );
        let rank = |source| match source {
            ModelSource::Preset => 0,
            ModelSource::Manual => 1,
            ModelSource::Discovered => 2,
        };
        assert!(
            merged
                .windows(2)
                .all(|pair| rank(pair[0].source) <= rank(pair[1].source)),
            "preset entries first, then the account's own, then discovered: {merged:?}"
        );
        assert!(
            merged
                .iter()
                .any(|e| e.id == "m" && e.source == ModelSource::Manual),
            "the account's default model is offered"
        );
    }

    #[test]
    fn models_added_by_hand_join_their_logical_group_across_accounts() {
        let star = account("starrise", Api::ChatCompletions);
        let mut mine = account("custom", Api::ChatCompletions);
        mine.id = AccountId::from("b".to_owned());
        mine.models = vec![CustomModel {
            id: "my-codex-mini".into(),
            api: Api::Responses,
            logical: Some("gpt-5.1-codex-mini".into()),
            name: None,
        }];
        let listed = [remote("my-codex-mini", vec![])];
        let entries = merge(&mine, &listed);
        let added = entries
            .iter()
            .find(|e| e.id == "my-codex-mini")
            .expect("added by hand");
        assert_eq!(
            (added.source, added.listed, added.api),
            (ModelSource::Manual, true, Api::Responses),
            "a model added by hand keeps its protocol; the listing marks it listed"
        );
        assert_eq!(
            entries.iter().filter(|e| e.id == "my-codex-mini").count(),
            1,
            "listed and added by hand is one entry"
        );
        let groups = group(&[
            (star.id.clone(), merge(&star, &[])),
            (mine.id.clone(), entries),
        ]);
        let mini = groups
            .iter()
            .find(|g| g.key == "gpt-5.1-codex-mini")
            .expect("group");
        assert_eq!(
            mini.routes
                .iter()
                .map(|(a, e)| (a.as_str(), e.id.as_str()))
                .collect::<Vec<_>>(),
            [("a", "gpt-5.1-codex-mini"), ("b", "my-codex-mini")],
            "routes in account order, each with its own ID"
        );
        assert_eq!(mini.capabilities.reasoning, Some(true));
        assert_eq!(mini.name, "GPT-5.1 Codex Mini");

        // A listing that names a model by its ID does not hide the preset's name for it.
        let listed_first = group(&[
            (mine.id.clone(), merge(&mine, &[remote("gpt-5.2", vec![])])),
            (star.id.clone(), merge(&star, &[])),
        ]);
        let five_two = listed_first
            .iter()
            .find(|g| g.key == "gpt-5.2")
            .expect("group");
        assert_eq!(
            (five_two.name.as_str(), five_two.routes.len()),
            ("GPT-5.2", 2)
        );
        let names: Vec<String> = groups.iter().map(|g| g.name.to_lowercase()).collect();
        let mut sorted = names.clone();
        sorted.sort();
        assert_eq!(names, sorted, "groups are sorted by name");
    }

    #[test]
    fn unlisted_preset_models_are_kept_but_marked() {
        let merged = merge(&account("starrise", Api::ChatCompletions), &[]);
        assert!(!merged.is_empty() && merged.iter().all(|e| !e.listed));
        let custom = merge(&account("custom", Api::ChatCompletions), &[]);
        assert_eq!(
            custom
                .iter()
                .map(|e| (e.id.as_str(), e.source))
                .collect::<Vec<_>>(),
            [("m", ModelSource::Manual)],
            "a custom account offers its default model only"
        );
    }
}
