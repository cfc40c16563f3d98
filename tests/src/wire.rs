//! Renders a [`Script`] as the bytes of one HTTP answer, in the chat-completions or Responses
//! wire format (see `shared/reference/protocol.md` §2 and §3 for the shapes copied here).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hyper::header::{HeaderMap, HeaderValue, CACHE_CONTROL, CONTENT_TYPE};
use hyper::StatusCode;
use rand::distr::Alphanumeric;
use rand::Rng;
use serde_json::{json, Value};

use crate::body::{BodyPlan, Piece, Tail};
use crate::script::{error_body, tokenize, Ending, Kind, ReplyText, Script, STALL_DURATION};

const SYSTEM_FINGERPRINT: &str = "fp_sbsim";

/// The endpoint a request hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Chat,
    Responses,
}

impl Endpoint {
    pub(crate) fn path(self) -> &'static str {
        match self {
            Self::Chat => "/v1/chat/completions",
            Self::Responses => "/v1/responses",
        }
    }
}

/// What the simulator learned from a valid generation request.
#[derive(Debug)]
pub(crate) struct Exchange {
    pub(crate) endpoint: Endpoint,
    pub(crate) model: String,
    pub(crate) stream: bool,
    /// Chat `stream_options.include_usage`.
    pub(crate) include_usage: bool,
    pub(crate) prompt_tokens: u64,
    pub(crate) last_user_text: String,
    /// Number of messages (chat) or input items (responses).
    pub(crate) input_items: usize,
}

/// What the server does with a request.
#[derive(Debug)]
pub(crate) enum Answer {
    Respond {
        status: StatusCode,
        headers: HeaderMap,
        plan: BodyPlan,
    },
    /// Close the connection without a response.
    Disconnect,
}

impl Answer {
    /// A JSON answer with the default headers.
    pub(crate) fn json(status: StatusCode, body: &Value) -> Self {
        Self::Respond {
            status,
            headers: default_headers("application/json"),
            plan: BodyPlan::fixed(body.to_string()),
        }
    }
}

impl Answer {
    /// A file with its content type.
    pub(crate) fn file(content_type: HeaderValue, body: bytes::Bytes) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(CONTENT_TYPE, content_type);
        Self::Respond {
            status: StatusCode::OK,
            headers,
            plan: BodyPlan::fixed(body),
        }
    }
}

fn default_headers(content_type: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(id) = HeaderValue::from_str(&random_id("req_", 24)) {
        headers.insert("x-request-id", id);
    }
    headers
}

fn random_id(prefix: &str, len: usize) -> String {
    let suffix: String = rand::rng()
        .sample_iter(Alphanumeric)
        .take(len)
        .map(char::from)
        .collect();
    format!("{prefix}{suffix}")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Renders `script` for `exchange`.
pub(crate) fn render(script: &Script, exchange: &Exchange) -> Answer {
    let answer = match &script.kind {
        Kind::DisconnectBeforeResponse => return Answer::Disconnect,
        Kind::Status { status, body } => Answer::json(*status, body),
        Kind::Reply(text) => {
            let reply = Reply::new(script, exchange, text);
            if exchange.stream {
                stream_answer(script, exchange, &reply)
            } else {
                match &script.ending {
                    Ending::Normal | Ending::NoDone => {
                        let body = match exchange.endpoint {
                            Endpoint::Chat => reply.chat_completion(script),
                            Endpoint::Responses => reply.response_object(reply.terminal_status()),
                        };
                        Answer::json(StatusCode::OK, &body)
                    }
                    Ending::ErrorInStream { code, message } => {
                        Answer::json(StatusCode::OK, &error_body(code, message))
                    }
                    Ending::DisconnectAfter(_) => return Answer::Disconnect,
                    Ending::StallAfter(_) => Answer::Respond {
                        status: StatusCode::OK,
                        headers: default_headers("application/json"),
                        plan: BodyPlan {
                            pieces: Vec::new(),
                            tail: Tail::Stall(STALL_DURATION),
                            exact_len: None,
                        },
                    },
                }
            }
        }
    };
    customize(answer, script)
}

/// Applies the script's headers and byte re-splitting to an answer.
fn customize(answer: Answer, script: &Script) -> Answer {
    let Answer::Respond {
        status,
        mut headers,
        mut plan,
    } = answer
    else {
        return answer;
    };
    for (name, _) in &script.headers {
        headers.remove(name);
    }
    for (name, value) in &script.headers {
        headers.append(name, value.clone());
    }
    if let Some((min, max)) = script.chunk_bytes {
        plan = plan.rechunk(min, max, script.seed);
    }
    Answer::Respond {
        status,
        headers,
        plan,
    }
}

fn stream_answer(script: &Script, exchange: &Exchange, reply: &Reply) -> Answer {
    let (limit, tail) = match script.ending {
        Ending::DisconnectAfter(n) => (Some(n), Tail::Disconnect),
        Ending::StallAfter(n) => (Some(n), Tail::Stall(STALL_DURATION)),
        _ => (None, Tail::End),
    };
    let mut emitter = Emitter {
        pieces: Vec::new(),
        newline: if script.crlf { "\r\n" } else { "\n" },
        token_delay: script
            .tokens_per_second
            .map_or(Duration::ZERO, |tps| Duration::from_secs_f64(1.0 / tps)),
        limit,
        tokens: 0,
        stopped: false,
        sequence_number: 0,
        event_lines: script.event_lines,
    };
    match exchange.endpoint {
        Endpoint::Chat => reply.chat_stream(script, &mut emitter),
        Endpoint::Responses => reply.responses_stream(script, &mut emitter),
    }
    let mut headers = default_headers("text/event-stream");
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Answer::Respond {
        status: StatusCode::OK,
        headers,
        plan: BodyPlan {
            pieces: emitter.pieces,
            tail,
            exact_len: None,
        },
    }
}

/// The role of an SSE event, for pacing and for cutting a stream short.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Ev {
    /// Structure around the output (role chunk, item added/done events).
    Plain,
    /// A piece of generated output; paced, and counted by `DisconnectAfter`/`StallAfter`.
    Token,
    /// Finish chunk, usage, error, terminal event, `[DONE]`: never sent when cutting short.
    Finish,
}

/// Collects SSE events as body pieces, stopping where a cut-short ending says so.
struct Emitter {
    pieces: Vec<Piece>,
    newline: &'static str,
    token_delay: Duration,
    /// Number of token events after which the stream is cut.
    limit: Option<usize>,
    tokens: usize,
    stopped: bool,
    /// Responses streams number their events.
    sequence_number: u64,
    /// Responses streams: send `event: <type>` lines.
    event_lines: bool,
}

impl Emitter {
    fn push(&mut self, ev: Ev, event_name: Option<&str>, data: &str) {
        if self.stopped {
            return;
        }
        if let Some(limit) = self.limit {
            if ev == Ev::Finish || (ev == Ev::Token && self.tokens == limit) {
                self.stopped = true;
                return;
            }
        }
        let nl = self.newline;
        let mut text = String::with_capacity(data.len() + 32);
        if let Some(name) = event_name {
            text.push_str("event: ");
            text.push_str(name);
            text.push_str(nl);
        }
        text.push_str("data: ");
        text.push_str(data);
        text.push_str(nl);
        text.push_str(nl);
        let mut delay = Duration::ZERO;
        if ev == Ev::Token {
            self.tokens += 1;
            delay = self.token_delay;
            // Cut right after the last allowed token, before any further structure.
            self.stopped = self.limit == Some(self.tokens);
        }
        self.pieces.push(Piece {
            delay,
            bytes: text.into(),
        });
    }

    /// A Responses event: `{"type": kind, ..context, ..fields, "sequence_number": n}`, with an
    /// `event:` line if the script wants them.
    fn event(&mut self, ev: Ev, kind: &str, context: &Value, fields: Value) {
        let mut event = json!({ "type": kind, "sequence_number": self.sequence_number });
        self.sequence_number += 1;
        if let Some(event) = event.as_object_mut() {
            for extra in [context, &fields].into_iter().filter_map(Value::as_object) {
                event.extend(extra.clone());
            }
        }
        self.push(ev, self.event_lines.then_some(kind), &event.to_string());
    }
}

/// One scripted function call with the ids it gets in this answer.
struct Call<'a> {
    name: &'a str,
    arguments: &'a str,
    /// `call_…`: chat `tool_calls[].id`, responses `call_id`.
    call_id: String,
    /// `fc_…`: the responses item id.
    item_id: String,
}

/// A reply resolved for one exchange: final text, ids, finish reason and usage.
struct Reply<'a> {
    exchange: &'a Exchange,
    text: String,
    reasoning: Option<&'a str>,
    calls: Vec<Call<'a>>,
    finish_reason: String,
    prompt_tokens: u64,
    completion_tokens: u64,
    reasoning_tokens: u64,
    /// `chatcmpl-…` or `resp_…`.
    id: String,
    created: u64,
    reasoning_item_id: String,
    message_item_id: String,
}

impl<'a> Reply<'a> {
    fn new(script: &'a Script, exchange: &'a Exchange, text: &ReplyText) -> Self {
        let text = match text {
            ReplyText::Fixed(text) => text.clone(),
            ReplyText::Echo => echo_text(exchange),
        };
        let reasoning = script.reasoning.as_deref();
        let calls: Vec<Call> = script
            .tool_calls
            .iter()
            .map(|call| Call {
                name: &call.name,
                arguments: &call.arguments,
                call_id: random_id("call_", 24),
                item_id: random_id("fc_", 32),
            })
            .collect();
        let finish_reason = script.finish_reason.clone().unwrap_or_else(|| {
            if calls.is_empty() {
                "stop"
            } else {
                "tool_calls"
            }
            .to_owned()
        });
        let reasoning_tokens = reasoning.map_or(0, |r| tokenize(r).len()) as u64;
        let estimated_completion = reasoning_tokens
            + tokenize(&text).len() as u64
            + calls
                .iter()
                .map(|c| 1 + tokenize(c.arguments).len() as u64)
                .sum::<u64>();
        let (prompt_tokens, completion_tokens) = script
            .usage
            .unwrap_or((exchange.prompt_tokens, estimated_completion));
        let id = match exchange.endpoint {
            Endpoint::Chat => random_id("chatcmpl-", 24),
            Endpoint::Responses => random_id("resp_", 32),
        };
        Self {
            exchange,
            text,
            reasoning,
            calls,
            finish_reason,
            prompt_tokens,
            completion_tokens,
            reasoning_tokens: reasoning_tokens.min(completion_tokens),
            id,
            created: unix_now(),
            reasoning_item_id: random_id("rs_", 32),
            message_item_id: random_id("msg_", 32),
        }
    }

    /// Whether a message (text) part is produced: always, unless the reply is only tool calls.
    fn has_message(&self) -> bool {
        !self.text.is_empty() || self.calls.is_empty()
    }

    // ---- chat completions ----

    fn chat_usage(&self) -> Value {
        json!({
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "total_tokens": self.prompt_tokens + self.completion_tokens,
            "prompt_tokens_details": { "cached_tokens": 0 },
            "completion_tokens_details": { "reasoning_tokens": self.reasoning_tokens },
        })
    }

    /// Chat `content`: `text`, or null for a reply made only of tool calls.
    fn content_or_null(&self, text: &str) -> Value {
        if self.has_message() {
            text.into()
        } else {
            Value::Null
        }
    }

    fn chat_completion(&self, script: &Script) -> Value {
        let content = self.content_or_null(&self.text);
        let mut message = json!({
            "role": "assistant",
            "content": content,
            "refusal": null,
        });
        if let Some(reasoning) = self.reasoning {
            message[script.reasoning_field.key()] = reasoning.into();
        }
        if !self.calls.is_empty() {
            let calls: Vec<Value> = self
                .calls
                .iter()
                .map(|c| {
                    json!({
                        "id": c.call_id,
                        "type": "function",
                        "function": { "name": c.name, "arguments": c.arguments },
                    })
                })
                .collect();
            message["tool_calls"] = calls.into();
        }
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.exchange.model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": [{
                "index": 0,
                "message": message,
                "logprobs": null,
                "finish_reason": self.finish_reason,
            }],
            "usage": self.chat_usage(),
        })
    }

    fn chat_chunk(&self, choices: Value, usage: Option<Value>) -> String {
        let mut chunk = json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.exchange.model,
            "system_fingerprint": SYSTEM_FINGERPRINT,
            "choices": choices,
        });
        // With `include_usage`, OpenAI puts `"usage": null` on every chunk but the last.
        match usage {
            Some(usage) => chunk["usage"] = usage,
            None if self.exchange.include_usage => chunk["usage"] = Value::Null,
            None => {}
        }
        chunk.to_string()
    }

    fn chat_delta(&self, delta: Value) -> String {
        self.chat_chunk(
            json!([{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": null }]),
            None,
        )
    }

    fn chat_stream(&self, script: &Script, em: &mut Emitter) {
        let content = self.content_or_null("");
        em.push(
            Ev::Plain,
            None,
            &self.chat_delta(json!({ "role": "assistant", "content": content })),
        );
        if let Some(reasoning) = self.reasoning {
            let key = script.reasoning_field.key();
            for token in tokenize(reasoning) {
                em.push(Ev::Token, None, &self.chat_delta(json!({ key: token })));
            }
        }
        for token in tokenize(&self.text) {
            em.push(
                Ev::Token,
                None,
                &self.chat_delta(json!({ "content": token })),
            );
        }
        for (index, call) in self.calls.iter().enumerate() {
            let head = json!({
                "index": index,
                "id": call.call_id,
                "type": "function",
                "function": { "name": call.name, "arguments": "" },
            });
            em.push(
                Ev::Token,
                None,
                &self.chat_delta(json!({ "tool_calls": [head] })),
            );
            for fragment in tokenize(call.arguments) {
                let part = json!({ "index": index, "function": { "arguments": fragment } });
                em.push(
                    Ev::Token,
                    None,
                    &self.chat_delta(json!({ "tool_calls": [part] })),
                );
            }
        }
        if let Ending::ErrorInStream { code, message } = &script.ending {
            em.push(Ev::Finish, None, &error_body(code, message).to_string());
            return;
        }
        let finish = json!([{
            "index": 0, "delta": {}, "logprobs": null, "finish_reason": self.finish_reason,
        }]);
        if self.exchange.include_usage {
            em.push(Ev::Finish, None, &self.chat_chunk(finish, None));
            em.push(
                Ev::Finish,
                None,
                &self.chat_chunk(json!([]), Some(self.chat_usage())),
            );
        } else {
            // Without `include_usage`, usage rides on the finish chunk (DeepSeek, llama.cpp)
            // so a client always has one to show.
            em.push(
                Ev::Finish,
                None,
                &self.chat_chunk(finish, Some(self.chat_usage())),
            );
        }
        if script.ending == Ending::Normal {
            em.push(Ev::Finish, None, "[DONE]");
        }
    }

    // ---- responses ----

    /// Terminal status and `incomplete_details` from the finish reason.
    fn terminal_status(&self) -> (&'static str, Value) {
        match self.finish_reason.as_str() {
            "length" => ("incomplete", json!({ "reason": "max_output_tokens" })),
            "content_filter" => ("incomplete", json!({ "reason": "content_filter" })),
            _ => ("completed", Value::Null),
        }
    }

    fn responses_usage(&self) -> Value {
        json!({
            "input_tokens": self.prompt_tokens,
            "input_tokens_details": { "cached_tokens": 0 },
            "output_tokens": self.completion_tokens,
            "output_tokens_details": { "reasoning_tokens": self.reasoning_tokens },
            "total_tokens": self.prompt_tokens + self.completion_tokens,
        })
    }

    fn reasoning_item(&self, text: &str) -> Value {
        json!({
            "id": self.reasoning_item_id,
            "type": "reasoning",
            "summary": [{ "type": "summary_text", "text": text }],
        })
    }

    fn output_text_part(text: &str) -> Value {
        json!({ "type": "output_text", "annotations": [], "logprobs": [], "text": text })
    }

    fn message_item(&self) -> Value {
        json!({
            "id": self.message_item_id,
            "type": "message",
            "status": "completed",
            "role": "assistant",
            "content": [Self::output_text_part(&self.text)],
        })
    }

    fn call_item(call: &Call, status: &str, arguments: &str) -> Value {
        json!({
            "id": call.item_id,
            "type": "function_call",
            "status": status,
            "arguments": arguments,
            "call_id": call.call_id,
            "name": call.name,
        })
    }

    /// Every output item in its final form.
    fn output_items(&self) -> Vec<Value> {
        let mut items = Vec::new();
        if let Some(reasoning) = self.reasoning {
            items.push(self.reasoning_item(reasoning));
        }
        if self.has_message() {
            items.push(self.message_item());
        }
        items.extend(
            self.calls
                .iter()
                .map(|c| Self::call_item(c, "completed", c.arguments)),
        );
        items
    }

    /// The response object; `usage` and `output` are filled for a finished response only.
    fn response_with(
        &self,
        status: &str,
        details: Value,
        error: Value,
        output: Vec<Value>,
    ) -> Value {
        let finished = status == "completed" || status == "incomplete";
        let summary = if self.reasoning.is_some() {
            json!("auto")
        } else {
            Value::Null
        };
        let completed_at = if status == "completed" {
            Value::from(unix_now())
        } else {
            Value::Null
        };
        json!({
            "id": self.id,
            "object": "response",
            "created_at": self.created,
            "completed_at": completed_at,
            "status": status,
            "error": error,
            "incomplete_details": details,
            "instructions": null,
            "max_output_tokens": null,
            "model": self.exchange.model,
            "output": output,
            "parallel_tool_calls": true,
            "previous_response_id": null,
            "reasoning": { "effort": "medium", "summary": summary },
            "store": false,
            "temperature": 1.0,
            "text": { "format": { "type": "text" }, "verbosity": "medium" },
            "tool_choice": "auto",
            "tools": [],
            "top_p": 1.0,
            "truncation": "disabled",
            "usage": if finished { self.responses_usage() } else { Value::Null },
            "metadata": {},
        })
    }

    fn response_object(&self, (status, details): (&'static str, Value)) -> Value {
        self.response_with(status, details, Value::Null, self.output_items())
    }

    fn responses_stream(&self, script: &Script, em: &mut Emitter) {
        let in_progress = self.response_with("in_progress", Value::Null, Value::Null, Vec::new());
        let response = json!({ "response": in_progress });
        em.event(
            Ev::Plain,
            "response.created",
            &Value::Null,
            response.clone(),
        );
        em.event(Ev::Plain, "response.in_progress", &Value::Null, response);

        // With an error ending, the error replaces the closing events of the last item.
        let error = match &script.ending {
            Ending::ErrorInStream { code, message } => Some((code, message)),
            _ => None,
        };
        let item_count = usize::from(self.reasoning.is_some())
            + usize::from(self.has_message())
            + self.calls.len();
        let closes = |index: usize| error.is_none() || index + 1 < item_count;

        let mut index = 0;
        if let Some(reasoning) = self.reasoning {
            self.stream_reasoning(em, index, reasoning, closes(index));
            index += 1;
        }
        if self.has_message() {
            self.stream_message(em, index, closes(index));
            index += 1;
        }
        for call in &self.calls {
            Self::stream_call(em, index, call, closes(index));
            index += 1;
        }

        if let Some((code, message)) = error {
            // The nested shape recorded from OpenAI, then `response.failed`.
            let nested = json!({ "type": code, "code": code, "message": message, "param": null });
            em.event(
                Ev::Finish,
                "error",
                &Value::Null,
                json!({ "error": nested }),
            );
            let failed = self.response_with(
                "failed",
                Value::Null,
                json!({ "code": code, "message": message }),
                Vec::new(),
            );
            em.event(
                Ev::Finish,
                "response.failed",
                &Value::Null,
                json!({ "response": failed }),
            );
            return;
        }
        let (status, details) = self.terminal_status();
        let kind = if status == "completed" {
            "response.completed"
        } else {
            "response.incomplete"
        };
        let response = json!({ "response": self.response_object((status, details)) });
        em.event(Ev::Finish, kind, &Value::Null, response);
        if script.responses_done_sentinel && script.ending == Ending::Normal {
            em.push(Ev::Finish, None, "[DONE]");
        }
    }

    fn stream_reasoning(&self, em: &mut Emitter, index: usize, text: &str, close: bool) {
        let id = &self.reasoning_item_id;
        let item = json!({ "id": id, "type": "reasoning", "summary": [] });
        let at = json!({ "output_index": index });
        em.event(
            Ev::Plain,
            "response.output_item.added",
            &at,
            json!({ "item": item }),
        );
        let at = json!({ "item_id": id, "output_index": index, "summary_index": 0 });
        let part = json!({ "part": { "type": "summary_text", "text": "" } });
        em.event(
            Ev::Plain,
            "response.reasoning_summary_part.added",
            &at,
            part,
        );
        for token in tokenize(text) {
            let delta = json!({ "delta": token });
            em.event(
                Ev::Token,
                "response.reasoning_summary_text.delta",
                &at,
                delta,
            );
        }
        if !close {
            return;
        }
        let done = json!({ "text": text });
        em.event(Ev::Plain, "response.reasoning_summary_text.done", &at, done);
        let part = json!({ "part": { "type": "summary_text", "text": text } });
        em.event(Ev::Plain, "response.reasoning_summary_part.done", &at, part);
        let at = json!({ "output_index": index });
        let item = json!({ "item": self.reasoning_item(text) });
        em.event(Ev::Plain, "response.output_item.done", &at, item);
    }

    fn stream_message(&self, em: &mut Emitter, index: usize, close: bool) {
        let id = &self.message_item_id;
        let item = json!({
            "id": id,
            "type": "message",
            "status": "in_progress",
            "role": "assistant",
            "content": [],
        });
        let at = json!({ "output_index": index });
        em.event(
            Ev::Plain,
            "response.output_item.added",
            &at,
            json!({ "item": item }),
        );
        let at = json!({ "item_id": id, "output_index": index, "content_index": 0 });
        let part = json!({ "part": Self::output_text_part("") });
        em.event(Ev::Plain, "response.content_part.added", &at, part);
        for token in tokenize(&self.text) {
            let delta = json!({ "delta": token, "logprobs": [] });
            em.event(Ev::Token, "response.output_text.delta", &at, delta);
        }
        if !close {
            return;
        }
        let done = json!({ "text": self.text, "logprobs": [] });
        em.event(Ev::Plain, "response.output_text.done", &at, done);
        let part = json!({ "part": Self::output_text_part(&self.text) });
        em.event(Ev::Plain, "response.content_part.done", &at, part);
        let at = json!({ "output_index": index });
        em.event(
            Ev::Plain,
            "response.output_item.done",
            &at,
            json!({ "item": self.message_item() }),
        );
    }

    fn stream_call(em: &mut Emitter, index: usize, call: &Call, close: bool) {
        let at = json!({ "output_index": index });
        let item = json!({ "item": Self::call_item(call, "in_progress", "") });
        em.event(Ev::Plain, "response.output_item.added", &at, item);
        let at = json!({ "item_id": call.item_id, "output_index": index });
        for fragment in tokenize(call.arguments) {
            let delta = json!({ "delta": fragment });
            em.event(
                Ev::Token,
                "response.function_call_arguments.delta",
                &at,
                delta,
            );
        }
        if !close {
            return;
        }
        // Like recorded OpenAI traffic, the `.done` event carries no `name`.
        let done = json!({ "arguments": call.arguments });
        em.event(
            Ev::Plain,
            "response.function_call_arguments.done",
            &at,
            done,
        );
        let at = json!({ "output_index": index });
        let item = json!({ "item": Self::call_item(call, "completed", call.arguments) });
        em.event(Ev::Plain, "response.output_item.done", &at, item);
    }
}

/// The default reply: what the simulator heard, as a little markdown.
fn echo_text(exchange: &Exchange) -> String {
    let heard = if exchange.last_user_text.trim().is_empty() {
        "(no user text)"
    } else {
        exchange.last_user_text.as_str()
    };
    let unit = match exchange.endpoint {
        Endpoint::Chat => "messages",
        Endpoint::Responses => "input items",
    };
    let streamed = if exchange.stream { "yes" } else { "no" };
    format!(
        "**Simulator** heard: {heard}\n\n\
         - endpoint: `{}`\n\
         - model: `{}`\n\
         - {unit}: {}\n\
         - streamed: {streamed}\n",
        exchange.endpoint.path(),
        exchange.model,
        exchange.input_items,
    )
}
