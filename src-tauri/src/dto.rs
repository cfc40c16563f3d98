//! IPC data: what crosses between Rust and the web UI. Mirrors `ui/src/ipc/types.ts`.
//!
//! Nothing here that is serialized can hold a key: [`AccountView`] has no key field, and the only
//! type carrying one, [`NewAccount`], is `Deserialize` only and wraps the key in a `Secret` at
//! once.

use sb_core::{AccountSummary, CoreError, Secret, TurnEvent};
use serde::{Deserialize, Serialize};

/// An account as the UI sees it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountView {
    pub id: String,
    pub label: String,
    pub base_url: String,
    pub model: String,
    pub api: sb_core::Api,
    pub server_state: bool,
    pub preset: String,
    pub allow_http: bool,
    pub headers: Vec<(String, String)>,
    pub enabled: bool,
    pub has_key: bool,
    /// The key's last four characters, never more.
    pub key_hint: Option<String>,
}

impl From<AccountSummary> for AccountView {
    fn from(summary: AccountSummary) -> Self {
        Self {
            id: summary.account.id.to_string(),
            label: summary.account.label,
            base_url: summary.account.base_url,
            model: summary.account.model,
            api: summary.account.api,
            server_state: summary.account.server_state,
            preset: summary.account.preset,
            allow_http: summary.account.allow_http,
            headers: summary.account.headers,
            enabled: summary.account.enabled,
            has_key: summary.has_key,
            key_hint: summary.key_hint,
        }
    }
}

/// The add-account form. Deserialize only: it is never sent back.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewAccount {
    pub label: String,
    pub base_url: String,
    pub api_key: String,
    pub model: String,
    #[serde(default)]
    pub api: sb_core::Api,
    #[serde(default)]
    pub server_state: bool,
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub allow_http: bool,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("api_key", &"***")
            .field("model", &self.model)
            .field("api", &self.api)
            .field("server_state", &self.server_state)
            .field("preset", &self.preset)
            .field("allow_http", &self.allow_http)
            .finish()
    }
}

impl From<NewAccount> for sb_core::NewAccount {
    fn from(dto: NewAccount) -> Self {
        Self {
            label: dto.label,
            base_url: dto.base_url,
            api_key: Secret::new(dto.api_key),
            model: dto.model,
            api: dto.api,
            server_state: dto.server_state,
            preset: dto.preset,
            allow_http: dto.allow_http,
            headers: dto.headers,
        }
    }
}

/// One message of the history the UI sends.
#[derive(Debug, Deserialize)]
pub struct ChatMessage {
    pub role: sb_core::Role,
    pub content: String,
}

/// A send request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub account_id: String,
    pub model: String,
    #[serde(default)]
    pub api: sb_core::Api,
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub params: ParamsDto,
    /// Responses API with server-side state: the previous answer's response id.
    #[serde(default)]
    pub previous_response_id: Option<String>,
}

/// Generation parameters from the parameters drawer; unset means the provider's default.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParamsDto {
    pub max_tokens: Option<u32>,
    pub temperature: Option<f64>,
    pub top_p: Option<f64>,
    pub frequency_penalty: Option<f64>,
    pub presence_penalty: Option<f64>,
    pub reasoning_effort: Option<sb_core::params::ReasoningEffort>,
    pub reasoning_summary: Option<sb_core::params::ReasoningSummary>,
    pub verbosity: Option<sb_core::params::Verbosity>,
    pub json_mode: bool,
}

impl From<ParamsDto> for sb_core::Params {
    fn from(dto: ParamsDto) -> Self {
        Self {
            max_tokens: dto.max_tokens,
            temperature: dto.temperature,
            top_p: dto.top_p,
            frequency_penalty: dto.frequency_penalty,
            presence_penalty: dto.presence_penalty,
            reasoning_effort: dto.reasoning_effort,
            reasoning_summary: dto.reasoning_summary,
            verbosity: dto.verbosity,
            format: if dto.json_mode {
                sb_core::params::OutputFormat::JsonObject
            } else {
                sb_core::params::OutputFormat::Text
            },
            ..Self::default()
        }
    }
}

impl From<SendRequest> for sb_core::TurnRequest {
    fn from(dto: SendRequest) -> Self {
        Self {
            route: sb_core::Route::Account(dto.account_id.into()),
            api: dto.api,
            model: dto.model,
            messages: dto
                .messages
                .into_iter()
                .map(|m| sb_core::Message::text(m.role, m.content))
                .collect(),
            params: dto.params.into(),
            stream: true,
            previous_response_id: dto.previous_response_id,
        }
    }
}

/// Events of one answer, over its per-request channel.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StreamEvent {
    #[serde(rename_all = "camelCase")]
    Started {
        request_id: String,
    },
    TextDelta {
        text: String,
    },
    ReasoningDelta {
        text: String,
    },
    ToolCallDelta {
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: String,
    },
    Notice {
        param: String,
        message: String,
    },
    ResponseId {
        id: String,
    },
    #[serde(rename_all = "camelCase")]
    Route {
        served_by: Option<RouteView>,
        attempts: Vec<AttemptView>,
    },
    Rendered {
        html: String,
    },
    #[serde(rename_all = "camelCase")]
    Usage {
        prompt_tokens: Option<u64>,
        completion_tokens: Option<u64>,
        total_tokens: Option<u64>,
    },
    Finished {
        reason: String,
    },
    Stopped,
    Error {
        code: String,
        message: String,
    },
}

impl From<TurnEvent> for StreamEvent {
    fn from(event: TurnEvent) -> Self {
        match event {
            TurnEvent::TextDelta(text) => Self::TextDelta { text },
            TurnEvent::ReasoningDelta(text) => Self::ReasoningDelta { text },
            TurnEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => Self::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            },
            TurnEvent::ResponseId(id) => Self::ResponseId { id },
            TurnEvent::Route(record) => Self::Route {
                served_by: record.served_by.as_ref().map(RouteView::from),
                attempts: record
                    .attempts
                    .iter()
                    .map(|attempt| AttemptView {
                        route: RouteView::from(&attempt.route),
                        code: attempt.code.clone(),
                        outcome: attempt.outcome.clone(),
                    })
                    .collect(),
            },
            TurnEvent::Notice { param, message } => Self::Notice {
                param: param.to_owned(),
                message,
            },
            TurnEvent::Rendered(html) => Self::Rendered { html },
            TurnEvent::Usage(usage) => Self::Usage {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                total_tokens: usage.total_tokens,
            },
            TurnEvent::Finished(reason) => Self::Finished { reason },
            TurnEvent::Stopped => Self::Stopped,
            TurnEvent::Failed { code, message } => Self::Error {
                code: code.to_owned(),
                message,
            },
        }
    }
}

/// One way of serving a model: an account, its model ID and protocol.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteView {
    pub account_id: String,
    pub model_id: String,
    pub api: sb_core::Api,
}

impl From<&sb_core::router::Route> for RouteView {
    fn from(route: &sb_core::router::Route) -> Self {
        Self {
            account_id: route.account_id.to_string(),
            model_id: route.model_id.clone(),
            api: route.api,
        }
    }
}

/// A route that did not answer, and why.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AttemptView {
    pub route: RouteView,
    pub code: String,
    pub outcome: String,
}

/// A rejected command, as the UI receives it.
#[derive(Debug, Serialize)]
pub struct CommandError {
    pub code: String,
    pub message: String,
}

impl From<CoreError> for CommandError {
    fn from(error: CoreError) -> Self {
        Self {
            code: error.code().to_owned(),
            message: error.to_string(),
        }
    }
}
