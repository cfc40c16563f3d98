//! Chat Completions: <https://platform.openai.com/docs/api-reference/chat/create>.
//!
//! Wire types are lenient where servers differ (every field optional, `finish_reason` any string,
//! `index` optional, `reasoning_content` or `reasoning`) and never index into `serde_json::Value`.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, LlmError, WireErrorField};
use crate::event::{ChatEvent, Usage};

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

/// One message of the conversation sent to the model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
}

/// The request body of `POST {base}/chat/completions`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChatRequest {
    /// The provider's model ID.
    pub model: String,
    /// The conversation, oldest first.
    pub messages: Vec<Message>,
    /// Whether to stream the answer as server-sent events.
    pub stream: bool,
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

impl WireDelta {
    fn into_events(self, choice: u32, events: &mut Vec<ChatEvent>) {
        // Some servers send both fields with the same text: take one, never both.
        let reasoning = non_empty(self.reasoning_content).or_else(|| non_empty(self.reasoning));
        if let Some(text) = reasoning {
            events.push(ChatEvent::ReasoningDelta { choice, text });
        }
        if let Some(text) = non_empty(self.content) {
            events.push(ChatEvent::TextDelta { choice, text });
        }
        if let Some(text) = non_empty(self.refusal) {
            events.push(ChatEvent::RefusalDelta { choice, text });
        }
    }
}

fn non_empty(text: Option<String>) -> Option<String> {
    text.filter(|t| !t.is_empty())
}

impl WireCompletion {
    /// The events of this payload, and the error it carried, if any. An error chunk may also
    /// carry text or a finish reason (OpenRouter): those events are kept, so is the partial text.
    fn into_parts(self) -> (Vec<ChatEvent>, Option<LlmError>) {
        let mut events = Vec::new();
        for choice in self.choices {
            let index = choice.index.unwrap_or(0);
            if let Some(part) = choice.delta.or(choice.message) {
                part.into_events(index, &mut events);
            }
            if let Some(reason) = choice.finish_reason.filter(|r| !r.is_empty()) {
                events.push(ChatEvent::Finished {
                    choice: index,
                    reason,
                });
            }
        }
        if let Some(usage) = self.usage {
            events.push(ChatEvent::Usage(usage.into()));
        }
        let error = self
            .error
            .map(|e| LlmError::from_stream_error(e.into_provider_error()));
        (events, error)
    }
}

/// Maps the data payloads of one chat-completions stream to [`ChatEvent`]s. Pure and stateful:
/// it does no I/O, so it is tested on fixtures byte for byte.
#[derive(Debug, Default)]
pub struct ChatStreamMapper {
    done: bool,
    finished: bool,
}

impl ChatStreamMapper {
    /// A mapper for a new stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Maps one SSE data payload. An error in the payload ends the stream; the events decoded
    /// before it are still returned.
    pub fn map(&mut self, data: &str) -> MappedChunk {
        if self.done {
            return MappedChunk::default();
        }
        if data.starts_with("[DONE]") {
            self.done = true;
            return MappedChunk::default();
        }
        let completion: WireCompletion = match serde_json::from_str(data) {
            Ok(completion) => completion,
            Err(error) => {
                self.done = true;
                return MappedChunk {
                    events: Vec::new(),
                    error: Some(LlmError::new(
                        ErrorKind::Protocol,
                        format!(
                            "The provider sent a stream chunk that is not valid JSON ({error})."
                        ),
                    )),
                };
            }
        };
        let (events, error) = completion.into_parts();
        self.finished |= events
            .iter()
            .any(|e| matches!(e, ChatEvent::Finished { .. }));
        self.done |= error.is_some();
        MappedChunk { events, error }
    }

    /// Whether `[DONE]` or an error ended the stream; the caller stops reading.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Called at end of stream: a stream that stopped with neither `[DONE]` nor a finish reason
    /// was cut off.
    pub fn finish(&self) -> Result<(), LlmError> {
        if self.done || self.finished {
            Ok(())
        } else {
            Err(LlmError::new(
                ErrorKind::Incomplete,
                "The answer ended early: the provider closed the stream before finishing it.",
            ))
        }
    }
}

/// What one payload produced: events, and possibly an error after them.
#[derive(Debug, Default)]
pub struct MappedChunk {
    /// Events, in order.
    pub events: Vec<ChatEvent>,
    /// An error the payload carried (after its events).
    pub error: Option<LlmError>,
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
    match completion.into_parts() {
        (_, Some(error)) => Err(error),
        (events, None) => Ok(events),
    }
}

#[cfg(test)]
mod tests {
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

    struct Assembled {
        text: String,
        reasoning: String,
        finish: Option<String>,
        usage: Option<Usage>,
        error: Option<LlmError>,
        complete: Result<(), LlmError>,
    }

    fn assemble(bytes: &[u8]) -> Assembled {
        let mut decoder = SseDecoder::new();
        let mut mapper = ChatStreamMapper::new();
        let mut out = Assembled {
            text: String::new(),
            reasoning: String::new(),
            finish: None,
            usage: None,
            error: None,
            complete: Ok(()),
        };
        let mut events = decoder.push(bytes).expect("fixture frames");
        events.extend(decoder.finish().expect("fixture frames"));
        for sse in events {
            let chunk = mapper.map(&sse.data);
            for event in chunk.events {
                match event {
                    ChatEvent::TextDelta { text, .. } => out.text.push_str(&text),
                    ChatEvent::ReasoningDelta { text, .. } => out.reasoning.push_str(&text),
                    ChatEvent::Finished { reason, .. } => out.finish = Some(reason),
                    ChatEvent::Usage(usage) => out.usage = Some(usage),
                    ChatEvent::RefusalDelta { .. } => {}
                }
            }
            if chunk.error.is_some() {
                out.error = chunk.error;
            }
            if mapper.is_done() {
                break;
            }
        }
        out.complete = mapper.finish();
        out
    }

    /// The fixtures whose choice 0 this mapper assembles fully today; `<think>` extraction, tool
    /// calls and `n > 1` are checked where they are implemented.
    const ASSEMBLED: &[&str] = &[
        "chat_plain.sse",
        "chat_reasoning_content.sse",
        "chat_reasoning_openrouter.sse",
        "chat_midstream_error_openai.sse",
        "chat_midstream_error_openrouter.sse",
    ];

    #[test]
    fn fixtures_assemble_to_expected_json() {
        let expected: serde_json::Value =
            serde_json::from_slice(&fixture("expected.json")).expect("expected.json parses");
        for name in ASSEMBLED {
            let want = &expected[*name];
            let choice = &want["choices"]["0"];
            let out = assemble(&fixture(name));
            assert_eq!(
                out.text,
                choice["content"].as_str().unwrap_or_default(),
                "{name}: content"
            );
            assert_eq!(
                out.reasoning,
                choice["reasoning"].as_str().unwrap_or_default(),
                "{name}: reasoning, taken from one field only"
            );
            assert_eq!(
                out.finish.as_deref(),
                choice["finish_reason"].as_str(),
                "{name}: finish reason kept as the provider wrote it"
            );
            assert_eq!(
                out.usage.and_then(|u| u.total_tokens),
                want["usage"]["total_tokens"].as_u64(),
                "{name}: the last usage wins"
            );
            assert_eq!(
                out.error.is_some(),
                !want["error"].is_null(),
                "{name}: an error inside the 200 stream is caught"
            );
            if let Some(error) = out.error {
                let message = want["error"]["message"].as_str().unwrap_or_default();
                assert!(
                    error.message.contains(message),
                    "{name}: provider message kept: {}",
                    error.message
                );
            } else {
                assert!(out.complete.is_ok(), "{name}: complete");
            }
        }
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
    fn stream_cut_without_finish_or_done_is_incomplete() {
        let out =
            assemble(b"data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n");
        assert_eq!(out.text, "Hel");
        assert_eq!(out.complete.map_err(|e| e.kind), Err(ErrorKind::Incomplete));
    }

    #[test]
    fn eof_after_finish_reason_without_done_is_success() {
        let out = assemble(
            b"data: {\"choices\":[{\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}]}\n\n",
        );
        assert!(
            out.complete.is_ok(),
            "a finish reason is enough to call the answer complete"
        );
        assert_eq!(out.finish.as_deref(), Some("stop"));
    }

    #[test]
    fn non_streamed_completion_maps_to_the_same_events() -> Result<(), LlmError> {
        let body = String::from_utf8(fixture("chat_completion_nonstream.json")).expect("utf-8");
        let events = map_completion(&body)?;
        assert!(events
            .iter()
            .any(|e| matches!(e, ChatEvent::ReasoningDelta { .. })));
        assert!(events.iter().any(|e| matches!(e, ChatEvent::Usage(_))));
        Ok(())
    }

    #[test]
    fn invalid_json_chunk_is_a_protocol_error() {
        let mut mapper = ChatStreamMapper::new();
        let chunk = mapper.map("{not json");
        assert_eq!(chunk.error.map(|e| e.kind), Some(ErrorKind::Protocol));
    }
}
