//! The request body of `POST {base}/responses` (OpenAI's `CreateResponse`), typed so that only
//! what was set is written.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::chat_completions::{Message, Role};
use crate::params::{OutputFormat, Params, ReasoningEffort, ReasoningSummary, Verbosity};

/// The request body of `POST {base}/responses`. Every optional field is left out of the JSON
/// when it is `None`, so the provider's default applies.
///
/// `frequency_penalty`, `presence_penalty`, `stop` and `n` are not part of OpenAI's
/// `CreateResponse`; some aggregators (Starrise) document them. Leave them unset for OpenAI.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponsesRequest {
    /// The provider's model ID.
    pub model: String,
    /// The conversation: a plain string (one user message) or message items.
    pub input: Input,
    /// System (developer) text placed before the input. Not carried over by
    /// `previous_response_id`, so it is sent on every turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instructions: Option<String>,
    /// Continue the conversation the provider stored under this response id (`resp_...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_response_id: Option<String>,
    /// Whether the provider keeps the response for later retrieval (its default: `true`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<bool>,
    /// Most tokens to generate, visible output and reasoning together.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_output_tokens: Option<u32>,
    /// Sampling temperature, 0–2.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f64>,
    /// Nucleus sampling, 0–1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_p: Option<f64>,
    /// Frequency penalty, −2–2 (aggregator extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frequency_penalty: Option<f64>,
    /// Presence penalty, −2–2 (aggregator extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub presence_penalty: Option<f64>,
    /// Stop sequences (aggregator extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<Stop>,
    /// How many answers to generate (aggregator extension).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// Output format and verbosity.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<TextConfig>,
    /// Reasoning effort and summary.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reasoning: Option<ReasoningConfig>,
    /// Tool definitions in the Responses shape: flat function tools
    /// (`{"type":"function","name",...}`, no `function` wrapper).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<Value>>,
    /// `"auto"`, `"none"`, `"required"` or `{"type":"function","name":"f"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tool_choice: Option<Value>,
    /// What to do when the conversation exceeds the context window.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub truncation: Option<Truncation>,
    /// An end-user identifier for the provider's abuse monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    /// Whether to stream the answer as server-sent events.
    pub stream: bool,
}

/// The `input` of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Input {
    /// A plain string: one user message.
    Text(String),
    /// Items, oldest first.
    Items(Vec<InputItem>),
}

impl From<&str> for Input {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for Input {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Vec<InputItem>> for Input {
    fn from(items: Vec<InputItem>) -> Self {
        Self::Items(items)
    }
}

/// One item of `input`, tagged by its `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum InputItem {
    /// A message (`{"type":"message","role",...,"content",...}`).
    Message(InputMessage),
}

impl InputItem {
    /// A message item.
    pub fn message(role: InputRole, content: impl Into<MessageContent>) -> Self {
        Self::Message(InputMessage {
            role,
            content: content.into(),
        })
    }
}

/// A message of the conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct InputMessage {
    /// Who wrote it.
    pub role: InputRole,
    /// Its content.
    pub content: MessageContent,
}

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum InputRole {
    /// Instructions (older models, and most compatible servers).
    System,
    /// Instructions (OpenAI's name for them on newer models).
    Developer,
    /// The person.
    User,
    /// The model (earlier turns).
    Assistant,
}

/// A message's content: a string, or typed parts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum MessageContent {
    /// Plain text.
    Text(String),
    /// Content parts, in order.
    Parts(Vec<ContentPart>),
}

impl From<&str> for MessageContent {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for MessageContent {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<Vec<ContentPart>> for MessageContent {
    fn from(parts: Vec<ContentPart>) -> Self {
        Self::Parts(parts)
    }
}

/// One part of a message's content, tagged by its `type`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ContentPart {
    /// Text the user (or the system) wrote.
    InputText {
        /// The text.
        text: String,
    },
    /// An image. Unlike chat completions, `image_url` is a plain string here.
    InputImage {
        /// An https URL or a `data:image/...;base64,...` URL.
        image_url: String,
        /// How closely the model looks; the spec requires it, so it is always sent.
        detail: ImageDetail,
    },
    /// Text the model wrote in an earlier turn (assistant history).
    OutputText {
        /// The text.
        text: String,
    },
}

impl ContentPart {
    /// An input text part.
    pub fn text(text: impl Into<String>) -> Self {
        Self::InputText { text: text.into() }
    }

    /// An image part with `detail: "auto"`.
    pub fn image(url: impl Into<String>) -> Self {
        Self::InputImage {
            image_url: url.into(),
            detail: ImageDetail::Auto,
        }
    }
}

/// The `detail` of an image part.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ImageDetail {
    /// The model decides.
    #[default]
    Auto,
    /// A low-resolution look (cheaper).
    Low,
    /// A high-resolution look.
    High,
}

/// Stop sequences (shared with chat completions).
pub use crate::params::Stop;

/// The `text` object: output format and verbosity.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct TextConfig {
    /// `{"type":"text"}` or `{"type":"json_object"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<TextFormat>,
    /// How long the visible answer should be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verbosity: Option<Verbosity>,
}

/// `text.format`: the output format, written as `{"type": ...}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TextFormat {
    /// `text` or `json_object`.
    #[serde(rename = "type")]
    pub kind: OutputFormat,
}

/// The `reasoning` object.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReasoningConfig {
    /// How hard the model thinks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effort: Option<ReasoningEffort>,
    /// Whether (and how long) the model summarises its reasoning; without it, OpenAI streams no
    /// reasoning text at all.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<ReasoningSummary>,
}

/// The `truncation` strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Truncation {
    /// Drop input items from the middle of the conversation to fit the context window.
    Auto,
    /// Fail with HTTP 400 when the conversation does not fit (the default).
    Disabled,
}

impl ResponsesRequest {
    /// A request with only `model` and `input` set, not streamed.
    pub fn new(model: impl Into<String>, input: impl Into<Input>) -> Self {
        Self {
            model: model.into(),
            input: input.into(),
            instructions: None,
            previous_response_id: None,
            store: None,
            max_output_tokens: None,
            temperature: None,
            top_p: None,
            frequency_penalty: None,
            presence_penalty: None,
            stop: None,
            n: None,
            text: None,
            reasoning: None,
            tools: None,
            tool_choice: None,
            truncation: None,
            user: None,
            stream: false,
        }
    }

    /// Writes a request for `model` from the protocol-neutral conversation and parameters, the
    /// way LiteLLM maps chat to Responses: system messages are joined into `instructions`, user
    /// and assistant messages become message items (string content, which every server accepts;
    /// a user message with images gets `input_text` + `input_image` parts), and chat-shaped tools
    /// and tool choices are flattened. Parameters are not checked here: call
    /// [`Params::validate`] first.
    pub fn from_chat(model: &str, messages: &[Message], params: &Params, stream: bool) -> Self {
        let mut instructions = Vec::new();
        let mut items = Vec::new();
        for message in messages {
            let role = match message.role {
                Role::System => {
                    instructions.push(message.content.as_str());
                    continue;
                }
                Role::User => InputRole::User,
                Role::Assistant => InputRole::Assistant,
            };
            items.push(InputItem::message(role, content_of(message)));
        }
        let stop = params.stop_field();
        let text = TextConfig {
            // Text is the default: only JSON mode is worth sending.
            format: (params.format != OutputFormat::Text).then_some(TextFormat {
                kind: params.format,
            }),
            verbosity: params.verbosity,
        };
        let reasoning = ReasoningConfig {
            effort: params.reasoning_effort,
            summary: params.reasoning_summary,
        };
        Self {
            instructions: (!instructions.is_empty()).then(|| instructions.join("\n\n")),
            max_output_tokens: params.max_tokens,
            temperature: params.temperature,
            top_p: params.top_p,
            frequency_penalty: params.frequency_penalty,
            presence_penalty: params.presence_penalty,
            stop,
            n: params.n,
            text: (text != TextConfig::default()).then_some(text),
            reasoning: (reasoning != ReasoningConfig::default()).then_some(reasoning),
            tools: (!params.tools.is_empty()).then(|| params.tools.iter().map(flat_tool).collect()),
            tool_choice: params.tool_choice.as_ref().map(flat_tool_choice),
            user: params.user.clone(),
            stream,
            ..Self::new(model, Input::Items(items))
        }
    }
}

fn content_of(message: &Message) -> MessageContent {
    if message.images.is_empty() {
        return MessageContent::Text(message.content.clone());
    }
    let text = (!message.content.is_empty()).then(|| ContentPart::text(message.content.clone()));
    let images = message.images.iter().map(ContentPart::image);
    MessageContent::Parts(text.into_iter().chain(images).collect())
}

/// A chat-completions function tool: `{"type":"function","function":{name,description,...}}`.
#[derive(Deserialize)]
struct ChatTool {
    #[serde(rename = "type")]
    kind: String,
    function: Map<String, Value>,
}

/// Chat's `{"type":"function","function":{...}}` becomes Responses' flat
/// `{"type":"function","name",...}`; anything else (already flat, or a built-in tool such as
/// `web_search`) is sent as given.
fn flat_tool(tool: &Value) -> Value {
    match ChatTool::deserialize(tool) {
        Ok(ChatTool { kind, function }) => {
            let mut flat = Map::new();
            flat.insert("type".to_owned(), Value::String(kind));
            flat.extend(function);
            // Responses requires both. Chat tools are not strict unless they say so, but an
            // omitted `strict` makes Responses normalise the schema into strict mode: say false.
            flat.entry("strict").or_insert(Value::Bool(false));
            flat.entry("parameters")
                .or_insert_with(|| serde_json::json!({"type": "object", "properties": {}}));
            Value::Object(flat)
        }
        Err(_) => tool.clone(),
    }
}

/// Chat's `{"type":"function","function":{"name":"f"}}`.
#[derive(Deserialize)]
struct ChatToolChoice {
    #[serde(rename = "type")]
    kind: String,
    function: ChatFunctionName,
}

#[derive(Deserialize)]
struct ChatFunctionName {
    name: String,
}

/// Chat's named tool choice becomes `{"type":"function","name":"f"}`; `"auto"`, `"none"`,
/// `"required"` and already-flat choices are sent as given.
fn flat_tool_choice(choice: &Value) -> Value {
    match ChatToolChoice::deserialize(choice) {
        Ok(ChatToolChoice { kind, function }) => {
            serde_json::json!({ "type": kind, "name": function.name })
        }
        Err(_) => choice.clone(),
    }
}
