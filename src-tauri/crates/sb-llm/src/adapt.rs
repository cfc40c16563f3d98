//! Adapts parameters to what the target model accepts, from data (`data/model_rules.json`), not
//! code branches: a token limit moves to the field the model reads, and parameters the model is
//! known to reject are dropped. Every change comes with a [`Notice`] the user sees.

use std::sync::LazyLock;

use serde::Deserialize;

use crate::chat_completions::TokenField;
use crate::params::{Params, ReasoningEffort};

/// A change made to the user's parameters, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// The parameter that was changed or dropped.
    pub param: &'static str,
    /// What happened, for the user.
    pub message: String,
}

/// Parameters ready for one model, with the notices to show.
#[derive(Debug, Clone, PartialEq)]
pub struct Adapted {
    /// The parameters to send.
    pub params: Params,
    /// The token-limit field to use, when a rule decides it.
    pub token_field: Option<TokenField>,
    /// What was changed.
    pub notices: Vec<Notice>,
}

#[derive(Debug, Deserialize)]
struct RuleFile {
    providers_by_host: std::collections::HashMap<String, String>,
    rules: Vec<Rule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Rule {
    name: String,
    #[serde(default)]
    providers: Vec<String>,
    models: Vec<String>,
    #[serde(default)]
    except_models: Vec<String>,
    #[serde(default)]
    token_field: Option<RuleTokenField>,
    #[serde(default)]
    drop: Vec<Param>,
    #[serde(default)]
    keep_when_effort_none: Vec<Param>,
    #[serde(default)]
    models_keeping_when_effort_none: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum RuleTokenField {
    MaxTokens,
    MaxCompletionTokens,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Param {
    Temperature,
    TopP,
    FrequencyPenalty,
    PresencePenalty,
}

impl Param {
    fn name(self) -> &'static str {
        match self {
            Self::Temperature => "temperature",
            Self::TopP => "top_p",
            Self::FrequencyPenalty => "frequency_penalty",
            Self::PresencePenalty => "presence_penalty",
        }
    }

    fn slot(self, params: &mut Params) -> &mut Option<f64> {
        match self {
            Self::Temperature => &mut params.temperature,
            Self::TopP => &mut params.top_p,
            Self::FrequencyPenalty => &mut params.frequency_penalty,
            Self::PresencePenalty => &mut params.presence_penalty,
        }
    }
}

static RULES: LazyLock<RuleFile> = LazyLock::new(|| {
    serde_json::from_str(include_str!("../data/model_rules.json")).unwrap_or_else(|e| {
        panic!("data/model_rules.json is shipped in the binary and must parse: {e}")
    })
});

/// The provider a base URL belongs to, when the rules know its host.
pub fn provider_for(base_url: &str) -> Option<&'static str> {
    let host = reqwest::Url::parse(base_url)
        .ok()?
        .host_str()?
        .to_ascii_lowercase();
    RULES.providers_by_host.get(&host).map(String::as_str)
}

/// `*` matches any run of characters; matching ignores ASCII case.
fn glob(pattern: &str, text: &str) -> bool {
    let (pattern, text) = (pattern.to_ascii_lowercase(), text.to_ascii_lowercase());
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = text.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    for (i, part) in parts.iter().enumerate() {
        if i == parts.len() - 1 {
            return rest.ends_with(part);
        }
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// Adapts `params` for `model` at `provider` (a provider id such as `openai`, if known).
pub fn adapt(provider: Option<&str>, model: &str, params: &Params) -> Adapted {
    let bare = model.rsplit('/').next().unwrap_or(model);
    let mut adapted = Adapted {
        params: params.clone(),
        token_field: None,
        notices: Vec::new(),
    };
    for rule in &RULES.rules {
        let provider_ok = rule.providers.is_empty()
            || provider.is_some_and(|p| rule.providers.iter().any(|r| r == p));
        let model_ok = rule.models.iter().any(|m| glob(m, bare))
            && !rule.except_models.iter().any(|m| glob(m, bare));
        if !(provider_ok && model_ok) {
            continue;
        }
        if let Some(field) = rule.token_field {
            adapted.token_field = Some(match field {
                RuleTokenField::MaxTokens => TokenField::MaxTokens,
                RuleTokenField::MaxCompletionTokens => TokenField::MaxCompletionTokens,
            });
            if params.max_tokens.is_some() && field == RuleTokenField::MaxCompletionTokens {
                adapted.notices.push(Notice {
                    param: "max_tokens",
                    message: format!("max_tokens is sent as max_completion_tokens: {} ({}) reads only that field.", model, rule.name),
                });
            }
        }
        let effort_none = params.reasoning_effort == Some(ReasoningEffort::None)
            && rule
                .models_keeping_when_effort_none
                .iter()
                .any(|m| glob(m, bare));
        for param in &rule.drop {
            if effort_none && rule.keep_when_effort_none.contains(param) {
                continue;
            }
            if param.slot(&mut adapted.params).take().is_some() {
                adapted.notices.push(Notice {
                    param: param.name(),
                    message: format!(
                        "{} was not sent: {model} ({}) rejects it.",
                        param.name(),
                        rule.name
                    ),
                });
            }
        }
    }
    adapted
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user_params() -> Params {
        Params {
            max_tokens: Some(500),
            temperature: Some(0.2),
            top_p: Some(0.9),
            presence_penalty: Some(0.5),
            ..Params::default()
        }
    }

    #[test]
    fn openai_reasoning_model_gets_max_completion_tokens_and_loses_sampling_params() {
        let adapted = adapt(
            provider_for("https://api.openai.com/v1"),
            "gpt-5.1-codex-mini",
            &user_params(),
        );
        assert_eq!(adapted.token_field, Some(TokenField::MaxCompletionTokens));
        assert_eq!(
            adapted.params.max_tokens,
            Some(500),
            "the limit itself is kept"
        );
        assert_eq!(
            (
                adapted.params.temperature,
                adapted.params.top_p,
                adapted.params.presence_penalty
            ),
            (None, None, None)
        );
        let changed: Vec<_> = adapted.notices.iter().map(|n| n.param).collect();
        assert_eq!(
            changed,
            ["max_tokens", "temperature", "top_p", "presence_penalty"],
            "every change is announced"
        );
        assert!(
            adapted.notices[1]
                .message
                .contains("temperature was not sent"),
            "{:?}",
            adapted.notices
        );
    }

    #[test]
    fn chat_models_other_providers_and_effort_none_keep_their_params() {
        let params = user_params();
        let chat = adapt(Some("openai"), "gpt-5.1-chat-latest", &params);
        assert_eq!(
            (chat.params, chat.notices.len()),
            (params.clone(), 0),
            "gpt-5*-chat* models sample normally"
        );
        let aggregator = adapt(
            provider_for("https://ai.alad.com/v1"),
            "gpt-5.1-codex-mini",
            &params,
        );
        assert_eq!(
            aggregator.notices.len(),
            0,
            "rules for OpenAI do not touch an aggregator's model"
        );
        let none = Params {
            reasoning_effort: Some(ReasoningEffort::None),
            ..params
        };
        let adapted = adapt(Some("openai"), "gpt-5.1", &none);
        assert_eq!(
            adapted.params.temperature,
            Some(0.2),
            "gpt-5.1 accepts temperature with effort none"
        );
        assert_eq!(
            adapted.params.presence_penalty, None,
            "but still not penalties"
        );
    }

    #[test]
    fn vendor_prefix_and_case_are_ignored_when_matching() {
        assert!(glob("gpt-5*", "GPT-5.1"));
        assert!(glob("gpt-5*-chat*", "gpt-5-1-chat-latest"));
        assert!(!glob("gpt-5*-chat*", "gpt-5.1-codex"));
        assert!(glob("o1*", "o1"));
        let adapted = adapt(Some("openai"), "openai/o3-mini", &user_params());
        assert_eq!(adapted.params.temperature, None);
    }
}
