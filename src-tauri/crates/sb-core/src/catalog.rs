//! An account's model catalog: the preset's known models, merged with what the provider lists at
//! `GET /models`, and the connection test that fetches that list.

use std::time::Duration;

use sb_llm::models::RemoteModel;
use sb_llm::{Api, Endpoint, ErrorKind};
use serde::Serialize;

use crate::account::Account;
use crate::preset::{self, Capabilities};

/// Where a catalog entry comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ModelSource {
    /// Known from the provider preset (with its protocol and capabilities).
    Preset,
    /// Listed by the provider, not in the preset.
    Discovered,
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

/// Merges the preset's models for `account` with the `discovered` list. Preset entries come
/// first and keep their protocol; a discovered model the preset does not know uses the protocol
/// the listing names when it names only one, else the account's.
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
            }
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
        let first_discovered = merged
            .iter()
            .position(|e| e.source == ModelSource::Discovered);
        assert!(
            merged[..first_discovered.unwrap_or(merged.len())]
                .iter()
                .all(|e| e.source == ModelSource::Preset),
            "preset entries first"
        );
    }

    #[test]
    fn unlisted_preset_models_are_kept_but_marked() {
        let merged = merge(&account("starrise", Api::ChatCompletions), &[]);
        assert!(!merged.is_empty() && merged.iter().all(|e| !e.listed));
        assert!(merge(&account("custom", Api::ChatCompletions), &[]).is_empty());
    }
}
