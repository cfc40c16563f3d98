//! Provider presets, from data (`data/presets.json`), not code: the base URL, key rule, request
//! quirks and known models of each provider Switchboard knows, so adding an account starts from
//! facts instead of a blank form. Every fact in the file names its source.
//!
//! A model has one ID per provider (`gpt-5.1-codex-mini` at Starrise, `openai/gpt-5-1-codex-mini`
//! at AI/ML API) and sometimes a different protocol; [`logical_models`] groups them by a shared
//! logical key so the UI can offer one model and route it to any provider that serves it.

use std::sync::LazyLock;

use sb_llm::chat_completions::{ChatOptions, TokenField};
use sb_llm::Api;
use serde::{Deserialize, Serialize};

/// One provider Switchboard knows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Preset {
    /// Stable id (`starrise`, `aimlapi`, …), safe to store.
    pub id: String,
    /// Display name.
    pub name: String,
    /// The default base URL, paths such as `/chat/completions` are appended to it. Empty for
    /// Custom: the user must give one.
    pub base_url: String,
    /// A server on the user's own machine.
    pub local: bool,
    /// Whether the provider needs an API key (local servers do not).
    pub key_required: bool,
    /// How the provider writes model IDs, for the UI ("bare dotted IDs like gpt-5.1-codex-mini").
    pub model_id_style: String,
    /// The token-limit field the provider reads on chat completions.
    pub token_field: TokenFieldName,
    /// Whether to send `stream_options.include_usage` (only where the provider documents it).
    pub include_usage: bool,
    /// Where these facts come from.
    pub source: String,
    /// Models known to be served, with this provider's IDs.
    pub models: Vec<KnownModel>,
}

/// The token-limit field as the data file names it (see [`TokenField`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenFieldName {
    /// `max_tokens`.
    MaxTokens,
    /// `max_completion_tokens`.
    MaxCompletionTokens,
}

impl From<TokenFieldName> for TokenField {
    fn from(name: TokenFieldName) -> Self {
        match name {
            TokenFieldName::MaxTokens => TokenField::MaxTokens,
            TokenFieldName::MaxCompletionTokens => TokenField::MaxCompletionTokens,
        }
    }
}

/// A model a preset is known to serve.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KnownModel {
    /// The provider's own model ID, sent as is.
    pub id: String,
    /// The logical model key shared across providers (`gpt-5.1-codex-mini`).
    pub logical: String,
    /// Display name, the same for every provider of one logical model.
    pub name: String,
    /// The protocol this provider needs for this model.
    pub api: Api,
    /// What the sources say the model can do here.
    pub capabilities: Capabilities,
    /// Where these facts come from.
    pub source: String,
}

/// What a model can do, as documented. `None`: no source says, which is not the same as "no".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capabilities {
    /// It reasons before answering.
    pub reasoning: Option<bool>,
    /// It reads images.
    pub vision: Option<bool>,
    /// It calls tools (functions).
    pub tools: Option<bool>,
    /// It has a JSON mode (`response_format` / `text.format` `json_object`).
    pub json_mode: Option<bool>,
}

/// One model offered across providers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogicalModel {
    /// The logical key.
    pub logical: String,
    /// Display name.
    pub name: String,
    /// Where it can be sent, in preset order.
    pub routes: Vec<ModelRoute>,
}

/// How one provider serves a logical model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelRoute {
    /// The preset's id.
    pub preset_id: String,
    /// The provider's model ID.
    pub model_id: String,
    /// The protocol it needs.
    pub api: Api,
}

impl Preset {
    /// The token-limit field, as the wire code takes it.
    pub fn token_field(&self) -> TokenField {
        self.token_field.into()
    }

    /// How chat requests to this provider are written.
    pub fn chat_options(&self) -> ChatOptions {
        ChatOptions {
            token_field: self.token_field(),
            include_usage: self.include_usage,
        }
    }

    /// A known model by this provider's ID.
    pub fn model(&self, id: &str) -> Option<&KnownModel> {
        self.models.iter().find(|m| m.id == id)
    }

    /// This provider's model for a logical key.
    pub fn model_for(&self, logical: &str) -> Option<&KnownModel> {
        self.models.iter().find(|m| m.logical == logical)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PresetFile {
    #[serde(rename = "$comment")]
    _comment: String,
    presets: Vec<Preset>,
}

static PRESETS: LazyLock<Vec<Preset>> = LazyLock::new(|| {
    let file: PresetFile = serde_json::from_str(include_str!("../data/presets.json"))
        .unwrap_or_else(|e| {
            panic!("data/presets.json is shipped in the binary and must parse: {e}")
        });
    file.presets
});

/// Every preset, in display order (Custom last).
pub fn presets() -> &'static [Preset] {
    &PRESETS
}

/// A preset by id.
pub fn preset(id: &str) -> Option<&'static Preset> {
    presets().iter().find(|p| p.id == id)
}

/// The preset whose default base URL has the same scheme, host and port as `base_url` (loopback
/// names count as one host), for accounts made before presets or edited by hand.
pub fn preset_for_base_url(base_url: &str) -> Option<&'static Preset> {
    let wanted = origin(base_url)?;
    presets()
        .iter()
        .find(|p| origin(&p.base_url).is_some_and(|o| o == wanted))
}

fn origin(url: &str) -> Option<(String, String, u16)> {
    let url = reqwest::Url::parse(url.trim()).ok()?;
    let host = match url.host_str()?.to_ascii_lowercase().as_str() {
        "localhost" | "127.0.0.1" | "[::1]" => "loopback".to_owned(),
        other => other.to_owned(),
    };
    Some((url.scheme().to_owned(), host, url.port_or_known_default()?))
}

/// Known models grouped by logical key across presets, in order of first appearance, each with
/// the route (model ID and protocol) of every preset that serves it.
pub fn logical_models() -> Vec<LogicalModel> {
    let mut grouped: Vec<LogicalModel> = Vec::new();
    for preset in presets() {
        for model in &preset.models {
            let route = ModelRoute {
                preset_id: preset.id.clone(),
                model_id: model.id.clone(),
                api: model.api,
            };
            match grouped.iter_mut().find(|g| g.logical == model.logical) {
                Some(group) => group.routes.push(route),
                None => grouped.push(LogicalModel {
                    logical: model.logical.clone(),
                    name: model.name.clone(),
                    routes: vec![route],
                }),
            }
        }
    }
    grouped
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};

    use super::*;

    const ALL: [&str; 9] = [
        "starrise",
        "aimlapi",
        "starmagic",
        "openai",
        "openrouter",
        "deepseek",
        "ollama",
        "llamacpp",
        "custom",
    ];

    fn get(id: &str) -> &'static Preset {
        preset(id).unwrap_or_else(|| panic!("the {id} preset must exist"))
    }

    fn model<'a>(preset: &'a Preset, id: &str) -> &'a KnownModel {
        preset
            .model(id)
            .unwrap_or_else(|| panic!("{} should know {id}", preset.id))
    }

    #[test]
    fn the_file_parses_with_unique_ids_and_all_nine_presets() {
        let ids: Vec<&str> = presets().iter().map(|p| p.id.as_str()).collect();
        let unique: HashSet<&str> = ids.iter().copied().collect();
        assert_eq!(
            unique.len(),
            ids.len(),
            "preset ids must be unique: {ids:?}"
        );
        assert_eq!(ids, ALL, "the nine presets, in display order");
        assert_eq!(
            presets().last().map(|p| p.id.as_str()),
            Some("custom"),
            "Custom comes last"
        );
        assert!(preset("nope").is_none());
    }

    #[test]
    fn base_urls_are_https_except_local_servers_and_custom() {
        for p in presets() {
            match p.id.as_str() {
                "custom" => {
                    assert!(p.base_url.is_empty(), "Custom has no default URL");
                    assert!(!p.local);
                }
                "ollama" | "llamacpp" => {
                    assert!(p.local, "{} runs on the user's machine", p.id);
                    assert!(
                        p.base_url.starts_with("http://127.0.0.1:"),
                        "{}: local servers speak plain HTTP on loopback: {}",
                        p.id,
                        p.base_url
                    );
                    assert!(!p.key_required, "{}: local servers need no key", p.id);
                }
                _ => {
                    assert!(!p.local && p.key_required, "{} is a hosted service", p.id);
                    assert!(
                        p.base_url.starts_with("https://"),
                        "{}: keys only ever go over TLS: {}",
                        p.id,
                        p.base_url
                    );
                }
            }
            if !p.base_url.is_empty() {
                let url = reqwest::Url::parse(&p.base_url)
                    .unwrap_or_else(|e| panic!("{}: {} is not a URL: {e}", p.id, p.base_url));
                assert!(
                    url.path().ends_with("/v1") && !p.base_url.ends_with('/'),
                    "{}: base URLs end in /v1 without a slash, as accounts store them: {}",
                    p.id,
                    p.base_url
                );
            }
        }
        assert_eq!(
            get("starrise").base_url,
            "https://ai.alad.com/v1",
            "seed 000"
        );
        assert_eq!(
            get("aimlapi").base_url,
            "https://api.aimlapi.com/v1",
            "seed 001"
        );
        assert_eq!(
            get("starmagic").base_url,
            "https://api.starmagic.ai/v1",
            "seed 002"
        );
    }

    #[test]
    fn aimlapi_codex_models_are_responses_only_with_hyphenated_openai_ids() {
        let aiml = get("aimlapi");
        for id in ["openai/gpt-5-1-codex-mini", "openai/gpt-5-1-codex"] {
            let m = model(aiml, id);
            assert_eq!(
                m.api,
                Api::Responses,
                "{id}: AI/ML API serves codex models ONLY on /responses (seeds 001, 003)"
            );
            assert_eq!(m.capabilities.reasoning, Some(true), "{id}");
        }
        for m in &aiml.models {
            assert!(
                m.id.starts_with("openai/") && !m.id.contains('.'),
                "{}: AI/ML API writes openai/ plus a hyphenated version",
                m.id
            );
        }
    }

    #[test]
    fn starrise_serves_the_same_model_on_chat_with_the_bare_id() {
        let starrise = get("starrise");
        let mini = starrise
            .model_for("gpt-5.1-codex-mini")
            .expect("Starrise serves gpt-5.1-codex-mini (seed 000)");
        assert_eq!(
            (mini.id.as_str(), mini.api),
            ("gpt-5.1-codex-mini", Api::ChatCompletions),
            "seed 000 documents it on /v1/chat/completions with the bare ID"
        );
        assert_eq!(
            model(starrise, "gpt-5.2").api,
            Api::Responses,
            "seed 004 documents gpt-5.2 on /v1/responses"
        );
        assert_eq!(starrise.token_field(), TokenField::MaxTokens, "seed 000");
    }

    #[test]
    fn starmagic_thinking_model_reasons_and_the_series_reads_images_and_calls_tools() {
        let starmagic = get("starmagic");
        let ids: Vec<&str> = starmagic.models.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(
            ids,
            ["gpt-5.1", "gpt-5.1-chat", "gpt-5.1-thinking"],
            "seed 002"
        );
        assert_eq!(
            model(starmagic, "gpt-5.1-thinking").capabilities.reasoning,
            Some(true),
            "it returns reasoning_content (seed 002)"
        );
        for m in &starmagic.models {
            assert_eq!(
                m.api,
                Api::ChatCompletions,
                "{}: seed 002 is chat only",
                m.id
            );
            assert_eq!(
                (m.capabilities.vision, m.capabilities.tools),
                (Some(true), Some(true)),
                "{}: seed 002 documents image input and function calling for the series",
                m.id
            );
        }
    }

    #[test]
    fn request_quirks_follow_the_sources() {
        assert_eq!(
            get("openai").chat_options(),
            ChatOptions {
                token_field: TokenField::MaxCompletionTokens,
                include_usage: true
            },
            "OpenAI's reasoning models reject max_tokens (protocol.md §2.1)"
        );
        assert_eq!(
            get("ollama").token_field(),
            TokenField::MaxTokens,
            "Ollama ignores max_completion_tokens (protocol.md §2.1)"
        );
        for id in ["starrise", "aimlapi", "starmagic", "llamacpp", "custom"] {
            assert!(
                !get(id).include_usage,
                "{id}: stream_options is sent only where documented"
            );
        }
        for id in ["openai", "openrouter", "deepseek"] {
            assert!(get(id).include_usage, "{id} documents include_usage");
        }
    }

    #[test]
    fn logical_models_group_one_model_across_providers() {
        let groups = logical_models();
        let mini = groups
            .iter()
            .find(|g| g.logical == "gpt-5.1-codex-mini")
            .expect("gpt-5.1-codex-mini is a logical model");
        let routes: Vec<(&str, &str, Api)> = mini
            .routes
            .iter()
            .map(|r| (r.preset_id.as_str(), r.model_id.as_str(), r.api))
            .collect();
        assert_eq!(
            routes,
            [
                ("starrise", "gpt-5.1-codex-mini", Api::ChatCompletions),
                ("aimlapi", "openai/gpt-5-1-codex-mini", Api::Responses),
                ("openai", "gpt-5.1-codex-mini", Api::Responses),
                (
                    "openrouter",
                    "openai/gpt-5.1-codex-mini",
                    Api::ChatCompletions
                ),
            ],
            "each provider keeps its own ID and protocol (protocol.md §6 quirk 10)"
        );
        assert_eq!(mini.name, "GPT-5.1 Codex Mini");
        let gpt51 = groups
            .iter()
            .find(|g| g.logical == "gpt-5.1")
            .expect("gpt-5.1 is a logical model");
        let presets_of_51: Vec<&str> = gpt51.routes.iter().map(|r| r.preset_id.as_str()).collect();
        assert_eq!(
            presets_of_51,
            ["aimlapi", "starmagic", "openai", "openrouter"]
        );
        let total: usize = groups.iter().map(|g| g.routes.len()).sum();
        let known: usize = presets().iter().map(|p| p.models.len()).sum();
        assert_eq!(total, known, "every known model is in exactly one group");
    }

    #[test]
    fn model_ids_are_unique_per_preset_and_logical_names_agree() {
        let mut names: HashMap<&str, (&str, &str)> = HashMap::new();
        for p in presets() {
            let mut seen = HashSet::new();
            let mut logicals = HashSet::new();
            for m in &p.models {
                assert!(
                    seen.insert(m.id.as_str()),
                    "{}: {} is listed twice",
                    p.id,
                    m.id
                );
                assert!(
                    logicals.insert(m.logical.as_str()),
                    "{}: two models share the logical key {}",
                    p.id,
                    m.logical
                );
                assert!(
                    !m.id.trim().is_empty() && m.id.trim() == m.id,
                    "{}: model IDs are sent as is, so no blanks: {:?}",
                    p.id,
                    m.id
                );
                assert!(
                    !m.source.is_empty(),
                    "{}/{}: every fact names its source",
                    p.id,
                    m.id
                );
                if let Some((other, name)) =
                    names.insert(m.logical.as_str(), (p.id.as_str(), m.name.as_str()))
                {
                    assert_eq!(
                        name, m.name,
                        "{} is called {name:?} at {other} but {:?} at {}",
                        m.logical, m.name, p.id
                    );
                }
            }
        }
    }

    #[test]
    fn every_capability_is_stated_explicitly_in_the_file() {
        // Serde reads a missing Option as None; the file must still decide each one (null =
        // "no source says"), so a forgotten key is caught here.
        let raw: serde_json::Value =
            serde_json::from_str(include_str!("../data/presets.json")).expect("valid JSON");
        let presets = raw["presets"].as_array().expect("a presets list");
        for p in presets {
            for m in p["models"].as_array().expect("a models list") {
                let caps = m["capabilities"]
                    .as_object()
                    .expect("a capabilities object");
                for key in ["reasoning", "vision", "tools", "json_mode"] {
                    assert!(
                        caps.contains_key(key),
                        "{}/{} must state {key} (true, false or null)",
                        p["id"],
                        m["id"]
                    );
                }
            }
        }
    }

    #[test]
    fn base_urls_find_their_preset() {
        let id = |url: &str| preset_for_base_url(url).map(|p| p.id.as_str());
        assert_eq!(id("https://ai.alad.com/v1"), Some("starrise"));
        assert_eq!(
            id("https://API.aimlapi.com/v1/"),
            Some("aimlapi"),
            "host case and slash"
        );
        assert_eq!(
            id("http://localhost:11434/v1"),
            Some("ollama"),
            "loopback names"
        );
        assert_eq!(
            id("http://127.0.0.1:8080/v1"),
            None,
            "another port is another server"
        );
        assert_eq!(id("https://example.com/v1"), None);
        assert_eq!(id(""), None, "Custom's empty URL matches nothing");
    }

    #[test]
    fn unknown_fields_in_the_data_are_rejected() {
        let typo = r#"{"id":"x","logical":"x","name":"X","api":"chat","capabilities":{"reasoning":null,"vison":true},"source":"s"}"#;
        assert!(
            serde_json::from_str::<KnownModel>(typo).is_err(),
            "a misspelt capability must fail the build's tests, not vanish"
        );
    }
}
