//! Scripts: what the simulator answers to one request, built with chained methods.

use std::time::Duration;

use hyper::header::{HeaderName, HeaderValue};
use hyper::StatusCode;
use serde_json::{json, Value};

/// How long [`Ending::StallAfter`] keeps a connection silent before cutting it.
pub const STALL_DURATION: Duration = Duration::from_secs(600);

/// Which non-standard delta field carries the reasoning text on `/v1/chat/completions`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReasoningField {
    /// `reasoning_content` (DeepSeek, StarMagic's `gpt-5.1-thinking`, many aggregators).
    #[default]
    ReasoningContent,
    /// `reasoning` (OpenRouter, vLLM, Ollama).
    Reasoning,
}

impl ReasoningField {
    pub(crate) fn key(self) -> &'static str {
        match self {
            Self::ReasoningContent => "reasoning_content",
            Self::Reasoning => "reasoning",
        }
    }
}

/// How a reply ends.
///
/// "Token events" are the events carrying generated output, one per [`tokenize`](crate::tokenize)
/// piece: reasoning, text and tool-call argument deltas, plus on chat the first fragment of each
/// tool call (it carries the name). They are what [`Script::tokens_per_second`] paces.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Ending {
    /// Finish event, usage, then `data: [DONE]` on chat (on responses only with
    /// [`Script::responses_done_sentinel`]).
    #[default]
    Normal,
    /// Like `Normal` but without the `[DONE]` sentinel.
    NoDone,
    /// After all the output, chat sends `data: {"error":{"code","message"}}` and ends the body
    /// (no finish chunk, no `[DONE]`); responses sends an `error` event then `response.failed`.
    /// A non-streamed request gets status 200 with the error body.
    ErrorInStream {
        /// `error.code`.
        code: String,
        /// `error.message`.
        message: String,
    },
    /// Cut the connection right after this many token events (0: after the opening events),
    /// without any finish event. A non-streamed request is cut before any response.
    /// The outcome becomes [`Outcome::ServerDisconnected`](crate::Outcome::ServerDisconnected).
    DisconnectAfter(usize),
    /// Send this many token events, then nothing for [`STALL_DURATION`] (or until the client
    /// goes away), then cut the connection. A non-streamed request gets its status and headers,
    /// then a body that never comes.
    StallAfter(usize),
}

/// What kind of answer a script gives.
#[derive(Clone, Debug)]
pub(crate) enum Kind {
    /// A model reply, streamed or not depending on the request.
    Reply(ReplyText),
    /// A fixed status and JSON body.
    Status { status: StatusCode, body: Value },
    /// Close the connection without any response.
    DisconnectBeforeResponse,
}

/// Where the reply text comes from.
#[derive(Clone, Debug)]
pub(crate) enum ReplyText {
    Fixed(String),
    /// A markdown echo of the request's last user message.
    Echo,
}

/// One scripted function call.
#[derive(Clone, Debug)]
pub(crate) struct ToolCall {
    pub(crate) name: String,
    pub(crate) arguments: String,
}

/// What the simulator answers to one request on `/v1/chat/completions` or `/v1/responses`.
///
/// The request decides the shape: the endpoint's format, streamed (SSE) if the body has
/// `"stream": true`, a plain JSON body otherwise. Options that only make sense for a reply
/// ([`reasoning`](Self::reasoning), [`tool_call`](Self::tool_call), pacing, endings) are
/// ignored by [`status`](Self::status) and
/// [`disconnect_before_response`](Self::disconnect_before_response) scripts;
/// [`header`](Self::header), [`chunk_bytes`](Self::chunk_bytes) and [`seed`](Self::seed) apply
/// to any body.
///
/// ```
/// use sb_sim::{Ending, Script};
/// let script = Script::reply("Hello 👋 world")
///     .reasoning("Greeting the user.")
///     .tokens_per_second(50.0)
///     .chunk_bytes(1, 3)
///     .ending(Ending::DisconnectAfter(2));
/// # let _ = script;
/// ```
#[derive(Clone, Debug)]
pub struct Script {
    pub(crate) kind: Kind,
    pub(crate) reasoning: Option<String>,
    pub(crate) reasoning_field: ReasoningField,
    pub(crate) tool_calls: Vec<ToolCall>,
    pub(crate) tokens_per_second: Option<f64>,
    pub(crate) chunk_bytes: Option<(usize, usize)>,
    pub(crate) seed: u64,
    pub(crate) finish_reason: Option<String>,
    pub(crate) usage: Option<(u64, u64)>,
    pub(crate) event_lines: bool,
    pub(crate) crlf: bool,
    pub(crate) ending: Ending,
    pub(crate) responses_done_sentinel: bool,
    pub(crate) headers: Vec<(HeaderName, HeaderValue)>,
}

impl Script {
    fn new(kind: Kind) -> Self {
        Self {
            kind,
            reasoning: None,
            reasoning_field: ReasoningField::default(),
            tool_calls: Vec::new(),
            tokens_per_second: None,
            chunk_bytes: None,
            seed: 0,
            finish_reason: None,
            usage: None,
            event_lines: true,
            crlf: false,
            ending: Ending::Normal,
            responses_done_sentinel: false,
            headers: Vec::new(),
        }
    }

    /// A reply with this answer text, sent as one event per [`tokenize`](crate::tokenize)
    /// token when streamed.
    pub fn reply(text: impl Into<String>) -> Self {
        Self::new(Kind::Reply(ReplyText::Fixed(text.into())))
    }

    /// The reply used when no script applies: `**Simulator** heard: <last user text>` and a
    /// short markdown list about the request. All reply options can be added to it.
    pub fn echo() -> Self {
        Self::new(Kind::Reply(ReplyText::Echo))
    }

    /// Answers with this HTTP status and JSON body.
    ///
    /// # Panics
    ///
    /// If `code` is not a valid HTTP status code (100..=999).
    pub fn status(code: u16, body: Value) -> Self {
        let status = StatusCode::from_u16(code)
            .unwrap_or_else(|_| panic!("Script::status: {code} is not an HTTP status code"));
        Self::new(Kind::Status { status, body })
    }

    /// 429 with a `retry-after` header and a `rate_limit_exceeded` error body.
    pub fn rate_limited(retry_after_secs: u64) -> Self {
        let message =
            format!("Rate limit reached for requests. Please try again in {retry_after_secs}s.");
        Self::status(429, error_body("rate_limit_exceeded", &message))
            .header("retry-after", &retry_after_secs.to_string())
    }

    /// 500 with a `server_error` error body.
    pub fn server_error() -> Self {
        Self::status(
            500,
            error_body(
                "server_error",
                "The server had an error while processing your request. Sorry about that!",
            ),
        )
    }

    /// 401 with the same body as a rejected API key.
    pub fn auth_error() -> Self {
        Self::status(401, error_body("invalid_api_key", INVALID_API_KEY_MESSAGE))
    }

    /// Reads the request, then closes the connection without sending any response byte.
    /// The outcome becomes `ServerDisconnected { bytes_sent: 0 }`.
    pub fn disconnect_before_response() -> Self {
        Self::new(Kind::DisconnectBeforeResponse)
    }

    /// Reasoning text, streamed before the answer (chat: in the delta field chosen by
    /// [`reasoning_field`](Self::reasoning_field); responses: a reasoning item with
    /// reasoning-summary events).
    pub fn reasoning(mut self, text: impl Into<String>) -> Self {
        self.reasoning = Some(text.into());
        self
    }

    /// The chat delta field for reasoning (default `reasoning_content`).
    pub fn reasoning_field(mut self, field: ReasoningField) -> Self {
        self.reasoning_field = field;
        self
    }

    /// Adds a function call after the text (may be repeated for parallel calls). The default
    /// finish reason becomes `tool_calls`. `arguments_json` is sent as is, split into several
    /// fragments; it does not have to be valid JSON.
    pub fn tool_call(mut self, name: impl Into<String>, arguments_json: impl Into<String>) -> Self {
        self.tool_calls.push(ToolCall {
            name: name.into(),
            arguments: arguments_json.into(),
        });
        self
    }

    /// Paces a stream: waits `1 / tokens_per_second` before each token event (see [`Ending`]).
    ///
    /// # Panics
    ///
    /// If the rate is not a positive finite number.
    pub fn tokens_per_second(mut self, tokens_per_second: f64) -> Self {
        assert!(
            tokens_per_second.is_finite() && tokens_per_second > 0.0,
            "Script::tokens_per_second: {tokens_per_second} is not a positive rate"
        );
        self.tokens_per_second = Some(tokens_per_second);
        self
    }

    /// Re-splits the HTTP body into random pieces of `min..=max` bytes, each flushed on its
    /// own, so the client sees read boundaries anywhere (inside UTF-8 characters, inside
    /// `\n\n`). The split is reproducible for a given [`seed`](Self::seed).
    ///
    /// # Panics
    ///
    /// If `min` is 0 or `max < min`.
    pub fn chunk_bytes(mut self, min: usize, max: usize) -> Self {
        assert!(
            min >= 1 && max >= min,
            "Script::chunk_bytes: need 1 <= min <= max"
        );
        self.chunk_bytes = Some((min, max));
        self
    }

    /// Seed for [`chunk_bytes`](Self::chunk_bytes) (default 0).
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// The finish reason (default `stop`, or `tool_calls` with tool calls). On responses,
    /// `length` and `content_filter` end with `response.incomplete` instead of
    /// `response.completed`.
    pub fn finish_reason(mut self, reason: impl Into<String>) -> Self {
        self.finish_reason = Some(reason.into());
        self
    }

    /// Reported usage (default: estimated from the request and the reply).
    pub fn usage(mut self, prompt_tokens: u64, completion_tokens: u64) -> Self {
        self.usage = Some((prompt_tokens, completion_tokens));
        self
    }

    /// Responses streams: whether each event has an `event: <type>` line (default true).
    pub fn event_lines(mut self, on: bool) -> Self {
        self.event_lines = on;
        self
    }

    /// Ends SSE lines with `\r\n` instead of `\n`.
    pub fn crlf(mut self, on: bool) -> Self {
        self.crlf = on;
        self
    }

    /// How the reply ends (default [`Ending::Normal`]).
    pub fn ending(mut self, ending: Ending) -> Self {
        self.ending = ending;
        self
    }

    /// Responses streams: send `data: [DONE]` after the terminal event, as some gateways do
    /// (OpenAI does not).
    pub fn responses_done_sentinel(mut self, on: bool) -> Self {
        self.responses_done_sentinel = on;
        self
    }

    /// Adds a response header. It replaces a default header of the same name (such as
    /// `content-type`); adding a name twice sends both values.
    ///
    /// # Panics
    ///
    /// If the name or value is not valid in an HTTP header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let name = HeaderName::from_bytes(name.as_bytes())
            .unwrap_or_else(|_| panic!("Script::header: invalid header name {name:?}"));
        let value = HeaderValue::from_str(value)
            .unwrap_or_else(|_| panic!("Script::header: invalid value {value:?} for {name}"));
        self.headers.push((name, value));
        self
    }
}

/// Message of the 401 answer to a missing or wrong API key.
pub(crate) const INVALID_API_KEY_MESSAGE: &str = "Incorrect API key provided";

/// The seed providers' error body: `{"error":{"code":...,"message":...}}`.
pub fn error_body(code: &str, message: &str) -> Value {
    json!({ "error": { "code": code, "message": message } })
}

/// Splits text into the pieces the simulator streams as "tokens": each piece is the leading
/// whitespace plus a word, and words longer than 6 characters are cut into runs of 4
/// characters. Pieces never split a UTF-8 character and concatenate back to `text`.
pub fn tokenize(text: &str) -> Vec<&str> {
    const WHOLE_WORD_MAX_CHARS: usize = 6;
    const PIECE_CHARS: usize = 4;

    let mut tokens = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_start = rest
            .find(|c: char| !c.is_whitespace())
            .unwrap_or(rest.len());
        let word = &rest[word_start..];
        let word = &word[..word.find(char::is_whitespace).unwrap_or(word.len())];
        let take = if word.chars().count() <= WHOLE_WORD_MAX_CHARS {
            word.len()
        } else {
            word.char_indices()
                .nth(PIECE_CHARS)
                .map_or(word.len(), |(i, _)| i)
        };
        let (token, tail) = rest.split_at(word_start + take);
        tokens.push(token);
        rest = tail;
    }
    tokens
}
