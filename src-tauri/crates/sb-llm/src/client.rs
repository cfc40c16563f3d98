//! HTTP for the wire protocols: sends a request with the account's key, reads the streamed body
//! through the SSE framer and a protocol mapper, and yields [`ChatEvent`]s.
//!
//! Cancel by dropping: the returned stream owns the response body, so dropping it closes the
//! connection and the provider sees the client go away.

use std::collections::VecDeque;
use std::error::Error as _;
use std::time::Duration;

use bytes::Bytes;
use futures::stream::{BoxStream, Stream, StreamExt};
use reqwest::header::{ACCEPT, CONTENT_TYPE};
use sb_secrets::Secret;

use crate::chat_completions::{
    map_completion, ChatOptions, ChatRequest, ChatStreamMapper, Message,
};
use crate::error::{ErrorKind, LlmError};
use crate::event::ChatEvent;
use crate::mapper::StreamMapper;
use crate::params::Params;
use crate::responses::{map_response, ResponsesRequest, ResponsesStreamMapper};
use crate::retry::RetryPolicy;
use crate::sse::SseDecoder;

/// Where a request goes and the key that goes with it. The key is only ever put in the
/// `Authorization` header of a request to `base_url`.
#[derive(Debug, Clone, Copy)]
pub struct Endpoint<'a> {
    /// The account's base URL, e.g. `https://api.openai.com/v1` (paths are appended to it).
    pub base_url: &'a str,
    /// The account's API key.
    pub api_key: &'a Secret<String>,
    /// Extra headers the account sends with every request (validated when the account was
    /// saved; an invalid one is skipped rather than sent malformed).
    pub headers: &'a [(String, String)],
}

impl Endpoint<'_> {
    /// Adds the account's headers and its key (when there is one) to a request.
    pub fn authorize(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut request = request;
        for (name, value) in self.headers {
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_bytes()),
                reqwest::header::HeaderValue::from_str(value),
            ) {
                request = request.header(name, value);
            }
        }
        // A local server without a key gets no Authorization header at all.
        match self.api_key.expose().trim() {
            "" => request,
            key => request.bearer_auth(key),
        }
    }
}

/// Timing rules for one streamed request.
#[derive(Debug, Clone, Copy)]
pub struct StreamConfig {
    /// How long the stream may stay silent (before the headers, or between reads) before it
    /// fails as stalled.
    pub idle_timeout: Duration,
    /// When to retry a request that failed before its answer started.
    pub retry: RetryPolicy,
}

impl Default for StreamConfig {
    fn default() -> Self {
        Self {
            idle_timeout: Duration::from_secs(120),
            retry: RetryPolicy::default(),
        }
    }
}

/// The longest error body read from a failed response (a proxy's HTML page can be large).
const MAX_ERROR_BODY: usize = 64 * 1024;
/// The largest non-streamed answer accepted.
const MAX_JSON_BODY: usize = 32 * 1024 * 1024;

/// The redirect rule for provider requests: follow (up to 5) only within the account's origin,
/// allowing an upgrade from `http` to `https` on the same host and port. A redirect elsewhere is
/// refused, not followed: the key and the conversation go only to the host the user chose.
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        let next = attempt.url().clone();
        let hops = attempt.previous().len();
        let allowed = attempt
            .previous()
            .first()
            .is_none_or(|first| same_origin_or_upgrade(first, &next));
        if hops > 5 {
            attempt.error(RedirectRefused(format!(
                "too many redirects (last to {next})"
            )))
        } else if allowed {
            attempt.follow()
        } else {
            let host = next.host_str().unwrap_or_default().to_owned();
            attempt.error(RedirectRefused(format!(
                "the provider redirected to another host ({host}); Switchboard does not follow it, \
                 so your key and messages stay with the account's own address. Check the base URL"
            )))
        }
    })
}

/// Same scheme, host and port; or the same host moving from `http` to `https`.
fn same_origin_or_upgrade(from: &reqwest::Url, to: &reqwest::Url) -> bool {
    if from.host_str() != to.host_str() {
        return false;
    }
    let same_origin =
        from.scheme() == to.scheme() && from.port_or_known_default() == to.port_or_known_default();
    let upgrade = from.scheme() == "http" && to.scheme() == "https";
    same_origin || upgrade
}

/// Why a redirect was not followed.
#[derive(Debug)]
struct RedirectRefused(String);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RedirectRefused {}

/// Joins the account's base URL and an endpoint path (`/chat/completions`).
pub fn endpoint_url(base_url: &str, path: &str) -> Result<reqwest::Url, LlmError> {
    let joined = format!("{}{path}", base_url.trim_end_matches('/'));
    let url = reqwest::Url::parse(&joined).map_err(|e| {
        LlmError::new(
            ErrorKind::BadRequest,
            format!("The base URL {base_url:?} is not a valid URL ({e})."),
        )
    })?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(LlmError::new(
            ErrorKind::BadRequest,
            format!("The base URL must start with http:// or https://, not {other}://."),
        )),
    }
}

/// Which wire protocol an account speaks for a model.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Api {
    /// `POST /chat/completions`.
    #[default]
    #[serde(rename = "chat")]
    ChatCompletions,
    /// `POST /responses`.
    #[serde(rename = "responses")]
    Responses,
}

/// One answer to ask for, protocol-neutral.
#[derive(Debug, Clone, Copy)]
pub struct AnswerRequest<'a> {
    /// The provider's model ID.
    pub model: &'a str,
    /// The conversation, ending with the user's new message.
    pub messages: &'a [Message],
    /// Generation parameters (already validated).
    pub params: &'a Params,
    /// How this account writes chat requests.
    pub chat: ChatOptions,
    /// Ask for a streamed answer (`false`: one JSON body, mapped to the same events).
    pub stream: bool,
    /// Responses API: continue from this stored response instead of resending the history
    /// (`messages` then holds only what is new).
    pub previous_response_id: Option<&'a str>,
}

/// Streams an answer over the given protocol.
pub fn stream_answer(
    http: &reqwest::Client,
    endpoint: Endpoint<'_>,
    api: Api,
    request: AnswerRequest<'_>,
    config: StreamConfig,
) -> BoxStream<'static, Result<ChatEvent, LlmError>> {
    match api {
        Api::ChatCompletions => {
            let body = ChatRequest::new(
                request.model,
                request.messages,
                request.params,
                request.chat,
                request.stream,
            );
            stream_chat(http, endpoint, &body, config).boxed()
        }
        Api::Responses => {
            let mut body = ResponsesRequest::from_chat(
                request.model,
                request.messages,
                request.params,
                request.stream,
            );
            body.previous_response_id = request.previous_response_id.map(str::to_owned);
            stream_responses(http, endpoint, &body, config).boxed()
        }
    }
}

/// Streams a chat completion. Events arrive as the provider sends them; the stream ends after
/// the answer is complete or with one `Err` that says why it is not.
pub fn stream_chat(
    http: &reqwest::Client,
    endpoint: Endpoint<'_>,
    request: &ChatRequest,
    config: StreamConfig,
) -> impl Stream<Item = Result<ChatEvent, LlmError>> + Send + 'static {
    stream_protocol(
        http,
        endpoint,
        "/chat/completions",
        request,
        Protocol {
            mapper: ChatStreamMapper::new(),
            map_body: map_completion,
        },
        config,
    )
}

/// Streams a Responses API answer, like [`stream_chat`].
pub fn stream_responses(
    http: &reqwest::Client,
    endpoint: Endpoint<'_>,
    request: &ResponsesRequest,
    config: StreamConfig,
) -> impl Stream<Item = Result<ChatEvent, LlmError>> + Send + 'static {
    stream_protocol(
        http,
        endpoint,
        "/responses",
        request,
        Protocol {
            mapper: ResponsesStreamMapper::new(),
            map_body: map_response,
        },
        config,
    )
}

/// How one wire protocol reads its answers: a stream mapper for SSE, and a function for a whole
/// JSON body (a non-streamed answer, or a server that ignored `stream: true`).
struct Protocol<M> {
    mapper: M,
    map_body: fn(&str) -> Result<Vec<ChatEvent>, LlmError>,
}

fn stream_protocol<M: StreamMapper>(
    http: &reqwest::Client,
    endpoint: Endpoint<'_>,
    path: &str,
    body: &impl serde::Serialize,
    protocol: Protocol<M>,
    config: StreamConfig,
) -> impl Stream<Item = Result<ChatEvent, LlmError>> + Send + 'static {
    let prepared = endpoint_url(endpoint.base_url, path).map(|url| {
        endpoint.authorize(
            http.post(url)
                .header(ACCEPT, "text/event-stream")
                .json(body),
        )
    });
    let state = match prepared {
        Ok(builder) => State::Pending(Box::new(builder), protocol),
        Err(error) => State::Draining(VecDeque::from([Err(error)])),
    };
    futures::stream::unfold(state, move |state| next(state, config))
}

enum State<M> {
    Pending(Box<reqwest::RequestBuilder>, Protocol<M>),
    Streaming(Box<Body<M>>),
    Draining(VecDeque<Result<ChatEvent, LlmError>>),
}

struct Body<M> {
    bytes: BoxStream<'static, reqwest::Result<Bytes>>,
    decoder: SseDecoder,
    mapper: M,
    queue: VecDeque<Result<ChatEvent, LlmError>>,
    ended: bool,
}

async fn next<M: StreamMapper>(
    mut state: State<M>,
    config: StreamConfig,
) -> Option<(Result<ChatEvent, LlmError>, State<M>)> {
    loop {
        state = match state {
            State::Pending(builder, protocol) => match open(*builder, protocol, config).await {
                Ok(opened) => opened,
                Err(error) => return Some((Err(error), State::Draining(VecDeque::new()))),
            },
            State::Draining(mut queue) => {
                let item = queue.pop_front()?;
                return Some((item, State::Draining(queue)));
            }
            State::Streaming(mut body) => {
                if let Some(item) = body.queue.pop_front() {
                    return Some((item, State::Streaming(body)));
                }
                if body.ended {
                    return None;
                }
                body.read(config.idle_timeout).await;
                State::Streaming(body)
            }
        };
    }
}

async fn open<M: StreamMapper>(
    builder: reqwest::RequestBuilder,
    protocol: Protocol<M>,
    config: StreamConfig,
) -> Result<State<M>, LlmError> {
    let idle = config.idle_timeout;
    // Retrying happens only here, before any of the answer was read: never after a token.
    let mut retry = 0;
    let response = loop {
        let attempt = builder.try_clone().ok_or_else(|| {
            LlmError::new(
                ErrorKind::Protocol,
                "The request body cannot be sent twice.",
            )
        })?;
        match send(attempt, idle).await {
            Ok(response) => break response,
            Err(error) => match config.retry.delay(retry, &error) {
                Some(wait) => {
                    tokio::time::sleep(wait).await;
                    retry += 1;
                }
                None => return Err(error),
            },
        }
    };
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim_start().starts_with("application/json"));
    if is_json {
        // A server that ignored `stream: true`, or an error object with status 200.
        let body = read_limited(response, MAX_JSON_BODY, idle).await?;
        let queue = match (protocol.map_body)(&String::from_utf8_lossy(&body)) {
            Ok(events) => events.into_iter().map(Ok).collect(),
            Err(error) => VecDeque::from([Err(error)]),
        };
        return Ok(State::Draining(queue));
    }
    Ok(State::Streaming(Box::new(Body {
        bytes: response.bytes_stream().boxed(),
        decoder: SseDecoder::new(),
        mapper: protocol.mapper,
        queue: VecDeque::new(),
        ended: false,
    })))
}

impl<M: StreamMapper> Body<M> {
    /// Reads once from the network and queues what it completes.
    async fn read(&mut self, idle: Duration) {
        match tokio::time::timeout(idle, self.bytes.next()).await {
            Err(_) => self.fail(stalled(idle)),
            Ok(Some(Err(error))) => self.fail(network_error(&error)),
            Ok(Some(Ok(bytes))) => match self.decoder.push(&bytes) {
                Ok(events) => {
                    for event in events {
                        self.map(&event.data, false);
                        if self.ended {
                            return;
                        }
                    }
                }
                Err(error) => self.fail(LlmError::new(ErrorKind::Protocol, error.to_string())),
            },
            Ok(None) => {
                match self.decoder.finish() {
                    Ok(Some(event)) => self.map(&event.data, true),
                    Ok(None) => {}
                    Err(error) => self.fail(LlmError::new(ErrorKind::Protocol, error.to_string())),
                }
                if !self.ended {
                    let last = self.mapper.finish();
                    self.queue.extend(last.events.into_iter().map(Ok));
                    if let Some(error) = last.error {
                        self.queue.push_back(Err(error));
                    }
                    self.ended = true;
                }
            }
        }
    }

    /// Maps one payload. `at_eof`: the payload was not closed by a blank line, so a parse
    /// failure means a truncated last event, which the completeness check reports instead.
    fn map(&mut self, data: &str, at_eof: bool) {
        let chunk = self.mapper.map(data);
        self.queue.extend(chunk.events.into_iter().map(Ok));
        match chunk.error {
            Some(error) if at_eof && error.kind == ErrorKind::Protocol => {}
            Some(error) => self.fail(error),
            None => self.ended |= self.mapper.is_done(),
        }
    }

    fn fail(&mut self, error: LlmError) {
        self.queue.push_back(Err(error));
        self.ended = true;
    }
}

/// Sends once; a non-success status becomes a classified error with the provider's message.
async fn send(
    builder: reqwest::RequestBuilder,
    idle: Duration,
) -> Result<reqwest::Response, LlmError> {
    let response = match tokio::time::timeout(idle, builder.send()).await {
        Err(_) => return Err(stalled(idle)),
        Ok(Err(error)) => return Err(network_error(&error)),
        Ok(Ok(response)) => response,
    };
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let headers = response.headers().clone();
    let body = read_limited(response, MAX_ERROR_BODY, idle)
        .await
        .unwrap_or_default();
    Err(LlmError::from_http(
        status.as_u16(),
        &headers,
        &String::from_utf8_lossy(&body),
    ))
}

async fn read_limited(
    response: reqwest::Response,
    limit: usize,
    idle: Duration,
) -> Result<Vec<u8>, LlmError> {
    let mut body = Vec::new();
    let mut stream = response.bytes_stream();
    loop {
        match tokio::time::timeout(idle, stream.next()).await {
            Err(_) => return Err(stalled(idle)),
            Ok(None) => return Ok(body),
            Ok(Some(Err(error))) => return Err(network_error(&error)),
            Ok(Some(Ok(bytes))) => {
                if body.len() + bytes.len() > limit {
                    return Err(LlmError::new(
                        ErrorKind::Protocol,
                        format!("The provider's answer is larger than {limit} bytes."),
                    ));
                }
                body.extend_from_slice(&bytes);
            }
        }
    }
}

fn stalled(idle: Duration) -> LlmError {
    LlmError::new(
        ErrorKind::Stalled,
        format!(
            "The provider stopped sending: nothing arrived for {} seconds.",
            idle.as_secs()
        ),
    )
}

/// A readable message for a transport failure, with the root cause (connection refused, DNS
/// failure, TLS...) that reqwest keeps in its source chain.
fn network_error(error: &reqwest::Error) -> LlmError {
    let host = error
        .url()
        .map(|u| {
            let mut host = u.host_str().unwrap_or_default().to_owned();
            if let Some(port) = u.port() {
                host = format!("{host}:{port}");
            }
            host
        })
        .unwrap_or_else(|| "the provider".to_owned());
    let mut cause = String::new();
    let mut source = error.source();
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    if cause.is_empty() {
        cause = error.to_string();
    }
    if error.is_redirect() {
        // A refused redirect is a decision, not a glitch: retrying cannot change it.
        return LlmError::new(
            ErrorKind::Protocol,
            format!("Switchboard stopped at {host}: {cause}."),
        );
    }
    let action = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "lost the connection"
    };
    LlmError::new(
        ErrorKind::Network,
        format!("Switchboard {action} to {host}: {cause}."),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> reqwest::Url {
        reqwest::Url::parse(text).expect("test URL")
    }

    #[test]
    fn redirects_stay_within_the_accounts_origin() {
        let from = url("http://api.example.com/v1/chat/completions");
        assert!(same_origin_or_upgrade(
            &from,
            &url("http://api.example.com/v2/chat/completions")
        ));
        assert!(
            same_origin_or_upgrade(&from, &url("https://api.example.com/v1/chat/completions")),
            "an upgrade to https on the same host is safe"
        );
        let secure = url("https://api.example.com/v1");
        assert!(
            !same_origin_or_upgrade(&secure, &url("http://api.example.com/v1")),
            "never downgrade to plain http"
        );
        assert!(!same_origin_or_upgrade(
            &from,
            &url("http://evil.example.net/v1")
        ));
        assert!(
            !same_origin_or_upgrade(
                &url("http://127.0.0.1:8080/v1"),
                &url("http://127.0.0.1:9090/v1")
            ),
            "another port is another origin"
        );
    }
}
