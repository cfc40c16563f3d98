//! IPC data: what crosses between Rust and the web UI. Mirrors `ui/src/ipc/types.ts`.
//!
//! Nothing here that is serialized can hold a key: [`AccountView`] has no key field, and the only
//! type carrying one, [`NewAccount`], is `Deserialize` only and wraps the key in a `Secret` at
//! once.

use sb_core::{AccountHealth, AccountSummary, CoreError, RenderedPart, Secret, TurnEvent};
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
    pub key_problem: Option<String>,
    pub proxy: Option<String>,
    pub has_proxy_password: bool,
    pub max_concurrent: Option<u32>,
    pub custom_models: Vec<CustomModelDto>,
    pub health: HealthView,
}

impl AccountView {
    pub fn new(summary: AccountSummary, health: &AccountHealth) -> Self {
        let account = summary.account;
        Self {
            id: account.id.to_string(),
            label: account.label,
            base_url: account.base_url,
            model: account.model,
            api: account.api,
            server_state: account.server_state,
            preset: account.preset,
            allow_http: account.allow_http,
            headers: account.headers,
            enabled: account.enabled,
            has_key: summary.has_key,
            key_hint: summary.key_hint,
            key_problem: summary.key_problem,
            proxy: account.proxy,
            has_proxy_password: summary.has_proxy_password,
            max_concurrent: account.max_concurrent,
            custom_models: account
                .models
                .into_iter()
                .map(CustomModelDto::from)
                .collect(),
            health: health.into(),
        }
    }
}

/// A model added by hand.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomModelDto {
    pub id: String,
    pub api: sb_core::Api,
    #[serde(default)]
    pub logical: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

impl From<sb_core::CustomModel> for CustomModelDto {
    fn from(model: sb_core::CustomModel) -> Self {
        Self {
            id: model.id,
            api: model.api,
            logical: model.logical,
            name: model.name,
        }
    }
}

impl From<CustomModelDto> for sb_core::CustomModel {
    fn from(model: CustomModelDto) -> Self {
        Self {
            id: model.id,
            api: model.api,
            logical: model.logical,
            name: model.name,
        }
    }
}

/// Router health, for badges.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HealthView {
    pub state: &'static str,
    pub detail: Option<String>,
    pub retry_in_secs: Option<u64>,
}

impl From<&AccountHealth> for HealthView {
    fn from(health: &AccountHealth) -> Self {
        let (state, detail, retry_in_secs) = match health {
            AccountHealth::Ok => ("ok", None, None),
            AccountHealth::CoolingDown { remaining, cause } => {
                let why = match cause {
                    sb_core::router::CooldownCause::RateLimited => "Rate-limited",
                    sb_core::router::CooldownCause::OutOfCredit => "Out of credit",
                };
                // Round up: "0 s" left would read as ready.
                let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
                (
                    "cooling",
                    Some(format!("{why}; used again in {secs} s.")),
                    Some(secs),
                )
            }
            AccountHealth::NeedsAttention { message } => ("attention", Some(message.clone()), None),
            AccountHealth::Disabled => ("disabled", None, None),
            AccountHealth::NoKey { message } => ("no_key", Some(message.clone()), None),
        };
        Self {
            state,
            detail,
            retry_in_secs,
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
    #[serde(default)]
    pub proxy: Option<String>,
    #[serde(default)]
    pub proxy_password: Option<String>,
    #[serde(default)]
    pub max_concurrent: Option<u32>,
    #[serde(default)]
    pub custom_models: Vec<CustomModelDto>,
}

impl std::fmt::Debug for NewAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewAccount")
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("api_key", &"***")
            .field("model", &self.model)
            .field("api", &self.api)
            .field("preset", &self.preset)
            .field("proxy", &self.proxy)
            .field(
                "proxy_password",
                &self.proxy_password.as_ref().map(|_| "***"),
            )
            .finish_non_exhaustive()
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
            proxy: dto.proxy,
            proxy_password: write_only(dto.proxy_password),
            max_concurrent: dto.max_concurrent,
            models: dto.custom_models.into_iter().map(Into::into).collect(),
        }
    }
}

/// A write-only field: absent or empty means "keep what is stored".
fn write_only(value: Option<String>) -> Option<Secret<String>> {
    value.filter(|v| !v.trim().is_empty()).map(Secret::new)
}

/// The edit-account form. Deserialize only.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AccountUpdate {
    pub label: String,
    pub base_url: String,
    pub model: String,
    pub api: sb_core::Api,
    #[serde(default)]
    pub server_state: bool,
    #[serde(default)]
    pub allow_http: bool,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    pub enabled: bool,
    #[serde(default)]
    pub proxy: Option<String>,
    #[serde(default)]
    pub proxy_password: Option<String>,
    #[serde(default)]
    pub max_concurrent: Option<u32>,
    #[serde(default)]
    pub custom_models: Vec<CustomModelDto>,
    #[serde(default)]
    pub api_key: Option<String>,
}

impl std::fmt::Debug for AccountUpdate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccountUpdate")
            .field("label", &self.label)
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "***"))
            .field("proxy", &self.proxy)
            .field(
                "proxy_password",
                &self.proxy_password.as_ref().map(|_| "***"),
            )
            .finish_non_exhaustive()
    }
}

impl From<AccountUpdate> for sb_core::AccountUpdate {
    fn from(dto: AccountUpdate) -> Self {
        Self {
            label: dto.label,
            base_url: dto.base_url,
            model: dto.model,
            api: dto.api,
            server_state: dto.server_state,
            allow_http: dto.allow_http,
            headers: dto.headers,
            enabled: dto.enabled,
            proxy: dto.proxy,
            proxy_password: write_only(dto.proxy_password),
            max_concurrent: dto.max_concurrent,
            models: dto.custom_models.into_iter().map(Into::into).collect(),
            api_key: write_only(dto.api_key),
        }
    }
}

/// What a model can do; `None`: not documented.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilitiesView {
    pub reasoning: Option<bool>,
    pub vision: Option<bool>,
    pub tools: Option<bool>,
    pub json_mode: Option<bool>,
}

impl From<sb_core::preset::Capabilities> for CapabilitiesView {
    fn from(caps: sb_core::preset::Capabilities) -> Self {
        Self {
            reasoning: caps.reasoning,
            vision: caps.vision,
            tools: caps.tools,
            json_mode: caps.json_mode,
        }
    }
}

/// A model a preset knows.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresetModelView {
    pub id: String,
    pub logical: String,
    pub name: String,
    pub api: sb_core::Api,
    pub capabilities: CapabilitiesView,
}

/// A provider preset.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PresetView {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub local: bool,
    pub key_required: bool,
    pub model_id_style: String,
    pub models: Vec<PresetModelView>,
}

impl From<&sb_core::preset::Preset> for PresetView {
    fn from(preset: &sb_core::preset::Preset) -> Self {
        Self {
            id: preset.id.clone(),
            name: preset.name.clone(),
            base_url: preset.base_url.clone(),
            local: preset.local,
            key_required: preset.key_required,
            model_id_style: preset.model_id_style.clone(),
            models: preset
                .models
                .iter()
                .map(|m| PresetModelView {
                    id: m.id.clone(),
                    logical: m.logical.clone(),
                    name: m.name.clone(),
                    api: m.api,
                    capabilities: m.capabilities.into(),
                })
                .collect(),
        }
    }
}

/// One model one account serves.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CatalogModelView {
    pub id: String,
    pub name: String,
    pub logical: Option<String>,
    pub api: sb_core::Api,
    pub capabilities: CapabilitiesView,
    pub source: sb_core::catalog::ModelSource,
    pub listed: bool,
}

impl From<sb_core::catalog::CatalogEntry> for CatalogModelView {
    fn from(entry: sb_core::catalog::CatalogEntry) -> Self {
        Self {
            id: entry.id,
            name: entry.name,
            logical: entry.logical,
            api: entry.api,
            capabilities: entry.capabilities.into(),
            source: entry.source,
            listed: entry.listed,
        }
    }
}

/// A connection test's result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConnectionReportView {
    pub verdict: sb_core::catalog::Verdict,
    pub message: String,
    pub models: Vec<CatalogModelView>,
}

impl From<sb_core::catalog::ConnectionReport> for ConnectionReportView {
    fn from(report: sb_core::catalog::ConnectionReport) -> Self {
        Self {
            verdict: report.verdict,
            message: report.message,
            models: report.models.into_iter().map(Into::into).collect(),
        }
    }
}

/// One route of a model group.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RouteChoice {
    pub account_id: String,
    pub account_label: String,
    pub model_id: String,
    pub api: sb_core::Api,
    pub health: HealthView,
}

/// One entry of the model picker.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ModelGroupView {
    pub key: String,
    pub name: String,
    pub capabilities: CapabilitiesView,
    pub routes: Vec<RouteChoice>,
}

/// Whether the OS keyring works.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct KeyringStatus {
    pub available: bool,
    pub message: Option<String>,
}

/// One message of the history the UI sends.
#[derive(Debug, Deserialize)]
pub struct ChatMessage {
    pub role: sb_core::Role,
    pub content: String,
    /// Attached images as base64 `data:` URLs (checked by [`SendRequest::check`]).
    #[serde(default)]
    pub images: Vec<String>,
}

/// Where a message goes. Stored with a conversation (as JSON) to send its next message alike.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Target {
    /// One account's model.
    #[serde(rename_all = "camelCase")]
    Account {
        account_id: String,
        model: String,
        #[serde(default)]
        api: sb_core::Api,
    },
    /// A logical model; the router picks the account.
    Logical {
        model: String,
        #[serde(default)]
        strategy: sb_core::router::Strategy,
    },
}

/// Where a message is stored (see `StoredPlacement` in types.ts).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredPlacement {
    pub conversation_id: Option<String>,
    pub parent_id: Option<String>,
    #[serde(default)]
    pub regenerate: bool,
    #[serde(default)]
    pub system_prompt: Option<String>,
}

/// A send request.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SendRequest {
    pub target: Target,
    #[serde(default)]
    pub conversation: Option<StoredPlacement>,
    pub messages: Vec<ChatMessage>,
    #[serde(default)]
    pub params: ParamsDto,
    /// Responses API with server-side state: the previous answer's response id.
    #[serde(default)]
    pub previous_response_id: Option<String>,
    /// A native notice to show if the answer takes long and the window is in the background,
    /// worded by the window in its language; `None`: the user turned notices off.
    #[serde(default)]
    pub notice: Option<NoticeText>,
}

/// The words of an answer-finished notice (never the answer itself).
#[derive(Debug, Clone, Deserialize)]
pub struct NoticeText {
    pub title: String,
    pub body: String,
}

/// Generation parameters from the parameters drawer; unset means the provider's default. Kept
/// with a stored conversation as sent (JSON), so opening it brings its parameters back.
#[derive(Debug, Default, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ParamsDto {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_effort: Option<sb_core::params::ReasoningEffort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning_summary: Option<sb_core::params::ReasoningSummary>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<sb_core::params::Verbosity>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
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

/// What the core runs for a send request.
pub enum Turn {
    Pinned(sb_core::TurnRequest),
    Routed(sb_core::RoutedRequest),
}

impl Turn {
    /// The messages the turn sends (a stored conversation replaces them with its branch).
    pub fn messages_mut(&mut self) -> &mut Vec<sb_core::Message> {
        match self {
            Self::Pinned(request) => &mut request.messages,
            Self::Routed(request) => &mut request.messages,
        }
    }

    /// The model asked for (a logical key when routed) and the protocol when pinned.
    pub fn model_and_api(&self) -> (&str, Option<sb_core::Api>) {
        match self {
            Self::Pinned(request) => (&request.model, Some(request.api)),
            Self::Routed(request) => (&request.model, None),
        }
    }
}

/// A send request split into the turn and, when it is stored, its placement and target.
pub struct SendPlan {
    pub turn: Turn,
    pub notice: Option<NoticeText>,
    pub placement: Option<sb_core::history::Placement>,
    /// The last message (the question, with its images), for the history.
    pub question: Option<sb_core::Message>,
}

impl SendRequest {
    /// Refuses what cannot be sent before anything is stored: images that are not real
    /// PNG, JPEG, GIF or WebP files, too many or too large.
    pub fn check(&self) -> Result<(), CoreError> {
        for message in &self.messages {
            sb_core::attachment::check_attachments(&message.images)?;
        }
        Ok(())
    }
}

impl From<SendRequest> for SendPlan {
    fn from(mut dto: SendRequest) -> Self {
        // A stored exchange sends the stored branch instead of these messages (see
        // `state::stored_turn`), so its question moves out whole: images can be megabytes.
        let stored = dto.conversation.is_some();
        let question = dto
            .messages
            .pop_if(|m| stored && m.role == sb_core::Role::User)
            .map(|m| sb_core::Message {
                role: m.role,
                content: m.content,
                images: m.images,
            });
        let target = serde_json::to_string(&dto.target).ok();
        let params = serde_json::to_string(&dto.params).ok();
        let placement = dto
            .conversation
            .take()
            .map(|p| sb_core::history::Placement {
                conversation: p.conversation_id.map(Into::into),
                parent: p.parent_id.map(Into::into),
                regenerate: p.regenerate,
                system_prompt: p.system_prompt,
                target,
                params,
            });
        let notice = dto.notice.take();
        Self {
            turn: dto.into(),
            notice,
            placement,
            question,
        }
    }
}

impl From<SendRequest> for Turn {
    fn from(dto: SendRequest) -> Self {
        let messages = dto
            .messages
            .into_iter()
            .map(|m| sb_core::Message {
                role: m.role,
                content: m.content,
                images: m.images,
            })
            .collect();
        match dto.target {
            Target::Account {
                account_id,
                model,
                api,
            } => Self::Pinned(sb_core::TurnRequest {
                route: sb_core::Route::Account(account_id.into()),
                api,
                model,
                messages,
                params: dto.params.into(),
                stream: true,
                previous_response_id: dto.previous_response_id,
            }),
            Target::Logical { model, strategy } => Self::Routed(sb_core::RoutedRequest {
                model,
                strategy,
                messages,
                params: dto.params.into(),
                stream: true,
            }),
        }
    }
}

/// Which text of an answer a `rendered` event is of.
#[derive(Debug, Clone, Copy, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum RenderedPartView {
    /// The answer.
    Answer,
    /// The reasoning section.
    Reasoning,
}

/// Events of one answer, over its per-request channel.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum StreamEvent {
    #[serde(rename_all = "camelCase")]
    Started {
        request_id: String,
    },
    #[serde(rename_all = "camelCase")]
    Stored {
        conversation_id: String,
        user_message_id: Option<String>,
        answer_id: String,
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
    /// How fast the answer came (after its final event; stored answers carry the same).
    #[serde(rename_all = "camelCase")]
    Timing {
        time_to_first_token_ms: Option<u64>,
        tokens_per_second: Option<f64>,
    },
    /// A new conversation got its title from the model (after its first answer ended).
    #[serde(rename_all = "camelCase")]
    Titled {
        conversation_id: String,
        title: String,
    },
    /// Append `committed` to the part's finished blocks, then replace its tail.
    Rendered {
        part: RenderedPartView,
        committed: Vec<String>,
        tail: String,
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

impl StreamEvent {
    /// The UI's view of a core event; `label` names accounts in route records.
    pub fn from_turn(event: TurnEvent, label: &dyn Fn(&sb_core::AccountId) -> String) -> Self {
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
                served_by: record
                    .served_by
                    .as_ref()
                    .map(|route| RouteView::new(route, label)),
                attempts: record
                    .attempts
                    .iter()
                    .map(|attempt| AttemptView {
                        route: RouteView::new(&attempt.route, label),
                        code: attempt.code.clone(),
                        outcome: attempt.outcome.clone(),
                    })
                    .collect(),
            },
            TurnEvent::Notice { param, message } => Self::Notice {
                param: param.to_owned(),
                message,
            },
            TurnEvent::Rendered(update) => Self::Rendered {
                part: match update.part {
                    RenderedPart::Answer => RenderedPartView::Answer,
                    RenderedPart::Reasoning => RenderedPartView::Reasoning,
                },
                committed: update.committed,
                tail: update.tail,
            },
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
    pub account_label: String,
    pub model_id: String,
    pub api: sb_core::Api,
}

impl RouteView {
    pub(crate) fn new(
        route: &sb_core::router::Route,
        label: &dyn Fn(&sb_core::AccountId) -> String,
    ) -> Self {
        Self {
            account_id: route.account_id.to_string(),
            account_label: label(&route.account_id),
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
#[derive(Debug, Clone, Serialize)]
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
