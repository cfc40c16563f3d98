//! Chat Completions: <https://platform.openai.com/docs/api-reference/chat/create>.
//!
//! Wire types are lenient where servers differ (every field optional, `finish_reason` any string,
//! `index` optional, `reasoning_content` or `reasoning`) and never index into `serde_json::Value`.

mod think;

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, LlmError, WireErrorField};
use crate::event::{ChatEvent, Usage};
use crate::mapper::{MappedChunk, StreamMapper};
use crate::params::{OutputFormat, Params, ReasoningEffort, Stop, Verbosity};
use think::{Piece, ThinkSplitter};

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The person.
    User,
    /// The model.
    Assistant,
}

/// One message of the conversation, protocol-neutral.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
    /// Attached images as `data:` URLs (or https URLs), sent after the text.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<String>,
}

impl Message {
    /// A text-only message.
    pub fn text(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
            images: Vec::new(),
        }
    }
}

/// Which field carries the token limit: providers disagree (OpenAI reasoning models reject
/// `max_tokens`; Ollama ignores `max_completion_tokens`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenField {
    /// `max_tokens` (the seeds' field, and what most compatible servers read).
    #[default]
    MaxTokens,
    /// `max_completion_tokens` (OpenAI's current field).
    MaxCompletionTokens,
}

/// Per-account choices about how a request is written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ChatOptions {
    /// The token-limit field.
    pub token_field: TokenField,
    /// Send `stream_options.include_usage` (some strict servers reject `stream_options`).
    pub include_usage: bool,
}

/// The request body of `POST {base}/chat/completions`. Unset options are left out of the body.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    /// The provider's model ID.
    pub model: String,
    /// The conversation, oldest first.
    pub messages: Vec<WireMessage>,
    /// Whether to stream the answer as server-sent events.
    pub stream: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    stream_options: Option<StreamOptions>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    max_completion_tokens: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    temperature: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    top_p: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    frequency_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    presence_penalty: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    stop: Option<Stop>,
    #[serde(skip_serializing_if = "Option::is_none")]
    n: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    response_format: Option<ResponseFormat>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reasoning_effort: Option<ReasoningEffort>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verbosity: Option<Verbosity>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tools: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tool_choice: Option<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    user: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct StreamOptions {
    include_usage: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ResponseFormat {
    #[serde(rename = "type")]
    kind: OutputFormat,
}

/// A message as chat completions writes it: a string, or content parts when images are attached.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WireMessage {
    role: Role,
    content: WireContent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
enum WireContent {
    Text(String),
    Parts(Vec<WirePart>),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum WirePart {
    Text { text: String },
    ImageUrl { image_url: ImageUrl },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
struct ImageUrl {
    url: String,
    detail: &'static str,
}

impl From<&Message> for WireMessage {
    fn from(message: &Message) -> Self {
        let content = if message.images.is_empty() {
            WireContent::Text(message.content.clone())
        } else {
            let text = (!message.content.is_empty()).then(|| WirePart::Text {
                text: message.content.clone(),
            });
            let images = message.images.iter().map(|url| WirePart::ImageUrl {
                image_url: ImageUrl {
                    url: url.clone(),
                    detail: "auto",
                },
            });
            WireContent::Parts(text.into_iter().chain(images).collect())
        };
        Self {
            role: message.role,
            content,
        }
    }
}

impl ChatRequest {
    /// Writes a request for `model` from the conversation and parameters. Parameters are not
    /// checked here: call [`Params::validate`] first.
    pub fn new(
        model: &str,
        messages: &[Message],
        params: &Params,
        options: ChatOptions,
        stream: bool,
    ) -> Self {
        let (max_tokens, max_completion_tokens) = match options.token_field {
            TokenField::MaxTokens => (params.max_tokens, None),
            TokenField::MaxCompletionTokens => (None, params.max_tokens),
        };
        let stop = params.stop_field();
        Self {
            model: model.to_owned(),
            messages: messages.iter().map(WireMessage::from).collect(),
            stream,
            stream_options: (stream && options.include_usage).then_some(StreamOptions {
                include_usage: true,
            }),
            max_tokens,
            max_completion_tokens,
            temperature: params.temperature,
            top_p: params.top_p,
            frequency_penalty: params.frequency_penalty,
            presence_penalty: params.presence_penalty,
            stop,
            n: params.n,
            response_format: (params.format != OutputFormat::Text).then_some(ResponseFormat {
                kind: params.format,
            }),
            reasoning_effort: params.reasoning_effort,
            verbosity: params.verbosity,
            tools: params.tools.clone(),
            tool_choice: params.tool_choice.clone(),
            user: params.user.clone(),
        }
    }
}

/// One `chat.completion.chunk` (streamed) or `chat.completion` (not streamed): both carry
/// `choices`, which hold a `delta` or a `message` respectively.
#[derive(Debug, Deserialize)]
struct WireCompletion {
    #[serde(default)]
    choices: Vec<WireChoice>,
    #[serde(default)]
    usage: Option<WireUsage>,
    #[serde(default)]
    error: Option<WireErrorField>,
}

#[derive(Debug, Deserialize)]
struct WireChoice {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    delta: Option<WireDelta>,
    #[serde(default)]
    message: Option<WireDelta>,
    #[serde(default)]
    finish_reason: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct WireDelta {
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    reasoning_content: Option<String>,
    #[serde(default)]
    reasoning: Option<String>,
    #[serde(default)]
    refusal: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireToolCall>,
}

/// A tool-call fragment. `index` is missing on some servers (Gemini's OpenAI layer).
#[derive(Debug, Default, Deserialize)]
struct WireToolCall {
    #[serde(default)]
    index: Option<u32>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    function: Option<WireFunction>,
}

#[derive(Debug, Default, Deserialize)]
struct WireFunction {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    arguments: Option<String>,
}

#[derive(Debug, Deserialize)]
struct WireUsage {
    #[serde(default)]
    prompt_tokens: Option<u64>,
    #[serde(default)]
    completion_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(default)]
    prompt_tokens_details: Option<WirePromptDetails>,
    #[serde(default)]
    completion_tokens_details: Option<WireCompletionDetails>,
}

#[derive(Debug, Deserialize)]
struct WirePromptDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct WireCompletionDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(wire: WireUsage) -> Self {
        Usage {
            prompt_tokens: wire.prompt_tokens,
            completion_tokens: wire.completion_tokens,
            total_tokens: wire.total_tokens,
            reasoning_tokens: wire
                .completion_tokens_details
                .and_then(|d| d.reasoning_tokens),
            cached_tokens: wire.prompt_tokens_details.and_then(|d| d.cached_tokens),
        }
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

/// What the mapper remembers about one choice.
#[derive(Debug, Default)]
struct ChoiceState {
    /// Reasoning arrived in a reasoning field, so a `<think>` block in the content is a copy.
    reasoning_field_seen: bool,
    think: ThinkSplitter,
    tool_calls: Vec<ToolCallState>,
}

/// One tool call of a choice, as far as it was announced.
#[derive(Debug, Default)]
struct ToolCallState {
    wire_index: Option<u32>,
    id: Option<String>,
    name: String,
}

impl ChoiceState {
    fn content(&mut self, choice: u32, text: &str, events: &mut Vec<ChatEvent>) {
        let mut pieces = Vec::new();
        self.think.push(text, &mut pieces);
        self.emit(choice, pieces, events);
    }

    fn flush(&mut self, choice: u32, events: &mut Vec<ChatEvent>) {
        let mut pieces = Vec::new();
        self.think.finish(&mut pieces);
        self.emit(choice, pieces, events);
    }

    fn emit(&self, choice: u32, pieces: Vec<Piece>, events: &mut Vec<ChatEvent>) {
        for piece in pieces {
            match piece {
                Piece::Text(text) => events.push(ChatEvent::TextDelta { choice, text }),
                // Servers that send both (llama.cpp `deepseek-legacy`) would double the reasoning.
                Piece::Reasoning(_) if self.reasoning_field_seen => {}
                Piece::Reasoning(text) => events.push(ChatEvent::ReasoningDelta { choice, text }),
            }
        }
    }

    /// Routes a tool-call fragment to its call. Calls are keyed by the wire `index`; without
    /// one, a fragment with a new `id` starts a new call and anything else continues the last.
    fn tool_call(&mut self, choice: u32, wire: WireToolCall, events: &mut Vec<ChatEvent>) {
        let function = wire.function.unwrap_or_default();
        let id = non_empty(wire.id);
        let position = match wire.index {
            Some(index) => self
                .tool_calls
                .iter()
                .position(|c| c.wire_index == Some(index)),
            None => match (&id, self.tool_calls.last()) {
                (Some(id), Some(last)) if last.id.as_ref().is_some_and(|l| l != id) => None,
                (_, Some(_)) => Some(self.tool_calls.len() - 1),
                (_, None) => None,
            },
        };
        let position = position.unwrap_or_else(|| {
            self.tool_calls.push(ToolCallState {
                wire_index: wire.index,
                ..ToolCallState::default()
            });
            self.tool_calls.len() - 1
        });
        let call = &mut self.tool_calls[position];
        let new_id = match id {
            Some(id) if call.id.as_ref() != Some(&id) => {
                call.id = Some(id.clone());
                Some(id)
            }
            _ => None,
        };
        // Some servers repeat the full name on every fragment, others stream it in pieces.
        let new_name = match non_empty(function.name) {
            Some(name) if name == call.name => None,
            Some(name) => {
                call.name = if name.starts_with(&call.name) {
                    name
                } else {
                    format!("{}{name}", call.name)
                };
                Some(call.name.clone())
            }
            None => None,
        };
        let arguments = function.arguments.unwrap_or_default();
        if new_id.is_some() || new_name.is_some() || !arguments.is_empty() {
            events.push(ChatEvent::ToolCallDelta {
                choice,
                index: u32::try_from(position).unwrap_or(u32::MAX),
                id: new_id,
                name: new_name,
                arguments,
            });
        }
    }
}

/// Maps the data payloads of one chat-completions stream to [`ChatEvent`]s. Pure and stateful:
/// it does no I/O, so it is tested on fixtures byte for byte.
#[derive(Debug, Default)]
pub struct ChatStreamMapper {
    choices: HashMap<u32, ChoiceState>,
    /// Stop reading: `[DONE]`, an error, or an unreadable payload.
    done: bool,
    /// The answer is known complete: `[DONE]` or a finish reason arrived.
    complete: bool,
}

impl ChatStreamMapper {
    /// A mapper for a new stream.
    pub fn new() -> Self {
        Self::default()
    }

    fn completion(&mut self, completion: WireCompletion) -> MappedChunk {
        let mut events = Vec::new();
        for wire in completion.choices {
            let index = wire.index.unwrap_or(0);
            let choice = self.choices.entry(index).or_default();
            if let Some(part) = wire.delta.or(wire.message) {
                // Some servers send both reasoning fields with the same text: take one, never both.
                let reasoning =
                    non_empty(part.reasoning_content).or_else(|| non_empty(part.reasoning));
                if let Some(text) = reasoning {
                    choice.reasoning_field_seen = true;
                    events.push(ChatEvent::ReasoningDelta {
                        choice: index,
                        text,
                    });
                }
                if let Some(text) = non_empty(part.content) {
                    choice.content(index, &text, &mut events);
                }
                if let Some(text) = non_empty(part.refusal) {
                    events.push(ChatEvent::RefusalDelta {
                        choice: index,
                        text,
                    });
                }
                for call in part.tool_calls {
                    choice.tool_call(index, call, &mut events);
                }
            }
            if let Some(reason) = wire.finish_reason.filter(|r| !r.is_empty()) {
                choice.flush(index, &mut events);
                self.complete = true;
                events.push(ChatEvent::Finished {
                    choice: index,
                    reason,
                });
            }
        }
        if let Some(usage) = completion.usage {
            events.push(ChatEvent::Usage(usage.into()));
        }
        let error = completion
            .error
            .map(|e| LlmError::from_stream_error(e.into_provider_error()));
        self.done |= error.is_some();
        MappedChunk { events, error }
    }

    fn flush_all(&mut self) -> Vec<ChatEvent> {
        let mut events = Vec::new();
        let mut indexes: Vec<u32> = self.choices.keys().copied().collect();
        indexes.sort_unstable();
        for index in indexes {
            if let Some(choice) = self.choices.get_mut(&index) {
                choice.flush(index, &mut events);
            }
        }
        events
    }
}

impl StreamMapper for ChatStreamMapper {
    fn map(&mut self, data: &str) -> MappedChunk {
        if self.done {
            return MappedChunk::default();
        }
        if data.starts_with("[DONE]") {
            self.done = true;
            self.complete = true;
            return MappedChunk {
                events: self.flush_all(),
                error: None,
            };
        }
        match serde_json::from_str::<WireCompletion>(data) {
            Ok(completion) => self.completion(completion),
            Err(error) => {
                self.done = true;
                MappedChunk {
                    events: self.flush_all(),
                    error: Some(LlmError::new(
                        ErrorKind::Protocol,
                        format!(
                            "The provider sent a stream chunk that is not valid JSON ({error})."
                        ),
                    )),
                }
            }
        }
    }

    fn is_done(&self) -> bool {
        self.done
    }

    /// An unreadable last payload does not count as an end: the client drops that payload's
    /// error when the stream was cut inside it, and relies on this check to report the cut.
    fn finish(&mut self) -> MappedChunk {
        let events = self.flush_all();
        let error = (!self.complete).then(|| {
            LlmError::new(
                ErrorKind::Incomplete,
                "The answer ended early: the provider closed the stream before finishing it.",
            )
        });
        MappedChunk { events, error }
    }
}

/// Maps a whole non-streamed `chat.completion` body (also what a server that ignored
/// `stream: true` sends back).
pub fn map_completion(body: &str) -> Result<Vec<ChatEvent>, LlmError> {
    let completion: WireCompletion = serde_json::from_str(body.trim_start()).map_err(|error| {
        LlmError::new(
            ErrorKind::Protocol,
            format!("The provider's answer is not a chat completion ({error})."),
        )
    })?;
    let mut mapper = ChatStreamMapper::new();
    let mut chunk = mapper.completion(completion);
    chunk.events.extend(mapper.flush_all());
    match chunk.error {
        Some(error) => Err(error),
        None => Ok(chunk.events),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::sse::SseDecoder;

    const FIXTURES: &str = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../../shared/reference/fixtures"
    );

    fn fixture(name: &str) -> Vec<u8> {
        std::fs::read(format!("{FIXTURES}/{name}"))
            .unwrap_or_else(|e| panic!("fixture {name} must be readable from ../shared: {e}"))
    }

    /// One choice as a client would show it.
    #[derive(Debug, Default, Clone, PartialEq)]
    struct Choice {
        text: String,
        reasoning: String,
        refusal: String,
        /// (id, name, arguments) per call index.
        tool_calls: BTreeMap<u32, (String, String, String)>,
        finish: Option<String>,
    }

    #[derive(Debug, Default, Clone, PartialEq)]
    struct Assembled {
        choices: BTreeMap<u32, Choice>,
        usage: Option<Usage>,
        error: Option<LlmError>,
    }

    impl Assembled {
        fn apply(&mut self, chunk: MappedChunk) {
            for event in chunk.events {
                match event {
                    ChatEvent::TextDelta { choice, text } => {
                        self.choices.entry(choice).or_default().text.push_str(&text)
                    }
                    ChatEvent::ReasoningDelta { choice, text } => self
                        .choices
                        .entry(choice)
                        .or_default()
                        .reasoning
                        .push_str(&text),
                    ChatEvent::RefusalDelta { choice, text } => self
                        .choices
                        .entry(choice)
                        .or_default()
                        .refusal
                        .push_str(&text),
                    ChatEvent::ToolCallDelta {
                        choice,
                        index,
                        id,
                        name,
                        arguments,
                    } => {
                        let call = self
                            .choices
                            .entry(choice)
                            .or_default()
                            .tool_calls
                            .entry(index)
                            .or_default();
                        if let Some(id) = id {
                            call.0 = id;
                        }
                        if let Some(name) = name {
                            call.1 = name;
                        }
                        call.2.push_str(&arguments);
                    }
                    ChatEvent::Finished { choice, reason } => {
                        self.choices.entry(choice).or_default().finish = Some(reason)
                    }
                    ChatEvent::Usage(usage) => self.usage = Some(usage),
                    ChatEvent::ResponseId(_) => {}
                }
            }
            if self.error.is_none() {
                self.error = chunk.error;
            }
        }
    }

    /// Feeds `chunks` through the SSE decoder and the mapper, as the client does.
    fn assemble_chunks(chunks: &[&[u8]]) -> Assembled {
        let mut decoder = SseDecoder::new();
        let mut mapper = ChatStreamMapper::new();
        let mut out = Assembled::default();
        for chunk in chunks {
            for sse in decoder.push(chunk).expect("fixture frames") {
                if !mapper.is_done() {
                    out.apply(mapper.map(&sse.data));
                }
            }
        }
        if let Some(sse) = decoder.finish().expect("fixture frames") {
            if !mapper.is_done() {
                out.apply(mapper.map(&sse.data));
            }
        }
        out.apply(mapper.finish());
        out
    }

    fn assemble(bytes: &[u8]) -> Assembled {
        assemble_chunks(&[bytes])
    }

    fn random_chunks(bytes: &[u8], rng: &mut rand::rngs::StdRng) -> Vec<Vec<u8>> {
        let mut chunks = Vec::new();
        let mut rest = bytes;
        while !rest.is_empty() {
            let n = rng.random_range(1..=rest.len().min(4096));
            let max = if rng.random_bool(0.7) { n.min(16) } else { n };
            let (a, b) = rest.split_at(max.max(1));
            chunks.push(a.to_vec());
            rest = b;
        }
        chunks
    }

    const CHAT_FIXTURES: &[&str] = &[
        "chat_plain.sse",
        "chat_reasoning_content.sse",
        "chat_reasoning_openrouter.sse",
        "chat_tool_calls.sse",
        "chat_midstream_error_openrouter.sse",
        "chat_midstream_error_openai.sse",
        "chat_think_tags_crlf.sse",
        "chat_n2_interleaved.sse",
    ];

    fn check_against_expected(name: &str, out: &Assembled, want: &serde_json::Value) {
        let wanted_choices = want["choices"].as_object().expect("choices object");
        assert_eq!(
            out.choices.len(),
            wanted_choices.len(),
            "{name}: number of choices"
        );
        for (key, choice) in wanted_choices {
            let index: u32 = key.parse().expect("numeric choice key");
            let got = out.choices.get(&index).cloned().unwrap_or_default();
            // A `<think>` block is split out of the content; expected.json gives both forms.
            let (text, reasoning) = match choice.get("answer_after_think") {
                Some(answer) => (answer, &choice["think_tag_reasoning"]),
                None => (&choice["content"], &choice["reasoning"]),
            };
            assert_eq!(
                got.text,
                text.as_str().unwrap_or_default(),
                "{name}[{index}]: content"
            );
            assert_eq!(
                got.reasoning,
                reasoning.as_str().unwrap_or_default(),
                "{name}[{index}]: reasoning, from one field only"
            );
            assert_eq!(got.refusal, choice["refusal"].as_str().unwrap_or_default());
            assert_eq!(
                got.finish.as_deref(),
                choice["finish_reason"].as_str(),
                "{name}[{index}]: finish reason kept as the provider wrote it"
            );
            let calls: Vec<(String, String, String)> = got.tool_calls.values().cloned().collect();
            let wanted: Vec<(String, String, String)> = choice["tool_calls"]
                .as_array()
                .map(|calls| {
                    calls
                        .iter()
                        .map(|c| {
                            let field = |k: &str| c[k].as_str().unwrap_or_default().to_owned();
                            (field("id"), field("name"), field("arguments"))
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(
                calls, wanted,
                "{name}[{index}]: tool calls assembled by index"
            );
        }
        assert_eq!(
            out.usage.as_ref().and_then(|u| u.total_tokens),
            want["usage"]["total_tokens"].as_u64(),
            "{name}: the last usage wins"
        );
        match (&out.error, want["error"].is_null()) {
            (None, true) => {}
            (Some(error), false) => {
                let message = want["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    error.message.contains(message),
                    "{name}: provider message kept: {}",
                    error.message
                );
            }
            (got, _) => panic!(
                "{name}: error mismatch, got {got:?}, want {}",
                want["error"]
            ),
        }
    }

    #[test]
    fn every_chat_fixture_assembles_to_expected_json() {
        let expected: serde_json::Value =
            serde_json::from_slice(&fixture("expected.json")).expect("expected.json parses");
        for name in CHAT_FIXTURES {
            check_against_expected(name, &assemble(&fixture(name)), &expected[*name]);
        }
    }

    #[test]
    fn random_splits_from_1_byte_to_4_kib_assemble_the_same() {
        let expected: serde_json::Value =
            serde_json::from_slice(&fixture("expected.json")).expect("expected.json parses");
        for name in CHAT_FIXTURES {
            let bytes = fixture(name);
            let whole = assemble(&bytes);
            for seed in 0..300 {
                let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
                let chunks = random_chunks(&bytes, &mut rng);
                let refs: Vec<&[u8]> = chunks.iter().map(Vec::as_slice).collect();
                let split = assemble_chunks(&refs);
                assert_eq!(
                    split, whole,
                    "{name}: seed {seed} must assemble like the whole stream"
                );
            }
            check_against_expected(name, &whole, &expected[*name]);
        }
    }

    #[test]
    fn request_body_writes_every_parameter_under_its_chat_name() -> Result<(), LlmError> {
        let mut params = Params::default();
        for (name, value) in [
            ("max_tokens", "100"),
            ("temperature", "0.5"),
            ("top_p", "0.9"),
            ("frequency_penalty", "0.1"),
            ("presence_penalty", "-0.1"),
            ("stop", "END"),
            ("n", "2"),
            ("response_format", "json_object"),
            ("reasoning_effort", "low"),
            ("user", "u-1"),
            ("tool_choice", "auto"),
            (
                "tools",
                r#"[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}]"#,
            ),
        ] {
            params.set(name, value)?;
        }
        let messages = [
            Message::text(Role::System, "Be brief."),
            Message {
                role: Role::User,
                content: "What is this?".into(),
                images: vec!["data:image/png;base64,iVBORw0KGgo=".into()],
            },
        ];
        let options = ChatOptions {
            token_field: TokenField::MaxCompletionTokens,
            include_usage: true,
        };
        let body = serde_json::to_value(ChatRequest::new(
            "gpt-5.1", &messages, &params, options, true,
        ))
        .expect("serializes");
        assert_eq!(
            body,
            serde_json::json!({
                "model": "gpt-5.1",
                "messages": [
                    {"role": "system", "content": "Be brief."},
                    {"role": "user", "content": [
                        {"type": "text", "text": "What is this?"},
                        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo=", "detail": "auto"}}
                    ]}
                ],
                "stream": true,
                "stream_options": {"include_usage": true},
                "max_completion_tokens": 100,
                "temperature": 0.5, "top_p": 0.9, "frequency_penalty": 0.1, "presence_penalty": -0.1,
                "stop": "END", "n": 2,
                "response_format": {"type": "json_object"},
                "reasoning_effort": "low",
                "tools": [{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
                "tool_choice": "auto",
                "user": "u-1"
            })
        );
        let plain = serde_json::to_value(ChatRequest::new(
            "m",
            &[Message::text(Role::User, "hi")],
            &Params::default(),
            ChatOptions::default(),
            false,
        ))
        .expect("serializes");
        assert_eq!(
            plain,
            serde_json::json!({"model": "m", "messages": [{"role": "user", "content": "hi"}], "stream": false}),
            "unset parameters are left out, so providers apply their defaults"
        );
        Ok(())
    }

    #[test]
    fn both_reasoning_fields_are_never_concatenated() {
        let mut mapper = ChatStreamMapper::new();
        let chunk = mapper.map(
            r#"{"choices":[{"index":0,"delta":{"reasoning_content":"think","reasoning":"think"}}]}"#,
        );
        assert_eq!(
            chunk.events,
            [ChatEvent::ReasoningDelta {
                choice: 0,
                text: "think".into()
            }]
        );
    }

    #[test]
    fn think_block_is_not_doubled_when_a_reasoning_field_also_came() {
        let out = assemble(
            b"data: {\"choices\":[{\"delta\":{\"reasoning_content\":\"why\"}}]}\n\n\
              data: {\"choices\":[{\"delta\":{\"content\":\"<think>why</think>ok\"},\"finish_reason\":\"stop\"}]}\n\n",
        );
        assert_eq!(out.choices[&0].reasoning, "why");
        assert_eq!(out.choices[&0].text, "ok");
    }

    #[test]
    fn tool_calls_without_index_and_with_repeated_ids_or_names() {
        let out = assemble(
            concat!(
                // Gemini: no index; each call whole in one fragment with its own id.
                "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"a\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}}]}\n\n",
                "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"{\\\"x\\\":1}\"}}]}}]}\n\n",
                // Repeated id and full name on a continuation of call b.
                "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"id\":\"b\",\"function\":{\"name\":\"g\",\"arguments\":\"\"}}]},\"finish_reason\":\"tool_calls\"}]}\n\n",
            )
            .as_bytes(),
        );
        let calls: Vec<_> = out.choices[&0].tool_calls.values().cloned().collect();
        assert_eq!(
            calls,
            [
                ("a".to_owned(), "f".to_owned(), "{}".to_owned()),
                ("b".to_owned(), "g".to_owned(), "{\"x\":1}".to_owned())
            ]
        );
    }

    #[test]
    fn stream_cut_without_finish_or_done_is_incomplete() {
        let out =
            assemble(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n");
        assert_eq!(out.choices[&0].text, "Hel", "the partial text is kept");
        assert_eq!(out.error.map(|e| e.kind), Some(ErrorKind::Incomplete));
    }

    #[test]
    fn eof_after_finish_reason_without_done_is_success() {
        let out = assemble(
            b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n",
        );
        assert!(
            out.error.is_none(),
            "a finish reason is enough to call the answer complete"
        );
        assert_eq!(out.choices[&0].finish.as_deref(), Some("stop"));
    }

    #[test]
    fn non_streamed_completion_maps_to_the_same_events() -> Result<(), LlmError> {
        let body = String::from_utf8(fixture("chat_completion_nonstream.json")).expect("utf-8");
        let events = map_completion(&body)?;
        assert!(events
            .iter()
            .any(|e| matches!(e, ChatEvent::ReasoningDelta { .. })));
        assert!(events
            .iter()
            .any(|e| matches!(e, ChatEvent::ToolCallDelta { name: Some(_), .. })));
        assert!(events.iter().any(|e| matches!(e, ChatEvent::Usage(_))));
        Ok(())
    }

    #[test]
    fn last_event_cut_inside_its_json_is_reported_as_incomplete() {
        // Regression: an unreadable final payload set `done`, and `finish` then stayed silent.
        let mut mapper = ChatStreamMapper::new();
        let _ = mapper.map(r#"{"choices":[{"delta":{"content":"Hel"}}]}"#);
        let cut = mapper.map(r#"{"choices":[{"delta":{"cont"#);
        assert_eq!(cut.error.map(|e| e.kind), Some(ErrorKind::Protocol));
        let end = mapper.finish();
        assert_eq!(
            end.error.map(|e| e.kind),
            Some(ErrorKind::Incomplete),
            "a stream cut inside its last event must not pass as a finished answer"
        );
    }

    #[test]
    fn invalid_json_chunk_is_a_protocol_error() {
        let mut mapper = ChatStreamMapper::new();
        let chunk = mapper.map("{not json");
        assert_eq!(chunk.error.map(|e| e.kind), Some(ErrorKind::Protocol));
        assert!(mapper.is_done(), "a broken stream is not read further");
    }
}
