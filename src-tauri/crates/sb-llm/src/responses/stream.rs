//! Maps Responses stream events (and whole response objects) to [`ChatEvent`]s.

use std::collections::BTreeMap;

use super::wire::{WireContent, WireEvent, WireItem, WireProbe, WireResponse};
use crate::error::{ErrorKind, LlmError, ProviderError, WireErrorField};
use crate::event::ChatEvent;
use crate::mapper::{MappedChunk, StreamMapper};

/// Maps the data payloads of one Responses stream to [`ChatEvent`]s. Pure and stateful: it does
/// no I/O, so it is tested on fixtures byte for byte.
///
/// Items are keyed by `output_index`, never by `item_id` (which some proxies rotate on every
/// event). What was emitted for each part is remembered, so the final item (from
/// `response.output_item.done`, a `*.done` event or the terminal response) can fill in text whose
/// deltas never arrived without repeating text that did.
#[derive(Debug, Default)]
pub struct ResponsesStreamMapper {
    items: BTreeMap<u32, ItemState>,
    /// Function calls seen so far; the next one gets this ordinal as its `index`.
    calls: u32,
    /// The last `output_index` an event named, for events that leave it out.
    current: u32,
    /// The reasoning part that emitted last, to separate the next one with a blank line.
    last_reasoning: Option<(u32, Part)>,
    response_id_sent: bool,
    /// A terminal event, `[DONE]` or an error ended the stream: later payloads are ignored.
    done: bool,
    /// How the answer ended (finished, failed or cut) has been reported.
    settled: bool,
}

/// What was emitted for one output item.
#[derive(Debug, Default)]
struct ItemState {
    parts: BTreeMap<Part, String>,
    call: Option<CallState>,
}

/// A text-carrying part of an output item, by its index within the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Part {
    /// `summary[i]` of a reasoning item.
    Summary(u32),
    /// `content[i]` (`reasoning_text`) of a reasoning item.
    Reasoning(u32),
    /// `content[i]` (`output_text`) of a message item.
    Text(u32),
    /// `content[i]` (`refusal`) of a message item.
    Refusal(u32),
}

#[derive(Debug)]
struct CallState {
    /// The call's position among this response's function calls: its `ToolCallDelta::index`.
    ordinal: u32,
    id_sent: bool,
    name_sent: bool,
    arguments: String,
}

/// How a response ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Completed,
    Incomplete,
    Failed,
}

impl Outcome {
    /// From `response.status` (for `response.done` and non-streamed bodies). Statuses other than
    /// the three terminal ones (`cancelled`...) count as incomplete, with the status as the
    /// reason; a missing status is inferred from `error` / `incomplete_details`.
    fn of(response: &WireResponse) -> Self {
        match response.status.as_deref() {
            Some("completed") => Self::Completed,
            Some("failed") => Self::Failed,
            Some(_) => Self::Incomplete,
            None if response.error.is_some() => Self::Failed,
            None if response.incomplete_details.is_some() => Self::Incomplete,
            None => Self::Completed,
        }
    }
}

impl ResponsesStreamMapper {
    /// A mapper for a new stream.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies one event; returns the error it carried, if any.
    fn apply(&mut self, event: WireEvent, out: &mut Vec<ChatEvent>) -> Option<LlmError> {
        match event {
            WireEvent::Lifecycle { response } => {
                if let Some(response) = response {
                    self.response_id(response.id, out);
                }
            }
            WireEvent::ItemAdded(added) => {
                let index = self.index(added.output_index);
                // Only the call's identity is taken here: an added item is in its initial
                // state, its text arrives in deltas.
                if let Some(WireItem::FunctionCall { call_id, name, .. }) = added.item {
                    self.call_piece(index, call_id, name, "", out);
                }
            }
            WireEvent::ItemDone(done) => {
                let index = self.index(done.output_index);
                if let Some(item) = done.item {
                    self.settle_item(index, item, out);
                }
            }
            WireEvent::TextDelta(d) => {
                let index = self.index(d.output_index);
                let part = Part::Text(d.content_index.unwrap_or(0));
                self.emit(index, part, &d.delta.unwrap_or_default(), out);
            }
            WireEvent::RefusalDelta(d) => {
                let index = self.index(d.output_index);
                let part = Part::Refusal(d.content_index.unwrap_or(0));
                self.emit(index, part, &d.delta.unwrap_or_default(), out);
            }
            WireEvent::SummaryDelta(d) => {
                let index = self.index(d.output_index);
                let part = Part::Summary(d.summary_index.unwrap_or(0));
                self.emit(index, part, &d.delta.unwrap_or_default(), out);
            }
            WireEvent::ReasoningDelta(d) => {
                let index = self.index(d.output_index);
                let part = Part::Reasoning(d.content_index.unwrap_or(0));
                self.emit(index, part, &d.delta.unwrap_or_default(), out);
            }
            WireEvent::ArgumentsDelta(d) => {
                let index = self.index(d.output_index);
                self.call_piece(index, None, None, &d.delta.unwrap_or_default(), out);
            }
            WireEvent::TextDone(d) => {
                let index = self.index(d.output_index);
                let part = Part::Text(d.content_index.unwrap_or(0));
                self.settle(index, part, d.text.as_deref(), out);
            }
            WireEvent::RefusalDone(d) => {
                let index = self.index(d.output_index);
                let part = Part::Refusal(d.content_index.unwrap_or(0));
                self.settle(index, part, d.refusal.as_deref(), out);
            }
            WireEvent::SummaryDone(d) => {
                let index = self.index(d.output_index);
                let part = Part::Summary(d.summary_index.unwrap_or(0));
                self.settle(index, part, d.text.as_deref(), out);
            }
            WireEvent::ReasoningDone(d) => {
                let index = self.index(d.output_index);
                let part = Part::Reasoning(d.content_index.unwrap_or(0));
                self.settle(index, part, d.text.as_deref(), out);
            }
            WireEvent::ArgumentsDone(d) => {
                let index = self.index(d.output_index);
                self.settle_call(index, None, d.name, d.arguments.as_deref(), out);
            }
            WireEvent::Completed(t) => return self.terminal(Outcome::Completed, t.response, out),
            WireEvent::Incomplete(t) => return self.terminal(Outcome::Incomplete, t.response, out),
            WireEvent::Failed(t) => return self.terminal(Outcome::Failed, t.response, out),
            WireEvent::Done(t) => {
                let outcome = t.response.as_ref().map_or(Outcome::Completed, Outcome::of);
                return self.terminal(outcome, t.response, out);
            }
            WireEvent::Error { error, flat } => {
                let detail = error.unwrap_or(WireErrorField::Object(flat));
                return Some(LlmError::from_stream_error(detail.into_provider_error()));
            }
            WireEvent::Unknown => {}
        }
        None
    }

    /// The `output_index` an event names, or the last one named if it leaves it out.
    fn index(&mut self, output_index: Option<u32>) -> u32 {
        if let Some(index) = output_index {
            self.current = index;
        }
        self.current
    }

    fn response_id(&mut self, id: Option<String>, out: &mut Vec<ChatEvent>) {
        if let Some(id) = id.filter(|id| !id.is_empty() && !self.response_id_sent) {
            self.response_id_sent = true;
            out.push(ChatEvent::ResponseId(id));
        }
    }

    /// Emits new text for one part and remembers it.
    fn emit(&mut self, index: u32, part: Part, text: &str, out: &mut Vec<ChatEvent>) {
        if text.is_empty() {
            return;
        }
        let item = self.items.entry(index).or_default();
        item.parts.entry(part).or_default().push_str(text);
        let text = text.to_owned();
        out.push(match part {
            Part::Text(_) => ChatEvent::TextDelta { choice: 0, text },
            Part::Refusal(_) => ChatEvent::RefusalDelta { choice: 0, text },
            Part::Summary(_) | Part::Reasoning(_) => {
                // Summary parts are separate paragraphs; without a blank line between them the
                // last sentence of one runs into the heading of the next.
                let key = (index, part);
                let separate = self.last_reasoning.is_some_and(|last| last != key);
                self.last_reasoning = Some(key);
                let text = if separate {
                    format!("\n\n{text}")
                } else {
                    text
                };
                ChatEvent::ReasoningDelta { choice: 0, text }
            }
        });
    }

    /// Reconciles one part with its final text: emits what the deltas did not deliver. When the
    /// deltas diverge from the final text nothing is emitted, because shown text cannot be taken
    /// back and repeating it would be worse.
    fn settle(&mut self, index: u32, part: Part, last: Option<&str>, out: &mut Vec<ChatEvent>) {
        let Some(last) = last else { return };
        let emitted = self
            .items
            .get(&index)
            .and_then(|item| item.parts.get(&part))
            .map_or("", String::as_str);
        if let Some(rest) = last.strip_prefix(emitted) {
            let rest = rest.to_owned();
            self.emit(index, part, &rest, out);
        }
    }

    /// Emits one piece of a function call, with its id and name the first time they are known.
    /// The call gets its ordinal the first time its output index is seen.
    fn call_piece(
        &mut self,
        index: u32,
        id: Option<String>,
        name: Option<String>,
        arguments: &str,
        out: &mut Vec<ChatEvent>,
    ) {
        let calls = &mut self.calls;
        let call = self
            .items
            .entry(index)
            .or_default()
            .call
            .get_or_insert_with(|| {
                *calls += 1;
                CallState {
                    ordinal: *calls - 1,
                    id_sent: false,
                    name_sent: false,
                    arguments: String::new(),
                }
            });
        let id = id.filter(|id| !id.is_empty() && !call.id_sent);
        let name = name.filter(|name| !name.is_empty() && !call.name_sent);
        if id.is_none() && name.is_none() && arguments.is_empty() {
            return;
        }
        call.id_sent |= id.is_some();
        call.name_sent |= name.is_some();
        call.arguments.push_str(arguments);
        out.push(ChatEvent::ToolCallDelta {
            choice: 0,
            index: call.ordinal,
            id,
            name,
            arguments: arguments.to_owned(),
        });
    }

    /// Like [`Self::settle`] for a function call's arguments, adding the id and name if they
    /// were never sent (a missed `output_item.added`).
    fn settle_call(
        &mut self,
        index: u32,
        id: Option<String>,
        name: Option<String>,
        last: Option<&str>,
        out: &mut Vec<ChatEvent>,
    ) {
        let emitted = self
            .items
            .get(&index)
            .and_then(|item| item.call.as_ref())
            .map_or("", |call| call.arguments.as_str());
        let rest = last
            .and_then(|last| last.strip_prefix(emitted))
            .unwrap_or_default()
            .to_owned();
        self.call_piece(index, id, name, &rest, out);
    }

    /// Reconciles every part of a final output item.
    fn settle_item(&mut self, index: u32, item: WireItem, out: &mut Vec<ChatEvent>) {
        match item {
            WireItem::Message { content } => {
                for (k, content) in (0u32..).zip(content.unwrap_or_default()) {
                    match content {
                        WireContent::OutputText { text } => {
                            self.settle(index, Part::Text(k), text.as_deref(), out);
                        }
                        WireContent::Refusal { refusal } => {
                            self.settle(index, Part::Refusal(k), refusal.as_deref(), out);
                        }
                        WireContent::Other => {}
                    }
                }
            }
            WireItem::Reasoning { summary, content } => {
                for (k, summary) in (0u32..).zip(summary.unwrap_or_default()) {
                    self.settle(index, Part::Summary(k), summary.text.as_deref(), out);
                }
                for (k, content) in (0u32..).zip(content.unwrap_or_default()) {
                    self.settle(index, Part::Reasoning(k), content.text.as_deref(), out);
                }
            }
            WireItem::FunctionCall {
                call_id,
                name,
                arguments,
            } => self.settle_call(index, call_id, name, arguments.as_deref(), out),
            WireItem::Other => {}
        }
    }

    /// Ends the stream with the terminal response: reconciles its output (whose position is
    /// the `output_index`), then emits usage and the finish reason, or returns the failure.
    fn terminal(
        &mut self,
        outcome: Outcome,
        response: Option<WireResponse>,
        out: &mut Vec<ChatEvent>,
    ) -> Option<LlmError> {
        self.done = true;
        self.settled = true;
        let response = response.unwrap_or_default();
        self.response_id(response.id, out);
        for (index, item) in (0u32..).zip(response.output.unwrap_or_default()) {
            self.settle_item(index, item, out);
        }
        if let Some(usage) = response.usage {
            out.push(ChatEvent::Usage(usage.into()));
        }
        let reason = match outcome {
            Outcome::Completed if self.calls > 0 => "tool_calls".to_owned(),
            Outcome::Completed => "stop".to_owned(),
            Outcome::Incomplete => {
                let reason = response.incomplete_details.and_then(|d| d.reason);
                match reason.or(response.status).as_deref() {
                    Some("max_output_tokens" | "max_tokens") => "length".to_owned(),
                    Some(other) => other.to_owned(),
                    None => "incomplete".to_owned(),
                }
            }
            Outcome::Failed => return Some(failure(response.error)),
        };
        out.push(ChatEvent::Finished { choice: 0, reason });
        None
    }
}

/// The error of a failed response, or a generic one when it gave none.
fn failure(error: Option<WireErrorField>) -> LlmError {
    let detail = error.map_or_else(
        || ProviderError {
            message: Some("the response failed without saying why".to_owned()),
            ..ProviderError::default()
        },
        WireErrorField::into_provider_error,
    );
    LlmError::from_stream_error(detail)
}

fn ended_early() -> LlmError {
    LlmError::new(
        ErrorKind::Incomplete,
        "The answer ended early: the provider closed the stream before the response was complete.",
    )
}

fn chat_format_mismatch() -> LlmError {
    LlmError::new(
        ErrorKind::Protocol,
        "The provider answered a Responses request in the Chat Completions format \
         (chat.completion); use the Chat Completions API for this model.",
    )
}

/// Says what a payload that is not a Responses event is instead: Chat Completions chunks (one
/// broken server sends them on `/responses`), a bare error object, or garbage.
fn not_an_event(data: &str, error: &serde_json::Error) -> LlmError {
    match serde_json::from_str::<WireProbe>(data) {
        Ok(WireProbe {
            object: Some(object),
            ..
        }) if object.starts_with("chat.completion") => chat_format_mismatch(),
        Ok(WireProbe {
            error: Some(detail),
            ..
        }) => LlmError::from_stream_error(detail.into_provider_error()),
        _ => LlmError::new(
            ErrorKind::Protocol,
            format!("The provider sent a stream event that is not a Responses event ({error})."),
        ),
    }
}

impl StreamMapper for ResponsesStreamMapper {
    fn map(&mut self, data: &str) -> MappedChunk {
        if self.done {
            return MappedChunk::default();
        }
        let event = if data.starts_with("[DONE]") {
            // Some gateways add `[DONE]` after the terminal event, which already ended the
            // stream; arriving here, it came without one.
            Err(ended_early())
        } else {
            serde_json::from_str::<WireEvent>(data).map_err(|error| not_an_event(data, &error))
        };
        let mut events = Vec::new();
        let error = match event {
            Ok(event) => self.apply(event, &mut events),
            Err(error) => Some(error),
        };
        self.done |= error.is_some();
        // A payload that cannot be read may be a truncated last event, which the client ignores
        // at EOF: the cut is then still reported by `finish`.
        self.settled |= error
            .as_ref()
            .is_some_and(|e| e.kind != ErrorKind::Protocol);
        MappedChunk { events, error }
    }

    fn is_done(&self) -> bool {
        self.done
    }

    fn finish(&mut self) -> MappedChunk {
        if self.settled {
            return MappedChunk::default();
        }
        self.done = true;
        self.settled = true;
        MappedChunk {
            events: Vec::new(),
            error: Some(ended_early()),
        }
    }
}

/// Maps a whole non-streamed response object (also what a server that ignored `stream: true`
/// sends back) to the events a stream of it would have produced. A failed response, or an
/// error body without output, is an `Err`.
pub fn map_response(body: &str) -> Result<Vec<ChatEvent>, LlmError> {
    let response: WireResponse = serde_json::from_str(body.trim_start()).map_err(|error| {
        LlmError::new(
            ErrorKind::Protocol,
            format!("The provider's answer is not a Responses object ({error})."),
        )
    })?;
    if response
        .object
        .as_deref()
        .is_some_and(|object| object.starts_with("chat.completion"))
    {
        return Err(chat_format_mismatch());
    }
    let has_output = response.output.as_ref().is_some_and(|o| !o.is_empty());
    if !has_output {
        if let Some(error) = response.error {
            return Err(LlmError::from_stream_error(error.into_provider_error()));
        }
        if response.output.is_none() && response.status.is_none() {
            return Err(LlmError::new(
                ErrorKind::Protocol,
                "The provider's answer is not a Responses object (it has no output).",
            ));
        }
    }
    let mut events = Vec::new();
    let outcome = Outcome::of(&response);
    match ResponsesStreamMapper::new().terminal(outcome, Some(response), &mut events) {
        Some(error) => Err(error),
        None => Ok(events),
    }
}
