//! What Responses servers send, typed leniently: every field optional, unknown event, item and
//! content types fall into an `Unknown`/`Other` arm, and nothing indexes into
//! `serde_json::Value`.

use serde::Deserialize;

use crate::error::{WireErrorDetail, WireErrorField};
use crate::event::Usage;

/// One stream event, dispatched on its JSON `type` (the `event:` line is not needed: `type` is
/// authoritative and some proxies drop the line).
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub(super) enum WireEvent {
    /// The response exists (and carries its id) but is not finished.
    #[serde(
        rename = "response.created",
        alias = "response.in_progress",
        alias = "response.queued"
    )]
    Lifecycle {
        #[serde(default)]
        response: Option<WireResponse>,
    },
    #[serde(rename = "response.output_item.added")]
    ItemAdded(WireItemEvent),
    /// The authoritative final state of one output item.
    #[serde(rename = "response.output_item.done")]
    ItemDone(WireItemEvent),
    #[serde(rename = "response.output_text.delta")]
    TextDelta(WireDelta),
    #[serde(rename = "response.output_text.done")]
    TextDone(WirePartDone),
    #[serde(rename = "response.refusal.delta")]
    RefusalDelta(WireDelta),
    #[serde(rename = "response.refusal.done")]
    RefusalDone(WirePartDone),
    #[serde(rename = "response.reasoning_summary_text.delta")]
    SummaryDelta(WireDelta),
    #[serde(rename = "response.reasoning_summary_text.done")]
    SummaryDone(WirePartDone),
    /// Raw reasoning (gpt-oss-style models and some local servers).
    #[serde(rename = "response.reasoning_text.delta")]
    ReasoningDelta(WireDelta),
    #[serde(rename = "response.reasoning_text.done")]
    ReasoningDone(WirePartDone),
    #[serde(rename = "response.function_call_arguments.delta")]
    ArgumentsDelta(WireDelta),
    /// The full arguments; recorded OpenAI events omit `name` although the spec lists it.
    #[serde(rename = "response.function_call_arguments.done")]
    ArgumentsDone(WirePartDone),
    #[serde(rename = "response.completed")]
    Completed(WireTerminal),
    #[serde(rename = "response.incomplete")]
    Incomplete(WireTerminal),
    #[serde(rename = "response.failed")]
    Failed(WireTerminal),
    /// Non-standard terminal event (ChatGPT/Codex backend, some proxies): its
    /// `response.status` says how it ended.
    #[serde(rename = "response.done")]
    Done(WireTerminal),
    /// Two shapes on the wire: the spec's flat `{type, code, message, param}` and the nested
    /// `{type, error: {type, code, message, param}}` recorded from OpenAI.
    #[serde(rename = "error")]
    Error {
        #[serde(default)]
        error: Option<WireErrorField>,
        #[serde(flatten)]
        flat: WireErrorDetail,
    },
    /// Events a chat client has no use for: content-part bookkeeping, annotations, built-in tool
    /// progress, audio, and whatever comes next.
    #[serde(other)]
    Unknown,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireItemEvent {
    #[serde(default)]
    pub output_index: Option<u32>,
    #[serde(default)]
    pub item: Option<WireItem>,
}

/// A `*.delta` event. Keyed by `output_index`: `item_id` can change on every event (GitHub
/// Copilot), so it is not read at all.
#[derive(Debug, Deserialize)]
pub(super) struct WireDelta {
    #[serde(default)]
    pub output_index: Option<u32>,
    #[serde(default)]
    pub content_index: Option<u32>,
    #[serde(default)]
    pub summary_index: Option<u32>,
    #[serde(default)]
    pub delta: Option<String>,
}

/// A `*.done` event for one part: the part's full text is in `text`, `refusal` or `arguments`
/// depending on the event type.
#[derive(Debug, Deserialize)]
pub(super) struct WirePartDone {
    #[serde(default)]
    pub output_index: Option<u32>,
    #[serde(default)]
    pub content_index: Option<u32>,
    #[serde(default)]
    pub summary_index: Option<u32>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub refusal: Option<String>,
    #[serde(default)]
    pub arguments: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireTerminal {
    #[serde(default)]
    pub response: Option<WireResponse>,
}

/// A response object: the body of a non-streamed answer, and `response` in lifecycle events.
#[derive(Debug, Default, Deserialize)]
pub(super) struct WireResponse {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub output: Option<Vec<WireItem>>,
    #[serde(default)]
    pub usage: Option<WireUsage>,
    #[serde(default)]
    pub error: Option<WireErrorField>,
    #[serde(default)]
    pub incomplete_details: Option<WireIncomplete>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireIncomplete {
    #[serde(default)]
    pub reason: Option<String>,
}

/// One output item.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub(super) enum WireItem {
    #[serde(rename = "message")]
    Message {
        #[serde(default)]
        content: Option<Vec<WireContent>>,
    },
    #[serde(rename = "reasoning")]
    Reasoning {
        #[serde(default)]
        summary: Option<Vec<WireText>>,
        /// Raw reasoning text, from some models and servers only.
        #[serde(default)]
        content: Option<Vec<WireText>>,
    },
    /// `id` (`fc_...`) is not read: `call_id` (`call_...`) is what a tool result refers to.
    #[serde(rename = "function_call")]
    FunctionCall {
        #[serde(default)]
        call_id: Option<String>,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        arguments: Option<String>,
    },
    /// Built-in tool calls and other items a chat client does not show.
    #[serde(other)]
    Other,
}

/// One part of a message item's content.
#[derive(Debug, Deserialize)]
#[serde(tag = "type")]
pub(super) enum WireContent {
    #[serde(rename = "output_text")]
    OutputText {
        #[serde(default)]
        text: Option<String>,
    },
    #[serde(rename = "refusal")]
    Refusal {
        #[serde(default)]
        refusal: Option<String>,
    },
    #[serde(other)]
    Other,
}

/// A `summary_text` or `reasoning_text` part.
#[derive(Debug, Deserialize)]
pub(super) struct WireText {
    #[serde(default)]
    pub text: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(super) struct WireUsage {
    #[serde(default)]
    input_tokens: Option<u64>,
    #[serde(default)]
    output_tokens: Option<u64>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(default)]
    input_tokens_details: Option<WireInputDetails>,
    #[serde(default)]
    output_tokens_details: Option<WireOutputDetails>,
}

#[derive(Debug, Deserialize)]
struct WireInputDetails {
    #[serde(default)]
    cached_tokens: Option<u64>,
}

#[derive(Debug, Deserialize)]
struct WireOutputDetails {
    #[serde(default)]
    reasoning_tokens: Option<u64>,
}

impl From<WireUsage> for Usage {
    fn from(wire: WireUsage) -> Self {
        Usage {
            prompt_tokens: wire.input_tokens,
            completion_tokens: wire.output_tokens,
            total_tokens: wire.total_tokens,
            reasoning_tokens: wire.output_tokens_details.and_then(|d| d.reasoning_tokens),
            cached_tokens: wire.input_tokens_details.and_then(|d| d.cached_tokens),
        }
    }
}

/// What a payload that is not a Responses event might be instead, to say so clearly.
#[derive(Debug, Deserialize)]
pub(super) struct WireProbe {
    #[serde(default)]
    pub object: Option<String>,
    #[serde(default)]
    pub error: Option<WireErrorField>,
}
