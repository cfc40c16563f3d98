//! The loopback provider the app streams from during the benchmark: an OpenAI-compatible
//! `POST /v1/chat/completions` (and `GET /v1/models`) on 127.0.0.1 that sends each stream on a
//! fixed wall-clock schedule and logs when every event left.
//!
//! Why not `sb_sim`: its scripts pace a stream with a relative sleep before each token, which
//! tokio's 1 ms timer cannot do at 2,000 tokens per second (0.5 ms apart), and it keeps no
//! send times. Here a thread per connection writes each event when it falls due on an
//! absolute schedule (events that fell due together go out in one write, as a busy server
//! sends them), with `TCP_NODELAY`, and records the wall clock right after each write.
//!
//! Which answer a request gets depends on its last user message: `bench-stream …` gets the
//! paced long answer, `bench-ttft …` a short answer sent at once, anything else (the app's
//! own title request) a short title.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

/// The model the account uses.
pub const MODEL: &str = "gpt-5.1";
/// What a question must start with to get the paced long answer.
pub const STREAM_PREFIX: &str = "bench-stream";
/// What a question must start with to get the short answer sent at once.
pub const TTFT_PREFIX: &str = "bench-ttft";

/// Microseconds since the Unix epoch, now.
pub fn now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as i64)
        .unwrap_or_default()
}

/// One streamed answer as the provider sent it.
#[derive(Debug, Clone, Default)]
pub struct StreamLog {
    /// Which kind of answer (`stream`, `ttft` or `title`).
    pub kind: &'static str,
    /// When the request had been read whole (µs since the epoch).
    pub received_us: i64,
    /// For each token event: when the write holding it returned (µs since the epoch), and how
    /// many non-whitespace characters the answer has up to and including it.
    pub tokens: Vec<(i64, usize)>,
    /// The request body as received (curl replays it).
    pub body: String,
}

/// The paced answer and its pace.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The long answer's tokens, in order.
    pub tokens: Vec<String>,
    /// Time between two token events.
    pub interval: Duration,
}

/// The running provider.
#[derive(Debug)]
pub struct Provider {
    port: u16,
    logs: Arc<Mutex<Vec<StreamLog>>>,
}

impl Provider {
    /// Listens on a free loopback port and serves every connection on its own thread.
    pub fn start(key: &str, plan: Plan) -> std::io::Result<Provider> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let port = listener.local_addr()?.port();
        let logs = Arc::new(Mutex::new(Vec::new()));
        let shared = Arc::new((key.to_owned(), plan, Arc::clone(&logs)));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let (key, plan, logs) = &*shared;
                    let _ = serve(stream, key, plan, logs);
                });
            }
        });
        Ok(Provider { port, logs })
    }

    /// `http://127.0.0.1:PORT/v1`.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    /// Every answered generation request so far, in order.
    pub fn logs(&self) -> Vec<StreamLog> {
        self.logs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until `n` answers of `kind` were sent completely, or the timeout.
    pub fn wait_for(&self, kind: &str, n: usize, timeout: Duration) -> Result<(), String> {
        let deadline = Instant::now() + timeout;
        loop {
            let done = self.logs().iter().filter(|l| l.kind == kind).count();
            if done >= n {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "the provider sent {done} of {n} `{kind}` answers within {timeout:?}"
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Serves one keep-alive connection until the client closes it.
fn serve(
    stream: TcpStream,
    key: &str,
    plan: &Plan,
    logs: &Mutex<Vec<StreamLog>>,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut out = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        let mut content_length = 0usize;
        let mut authorized = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                if name.eq_ignore_ascii_case("content-length") {
                    content_length = value.parse().unwrap_or(0);
                } else if name.eq_ignore_ascii_case("authorization") {
                    authorized = value == format!("Bearer {key}");
                }
            }
        }
        let mut body = vec![0; content_length];
        reader.read_exact(&mut body)?;
        let received_us = now_us();
        let mut parts = request_line.split_whitespace();
        let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
        if !authorized {
            respond_json(
                &mut out,
                401,
                &json!({"error": {"code": "invalid_api_key", "message": "Incorrect API key provided"}}),
            )?;
            continue;
        }
        match (method, path) {
            ("GET", "/v1/models") => {
                let models = json!({"object": "list", "data": [{"id": MODEL, "object": "model", "created": 1_762_800_000, "owned_by": "bench"}]});
                respond_json(&mut out, 200, &models)?;
            }
            ("POST", "/v1/chat/completions") => {
                let body = String::from_utf8_lossy(&body).into_owned();
                let request: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
                let question = last_user_text(&request);
                let streamed = request["stream"].as_bool().unwrap_or(false);
                let mut log = StreamLog {
                    received_us,
                    body,
                    ..StreamLog::default()
                };
                if question.starts_with(STREAM_PREFIX) {
                    log.kind = "stream";
                    log.tokens = send_stream(&mut out, &plan.tokens, plan.interval)?;
                } else if question.starts_with(TTFT_PREFIX) {
                    log.kind = "ttft";
                    let tokens: Vec<String> =
                        "Hello from the loopback provider, answering at once and in full."
                            .split_inclusive(' ')
                            .map(str::to_owned)
                            .collect();
                    log.tokens = send_stream(&mut out, &tokens, Duration::ZERO)?;
                } else {
                    log.kind = "title";
                    if streamed {
                        send_stream(&mut out, &["Bench conversation".to_owned()], Duration::ZERO)?;
                    } else {
                        respond_json(&mut out, 200, &completion("Bench conversation"))?;
                    }
                }
                logs.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(log);
            }
            _ => respond_json(
                &mut out,
                404,
                &json!({"error": {"code": "unknown_url", "message": path}}),
            )?,
        }
    }
}

fn last_user_text(request: &Value) -> String {
    let Some(messages) = request["messages"].as_array() else {
        return String::new();
    };
    let Some(last) = messages.iter().rev().find(|m| m["role"] == "user") else {
        return String::new();
    };
    match &last["content"] {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join(""),
        _ => String::new(),
    }
}

fn respond_json(out: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    let body = body.to_string();
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        _ => "Not Found",
    };
    write!(
        out,
        "HTTP/1.1 {status} {reason}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

fn completion(text: &str) -> Value {
    json!({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1_762_800_000, "model": MODEL,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 10, "completion_tokens": 2, "total_tokens": 12},
    })
}

fn chunk(delta: Value, finish: Option<&str>) -> String {
    let event = json!({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1_762_800_000, "model": MODEL,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    });
    format!("data: {event}\n\n")
}

/// Writes `bytes` as one HTTP chunk.
fn write_chunk(out: &mut TcpStream, bytes: &[u8]) -> std::io::Result<()> {
    let mut framed = format!("{:x}\r\n", bytes.len()).into_bytes();
    framed.extend_from_slice(bytes);
    framed.extend_from_slice(b"\r\n");
    out.write_all(&framed)
}

/// Streams `tokens` as chat-completion chunks, token `k` due `(k + 1) * interval` after the
/// headers (the first at once when the interval is zero: headers, role and first token then
/// leave in one write). Returns each token's send time and cumulative non-whitespace count.
fn send_stream(
    out: &mut TcpStream,
    tokens: &[String],
    interval: Duration,
) -> std::io::Result<Vec<(i64, usize)>> {
    let head = "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";
    let events: Vec<String> = tokens
        .iter()
        .map(|t| chunk(json!({"content": t}), None))
        .collect();
    let mut counts = Vec::with_capacity(tokens.len());
    let mut total = 0;
    for token in tokens {
        total += token.chars().filter(|c| !c.is_whitespace()).count();
        counts.push(total);
    }
    let mut log = Vec::with_capacity(tokens.len());
    let mut pending = head.as_bytes().to_vec();
    let role = chunk(json!({"role": "assistant", "content": ""}), None);
    let start = Instant::now();
    let mut next = 0;
    let mut role_sent = false;
    while next < events.len() {
        let now = Instant::now();
        let due = if interval.is_zero() {
            events.len()
        } else {
            ((now - start).as_nanos() / interval.as_nanos()) as usize
        };
        let upto = due.min(events.len());
        let mut body = Vec::new();
        if !role_sent {
            body.extend_from_slice(role.as_bytes());
            role_sent = true;
        }
        // With no pause between tokens, the first token leaves alone (the time to first token
        // is then the time to the first write), the rest right after.
        let upto = if interval.is_zero() && next == 0 {
            1
        } else {
            upto.max(next)
        };
        for event in &events[next..upto] {
            body.extend_from_slice(event.as_bytes());
        }
        if !body.is_empty() {
            if pending.is_empty() {
                write_chunk(out, &body)?;
            } else {
                let mut framed = std::mem::take(&mut pending);
                framed.extend_from_slice(format!("{:x}\r\n", body.len()).as_bytes());
                framed.extend_from_slice(&body);
                framed.extend_from_slice(b"\r\n");
                out.write_all(&framed)?;
            }
            let sent = now_us();
            log.extend(counts[next..upto].iter().map(|&c| (sent, c)));
            next = upto;
        }
        if next < events.len() && !interval.is_zero() {
            let due_at = start + interval * (next as u32 + 1);
            let now = Instant::now();
            if due_at > now {
                std::thread::sleep(due_at - now);
            }
        }
    }
    let mut tail = chunk(json!({}), Some("stop"));
    let usage = json!({
        "id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1_762_800_000, "model": MODEL,
        "choices": [], "usage": {"prompt_tokens": 20, "completion_tokens": tokens.len(), "total_tokens": tokens.len() + 20},
    });
    tail.push_str(&format!("data: {usage}\n\ndata: [DONE]\n\n"));
    write_chunk(out, tail.as_bytes())?;
    out.write_all(b"0\r\n\r\n")?;
    out.flush()?;
    Ok(log)
}
