//! Tests of the simulator itself, through a real HTTP client.

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use serde_json::{json, Value};

use crate::{
    error_body, tokenize, Ending, Outcome, ReasoningField, Script, SimConfig, Simulator,
    DEFAULT_MODELS,
};

const KEY: &str = "sk-sim-test";
const WAIT: Duration = Duration::from_secs(5);

async fn start(config: SimConfig) -> Simulator {
    Simulator::start(config)
        .await
        .expect("the simulator binds a free port on 127.0.0.1")
}

async fn send(sim: &Simulator, path: &str, key: Option<&str>, body: &Value) -> reqwest::Response {
    // A new client per request: no pooled connection is reused between tests' requests.
    let mut request = reqwest::Client::new()
        .post(format!("{}{path}", sim.base_url()))
        .json(body);
    if let Some(key) = key {
        request = request.bearer_auth(key);
    }
    request
        .send()
        .await
        .expect("the simulator answers with an HTTP response")
}

async fn post(sim: &Simulator, path: &str, body: &Value) -> reqwest::Response {
    send(sim, path, Some(KEY), body).await
}

fn chat_request(stream: bool) -> Value {
    let messages = json!([{ "role": "user", "content": "Hi" }]);
    json!({ "model": "gpt-5.1", "messages": messages, "stream": stream })
}

fn responses_request(stream: bool) -> Value {
    json!({ "model": "gpt-5.1-codex-mini", "input": "Hi", "stream": stream })
}

async fn json_body(response: reqwest::Response) -> Value {
    response.json().await.expect("the body is JSON")
}

/// Reads a whole body as the pieces the client received.
async fn chunks(response: reqwest::Response) -> Vec<Bytes> {
    let mut stream = response.bytes_stream();
    let mut chunks = Vec::new();
    while let Some(chunk) = stream.next().await {
        chunks.push(chunk.expect("the body arrives without a transport error"));
    }
    chunks
}

fn utf8(chunks: &[Bytes]) -> String {
    String::from_utf8(chunks.concat()).expect("the whole body is UTF-8")
}

/// A minimal SSE reader for well-formed simulator output: `(event name, joined data)`.
fn sse_events(raw: &str) -> Vec<(Option<String>, String)> {
    raw.replace("\r\n", "\n")
        .split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .map(|block| {
            let mut name = None;
            let mut data = Vec::new();
            for line in block.lines() {
                if let Some(value) = line.strip_prefix("event: ") {
                    name = Some(value.to_owned());
                } else if let Some(value) = line.strip_prefix("data: ") {
                    data.push(value);
                }
            }
            (name, data.join("\n"))
        })
        .collect()
}

/// A chat stream put back together.
#[derive(Debug, Default)]
struct ChatStream {
    content: String,
    reasoning: String,
    /// (id, name, arguments, number of argument fragments) by index.
    calls: Vec<(String, String, String, usize)>,
    finish_reasons: Vec<String>,
    usage: Option<Value>,
    error: Option<Value>,
    done: bool,
    content_events: usize,
}

fn assemble_chat(raw: &str) -> ChatStream {
    let mut out = ChatStream::default();
    for (_, data) in sse_events(raw) {
        assert!(!out.done, "nothing may follow [DONE], got {data}");
        if data == "[DONE]" {
            out.done = true;
            continue;
        }
        let chunk: Value = serde_json::from_str(&data).expect("every data line is JSON");
        if let Some(error) = chunk.get("error") {
            out.error = Some(error.clone());
            continue;
        }
        if !chunk["usage"].is_null() {
            out.usage = Some(chunk["usage"].clone());
        }
        for choice in chunk["choices"]
            .as_array()
            .expect("chunks have a choices array")
        {
            let delta = &choice["delta"];
            if let Some(text) = delta["content"].as_str().filter(|t| !t.is_empty()) {
                out.content.push_str(text);
                out.content_events += 1;
            }
            for key in ["reasoning_content", "reasoning"] {
                out.reasoning
                    .push_str(delta[key].as_str().unwrap_or_default());
            }
            for call in delta["tool_calls"].as_array().into_iter().flatten() {
                let index = call["index"]
                    .as_u64()
                    .expect("tool-call fragments have an index");
                let index = usize::try_from(index).expect("small index");
                if index == out.calls.len() {
                    let id = call["id"]
                        .as_str()
                        .expect("a call's first fragment has its id");
                    let name = call["function"]["name"].as_str().expect("and its name");
                    out.calls
                        .push((id.to_owned(), name.to_owned(), String::new(), 0));
                    continue;
                }
                let entry = &mut out.calls[index];
                entry
                    .2
                    .push_str(call["function"]["arguments"].as_str().unwrap_or_default());
                entry.3 += 1;
            }
            if let Some(reason) = choice["finish_reason"].as_str() {
                out.finish_reasons.push(reason.to_owned());
            }
        }
    }
    out
}

fn event_types(raw: &str) -> Vec<Value> {
    sse_events(raw)
        .into_iter()
        .filter(|(_, data)| data != "[DONE]")
        .map(|(name, data)| {
            let event: Value = serde_json::from_str(&data).expect("every data line is JSON");
            if let Some(name) = name {
                assert_eq!(
                    Some(name.as_str()),
                    event["type"].as_str(),
                    "event: line matches type"
                );
            }
            event
        })
        .collect()
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|e| e["type"].as_str().expect("every event has a type"))
        .collect()
}

fn deltas(events: &[Value], kind: &str) -> String {
    events
        .iter()
        .filter(|e| e["type"] == kind)
        .map(|e| e["delta"].as_str().expect("delta events carry a delta"))
        .collect()
}

#[test]
fn tokenize_keeps_text_and_characters_whole() {
    assert_eq!(tokenize("Hello world"), ["Hello", " world"]);
    assert_eq!(
        tokenize("  a\n\nb "),
        ["  a", "\n\nb", " "],
        "whitespace leads the next word"
    );
    for text in [
        "你好，世界！这是一个很长的句子。",
        "👩‍💻🦀 internationalization",
        "",
        "x",
    ] {
        let tokens = tokenize(text);
        assert_eq!(
            tokens.concat(),
            text,
            "tokens must concatenate back to the text"
        );
        for token in &tokens {
            assert!(!token.is_empty(), "no empty token in {text:?}");
            assert!(
                token.trim_start().chars().count() <= 6,
                "{token:?} is too long a token"
            );
        }
    }
}

#[tokio::test]
async fn auth_is_checked_on_every_endpoint_with_the_seed_error_shape() {
    let sim = start(SimConfig {
        api_keys: vec!["sk-right".into()],
        ..SimConfig::default()
    })
    .await;
    let expected =
        json!({ "error": { "code": "invalid_api_key", "message": "Incorrect API key provided" } });

    for (path, key) in [
        ("/chat/completions", None),
        ("/chat/completions", Some("sk-wrong")),
        ("/responses", Some("sk-wrong")),
    ] {
        let body = if path == "/responses" {
            responses_request(false)
        } else {
            chat_request(false)
        };
        let response = send(&sim, path, key, &body).await;
        assert_eq!(
            response.status(),
            401,
            "{path} with key {key:?} must be refused"
        );
        assert_eq!(
            json_body(response).await,
            expected,
            "seed providers' 401 body"
        );
    }
    let models = reqwest::Client::new()
        .get(format!("{}/models", sim.base_url()))
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(models.status(), 401, "/models needs the key too");

    let accepted = send(
        &sim,
        "/chat/completions",
        Some("sk-right"),
        &chat_request(false),
    )
    .await;
    assert_eq!(accepted.status(), 200, "the configured key is accepted");
}

#[tokio::test]
async fn any_non_empty_key_is_accepted_without_configured_keys() {
    let sim = start(SimConfig::default()).await;
    assert_eq!(
        post(&sim, "/chat/completions", &chat_request(false))
            .await
            .status(),
        200
    );
    let empty = reqwest::Client::new()
        .post(format!("{}/chat/completions", sim.base_url()))
        .header("authorization", "Bearer ")
        .json(&chat_request(false))
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(empty.status(), 401, "an empty bearer key is still refused");
}

#[tokio::test]
async fn chat_stream_reassembles_when_split_inside_utf8_characters() {
    let sim = start(SimConfig::default()).await;
    let text = "你好，世界！🦀 Ünïcödé 👩‍💻 done.\n\n第二段：结束。";
    sim.push(
        Script::reply(text)
            .reasoning("先想一想 🤔")
            .chunk_bytes(1, 3)
            .seed(7),
    );

    let response = post(&sim, "/chat/completions", &chat_request(true)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(
        response.headers()["content-type"],
        "text/event-stream",
        "a stream is served as SSE"
    );
    let chunks = chunks(response).await;
    assert!(
        chunks.iter().all(|c| (1..=3).contains(&c.len())),
        "chunk_bytes(1, 3) must bound every piece the client reads"
    );
    assert!(
        chunks.iter().any(|c| std::str::from_utf8(c).is_err()),
        "some piece should end inside a multi-byte character"
    );
    let raw = utf8(&chunks);
    assert!(
        chunks
            .windows(2)
            .any(|w| w[0].ends_with(b"\n") && w[1].starts_with(b"\n")),
        "some piece boundary should fall inside a \\n\\n event separator"
    );

    let stream = assemble_chat(&raw);
    assert_eq!(
        stream.content, text,
        "content deltas rebuild the scripted text"
    );
    assert_eq!(
        stream.reasoning, "先想一想 🤔",
        "reasoning_content deltas rebuild the reasoning"
    );
    assert_eq!(stream.finish_reasons, ["stop"]);
    assert!(stream.done, "a chat stream ends with [DONE]");
    assert!(stream.usage.is_some(), "usage rides on the finish chunk");
    assert!(
        stream.content_events > 3,
        "the text is streamed as several token events"
    );
}

#[tokio::test]
async fn chat_stream_tool_calls_reasoning_field_and_include_usage() {
    let sim = start(SimConfig::default()).await;
    let weather = r#"{"city": "Paris", "unit": "celsius"}"#;
    let time = r#"{"timezone": "Europe/Paris"}"#;
    sim.push(
        Script::reply("")
            .reasoning("Two tools.")
            .reasoning_field(ReasoningField::Reasoning)
            .tool_call("get_weather", weather)
            .tool_call("get_local_time", time),
    );
    let mut request = chat_request(true);
    request["stream_options"] = json!({ "include_usage": true });
    let raw = utf8(&chunks(post(&sim, "/chat/completions", &request).await).await);
    assert!(
        !raw.contains("reasoning_content"),
        "ReasoningField::Reasoning uses `reasoning`"
    );

    let stream = assemble_chat(&raw);
    assert_eq!(stream.reasoning, "Two tools.");
    assert_eq!(stream.content, "", "a tool-call-only reply has no content");
    assert_eq!(stream.calls.len(), 2, "one call per index");
    for ((id, name, args, fragments), (want_name, want_args)) in stream
        .calls
        .iter()
        .zip([("get_weather", weather), ("get_local_time", time)])
    {
        assert!(id.starts_with("call_"), "call ids look like OpenAI's: {id}");
        assert_eq!((name.as_str(), args.as_str()), (want_name, want_args));
        assert!(
            *fragments > 1,
            "arguments of {name} should come in several fragments"
        );
    }
    assert_eq!(
        stream.finish_reasons,
        ["tool_calls"],
        "tool calls finish with tool_calls"
    );
    let events = sse_events(&raw);
    let last_chunk: Value =
        serde_json::from_str(&events[events.len() - 2].1).expect("the usage chunk is JSON");
    assert_eq!(
        last_chunk["choices"],
        json!([]),
        "include_usage adds a final empty-choices chunk"
    );
    assert!(last_chunk["usage"]["total_tokens"].as_u64() > Some(0));
}

#[tokio::test]
async fn responses_stream_has_the_openai_event_sequence() {
    let sim = start(SimConfig::default()).await;
    let text = "17 × 23 = **391**.";
    sim.push(Script::reply(text).reasoning("**Checking** the arithmetic first."));

    let response = post(&sim, "/responses", &responses_request(true)).await;
    let raw = utf8(&chunks(response).await);
    assert!(
        !raw.contains("[DONE]"),
        "OpenAI's Responses stream has no [DONE]"
    );
    let events = event_types(&raw);
    let types = types(&events);
    assert_eq!(types[..2], ["response.created", "response.in_progress"]);
    assert_eq!(
        types.last(),
        Some(&"response.completed"),
        "the stream ends with the terminal event"
    );
    let position = |t: &str| types.iter().position(|x| *x == t).expect(t);
    assert!(
        position("response.reasoning_summary_part.added")
            < position("response.reasoning_summary_text.delta")
            && position("response.reasoning_summary_text.delta")
                < position("response.reasoning_summary_text.done")
            && position("response.reasoning_summary_text.done")
                < position("response.reasoning_summary_part.done")
            && position("response.reasoning_summary_part.done")
                < position("response.output_text.delta"),
        "reasoning summary events come in order, before the text: {types:?}"
    );
    for (n, event) in events.iter().enumerate() {
        assert_eq!(
            event["sequence_number"], n,
            "sequence numbers count events from 0"
        );
    }
    assert_eq!(deltas(&events, "response.output_text.delta"), text);
    assert_eq!(
        deltas(&events, "response.reasoning_summary_text.delta"),
        "**Checking** the arithmetic first."
    );
    let completed = &events[events.len() - 1]["response"];
    assert_eq!(completed["status"], "completed");
    assert_eq!(
        completed["output"][1]["content"][0]["text"], text,
        "final items carry the text"
    );
    assert!(completed["usage"]["output_tokens_details"]["reasoning_tokens"].as_u64() > Some(0));
}

#[tokio::test]
async fn responses_stream_options_function_call_sentinel_and_no_event_lines() {
    let sim = start(SimConfig::default()).await;
    let args = r#"{"path":"src/main.rs"}"#;
    sim.push(
        Script::reply("")
            .tool_call("read_file", args)
            .responses_done_sentinel(true)
            .event_lines(false)
            .crlf(true),
    );
    let raw = utf8(&chunks(post(&sim, "/responses", &responses_request(true)).await).await);
    assert!(
        !raw.contains("event:"),
        "event_lines(false) drops the event: lines"
    );
    assert!(
        !raw.replace("\r\n", "").contains('\n'),
        "crlf(true) ends every line with \\r\\n"
    );
    assert!(
        raw.ends_with("data: [DONE]\r\n\r\n"),
        "the sentinel comes last when asked for"
    );
    let events = event_types(&raw);
    assert_eq!(
        deltas(&events, "response.function_call_arguments.delta"),
        args
    );
    let added = events
        .iter()
        .find(|e| e["type"] == "response.output_item.added")
        .expect("the call item is announced");
    assert_eq!(added["item"]["type"], "function_call");
    assert_eq!(added["item"]["name"], "read_file");
    assert_eq!(types(&events).last(), Some(&"response.completed"));
}

#[tokio::test]
async fn stream_errors_end_chat_and_responses_streams() {
    let sim = start(SimConfig::default()).await;
    let ending = Ending::ErrorInStream {
        code: "server_error".into(),
        message: "Boom".into(),
    };
    sim.push(Script::reply("Once upon a").ending(ending.clone()));
    sim.push(Script::reply("Here is a partial").ending(ending));

    let raw = utf8(&chunks(post(&sim, "/chat/completions", &chat_request(true)).await).await);
    let chat = assemble_chat(&raw);
    assert_eq!(
        chat.content, "Once upon a",
        "the text comes before the error"
    );
    assert_eq!(
        chat.error,
        Some(json!({ "code": "server_error", "message": "Boom" }))
    );
    assert!(
        chat.finish_reasons.is_empty() && !chat.done,
        "no finish chunk, no [DONE]"
    );

    let raw = utf8(&chunks(post(&sim, "/responses", &responses_request(true)).await).await);
    let events = event_types(&raw);
    let types = types(&events);
    assert_eq!(types[types.len() - 2..], ["error", "response.failed"]);
    assert_eq!(events[events.len() - 2]["error"]["message"], "Boom");
    assert_eq!(
        events[events.len() - 1]["response"]["error"]["code"],
        "server_error"
    );
    assert_eq!(
        deltas(&events, "response.output_text.delta"),
        "Here is a partial"
    );
}

#[tokio::test]
async fn non_streaming_bodies_for_both_endpoints() {
    let sim = start(SimConfig::default()).await;
    sim.push(
        Script::reply("")
            .reasoning("Call it.")
            .tool_call("get_weather", r#"{"city":"Oslo"}"#),
    );
    sim.push(
        Script::reply("The capital of Norway is Oslo.")
            .reasoning("Capitals.")
            .usage(14, 90),
    );

    let response = post(&sim, "/chat/completions", &chat_request(false)).await;
    assert!(
        response.headers().contains_key("content-length"),
        "a plain body has a length"
    );
    let body = json_body(response).await;
    assert_eq!(body["object"], "chat.completion");
    let choice = &body["choices"][0];
    assert_eq!(choice["finish_reason"], "tool_calls");
    assert_eq!(
        choice["message"]["content"],
        Value::Null,
        "tool-call-only content is null"
    );
    assert_eq!(choice["message"]["reasoning_content"], "Call it.");
    assert_eq!(
        choice["message"]["tool_calls"][0]["function"]["arguments"],
        r#"{"city":"Oslo"}"#
    );
    let usage = &body["usage"];
    assert_eq!(
        usage["total_tokens"].as_u64(),
        Some(
            usage["prompt_tokens"].as_u64().unwrap_or(0)
                + usage["completion_tokens"].as_u64().unwrap_or(0)
        ),
        "total = prompt + completion"
    );

    let body = json_body(post(&sim, "/responses", &responses_request(false)).await).await;
    assert_eq!(body["object"], "response");
    assert_eq!(body["status"], "completed");
    let kinds: Vec<&Value> = body["output"]
        .as_array()
        .expect("output items")
        .iter()
        .map(|i| &i["type"])
        .collect();
    assert_eq!(kinds, [&json!("reasoning"), &json!("message")]);
    assert_eq!(
        body["output"][1]["content"][0]["text"],
        "The capital of Norway is Oslo."
    );
    assert_eq!(
        body["usage"]["input_tokens"], 14,
        "usage() overrides the estimate"
    );
    assert_eq!(body["usage"]["output_tokens"], 90);
    assert_eq!(body["usage"]["total_tokens"], 104);
}

#[tokio::test]
async fn status_scripts_rate_limit_and_headers() {
    let sim = start(SimConfig::default()).await;
    sim.push(Script::rate_limited(7));
    sim.push(Script::server_error().header("x-should-retry", "false"));
    sim.push(Script::status(
        402,
        error_body("insufficient_credits", "Top up."),
    ));

    let limited = post(&sim, "/chat/completions", &chat_request(true)).await;
    assert_eq!(limited.status(), 429);
    assert_eq!(
        limited.headers()["retry-after"],
        "7",
        "429 carries retry-after"
    );
    assert_eq!(
        json_body(limited).await["error"]["code"],
        "rate_limit_exceeded"
    );

    let failed = post(&sim, "/responses", &responses_request(false)).await;
    assert_eq!(failed.status(), 500);
    assert_eq!(
        failed.headers()["x-should-retry"],
        "false",
        "scripted headers are sent"
    );
    assert_eq!(json_body(failed).await["error"]["code"], "server_error");

    let custom = post(&sim, "/chat/completions", &chat_request(false)).await;
    assert_eq!(custom.status(), 402);
    assert_eq!(
        json_body(custom).await,
        error_body("insufficient_credits", "Top up.")
    );

    let after = post(&sim, "/chat/completions", &chat_request(false)).await;
    assert_eq!(
        after.status(),
        200,
        "the queue is used up; the default echo answers"
    );
}

#[tokio::test]
async fn header_replaces_a_default_header() {
    let sim = start(SimConfig::default()).await;
    sim.push(Script::reply("hi").header("content-type", "application/json"));
    let response = post(&sim, "/chat/completions", &chat_request(true)).await;
    let content_types: Vec<_> = response.headers().get_all("content-type").iter().collect();
    assert_eq!(
        content_types,
        ["application/json"],
        "the quirky content type replaces SSE's"
    );
}

#[tokio::test]
async fn invalid_requests_are_refused_without_using_a_script() {
    let sim = start(SimConfig {
        models: vec!["gpt-5.2".into()],
        ..SimConfig::default()
    })
    .await;
    sim.push(Script::reply("scripted"));

    let malformed = reqwest::Client::new()
        .post(format!("{}/chat/completions", sim.base_url()))
        .bearer_auth(KEY)
        .header("content-type", "application/json")
        .body("{\"model\": ")
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(malformed.status(), 400);
    assert_eq!(json_body(malformed).await["error"]["code"], "invalid_json");

    let no_messages = post(&sim, "/chat/completions", &json!({ "model": "gpt-5.2" })).await;
    assert_eq!(no_messages.status(), 400);
    let message = json_body(no_messages).await["error"]["message"].to_string();
    assert!(
        message.contains("'messages'"),
        "the error names the missing field: {message}"
    );

    let no_input = post(&sim, "/responses", &json!({ "model": "gpt-5.2" })).await;
    let message = json_body(no_input).await["error"]["message"].to_string();
    assert!(
        message.contains("'input'"),
        "the error names the missing field: {message}"
    );

    let unknown = post(&sim, "/chat/completions", &chat_request(false)).await;
    assert_eq!(
        unknown.status(),
        404,
        "gpt-5.1 is not in the configured list"
    );
    assert_eq!(json_body(unknown).await["error"]["code"], "model_not_found");

    let mut good = chat_request(false);
    good["model"] = json!("gpt-5.2");
    let body = json_body(post(&sim, "/chat/completions", &good).await).await;
    assert_eq!(
        body["choices"][0]["message"]["content"], "scripted",
        "rejections keep the queue"
    );

    let models = reqwest::Client::new()
        .get(format!("{}/models", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(json_body(models).await["data"][0]["id"], "gpt-5.2");
}

#[tokio::test]
async fn default_models_echo_and_model_scripts() {
    let sim = start(SimConfig::default()).await;
    let models = reqwest::Client::new()
        .get(format!("{}/models", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("the simulator answers");
    let body = json_body(models).await;
    assert_eq!(body["object"], "list");
    let ids: Vec<&str> = body["data"]
        .as_array()
        .expect("data")
        .iter()
        .filter_map(|m| m["id"].as_str())
        .collect();
    assert_eq!(
        ids, DEFAULT_MODELS,
        "no configured models lists the seed models"
    );

    let mut request = chat_request(false);
    request["messages"] = json!([
        { "role": "user", "content": "first" },
        { "role": "assistant", "content": "ok" },
        { "role": "user", "content": [{ "type": "text", "text": "Bonjour" }] },
    ]);
    let echo = json_body(post(&sim, "/chat/completions", &request).await).await;
    let content = echo["choices"][0]["message"]["content"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        content.starts_with("**Simulator** heard: Bonjour"),
        "echo of the last user text: {content}"
    );
    assert!(
        content.contains("\n- "),
        "the echo includes a markdown list: {content}"
    );

    sim.set_model_script("gpt-5.1", Script::reply("model script"));
    sim.push(Script::reply("queued"));
    let mut answers = Vec::new();
    for _ in 0..3 {
        let body = json_body(post(&sim, "/chat/completions", &chat_request(false)).await).await;
        answers.push(body["choices"][0]["message"]["content"].clone());
    }
    assert_eq!(
        answers,
        ["queued", "model script", "model script"],
        "queue first, then the model script every time"
    );
}

#[tokio::test]
async fn requests_are_recorded_in_order_with_their_outcome() {
    let sim = start(SimConfig::default()).await;
    let client = reqwest::Client::new();
    client
        .get(format!("{}/models", sim.base_url()))
        .bearer_auth(KEY)
        .send()
        .await
        .expect("the simulator answers");
    client
        .post(format!("{}/chat/completions", sim.base_url()))
        .bearer_auth(KEY)
        .header("X-Custom", "yes")
        .json(&chat_request(false))
        .send()
        .await
        .expect("the simulator answers");
    client
        .post(format!("{}/responses", sim.base_url()))
        .body("not json")
        .send()
        .await
        .expect("the simulator answers");

    let requests = sim.wait_for_requests(3, WAIT).await;
    assert_eq!(
        requests.len(),
        3,
        "every request is recorded, rejected ones too"
    );
    let lines: Vec<_> = requests
        .iter()
        .map(|r| (r.method.as_str(), r.path.as_str()))
        .collect();
    assert_eq!(
        lines,
        [
            ("GET", "/v1/models"),
            ("POST", "/v1/chat/completions"),
            ("POST", "/v1/responses")
        ]
    );
    let chat = &requests[1];
    assert_eq!(chat.header("x-custom"), Some("yes"));
    assert_eq!(
        chat.header("Authorization"),
        Some(&*format!("Bearer {KEY}")),
        "lookup ignores case"
    );
    assert!(
        chat.headers
            .iter()
            .all(|(name, _)| *name == name.to_lowercase()),
        "names are lower case"
    );
    assert_eq!(chat.body["messages"][0]["content"], "Hi");
    assert_eq!(requests[2].body, Value::Null, "a non-JSON body is Null");
    assert_eq!(requests[2].raw_body, "not json");
    for request in &requests {
        assert!(
            matches!(
                request.wait_outcome(WAIT).await,
                Outcome::Completed { bytes_sent } if bytes_sent > 0
            ),
            "{} {} was answered in full",
            request.method,
            request.path
        );
    }
    let timed_out = sim.wait_for_requests(4, Duration::from_millis(50)).await;
    assert_eq!(
        timed_out.len(),
        3,
        "waiting for more than arrived returns what is there"
    );
}

#[tokio::test]
async fn client_disconnect_is_detected_while_the_stream_is_paced() {
    let sim = start(SimConfig::default()).await;
    // Fast pacing: the server is writing when the client leaves. Slow pacing: the server is
    // asleep between two tokens and must notice the closed socket anyway.
    for (tokens_per_second, chunks_read) in [(100.0, 3), (0.5, 1)] {
        sim.push(Script::reply("word ".repeat(500)).tokens_per_second(tokens_per_second));
        let response = post(&sim, "/chat/completions", &chat_request(true)).await;
        let mut stream = response.bytes_stream();
        let mut received = 0;
        for _ in 0..chunks_read {
            let chunk = stream.next().await.expect("the stream goes on");
            received += chunk.expect("no transport error").len();
        }
        let request = sim
            .requests()
            .pop()
            .expect("the stream's request is recorded");
        assert_eq!(
            request.outcome(),
            Outcome::Pending,
            "the paced stream is still running"
        );

        let stopped_at = Instant::now();
        drop(stream);
        let outcome = request.wait_outcome(WAIT).await;
        let elapsed = stopped_at.elapsed();
        let Outcome::ClientDisconnected { bytes_sent } = outcome else {
            panic!(
                "{tokens_per_second} tok/s: a dropped response is a disconnect, not {outcome:?}"
            );
        };
        assert!(
            elapsed < Duration::from_millis(500),
            "{tokens_per_second} tokens/s: the disconnect should be seen at once, took {elapsed:?}"
        );
        assert!(
            bytes_sent >= received,
            "the server sent at least what the client read"
        );
        assert!(
            bytes_sent < 500 * 100,
            "a stream of at least 5 seconds was not sent in full ({bytes_sent} bytes)"
        );
    }
}

#[tokio::test]
async fn no_done_and_length_endings() {
    let sim = start(SimConfig::default()).await;
    sim.push(
        Script::reply("cut")
            .ending(Ending::NoDone)
            .finish_reason("length"),
    );
    sim.push(Script::reply("cut").finish_reason("length"));

    let raw = utf8(&chunks(post(&sim, "/chat/completions", &chat_request(true)).await).await);
    let chat = assemble_chat(&raw);
    assert_eq!(
        chat.finish_reasons,
        ["length"],
        "the scripted finish reason is sent"
    );
    assert!(!chat.done, "Ending::NoDone leaves out [DONE]");
    assert!(chat.usage.is_some(), "usage is still sent");

    let raw = utf8(&chunks(post(&sim, "/responses", &responses_request(true)).await).await);
    let events = event_types(&raw);
    let last = events.last().expect("events");
    assert_eq!(
        last["type"], "response.incomplete",
        "length ends a response as incomplete"
    );
    assert_eq!(
        last["response"]["incomplete_details"]["reason"],
        "max_output_tokens"
    );
}

#[tokio::test]
async fn pacing_spreads_tokens_over_time() {
    let sim = start(SimConfig::default()).await;
    sim.push(
        Script::reply("one two three four five six seven eight nine ten").tokens_per_second(100.0),
    );
    let started = Instant::now();
    let stream = assemble_chat(&utf8(
        &chunks(post(&sim, "/chat/completions", &chat_request(true)).await).await,
    ));
    assert_eq!(stream.content_events, 10);
    assert!(
        started.elapsed() >= Duration::from_millis(90),
        "10 tokens at 100/s take 0.1 s, took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn disconnect_after_cuts_the_stream_without_a_terminating_chunk() {
    let sim = start(SimConfig::default()).await;
    sim.push(Script::reply("one two three four five").ending(Ending::DisconnectAfter(2)));

    let response = post(&sim, "/chat/completions", &chat_request(true)).await;
    let mut stream = response.bytes_stream();
    let mut body = Vec::new();
    let mut failed = false;
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(chunk) => body.extend_from_slice(&chunk),
            Err(_) => failed = true,
        }
    }
    assert!(
        failed,
        "the client must see the connection break, not a clean end of body"
    );
    let raw = String::from_utf8(body).expect("UTF-8");
    let chat = assemble_chat(&raw);
    assert_eq!(chat.content, "one two", "exactly two token events arrive");
    assert!(
        chat.finish_reasons.is_empty() && !chat.done,
        "no finish chunk and no [DONE]"
    );
    let request = sim.wait_for_requests(1, WAIT).await.remove(0);
    assert_eq!(
        request.wait_outcome(WAIT).await,
        Outcome::ServerDisconnected {
            bytes_sent: raw.len()
        }
    );
}

#[tokio::test]
async fn disconnect_before_response_sends_nothing() {
    let sim = start(SimConfig::default()).await;
    sim.push(Script::disconnect_before_response());
    let result = reqwest::Client::new()
        .post(format!("{}/chat/completions", sim.base_url()))
        .bearer_auth(KEY)
        .json(&chat_request(true))
        .send()
        .await;
    let error = result.expect_err("no HTTP response may arrive");
    assert!(
        error.status().is_none(),
        "the failure is a network error: {error}"
    );
    let requests = sim.wait_for_requests(1, WAIT).await;
    assert_eq!(
        requests.len(),
        1,
        "the request was read and recorded before the cut"
    );
    assert_eq!(
        requests[0].wait_outcome(WAIT).await,
        Outcome::ServerDisconnected { bytes_sent: 0 }
    );
}

#[tokio::test]
async fn stall_keeps_the_connection_silent_until_the_client_leaves() {
    let sim = start(SimConfig::default()).await;
    sim.push(Script::reply("alpha beta gamma").ending(Ending::StallAfter(1)));

    let response = post(&sim, "/chat/completions", &chat_request(true)).await;
    let mut stream = response.bytes_stream();
    let mut body = Vec::new();
    let read = tokio::time::timeout(Duration::from_millis(300), async {
        while let Some(Ok(chunk)) = stream.next().await {
            body.extend_from_slice(&chunk);
        }
    })
    .await;
    assert!(read.is_err(), "a stalled stream must not end by itself");
    let chat = assemble_chat(&String::from_utf8(body).expect("UTF-8"));
    assert_eq!(chat.content, "alpha", "one token event before the stall");

    let request = sim.wait_for_requests(1, WAIT).await.remove(0);
    assert_eq!(
        request.outcome(),
        Outcome::Pending,
        "the stall is still going on"
    );
    drop(stream);
    assert!(
        matches!(
            request.wait_outcome(WAIT).await,
            Outcome::ClientDisconnected { bytes_sent } if bytes_sent > 0
        ),
        "a client leaving a stall is a client disconnect"
    );
}

#[tokio::test]
async fn shutdown_frees_the_port() {
    let sim = start(SimConfig::default()).await;
    let addr = sim.addr();
    assert!(
        addr.ip().is_loopback(),
        "the simulator listens on 127.0.0.1 only"
    );
    assert_eq!(
        sim.base_url(),
        format!("http://127.0.0.1:{}/v1", addr.port())
    );
    sim.shutdown().await;
    let again = start(SimConfig {
        port: addr.port(),
        ..SimConfig::default()
    })
    .await;
    assert_eq!(
        again.addr(),
        addr,
        "the port can be bound again after shutdown"
    );
}

#[tokio::test]
async fn prompt_scripts_answer_side_requests_without_taking_queued_scripts() {
    let sim = start(SimConfig::default()).await;
    sim.answer_prompt("Name this", Script::reply("A title"));
    sim.push(Script::reply("The queued answer"));
    let titled = |text: &str| {
        json!({ "model": "gpt-5.1", "stream": false,
                "messages": [{ "role": "system", "content": "x" }, { "role": "user", "content": text }] })
    };
    for _ in 0..2 {
        let title =
            json_body(post(&sim, "/chat/completions", &titled("Name this chat")).await).await;
        assert_eq!(
            title["choices"][0]["message"]["content"], "A title",
            "a matching prompt gets its script, every time"
        );
    }
    let answer = json_body(post(&sim, "/chat/completions", &titled("Hello")).await).await;
    assert_eq!(
        answer["choices"][0]["message"]["content"], "The queued answer",
        "the queue was left for the next real question"
    );
}

#[tokio::test]
async fn served_files_need_no_key_and_keep_their_bytes() {
    let sim = start(SimConfig {
        api_keys: vec![KEY.into()],
        ..SimConfig::default()
    })
    .await;
    let url = sim.serve_file("/img/p.png", "image/png", &b"\x89PNG\r\n\x1a\nrest"[..]);
    let response = reqwest::get(&url).await.expect("the simulator answers");
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "image/png");
    assert_eq!(
        response.bytes().await.expect("body").as_ref(),
        b"\x89PNG\r\n\x1a\nrest"
    );
}
