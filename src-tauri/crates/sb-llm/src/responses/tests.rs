use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde_json::{json, Value};

use super::*;
use crate::chat_completions::{Message, Role};
use crate::error::{ErrorKind, LlmError};
use crate::event::{ChatEvent, Usage};
use crate::mapper::{MappedChunk, StreamMapper};
use crate::params::{OutputFormat, Params, ReasoningEffort, ReasoningSummary, Verbosity};
use crate::sse::SseDecoder;

const FIXTURES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../../../shared/reference/fixtures"
);

const STREAM_FIXTURES: [&str; 4] = [
    "responses_reasoning_text.sse",
    "responses_function_call.sse",
    "responses_failed.sse",
    "responses_incomplete.sse",
];

fn fixture(name: &str) -> Vec<u8> {
    std::fs::read(format!("{FIXTURES}/{name}"))
        .unwrap_or_else(|e| panic!("fixture {name} must be readable from ../shared: {e}"))
}

fn fixture_text(name: &str) -> String {
    String::from_utf8(fixture(name)).expect("fixtures are UTF-8")
}

// ---------------------------------------------------------------------------------------------
// A small assembler over the mapper's output, as a UI would fold it.

#[derive(Debug, Default, PartialEq)]
struct Call {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
}

#[derive(Debug, Default, PartialEq)]
struct Assembled {
    response_id: Option<String>,
    text: String,
    summary: String,
    refusal: String,
    calls: BTreeMap<u32, Call>,
    usage: Option<Usage>,
    finish: Option<String>,
    error: Option<LlmError>,
}

impl Assembled {
    fn absorb(&mut self, chunk: MappedChunk) {
        for event in chunk.events {
            match event {
                ChatEvent::TextDelta { choice, text } => {
                    assert_eq!(choice, 0, "Responses has one choice");
                    self.text.push_str(&text);
                }
                ChatEvent::ReasoningDelta { text, .. } => self.summary.push_str(&text),
                ChatEvent::RefusalDelta { text, .. } => self.refusal.push_str(&text),
                ChatEvent::ToolCallDelta {
                    index,
                    id,
                    name,
                    arguments,
                    ..
                } => {
                    let call = self.calls.entry(index).or_default();
                    if let Some(id) = id {
                        assert!(call.id.is_none(), "call {index}: the id is sent once");
                        call.id = Some(id);
                    }
                    if let Some(name) = name {
                        assert!(call.name.is_none(), "call {index}: the name is sent once");
                        call.name = Some(name);
                    }
                    call.arguments.push_str(&arguments);
                }
                ChatEvent::ResponseId(id) => {
                    assert!(self.response_id.is_none(), "the response id is sent once");
                    self.response_id = Some(id);
                }
                ChatEvent::Usage(usage) => self.usage = Some(usage),
                ChatEvent::Finished { reason, .. } => {
                    assert!(self.finish.is_none(), "one finish per answer");
                    self.finish = Some(reason);
                }
            }
        }
        if let Some(error) = chunk.error {
            assert!(
                self.error.is_none(),
                "the first error ends the stream; a second one ({error}) must not follow"
            );
            self.error = Some(error);
        }
    }
}

fn feed(mapper: &mut ResponsesStreamMapper, out: &mut Assembled, data: &str) {
    let was_done = mapper.is_done();
    let chunk = mapper.map(data);
    if was_done {
        assert_eq!(
            chunk,
            MappedChunk::default(),
            "nothing may come out after the stream ended (payload {data})"
        );
    }
    out.absorb(chunk);
}

/// Frames the reads with [`SseDecoder`] and feeds every payload, also those after the end (to
/// prove they are ignored), then calls `finish`.
fn assemble_reads<'a>(reads: impl IntoIterator<Item = &'a [u8]>) -> Assembled {
    let mut decoder = SseDecoder::new();
    let mut mapper = ResponsesStreamMapper::new();
    let mut out = Assembled::default();
    for read in reads {
        for event in decoder.push(read).expect("the stream frames") {
            feed(&mut mapper, &mut out, &event.data);
        }
    }
    if let Some(event) = decoder.finish().expect("the stream frames") {
        feed(&mut mapper, &mut out, &event.data);
    }
    out.absorb(mapper.finish());
    out
}

fn assemble(bytes: &[u8]) -> Assembled {
    assemble_reads([bytes])
}

/// An SSE stream of the given event objects, `data:` lines only.
fn sse(events: &[Value]) -> Vec<u8> {
    events
        .iter()
        .map(|event| format!("data: {event}\n\n"))
        .collect::<String>()
        .into_bytes()
}

fn created(id: &str) -> Value {
    json!({"type": "response.created", "sequence_number": 0,
           "response": {"id": id, "object": "response", "status": "in_progress", "output": [],
                        "usage": null, "error": null}})
}

fn terminal(kind: &str, response: Value) -> Value {
    json!({"type": kind, "response": response})
}

fn message_item(text: &str) -> Value {
    json!({"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
           "content": [{"type": "output_text", "text": text, "annotations": []}]})
}

fn text_delta(output_index: u32, item_id: &str, delta: &str) -> Value {
    json!({"type": "response.output_text.delta", "item_id": item_id,
           "output_index": output_index, "content_index": 0, "delta": delta, "logprobs": []})
}

// ---------------------------------------------------------------------------------------------
// Fixtures against expected.json

#[derive(Debug, Deserialize)]
struct Expected {
    text: String,
    summary: String,
    function_calls: Vec<ExpectedCall>,
    status: String,
    usage: Option<ExpectedUsage>,
    error: Option<ExpectedError>,
    incomplete_reason: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExpectedCall {
    call_id: String,
    name: String,
    arguments: String,
}

#[derive(Debug, Deserialize)]
struct ExpectedUsage {
    input_tokens: u64,
    output_tokens: u64,
    total_tokens: u64,
    input_tokens_details: ExpectedInputDetails,
    output_tokens_details: ExpectedOutputDetails,
}

#[derive(Debug, Deserialize)]
struct ExpectedInputDetails {
    cached_tokens: u64,
}

#[derive(Debug, Deserialize)]
struct ExpectedOutputDetails {
    reasoning_tokens: u64,
}

#[derive(Debug, Deserialize)]
struct ExpectedError {
    message: String,
}

fn expected(name: &str) -> Expected {
    let all: BTreeMap<String, Value> =
        serde_json::from_slice(&fixture("expected.json")).expect("expected.json parses");
    let entry = all
        .get(name)
        .unwrap_or_else(|| panic!("{name} is in expected.json"));
    Expected::deserialize(entry).unwrap_or_else(|e| panic!("{name} in expected.json: {e}"))
}

fn check(name: &str, got: &Assembled, want: &Expected) {
    assert_eq!(got.text, want.text, "{name}: text");
    assert_eq!(
        got.summary, want.summary,
        "{name}: reasoning summary, paragraphs intact"
    );
    let calls: Vec<(Option<&str>, Option<&str>, &str)> = got
        .calls
        .values()
        .map(|c| (c.id.as_deref(), c.name.as_deref(), c.arguments.as_str()))
        .collect();
    let want_calls: Vec<(Option<&str>, Option<&str>, &str)> = want
        .function_calls
        .iter()
        .map(|c| {
            (
                Some(c.call_id.as_str()),
                Some(c.name.as_str()),
                c.arguments.as_str(),
            )
        })
        .collect();
    assert_eq!(
        calls, want_calls,
        "{name}: function calls carry call_id (not fc_ id), name and whole arguments"
    );
    let want_finish = match (want.status.as_str(), want.incomplete_reason.as_deref()) {
        ("completed", _) if want.function_calls.is_empty() => Some("stop"),
        ("completed", _) => Some("tool_calls"),
        ("incomplete", Some("max_output_tokens")) => Some("length"),
        ("incomplete", reason) => reason,
        _ => None,
    };
    assert_eq!(
        got.finish.as_deref(),
        want_finish,
        "{name}: finish reason from the terminal status {}",
        want.status
    );
    let want_usage = want.usage.as_ref().map(|u| Usage {
        prompt_tokens: Some(u.input_tokens),
        completion_tokens: Some(u.output_tokens),
        total_tokens: Some(u.total_tokens),
        reasoning_tokens: Some(u.output_tokens_details.reasoning_tokens),
        cached_tokens: Some(u.input_tokens_details.cached_tokens),
    });
    assert_eq!(
        got.usage, want_usage,
        "{name}: usage from the terminal response"
    );
    match (&got.error, &want.error) {
        (None, None) => {}
        (Some(error), Some(want_error)) => assert!(
            error.message.contains(&want_error.message),
            "{name}: the provider's message reaches the user: {}",
            error.message
        ),
        (got_error, _) => panic!(
            "{name}: error presence differs from expected.json: got {got_error:?}, want {:?}",
            want.error
        ),
    }
    assert!(
        got.response_id
            .as_deref()
            .is_some_and(|id| id.starts_with("resp_")),
        "{name}: the response id is reported for previous_response_id"
    );
}

#[test]
fn every_fixture_assembles_to_expected_json() {
    for name in STREAM_FIXTURES {
        check(name, &assemble(&fixture(name)), &expected(name));
    }
}

#[test]
fn failed_fixture_error_is_classified_from_the_error_event() {
    let out = assemble(&fixture("responses_failed.sse"));
    let error = out.error.expect("responses_failed.sse fails");
    assert_eq!(error.kind, ErrorKind::Server);
    assert_eq!(error.provider_code.as_deref(), Some("server_error"));
    assert_eq!(
        out.text, "Here is a partial",
        "text shown before the error is kept"
    );
}

/// The same bytes, re-framed, must give the same answer.
fn framing_variant(text: &str, variant: u64) -> Vec<u8> {
    match variant {
        0 => text.to_owned(),
        1 => text.replace('\n', "\r\n"),
        2 => text.replace('\n', "\r"),
        3 => text
            .lines()
            .filter(|line| !line.starts_with("event:"))
            .map(|line| format!("{line}\n"))
            .collect(),
        _ => format!("{text}data: [DONE]\n\n"),
    }
    .into_bytes()
}

/// Splits into reads of 1 to `2^k` bytes, `k` drawn per seed from 0..=12 (up to 4096 bytes).
fn random_reads<'a>(bytes: &'a [u8], rng: &mut StdRng) -> Vec<&'a [u8]> {
    let max = 1usize << rng.random_range(0..=12u32);
    let mut reads = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (read, tail) = rest.split_at(rng.random_range(1..=max.min(rest.len())));
        reads.push(read);
        rest = tail;
    }
    reads
}

#[test]
fn property_random_reads_and_framings_assemble_identically() {
    const SEEDS: u64 = 250;
    for name in STREAM_FIXTURES {
        let text = fixture_text(name);
        let baseline = assemble(text.as_bytes());
        check(name, &baseline, &expected(name));
        for seed in 0..SEEDS {
            let mut rng = StdRng::seed_from_u64(seed);
            let bytes = framing_variant(&text, seed % 5);
            let got = assemble_reads(random_reads(&bytes, &mut rng));
            assert_eq!(
                got,
                baseline,
                "{name}, seed {seed}, framing {}: reads split anywhere (even inside UTF-8 \
                 characters and CRLF pairs) must not change the answer",
                seed % 5
            );
        }
    }
}

#[test]
fn framing_variants_each_assemble_to_expected_json() {
    let names = [
        "as recorded",
        "CRLF",
        "bare CR",
        "no event: lines",
        "trailing [DONE]",
    ];
    for name in STREAM_FIXTURES {
        let text = fixture_text(name);
        for (variant, label) in (0u64..).zip(names) {
            let got = assemble(&framing_variant(&text, variant));
            check(&format!("{name} ({label})"), &got, &expected(name));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Quirks

#[test]
fn unknown_event_types_are_ignored() {
    let out = assemble(&sse(&[
        created("resp_u"),
        json!({"type": "response.content_part.added", "output_index": 0, "content_index": 0,
               "part": {"type": "output_text", "text": ""}}),
        json!({"type": "response.web_search_call.in_progress", "output_index": 1,
               "item_id": "ws_1"}),
        json!({"type": "response.output_text.annotation.added", "annotation": {"url": 3}}),
        json!({"type": "response.some_future_event", "delta": {"nested": [1, 2]}}),
        text_delta(0, "msg_1", "Hi"),
        terminal(
            "response.completed",
            json!({"id": "resp_u", "status": "completed", "output": [message_item("Hi")]}),
        ),
    ]));
    assert_eq!(out.error, None, "unknown events never fail the stream");
    assert_eq!(
        (out.text.as_str(), out.finish.as_deref()),
        ("Hi", Some("stop"))
    );
}

#[test]
fn response_done_is_terminal_according_to_its_status() {
    let run = |response: Value| {
        assemble(&sse(&[
            created("resp_d"),
            text_delta(0, "msg_1", "Hi"),
            terminal("response.done", response),
        ]))
    };
    let out = run(
        json!({"status": "completed", "output": [message_item("Hi")],
                         "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 4}}),
    );
    assert_eq!(
        (out.finish.as_deref(), out.error),
        (Some("stop"), None),
        "response.done completed = response.completed"
    );
    assert_eq!(out.usage.and_then(|u| u.total_tokens), Some(4));

    let out = run(json!({"status": "incomplete",
                         "incomplete_details": {"reason": "content_filter"}}));
    assert_eq!(out.finish.as_deref(), Some("content_filter"));
    assert_eq!(
        out.error, None,
        "an incomplete answer is finished, not failed"
    );

    let out = run(json!({"status": "failed",
                         "error": {"code": "rate_limit_exceeded", "message": "Slow down"}}));
    let error = out.error.expect("response.done failed is an error");
    assert_eq!(error.kind, ErrorKind::RateLimit);
    assert!(error.message.contains("Slow down"), "{}", error.message);
    assert_eq!(out.finish, None);
    assert_eq!(out.text, "Hi", "partial text is kept");

    let out = run(json!({"status": "cancelled"}));
    assert_eq!(
        out.finish.as_deref(),
        Some("cancelled"),
        "other statuses are passed on as the finish reason"
    );
}

#[test]
fn incomplete_reasons_map_to_chat_finish_reasons() {
    for (reason, finish) in [
        ("max_output_tokens", "length"),
        ("max_tokens", "length"),
        ("content_filter", "content_filter"),
        ("something_new", "something_new"),
    ] {
        let out = assemble(&sse(&[terminal(
            "response.incomplete",
            json!({"status": "incomplete", "incomplete_details": {"reason": reason}}),
        )]));
        assert_eq!(out.finish.as_deref(), Some(finish), "reason {reason}");
    }
}

#[test]
fn rotating_item_ids_are_keyed_by_output_index() {
    // GitHub Copilot sends a new item_id on every event of the same item.
    let out = assemble(&sse(&[
        created("resp_r"),
        json!({"type": "response.output_item.added", "output_index": 0,
               "item": {"type": "reasoning", "id": "rs_A", "summary": []}}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_B",
               "output_index": 0, "summary_index": 0, "delta": "Think"}),
        json!({"type": "response.reasoning_summary_text.delta", "item_id": "rs_C",
               "output_index": 0, "summary_index": 0, "delta": "ing"}),
        json!({"type": "response.reasoning_summary_text.done", "item_id": "rs_D",
               "output_index": 0, "summary_index": 0, "text": "Thinking"}),
        json!({"type": "response.output_item.done", "output_index": 0,
               "item": {"type": "reasoning", "id": "rs_E",
                        "summary": [{"type": "summary_text", "text": "Thinking"}]}}),
        json!({"type": "response.output_item.added", "output_index": 1,
               "item": {"type": "message", "id": "msg_A", "content": []}}),
        text_delta(1, "msg_B", "Hel"),
        text_delta(1, "msg_C", "lo"),
        json!({"type": "response.output_text.done", "item_id": "msg_D", "output_index": 1,
               "content_index": 0, "text": "Hello"}),
        json!({"type": "response.output_item.done", "output_index": 1,
               "item": message_item("Hello")}),
        terminal(
            "response.completed",
            json!({"status": "completed", "output": [
                {"type": "reasoning", "id": "rs_F",
                 "summary": [{"type": "summary_text", "text": "Thinking"}]},
                message_item("Hello")]}),
        ),
    ]));
    assert_eq!(
        (out.summary.as_str(), out.text.as_str()),
        ("Thinking", "Hello"),
        "changing item ids must neither split nor repeat the text"
    );
    assert_eq!(out.finish.as_deref(), Some("stop"));
}

#[test]
fn missed_deltas_are_filled_from_the_final_item_without_repeating_text() {
    // Deltas stop early: output_item.done carries the rest.
    let out = assemble(&sse(&[
        created("resp_m"),
        text_delta(0, "msg_1", "Hel"),
        json!({"type": "response.output_item.done", "output_index": 0,
               "item": message_item("Hello")}),
        terminal(
            "response.completed",
            json!({"status": "completed", "output": [message_item("Hello")]}),
        ),
    ]));
    assert_eq!(out.text, "Hello");

    // No deltas at all: the terminal response is the only source.
    let out = assemble(&sse(&[
        created("resp_m"),
        terminal(
            "response.completed",
            json!({"status": "completed", "output": [
                {"type": "reasoning", "summary": [{"type": "summary_text", "text": "Plan"}]},
                message_item("Answer"),
                {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f",
                 "arguments": "{}"}]}),
        ),
    ]));
    assert_eq!(
        (out.summary.as_str(), out.text.as_str()),
        ("Plan", "Answer")
    );
    assert_eq!(
        out.calls.get(&0),
        Some(&Call {
            id: Some("call_1".into()),
            name: Some("f".into()),
            arguments: "{}".into()
        })
    );
    assert_eq!(out.finish.as_deref(), Some("tool_calls"));

    // Deltas that disagree with the final text: what was shown stays, nothing is repeated.
    let out = assemble(&sse(&[
        text_delta(0, "msg_1", "Hi"),
        json!({"type": "response.output_text.done", "output_index": 0, "content_index": 0,
               "text": "Hello"}),
        terminal(
            "response.completed",
            json!({"status": "completed", "output": [message_item("Hello")]}),
        ),
    ]));
    assert_eq!(out.text, "Hi");
}

#[test]
fn summary_parts_are_separated_by_a_blank_line() {
    let summary_delta = |summary_index: u32, delta: &str| {
        json!({"type": "response.reasoning_summary_text.delta", "output_index": 0,
               "summary_index": summary_index, "delta": delta})
    };
    let out = assemble(&sse(&[
        summary_delta(0, "**Plan**"),
        summary_delta(0, "\n\nAdd."),
        summary_delta(1, "**Check**"),
        summary_delta(1, "\n\nDone."),
        json!({"type": "response.output_item.done", "output_index": 0,
               "item": {"type": "reasoning", "summary": [
                   {"type": "summary_text", "text": "**Plan**\n\nAdd."},
                   {"type": "summary_text", "text": "**Check**\n\nDone."}]}}),
        terminal("response.completed", json!({"status": "completed"})),
    ]));
    assert_eq!(out.summary, "**Plan**\n\nAdd.\n\n**Check**\n\nDone.");

    // Raw reasoning text (gpt-oss style) goes to the same channel.
    let out = assemble(&sse(&[
        json!({"type": "response.reasoning_text.delta", "output_index": 0, "content_index": 0,
               "delta": "raw thought"}),
        terminal("response.completed", json!({"status": "completed"})),
    ]));
    assert_eq!(out.summary, "raw thought");
}

#[test]
fn refusals_stream_apart_from_text() {
    let out = assemble(&sse(&[
        json!({"type": "response.refusal.delta", "output_index": 0, "content_index": 0,
               "delta": "I can't"}),
        json!({"type": "response.refusal.done", "output_index": 0, "content_index": 0,
               "refusal": "I can't help with that."}),
        terminal("response.completed", json!({"status": "completed"})),
    ]));
    assert_eq!(
        (out.refusal.as_str(), out.text.as_str()),
        ("I can't help with that.", "")
    );
}

#[test]
fn function_calls_get_ordinals_ids_and_names_once() {
    let out = assemble(&sse(&[
        json!({"type": "response.output_item.added", "output_index": 0,
               "item": {"type": "reasoning", "summary": []}}),
        json!({"type": "response.output_item.added", "output_index": 1,
               "item": {"type": "function_call", "id": "fc_1", "call_id": "call_a",
                        "name": "get_weather", "arguments": ""}}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 1,
               "item_id": "fc_1", "delta": "{\"city\":"}),
        json!({"type": "response.function_call_arguments.delta", "output_index": 1,
               "item_id": "fc_1", "delta": "\"Oslo\"}"}),
        json!({"type": "response.function_call_arguments.done", "output_index": 1,
               "item_id": "fc_1", "arguments": "{\"city\":\"Oslo\"}"}),
        // The second call's output_item.added was lost (Ollama-like: one delta, no name on
        // .done); output_item.done supplies call_id and name.
        json!({"type": "response.function_call_arguments.delta", "output_index": 2,
               "item_id": "fc_2", "delta": "{\"tz\":\"CET\"}"}),
        json!({"type": "response.function_call_arguments.done", "output_index": 2,
               "arguments": "{\"tz\":\"CET\"}"}),
        json!({"type": "response.output_item.done", "output_index": 2,
               "item": {"type": "function_call", "id": "fc_2", "call_id": "call_b",
                        "name": "get_time", "arguments": "{\"tz\":\"CET\"}"}}),
        terminal(
            "response.completed",
            json!({"status": "completed", "output": []}),
        ),
    ]));
    let calls: Vec<_> = out.calls.into_iter().collect();
    assert_eq!(
        calls,
        [
            (
                0,
                Call {
                    id: Some("call_a".into()),
                    name: Some("get_weather".into()),
                    arguments: "{\"city\":\"Oslo\"}".into()
                }
            ),
            (
                1,
                Call {
                    id: Some("call_b".into()),
                    name: Some("get_time".into()),
                    arguments: "{\"tz\":\"CET\"}".into()
                }
            ),
        ],
        "indexes count function calls (0, 1), not output items (1, 2)"
    );
    assert_eq!(
        out.finish.as_deref(),
        Some("tool_calls"),
        "calls seen in the stream count even when the terminal output is empty"
    );
}

#[test]
fn both_error_event_shapes_are_read_and_the_first_error_wins() {
    let flat = assemble(&sse(&[
        text_delta(0, "msg_1", "Par"),
        json!({"type": "error", "code": "rate_limit_exceeded", "message": "Slow down",
               "param": null, "sequence_number": 3}),
        terminal(
            "response.failed",
            json!({"status": "failed", "error": {"code": "server_error", "message": "other"}}),
        ),
    ]));
    let error = flat.error.expect("flat error event");
    assert_eq!(error.kind, ErrorKind::RateLimit);
    assert!(error.message.contains("Slow down"), "{}", error.message);
    assert_eq!(flat.text, "Par", "text before the error is kept");

    let nested = assemble(&sse(&[json!({"type": "error", "sequence_number": 2,
        "error": {"type": "insufficient_quota", "code": "insufficient_quota",
                  "message": "You exceeded your current quota", "param": null}})]));
    let error = nested.error.expect("nested error event");
    assert_eq!(error.kind, ErrorKind::Quota, "quota is never retried");

    let failed_only = assemble(&sse(&[terminal(
        "response.failed",
        json!({"status": "failed", "error": null}),
    )]));
    assert_eq!(
        failed_only.error.map(|e| e.kind),
        Some(ErrorKind::Server),
        "a failed response without an error object still fails"
    );
}

#[test]
fn bare_error_object_without_type_is_the_providers_error() {
    let mut mapper = ResponsesStreamMapper::new();
    let chunk = mapper.map(r#"{"error":{"message":"Overloaded","type":"server_error"}}"#);
    let error = chunk.error.expect("an error payload");
    assert_eq!(error.kind, ErrorKind::Server);
    assert!(error.message.contains("Overloaded"), "{}", error.message);
    assert!(mapper.is_done());
}

#[test]
fn chat_completion_chunk_on_a_responses_stream_is_a_protocol_error() {
    let mut mapper = ResponsesStreamMapper::new();
    let chunk = mapper.map(
        r#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#,
    );
    let error = chunk.error.expect("a format mismatch is an error");
    assert_eq!(error.kind, ErrorKind::Protocol);
    assert!(
        error.message.contains("Chat Completions"),
        "the message says what went wrong: {}",
        error.message
    );
    assert!(mapper.is_done(), "the stream ends");
}

#[test]
fn invalid_json_is_a_protocol_error() {
    let mut mapper = ResponsesStreamMapper::new();
    let chunk = mapper.map("{not json");
    assert_eq!(chunk.error.map(|e| e.kind), Some(ErrorKind::Protocol));
}

#[test]
fn stream_cut_before_a_terminal_event_is_incomplete() {
    let text = fixture_text("responses_reasoning_text.sse");
    let cut = text
        .find("event: response.completed")
        .expect("the fixture has a terminal event");
    let out = assemble(&text.as_bytes()[..cut]);
    assert_eq!(out.text, "17 × 23 = **391**.", "the text received is kept");
    assert_eq!(out.finish, None);
    let error = out
        .error
        .expect("EOF before the terminal event is an error");
    assert_eq!(error.kind, ErrorKind::Incomplete);
    assert!(
        error.message.starts_with("The answer ended early"),
        "{}",
        error.message
    );

    let out = assemble(
        format!(
            "{}data: [DONE]\n\n",
            std::str::from_utf8(&sse(&[text_delta(0, "m", "Hi")])).expect("UTF-8")
        )
        .as_bytes(),
    );
    assert_eq!(
        out.error.map(|e| e.kind),
        Some(ErrorKind::Incomplete),
        "[DONE] without a terminal event is just as incomplete"
    );
}

#[test]
fn truncated_last_event_at_eof_is_reported_by_finish() {
    // The client ignores a Protocol error for an event cut at EOF and relies on `finish`.
    let mut mapper = ResponsesStreamMapper::new();
    let chunk = mapper.map(r#"{"type":"response.output_text.delta","output_index":0,"del"#);
    assert_eq!(chunk.error.map(|e| e.kind), Some(ErrorKind::Protocol));
    assert!(
        mapper.is_done(),
        "nothing readable follows a broken payload"
    );
    assert_eq!(
        mapper.finish().error.map(|e| e.kind),
        Some(ErrorKind::Incomplete),
        "the cut is still reported"
    );
    assert_eq!(mapper.finish(), MappedChunk::default(), "and only once");

    let mut mapper = ResponsesStreamMapper::new();
    let chunk = mapper.map(r#"{"type":"error","code":"server_error","message":"Boom"}"#);
    assert_eq!(chunk.error.map(|e| e.kind), Some(ErrorKind::Server));
    assert_eq!(
        mapper.finish(),
        MappedChunk::default(),
        "a provider error already said how the answer ended"
    );
}

#[test]
fn finish_after_a_terminal_event_reports_nothing() {
    let mut mapper = ResponsesStreamMapper::new();
    let chunk =
        mapper.map(&terminal("response.completed", json!({"status": "completed"})).to_string());
    assert_eq!(chunk.error, None);
    assert!(
        mapper.is_done(),
        "the caller stops reading after the terminal event"
    );
    assert_eq!(mapper.finish(), MappedChunk::default());
}

// ---------------------------------------------------------------------------------------------
// Non-streamed bodies

#[test]
fn nonstream_fixture_maps_to_the_events_of_a_stream() -> Result<(), LlmError> {
    let body = fixture_text("responses_nonstream.json");
    let events = map_response(&body)?;
    assert_eq!(
        events,
        [
            ChatEvent::ResponseId("resp_4e5f60718293a4b5c6d7e8f90a1b2c3d".into()),
            ChatEvent::ReasoningDelta {
                choice: 0,
                text: "**Answering a capital question**".into()
            },
            ChatEvent::TextDelta {
                choice: 0,
                text: "The capital of Norway is Oslo.".into()
            },
            ChatEvent::Usage(Usage {
                prompt_tokens: Some(14),
                completion_tokens: Some(90),
                total_tokens: Some(104),
                reasoning_tokens: Some(64),
                cached_tokens: Some(0),
            }),
            ChatEvent::Finished {
                choice: 0,
                reason: "stop".into()
            },
        ]
    );
    assert_eq!(
        map_response(&format!("\n\n  \r\n{body}"))?,
        events,
        "leading blank lines (DeepSeek-style) are tolerated"
    );
    Ok(())
}

#[test]
fn nonstream_concatenates_every_output_text_and_reports_calls() -> Result<(), LlmError> {
    let body = json!({"id": "resp_x", "object": "response", "status": "completed", "output": [
        {"type": "message", "content": [{"type": "output_text", "text": "One. "},
                                        {"type": "output_text", "text": "Two. "}]},
        {"type": "web_search_call", "id": "ws_1", "status": "completed"},
        {"type": "message", "content": [{"type": "output_text", "text": "Three."}]},
        {"type": "function_call", "id": "fc_1", "call_id": "call_1", "name": "f",
         "arguments": "{\"a\":1}"}]});
    let mut out = Assembled::default();
    out.absorb(MappedChunk {
        events: map_response(&body.to_string())?,
        error: None,
    });
    assert_eq!(out.text, "One. Two. Three.");
    assert_eq!(
        out.calls.get(&0),
        Some(&Call {
            id: Some("call_1".into()),
            name: Some("f".into()),
            arguments: "{\"a\":1}".into()
        }),
        "one ToolCallDelta carries the whole call"
    );
    assert_eq!(out.finish.as_deref(), Some("tool_calls"));
    Ok(())
}

#[test]
fn nonstream_failures_are_errors() {
    let failed = json!({"id": "resp_f", "object": "response", "status": "failed", "output": [],
                        "error": {"code": "server_error", "message": "Boom"}});
    let error = map_response(&failed.to_string()).expect_err("status failed");
    assert_eq!(error.kind, ErrorKind::Server);
    assert!(error.message.contains("Boom"), "{}", error.message);

    let error = map_response(
        r#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#,
    )
    .expect_err("an error body with status 200");
    assert_eq!(error.kind, ErrorKind::Auth);

    let error = map_response(
        r#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"finish_reason":"stop"}]}"#,
    )
    .expect_err("a chat completion is not a response");
    assert_eq!(error.kind, ErrorKind::Protocol);
    assert!(
        error.message.contains("Chat Completions"),
        "{}",
        error.message
    );

    for garbage in ["<html>502</html>", "{}", "[]"] {
        assert_eq!(
            map_response(garbage).map_err(|e| e.kind),
            Err(ErrorKind::Protocol),
            "{garbage}"
        );
    }
}

#[test]
fn nonstream_incomplete_is_finished_with_length() -> Result<(), LlmError> {
    let body = json!({"id": "resp_i", "status": "incomplete",
                      "incomplete_details": {"reason": "max_output_tokens"},
                      "output": [message_item("Cut")]});
    let events = map_response(&body.to_string())?;
    assert_eq!(
        events.last(),
        Some(&ChatEvent::Finished {
            choice: 0,
            reason: "length".into()
        })
    );
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Request bodies

fn body(request: &ResponsesRequest) -> Value {
    serde_json::to_value(request).expect("a request serializes")
}

#[test]
fn string_input_sends_only_what_was_set() {
    let request = ResponsesRequest::new("gpt-5.1", "Hello");
    assert_eq!(
        body(&request),
        json!({"model": "gpt-5.1", "input": "Hello", "stream": false}),
        "unset options are absent, so the provider's defaults apply"
    );
}

#[test]
fn every_option_serializes_under_its_spec_name() {
    let request = ResponsesRequest {
        instructions: Some("Be brief.".into()),
        previous_response_id: Some("resp_prev".into()),
        store: Some(false),
        max_output_tokens: Some(1024),
        temperature: Some(0.5),
        top_p: Some(0.9),
        frequency_penalty: Some(0.25),
        presence_penalty: Some(-0.5),
        stop: Some(Stop::One("END".into())),
        n: Some(1),
        text: Some(TextConfig {
            format: Some(TextFormat {
                kind: OutputFormat::JsonObject,
            }),
            verbosity: Some(Verbosity::Low),
        }),
        reasoning: Some(ReasoningConfig {
            effort: Some(ReasoningEffort::High),
            summary: Some(ReasoningSummary::Detailed),
        }),
        tools: Some(vec![json!({"type": "function", "name": "get_weather",
                                "parameters": {"type": "object", "properties": {}}})]),
        tool_choice: Some(json!({"type": "function", "name": "get_weather"})),
        truncation: Some(Truncation::Auto),
        user: Some("user-42".into()),
        stream: true,
        ..ResponsesRequest::new(
            "gpt-5.1",
            vec![
                InputItem::message(InputRole::Developer, "Answer in JSON."),
                InputItem::message(
                    InputRole::User,
                    vec![
                        ContentPart::text("What is this?"),
                        ContentPart::image("data:image/png;base64,iVBORw0KGgo="),
                        ContentPart::InputImage {
                            image_url: "https://example.com/cat.jpg".into(),
                            detail: ImageDetail::High,
                        },
                    ],
                ),
                InputItem::message(
                    InputRole::Assistant,
                    vec![ContentPart::OutputText {
                        text: "A cat.".into(),
                    }],
                ),
                InputItem::message(InputRole::User, "And this?"),
            ],
        )
    };
    assert_eq!(
        body(&request),
        json!({
            "model": "gpt-5.1",
            "input": [
                {"type": "message", "role": "developer", "content": "Answer in JSON."},
                {"type": "message", "role": "user", "content": [
                    {"type": "input_text", "text": "What is this?"},
                    {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo=",
                     "detail": "auto"},
                    {"type": "input_image", "image_url": "https://example.com/cat.jpg",
                     "detail": "high"}]},
                {"type": "message", "role": "assistant", "content": [
                    {"type": "output_text", "text": "A cat."}]},
                {"type": "message", "role": "user", "content": "And this?"}],
            "instructions": "Be brief.",
            "previous_response_id": "resp_prev",
            "store": false,
            "max_output_tokens": 1024,
            "temperature": 0.5,
            "top_p": 0.9,
            "frequency_penalty": 0.25,
            "presence_penalty": -0.5,
            "stop": "END",
            "n": 1,
            "text": {"format": {"type": "json_object"}, "verbosity": "low"},
            "reasoning": {"effort": "high", "summary": "detailed"},
            "tools": [{"type": "function", "name": "get_weather",
                       "parameters": {"type": "object", "properties": {}}}],
            "tool_choice": {"type": "function", "name": "get_weather"},
            "truncation": "auto",
            "user": "user-42",
            "stream": true
        })
    );
    let many = ResponsesRequest {
        stop: Some(Stop::Many(vec!["A".into(), "B".into()])),
        text: Some(TextConfig {
            format: Some(TextFormat {
                kind: OutputFormat::Text,
            }),
            verbosity: None,
        }),
        truncation: Some(Truncation::Disabled),
        ..ResponsesRequest::new("m", "x")
    };
    assert_eq!(
        body(&many),
        json!({"model": "m", "input": "x", "stop": ["A", "B"],
               "text": {"format": {"type": "text"}}, "truncation": "disabled",
               "stream": false})
    );
}

#[test]
fn from_chat_maps_history_and_params() {
    let mut image_message = Message::text(Role::User, "What is this?");
    image_message.images = vec!["data:image/jpeg;base64,/9j/4AAQ".into()];
    let messages = [
        Message::text(Role::System, "Be brief."),
        Message::text(Role::System, "Use metric units."),
        Message::text(Role::User, "Hi"),
        Message::text(Role::Assistant, "Hello!"),
        image_message,
    ];
    let params = Params {
        max_tokens: Some(256),
        temperature: Some(1.0),
        stop: vec!["END".into()],
        format: OutputFormat::JsonObject,
        reasoning_effort: Some(ReasoningEffort::Low),
        reasoning_summary: Some(ReasoningSummary::Auto),
        verbosity: Some(Verbosity::Medium),
        user: Some("u1".into()),
        tools: vec![
            json!({"type": "function", "function": {"name": "f", "description": "d",
                           "parameters": {"type": "object"}, "strict": true}}),
            json!({"type": "web_search"}),
        ],
        tool_choice: Some(json!({"type": "function", "function": {"name": "f"}})),
        ..Params::default()
    };
    let request = ResponsesRequest::from_chat("gpt-5.1", &messages, &params, true);
    assert_eq!(
        body(&request),
        json!({
            "model": "gpt-5.1",
            "input": [
                {"type": "message", "role": "user", "content": "Hi"},
                {"type": "message", "role": "assistant", "content": "Hello!"},
                {"type": "message", "role": "user", "content": [
                    {"type": "input_text", "text": "What is this?"},
                    {"type": "input_image", "image_url": "data:image/jpeg;base64,/9j/4AAQ",
                     "detail": "auto"}]}],
            "instructions": "Be brief.\n\nUse metric units.",
            "max_output_tokens": 256,
            "temperature": 1.0,
            "stop": "END",
            "text": {"format": {"type": "json_object"}, "verbosity": "medium"},
            "reasoning": {"effort": "low", "summary": "auto"},
            "tools": [{"type": "function", "name": "f", "description": "d",
                       "parameters": {"type": "object"}, "strict": true},
                      {"type": "web_search"}],
            "tool_choice": {"type": "function", "name": "f"},
            "user": "u1",
            "stream": true
        }),
        "system -> instructions, chat tools flattened, max_tokens -> max_output_tokens"
    );

    let plain = ResponsesRequest::from_chat(
        "m",
        &[Message::text(Role::User, "Hi")],
        &Params::default(),
        false,
    );
    assert_eq!(
        body(&plain),
        json!({"model": "m", "input": [{"type": "message", "role": "user", "content": "Hi"}],
               "stream": false}),
        "default params send nothing (text format `text` is the default and is left out)"
    );
}

/// The top-level properties of OpenAI's `CreateResponse` (openai-openapi, 2026-08).
const CREATE_RESPONSE_PROPERTIES: &[&str] = &[
    "model",
    "input",
    "instructions",
    "previous_response_id",
    "conversation",
    "store",
    "include",
    "max_output_tokens",
    "max_tool_calls",
    "reasoning",
    "text",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "truncation",
    "stream",
    "stream_options",
    "temperature",
    "top_p",
    "top_logprobs",
    "metadata",
    "service_tier",
    "background",
    "prompt",
    "prompt_cache_key",
    "safety_identifier",
    "user",
];

fn object(value: &Value) -> &serde_json::Map<String, Value> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("{value} is an object"))
}

fn string<'a>(value: &'a Value, key: &str) -> &'a str {
    object(value)
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("{key} is a string in {value}"))
}

#[test]
fn spec_only_request_has_the_create_response_shape() {
    let mut image = Message::text(Role::User, "Look");
    image.images = vec!["https://example.com/a.png".into()];
    let params = Params {
        max_tokens: Some(64),
        temperature: Some(0.2),
        top_p: Some(0.5),
        format: OutputFormat::JsonObject,
        reasoning_effort: Some(ReasoningEffort::Minimal),
        reasoning_summary: Some(ReasoningSummary::Concise),
        verbosity: Some(Verbosity::High),
        user: Some("u".into()),
        tools: vec![json!({"type": "function", "function": {"name": "f", "parameters": {}}})],
        tool_choice: Some(json!("required")),
        ..Params::default()
    };
    let mut request = ResponsesRequest::from_chat(
        "gpt-5.1",
        &[
            Message::text(Role::System, "S"),
            Message::text(Role::User, "Q"),
            Message::text(Role::Assistant, "A"),
            image,
        ],
        &params,
        true,
    );
    request.previous_response_id = Some("resp_1".into());
    request.store = Some(false);
    request.truncation = Some(Truncation::Auto);
    let json = body(&request);

    for key in object(&json).keys() {
        assert!(
            CREATE_RESPONSE_PROPERTIES.contains(&key.as_str()),
            "{key} is not a CreateResponse property"
        );
    }
    assert!(
        json["max_output_tokens"].is_u64(),
        "max_output_tokens is an integer"
    );
    assert!(
        ["text", "json_object"].contains(&string(&json["text"]["format"], "type")),
        "text.format.type"
    );
    assert!(
        ["none", "minimal", "low", "medium", "high", "xhigh"]
            .contains(&string(&json["reasoning"], "effort")),
        "reasoning.effort"
    );
    assert!(["auto", "concise", "detailed"].contains(&string(&json["reasoning"], "summary")));
    let tool = &json["tools"][0];
    assert_eq!(string(tool, "type"), "function");
    assert_eq!(string(tool, "name"), "f", "function tools are flat");
    assert!(object(tool).get("function").is_none());

    let items = json["input"].as_array().expect("input is an item array");
    for item in items {
        assert_eq!(string(item, "type"), "message");
        assert!(["system", "developer", "user", "assistant"].contains(&string(item, "role")));
        match &item["content"] {
            Value::String(_) => {}
            Value::Array(parts) => {
                for part in parts {
                    match string(part, "type") {
                        "input_text" | "output_text" => {
                            string(part, "text");
                        }
                        "input_image" => {
                            string(part, "image_url");
                            assert!(["auto", "low", "high"].contains(&string(part, "detail")));
                        }
                        other => panic!("{other} is not an input content type"),
                    }
                }
            }
            other => panic!("content must be a string or parts, not {other}"),
        }
    }
}
