//! The HTTP server: connections, routing, auth, validation, script choice and recording.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde_json::{json, Map, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{oneshot, watch, Notify};
use tokio::task::{JoinHandle, JoinSet};

use crate::body::{Outcome, OutcomeCell, SimBody};
use crate::script::{error_body, Script, INVALID_API_KEY_MESSAGE};
use crate::wire::{render, Answer, Endpoint, Exchange};

/// Models listed by `GET /v1/models` when [`SimConfig::models`] is empty: the model ids of the
/// seed providers (Starrise, AI/ML API, StarMagic).
pub const DEFAULT_MODELS: &[&str] = &[
    "gpt-5.1-codex-mini",
    "openai/gpt-5-1-codex-mini",
    "openai/gpt-5-1-codex",
    "gpt-5.1",
    "gpt-5.1-chat",
    "gpt-5.1-thinking",
    "gpt-5.2",
];

/// How a [`Simulator`] is set up.
#[derive(Clone, Debug, Default)]
pub struct SimConfig {
    /// Port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Accepted bearer keys; empty accepts any non-empty key.
    pub api_keys: Vec<String>,
    /// Models listed by `/v1/models`. Empty lists [`DEFAULT_MODELS`] and accepts any model;
    /// otherwise requests for other models get 404 `model_not_found`.
    pub models: Vec<String>,
}

/// One request as the simulator received it, with the fate of its response.
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// HTTP method, e.g. `POST`.
    pub method: String,
    /// Path without the query, e.g. `/v1/chat/completions`.
    pub path: String,
    /// Headers in arrival order, names in lower case.
    pub headers: Vec<(String, String)>,
    /// The body parsed as JSON, `Null` if it is not JSON.
    pub body: Value,
    /// The body as text (invalid UTF-8 replaced).
    pub raw_body: String,
    outcome: OutcomeCell,
}

impl RecordedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// What has become of the response so far.
    pub fn outcome(&self) -> Outcome {
        self.outcome.get()
    }

    /// Waits until the outcome is no longer [`Outcome::Pending`]; returns the current outcome
    /// (possibly still `Pending`) at the timeout.
    pub async fn wait_outcome(&self, timeout: Duration) -> Outcome {
        self.outcome.wait(timeout).await
    }
}

/// Which script answers the next generation request.
#[derive(Debug)]
struct Scripts {
    /// (text, script): requests whose last user message starts with the text, before the queue.
    by_prompt: Vec<(String, Script)>,
    queue: VecDeque<Script>,
    by_model: HashMap<String, Script>,
    default: Script,
}

#[derive(Debug)]
struct Shared {
    api_keys: Vec<String>,
    /// Listed by `/v1/models`.
    models: Vec<String>,
    /// Whether models outside `models` are rejected.
    restrict_models: bool,
    scripts: Mutex<Scripts>,
    /// Files served on `GET path` without a key (pictures an answer links to).
    files: Mutex<HashMap<String, (HeaderValue, Bytes)>>,
    requests: watch::Sender<Vec<RecordedRequest>>,
}

/// A provider simulator listening on 127.0.0.1. Dropping it stops the server too;
/// [`shutdown`](Self::shutdown) also waits for that.
pub struct Simulator {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Simulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Simulator")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds 127.0.0.1:`config.port` and starts serving in the background.
    pub async fn start(config: SimConfig) -> std::io::Result<Simulator> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, config.port)).await?;
        let addr = listener.local_addr()?;
        let restrict_models = !config.models.is_empty();
        let models = if restrict_models {
            config.models
        } else {
            DEFAULT_MODELS.iter().map(|m| (*m).to_owned()).collect()
        };
        let shared = Arc::new(Shared {
            api_keys: config.api_keys,
            models,
            restrict_models,
            scripts: Mutex::new(Scripts {
                by_prompt: Vec::new(),
                queue: VecDeque::new(),
                by_model: HashMap::new(),
                default: Script::echo(),
            }),
            files: Mutex::default(),
            requests: watch::Sender::new(Vec::new()),
        });
        let (stop, stopped) = oneshot::channel();
        let task = tokio::spawn(accept_loop(listener, Arc::clone(&shared), stopped));
        Ok(Simulator {
            addr,
            shared,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The listening address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to give a client: `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// Queues a script: the next valid chat or responses request uses it, whatever its model.
    /// Scripts are used in the order they were pushed.
    pub fn push(&self, script: Script) {
        self.shared.scripts().queue.push_back(script);
    }

    /// Answers every request whose last user message starts with `prefix` with `script`,
    /// without touching the queue: for side requests a client makes on its own (a title for a
    /// new conversation, say), so they cannot take a script meant for the next question.
    /// A later call with the same prefix replaces the earlier script.
    pub fn answer_prompt(&self, prefix: &str, script: Script) {
        let mut scripts = self.shared.scripts();
        scripts.by_prompt.retain(|(known, _)| known != prefix);
        scripts.by_prompt.push((prefix.to_owned(), script));
    }

    /// Answers every request naming `model` with `script` while the queue is empty.
    pub fn set_model_script(&self, model: &str, script: Script) {
        self.shared
            .scripts()
            .by_model
            .insert(model.to_owned(), script);
    }

    /// Replaces the script used when the queue is empty and no model script matches
    /// (default [`Script::echo`]).
    pub fn set_default_script(&self, script: Script) {
        self.shared.scripts().default = script;
    }

    /// Serves `body` with `content_type` on `GET path` (no key needed), as a web server
    /// hosting an image an answer links to would. Returns the file's URL.
    pub fn serve_file(&self, path: &str, content_type: &str, body: impl Into<Bytes>) -> String {
        let content_type = HeaderValue::from_str(content_type).expect("a valid content type");
        self.shared
            .files
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(path.to_owned(), (content_type, body.into()));
        format!("http://{}{path}", self.addr)
    }

    /// Every request so far, in arrival order, including `/v1/models` and rejected ones.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests.borrow().clone()
    }

    /// Waits until at least `n` requests were recorded or `timeout` passed, then returns all
    /// recorded requests (check the length: it is below `n` after a timeout).
    pub async fn wait_for_requests(&self, n: usize, timeout: Duration) -> Vec<RecordedRequest> {
        let mut rx = self.shared.requests.subscribe();
        // The sender lives in `self`, so the wait ends only by success or timeout.
        let _ = tokio::time::timeout(timeout, rx.wait_for(|requests| requests.len() >= n)).await;
        self.requests()
    }

    /// Stops accepting, closes every open connection and waits for the server task.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        // Dropping the sender wakes the accept loop, which then closes all connections.
        self.stop.take();
    }
}

impl Shared {
    fn scripts(&self) -> std::sync::MutexGuard<'_, Scripts> {
        // A panic while holding this lock cannot leave the scripts half-updated.
        self.scripts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn record(&self, request: RecordedRequest) {
        self.requests.send_modify(|requests| requests.push(request));
    }

    fn authorized(&self, headers: &HeaderMap) -> bool {
        let Some(value) = headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) else {
            return false;
        };
        let Some((scheme, key)) = value.trim().split_once(' ') else {
            return false;
        };
        let key = key.trim();
        scheme.eq_ignore_ascii_case("bearer")
            && !key.is_empty()
            && (self.api_keys.is_empty() || self.api_keys.iter().any(|k| k == key))
    }

    /// Decides the answer to a request whose body was read and parsed (`None`: not JSON).
    fn answer(
        &self,
        method: &Method,
        path: &str,
        headers: &HeaderMap,
        body: Option<Value>,
    ) -> Answer {
        if method == Method::GET {
            let files = self.files.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((content_type, body)) = files.get(path) {
                return Answer::file(content_type.clone(), body.clone());
            }
        }
        let endpoint = match (method, path) {
            (&Method::GET, "/v1/models") => None,
            (&Method::POST, "/v1/chat/completions") => Some(Endpoint::Chat),
            (&Method::POST, "/v1/responses") => Some(Endpoint::Responses),
            (_, "/v1/models" | "/v1/chat/completions" | "/v1/responses") => {
                let message = format!("Method {method} is not allowed on {path}.");
                return error(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    &message,
                );
            }
            _ => {
                let message = format!("Unknown request URL: {method} {path}.");
                return error(StatusCode::NOT_FOUND, "unknown_url", &message);
            }
        };
        if !self.authorized(headers) {
            return error(
                StatusCode::UNAUTHORIZED,
                "invalid_api_key",
                INVALID_API_KEY_MESSAGE,
            );
        }
        let Some(endpoint) = endpoint else {
            return Answer::json(StatusCode::OK, &self.model_list());
        };
        let exchange = match self.validate(endpoint, body) {
            Ok(exchange) => exchange,
            Err(rejection) => return rejection.answer(),
        };
        let script = self.pick_script(&exchange.model, &exchange.last_user_text);
        render(&script, &exchange)
    }

    fn model_list(&self) -> Value {
        let data: Vec<Value> = self
            .models
            .iter()
            .map(|id| {
                let created = 1_762_800_000;
                json!({ "id": id, "object": "model", "created": created, "owned_by": "system" })
            })
            .collect();
        json!({ "object": "list", "data": data })
    }

    /// Checks a generation request the way the seed providers do, and extracts what the
    /// reply needs.
    fn validate(&self, endpoint: Endpoint, body: Option<Value>) -> Result<Exchange, Rejection> {
        let bad = |code, message: &str| Rejection::new(StatusCode::BAD_REQUEST, code, message);
        let body = match body {
            Some(Value::Object(body)) => body,
            Some(_) => {
                return Err(bad(
                    "invalid_request",
                    "The request body must be a JSON object.",
                ))
            }
            None => {
                return Err(bad(
                    "invalid_json",
                    "We could not parse the JSON body of your request.",
                ))
            }
        };
        let model = match required(&body, "model")? {
            Value::String(model) if !model.is_empty() => model.clone(),
            _ => {
                return Err(bad(
                    "invalid_type",
                    "Invalid value for 'model': expected a non-empty string.",
                ))
            }
        };
        let items_key = match endpoint {
            Endpoint::Chat => "messages",
            Endpoint::Responses => "input",
        };
        let items = required(&body, items_key)?;
        let input_items = match items {
            Value::Array(items) if !items.is_empty() => items.len(),
            Value::String(_) if endpoint == Endpoint::Responses => 1,
            _ => {
                let expected = match endpoint {
                    Endpoint::Chat => "a non-empty array of messages",
                    Endpoint::Responses => "a string or a non-empty array of input items",
                };
                let message = format!("Invalid value for '{items_key}': expected {expected}.");
                return Err(bad("invalid_value", &message));
            }
        };
        if self.restrict_models && !self.models.contains(&model) {
            let message =
                format!("The model `{model}` does not exist or you do not have access to it.");
            return Err(Rejection::new(
                StatusCode::NOT_FOUND,
                "model_not_found",
                &message,
            ));
        }
        let flag = |value: Option<&Value>| value.and_then(Value::as_bool).unwrap_or(false);
        Ok(Exchange {
            endpoint,
            stream: flag(body.get("stream")),
            include_usage: flag(
                body.get("stream_options")
                    .and_then(|o| o.get("include_usage")),
            ),
            // Roughly 4 bytes of JSON per token.
            prompt_tokens: (items.to_string().len() as u64 / 4).max(1),
            last_user_text: last_user_text(items),
            input_items,
            model,
        })
    }

    fn pick_script(&self, model: &str, last_user_text: &str) -> Script {
        let mut scripts = self.scripts();
        if let Some((_, script)) = scripts
            .by_prompt
            .iter()
            .find(|(prefix, _)| last_user_text.starts_with(prefix.as_str()))
        {
            return script.clone();
        }
        if let Some(script) = scripts.queue.pop_front() {
            return script;
        }
        scripts
            .by_model
            .get(model)
            .unwrap_or(&scripts.default)
            .clone()
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Answer {
    Answer::json(status, &error_body(code, message))
}

/// Why a generation request is refused.
#[derive(Debug)]
struct Rejection {
    status: StatusCode,
    code: &'static str,
    message: String,
}

impl Rejection {
    fn new(status: StatusCode, code: &'static str, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
        }
    }

    fn answer(&self) -> Answer {
        error(self.status, self.code, &self.message)
    }
}

/// A parameter that must be present and not null.
fn required<'a>(body: &'a Map<String, Value>, key: &str) -> Result<&'a Value, Rejection> {
    match body.get(key) {
        Some(Value::Null) | None => {
            let message = format!("Missing required parameter: '{key}'.");
            Err(Rejection::new(
                StatusCode::BAD_REQUEST,
                "missing_required_parameter",
                &message,
            ))
        }
        Some(value) => Ok(value),
    }
}

/// The text of the last user message (chat `messages` or responses `input`).
fn last_user_text(items: &Value) -> String {
    match items {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .rev()
            .find(|item| item.get("role").and_then(Value::as_str) == Some("user"))
            .map(|item| content_text(item.get("content")))
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// Text of a message `content`: a string, or the `text` of its parts.
fn content_text(content: Option<&Value>) -> String {
    match content {
        Some(Value::String(text)) => text.clone(),
        Some(Value::Array(parts)) => parts
            .iter()
            .filter_map(|part| part.get("text").and_then(Value::as_str))
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>, mut stop: oneshot::Receiver<()>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            // A stop message or a dropped `Simulator`.
            _ = &mut stop => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Every piece of a stream should leave at once, not wait for Nagle.
                    let _ = stream.set_nodelay(true);
                    connections.spawn(serve_connection(stream, Arc::clone(&shared)));
                }
                // Out of file descriptors and the like: back off instead of spinning.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
    connections.shutdown().await;
}

async fn serve_connection(stream: TcpStream, shared: Arc<Shared>) {
    // Notified by a script that wants the connection closed without any response.
    let kill = Arc::new(Notify::new());
    let service = {
        let kill = Arc::clone(&kill);
        service_fn(move |request| handle(Arc::clone(&shared), Arc::clone(&kill), request))
    };
    let connection = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
    tokio::select! {
        // Errors are clients going away or scripted cuts, both expected here.
        _ = connection => {}
        // Dropping the connection closes the socket with nothing written.
        () = kill.notified() => {}
    }
}

async fn handle(
    shared: Arc<Shared>,
    kill: Arc<Notify>,
    request: Request<Incoming>,
) -> Result<Response<SimBody>, Infallible> {
    let (parts, body) = request.into_parts();
    // A client that goes away while sending leaves a truncated body: record what came.
    let raw = body
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .unwrap_or_default();
    let json = serde_json::from_slice::<Value>(&raw).ok();
    let outcome = OutcomeCell::new();
    shared.record(RecordedRequest {
        method: parts.method.to_string(),
        path: parts.uri.path().to_owned(),
        headers: parts
            .headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: json.clone().unwrap_or(Value::Null),
        raw_body: String::from_utf8_lossy(&raw).into_owned(),
        outcome: outcome.clone(),
    });
    match shared.answer(&parts.method, parts.uri.path(), &parts.headers, json) {
        Answer::Respond {
            status,
            headers,
            plan,
        } => {
            let mut response = Response::new(SimBody::new(plan, outcome));
            *response.status_mut() = status;
            *response.headers_mut() = headers;
            Ok(response)
        }
        Answer::Disconnect => {
            outcome.settle(Outcome::ServerDisconnected { bytes_sent: 0 });
            kill.notify_one();
            // `serve_connection` drops this future together with the connection.
            std::future::pending().await
        }
    }
}
