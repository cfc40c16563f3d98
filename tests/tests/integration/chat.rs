//! One turn through the core against the simulator: the request on the wire, the streamed and
//! rendered answer, Stop, and failures.

use std::time::Duration;

use sb_core::chat::TurnOutcome;
use sb_core::{Message, Role, Switchboard, TurnEvent, TurnRequest};
use sb_llm::StreamConfig;
use sb_sim::{Ending, Outcome, Script, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

use crate::{core_with_account, memory_store};

const KEY: &str = "sk-sim-integration-KEY-4242";

async fn simulator() -> Simulator {
    Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        ..SimConfig::default()
    })
    .await
    .expect("start simulator")
}

fn ask(account: &sb_core::AccountId, text: &str) -> TurnRequest {
    TurnRequest {
        route: sb_core::Route::Account(account.clone()),
        api: sb_core::Api::ChatCompletions,
        model: "gpt-5.1".into(),
        messages: vec![Message::text(Role::User, text)],
        params: sb_core::Params::default(),
        stream: true,
        previous_response_id: None,
    }
}

async fn run(core: &Switchboard, request: TurnRequest) -> (TurnOutcome, Vec<TurnEvent>) {
    let mut events = Vec::new();
    let mut sink = |e: TurnEvent| events.push(e);
    let outcome = core
        .chat()
        .run_turn(request, CancellationToken::new(), &mut sink)
        .await;
    (outcome, events)
}

/// The answer's HTML as the UI builds it from the `Rendered` updates.
fn answer_html(events: &[TurnEvent]) -> String {
    let mut page = sb_core::RenderedPage::default();
    for event in events {
        if let TurnEvent::Rendered(update) = event {
            if update.part == sb_core::RenderedPart::Answer {
                page.apply(update);
            }
        }
    }
    page.html()
}

#[tokio::test]
async fn streamed_answer_is_assembled_rendered_and_sent_with_the_accounts_key() {
    let sim = simulator().await;
    let answer = "## 你好 👋\n\nThis is **bold**, `code` and a list:\n\n- one\n- two\n\n<img src=x onerror=alert(1)>\n";
    // 1-3 byte reads split CJK characters, the emoji and the SSE delimiters.
    sim.push(Script::reply(answer).chunk_bytes(1, 3).seed(11));
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());

    let (outcome, events) = run(&core, ask(&account, "Say hi")).await;

    assert_eq!(
        outcome.text, answer,
        "every byte of the answer arrives intact"
    );
    assert_eq!(outcome.end, Some(TurnEvent::Finished("stop".into())));
    let html = answer_html(&events);
    assert!(
        html.contains("<h2 id=\"md-你好\">你好 👋</h2>") && html.contains("<strong>bold</strong>"),
        "{html}"
    );
    assert!(
        !html.contains("<img") && html.contains("&lt;img"),
        "model HTML is escaped: {html}"
    );

    let requests = sim.requests();
    let request = requests
        .iter()
        .find(|r| r.path == "/v1/chat/completions")
        .expect("a chat request reached the simulator");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(request.body["stream"], true, "the slice streams");
    assert_eq!(request.body["model"], "gpt-5.1");
    assert_eq!(request.body["messages"][0]["content"], "Say hi");
    sim.shutdown().await;
}

#[tokio::test]
async fn stop_closes_the_http_connection_before_the_stream_ends() {
    let sim = simulator().await;
    let long = "word ".repeat(400);
    sim.push(Script::reply(long).tokens_per_second(40.0));
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    let cancel = CancellationToken::new();

    let trigger = cancel.clone();
    let (first_text_tx, first_text_rx) = tokio::sync::oneshot::channel();
    let mut first_text_tx = Some(first_text_tx);
    let stopper = tokio::spawn(async move {
        let _ = first_text_rx.await;
        trigger.cancel();
    });
    let mut events = Vec::new();
    let mut sink = |e: TurnEvent| {
        if matches!(e, TurnEvent::TextDelta(_)) {
            if let Some(tx) = first_text_tx.take() {
                let _ = tx.send(());
            }
        }
        events.push(e);
    };
    let outcome = core
        .chat()
        .run_turn(ask(&account, "long"), cancel, &mut sink)
        .await;
    stopper.await.expect("stopper");

    assert_eq!(outcome.end, Some(TurnEvent::Stopped));
    assert!(
        !outcome.text.is_empty(),
        "text received before Stop is kept"
    );
    let request = sim
        .wait_for_requests(1, Duration::from_secs(5))
        .await
        .remove(0);
    let seen = request.wait_outcome(Duration::from_secs(5)).await;
    assert!(
        matches!(seen, Outcome::ClientDisconnected { .. }),
        "the simulator must see the client go away before the 10-second stream ends, saw {seen:?}"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_key_fails_as_auth_with_the_providers_message() {
    let sim = simulator().await;
    let (_dir, core, account) = core_with_account(&sim.base_url(), "sk-wrong", memory_store());

    let (outcome, _) = run(&core, ask(&account, "hi")).await;

    match outcome.end {
        Some(TurnEvent::Failed { code, message }) => {
            assert_eq!(code, "auth");
            assert!(
                message.contains("rejected the API key") && message.contains("401"),
                "a readable message that names the problem: {message}"
            );
        }
        other => panic!("expected an auth failure, got {other:?}"),
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn unreachable_host_fails_as_network_with_a_readable_message() {
    // Bind and drop a listener: nothing answers on that loopback port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let (_dir, core, account) =
        core_with_account(&format!("http://127.0.0.1:{port}/v1"), KEY, memory_store());

    let (outcome, _) = run(&core, ask(&account, "hi")).await;

    match outcome.end {
        Some(TurnEvent::Failed { code, message }) => {
            assert_eq!(code, "network");
            assert!(
                message.contains(&format!("127.0.0.1:{port}"))
                    && message.contains("could not connect"),
                "the message names the host and what failed: {message}"
            );
        }
        other => panic!("expected a network failure, got {other:?}"),
    }
}

#[tokio::test]
async fn error_inside_a_200_stream_keeps_the_partial_text() {
    let sim = simulator().await;
    sim.push(
        Script::reply("partial answer").ending(Ending::ErrorInStream {
            code: "server_error".into(),
            message: "upstream went away".into(),
        }),
    );
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());

    let (outcome, _) = run(&core, ask(&account, "hi")).await;

    assert_eq!(outcome.text, "partial answer");
    assert!(
        matches!(&outcome.end, Some(TurnEvent::Failed { code: "server", message }) if message.contains("upstream went away")),
        "{:?}",
        outcome.end
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn server_cutting_the_stream_is_incomplete_and_keeps_text() {
    let sim = simulator().await;
    sim.push(Script::reply("one two three four five six").ending(Ending::DisconnectAfter(3)));
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());

    let (outcome, _) = run(&core, ask(&account, "hi")).await;

    assert!(
        !outcome.text.is_empty(),
        "the tokens before the cut are kept"
    );
    assert!(
        matches!(outcome.end, Some(TurnEvent::Failed { code, .. }) if code == "incomplete" || code == "network"),
        "a cut stream is never reported as a finished answer: {:?}",
        outcome.end
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn stalled_stream_fails_as_stalled_after_the_idle_timeout() {
    let sim = simulator().await;
    sim.push(Script::reply("a b c d e f").ending(Ending::StallAfter(2)));
    let dir = crate::TempDir::new("stall");
    let store = memory_store();
    let core = Switchboard::open(&dir.0, store).expect("open");
    let account = core
        .accounts()
        .add(crate::account_input("Sim", &sim.base_url(), KEY, "custom"))
        .expect("add")
        .account
        .id;
    let chat = core.chat().clone().with_config(StreamConfig {
        idle_timeout: Duration::from_millis(400),
        ..StreamConfig::default()
    });

    let mut sink = |_e: TurnEvent| {};
    let outcome = chat
        .run_turn(ask(&account, "hi"), CancellationToken::new(), &mut sink)
        .await;

    assert!(!outcome.text.is_empty(), "tokens before the stall are kept");
    assert!(
        matches!(
            outcome.end,
            Some(TurnEvent::Failed {
                code: "stalled",
                ..
            })
        ),
        "{:?}",
        outcome.end
    );
    sim.shutdown().await;
}

/// Runs one turn against a fresh simulator whose queue holds `scripts`; returns the outcome and
/// how many chat requests the simulator received.
async fn run_scripts(scripts: Vec<Script>) -> (TurnOutcome, usize) {
    let sim = simulator().await;
    for script in scripts {
        sim.push(script);
    }
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    let (outcome, _) = run(&core, ask(&account, "hi")).await;
    let attempts = sim
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/chat/completions")
        .count();
    sim.shutdown().await;
    (outcome, attempts)
}

fn failure_code(outcome: &TurnOutcome) -> Option<&'static str> {
    match outcome.end {
        Some(TurnEvent::Failed { code, .. }) => Some(code),
        _ => None,
    }
}

#[tokio::test]
async fn rate_limit_is_retried_after_the_servers_wait_then_answers() {
    let (outcome, attempts) = run_scripts(vec![
        Script::rate_limited(1).header("retry-after-ms", "50"),
        Script::reply("after the wait"),
    ])
    .await;
    assert_eq!(outcome.text, "after the wait");
    assert_eq!(attempts, 2, "one 429, then one retry");
}

#[tokio::test]
async fn server_error_and_lost_connection_before_the_answer_are_retried() {
    let (outcome, attempts) = run_scripts(vec![
        Script::server_error(),
        Script::disconnect_before_response(),
        Script::reply("third time lucky"),
    ])
    .await;
    assert_eq!(outcome.text, "third time lucky", "{:?}", outcome.end);
    assert_eq!(attempts, 3, "500 and a dropped connection are both retried");
}

#[tokio::test]
async fn retries_give_up_after_two_and_report_the_last_failure() {
    let (outcome, attempts) = run_scripts(vec![
        Script::server_error(),
        Script::server_error(),
        Script::server_error(),
        Script::reply("never reached"),
    ])
    .await;
    assert_eq!(failure_code(&outcome), Some("server"));
    assert_eq!(attempts, 3, "the first attempt plus two retries");
}

#[tokio::test]
async fn quota_auth_and_bad_requests_are_never_retried() {
    let quota = Script::status(
        429,
        serde_json::json!({"error": {"code": "insufficient_quota", "message": "You exceeded your current quota"}}),
    )
    .header("retry-after", "1");
    for (script, code) in [
        (quota, "quota"),
        (Script::auth_error(), "auth"),
        (
            Script::status(
                400,
                sb_sim::error_body("invalid_request_error", "bad messages"),
            ),
            "bad_request",
        ),
        (
            Script::status(
                402,
                serde_json::json!({"error": {"code": 402, "message": "Insufficient credits"}}),
            ),
            "quota",
        ),
    ] {
        let (outcome, attempts) =
            run_scripts(vec![script, Script::reply("must not be used")]).await;
        assert_eq!(failure_code(&outcome), Some(code));
        assert_eq!(
            attempts, 1,
            "{code}: retrying cannot help, so it is not retried"
        );
    }
}

#[tokio::test]
async fn an_error_after_the_first_token_is_never_retried() {
    let (outcome, attempts) = run_scripts(vec![
        Script::reply("shown to the user").ending(Ending::ErrorInStream {
            code: "server_error".into(),
            message: "boom".into(),
        }),
        Script::reply("must not replace it"),
    ])
    .await;
    assert_eq!(outcome.text, "shown to the user");
    assert_eq!(failure_code(&outcome), Some("server"));
    assert_eq!(attempts, 1, "text already reached the user: no retry");
}

#[tokio::test]
async fn missing_done_after_a_finish_reason_is_a_complete_answer() {
    let (outcome, _) = run_scripts(vec![Script::reply("complete").ending(Ending::NoDone)]).await;
    assert_eq!(outcome.end, Some(TurnEvent::Finished("stop".into())));
}

#[tokio::test]
async fn out_of_range_parameter_fails_before_anything_is_sent() {
    let sim = simulator().await;
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    let mut request = ask(&account, "hi");
    request.params.temperature = Some(2.5);

    let (outcome, _) = run(&core, request).await;

    match outcome.end {
        Some(TurnEvent::Failed { code, message }) => {
            assert_eq!(code, "bad_request");
            assert!(
                message.contains("temperature must be between 0 and 2"),
                "{message}"
            );
        }
        other => panic!("expected a parameter error, got {other:?}"),
    }
    assert!(sim.requests().is_empty(), "nothing reaches the provider");
    sim.shutdown().await;
}

#[tokio::test]
async fn responses_api_streams_reasoning_summary_and_text_for_a_codex_model() {
    let sim = simulator().await;
    sim.push(
        Script::reply("Responses 你好 🎉")
            .reasoning("Thinking about it.")
            .chunk_bytes(1, 5),
    );
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    let mut request = ask(&account, "Hello");
    request.api = sb_core::Api::Responses;
    request.model = "openai/gpt-5-1-codex-mini".into();
    request.params.reasoning_effort = Some(sb_llm::params::ReasoningEffort::High);

    let (outcome, _) = run(&core, request).await;

    assert_eq!(outcome.text, "Responses 你好 🎉");
    assert_eq!(
        outcome.reasoning, "Thinking about it.",
        "the summary is reasoning, apart from text"
    );
    assert_eq!(outcome.end, Some(TurnEvent::Finished("stop".into())));
    assert!(
        outcome.response_id.is_some(),
        "the response id is kept for previous_response_id"
    );
    let request = sim.requests().into_iter().next().expect("one request");
    assert_eq!(request.path, "/v1/responses");
    assert_eq!(request.body["model"], "openai/gpt-5-1-codex-mini");
    assert_eq!(request.body["reasoning"]["effort"], "high");
    assert!(
        request.body.get("messages").is_none(),
        "Responses takes `input`, not `messages`"
    );
    assert!(!request.body["input"].is_null());
    sim.shutdown().await;
}

#[tokio::test]
async fn non_streamed_answers_arrive_whole_over_both_protocols() {
    let sim = simulator().await;
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    for api in [sb_core::Api::ChatCompletions, sb_core::Api::Responses] {
        sim.push(
            Script::reply("whole **answer**")
                .reasoning("thought")
                .usage(3, 4),
        );
        let mut request = ask(&account, "hi");
        request.api = api;
        request.stream = false;

        let (outcome, events) = run(&core, request).await;

        assert_eq!(outcome.text, "whole **answer**", "{api:?}");
        assert_eq!(
            outcome.reasoning, "thought",
            "{api:?}: reasoning apart from the answer"
        );
        assert_eq!(
            outcome.usage.as_ref().and_then(|u| u.total_tokens),
            Some(7),
            "{api:?}"
        );
        assert_eq!(
            outcome.end,
            Some(TurnEvent::Finished("stop".into())),
            "{api:?}"
        );
        assert_eq!(
            answer_html(&events),
            "<p>whole <strong>answer</strong></p>\n",
            "{api:?}: rendered like a streamed answer"
        );
        let request = sim.requests().pop().expect("request");
        assert_eq!(
            request.body["stream"], false,
            "{api:?}: asked for one JSON body"
        );
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn responses_multi_turn_by_previous_response_id_sends_only_the_new_message() {
    let sim = simulator().await;
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    sim.push(Script::reply("First answer."));
    let mut first = ask(&account, "First question");
    first.api = sb_core::Api::Responses;
    let (outcome, _) = run(&core, first).await;
    let id = outcome.response_id.expect("the first answer's response id");

    sim.push(Script::reply("Second answer."));
    let mut second = ask(&account, "Second question");
    second.api = sb_core::Api::Responses;
    second.previous_response_id = Some(id.clone());
    let (outcome, _) = run(&core, second).await;

    assert_eq!(outcome.text, "Second answer.");
    let body = sim.requests().pop().expect("second request").body;
    assert_eq!(
        body["previous_response_id"],
        id.as_str(),
        "the server keeps the history"
    );
    let input = body["input"].as_array().expect("input items");
    assert_eq!(input.len(), 1, "only the new message is sent: {input:?}");
    assert_eq!(input[0]["content"], "Second question");

    // Chat completions has no server-side state: asking for it is a clear input error.
    let mut wrong = ask(&account, "x");
    wrong.previous_response_id = Some(id);
    let (outcome, _) = run(&core, wrong).await;
    assert!(
        matches!(
            outcome.end,
            Some(TurnEvent::Failed {
                code: "invalid_input",
                ..
            })
        ),
        "{:?}",
        outcome.end
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_stream_request_answered_with_a_plain_json_body_is_read_whole() {
    let completion = serde_json::json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-5.1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "Whole answer."}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 2, "completion_tokens": 3, "total_tokens": 5}
    });
    let (outcome, _) = run_scripts(vec![Script::status(200, completion)]).await;
    assert_eq!(
        outcome.text, "Whole answer.",
        "a server that ignored stream:true still answers"
    );
    assert_eq!(outcome.end, Some(TurnEvent::Finished("stop".into())));

    let in_band_error = sb_sim::error_body("rate_limit_exceeded", "Slow down");
    let (outcome, attempts) = run_scripts(vec![Script::status(200, in_band_error)]).await;
    assert!(
        matches!(&outcome.end, Some(TurnEvent::Failed { code: "rate_limit", message }) if message.contains("Slow down")),
        "an error object with status 200 is an error: {:?}",
        outcome.end
    );
    assert_eq!(attempts, 1);
}

#[tokio::test]
async fn responses_faults_end_as_documented() {
    let sim = simulator().await;
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    let cases: Vec<(Script, &str)> = vec![
        (
            Script::reply("partial").ending(Ending::ErrorInStream {
                code: "server_error".into(),
                message: "upstream failed".into(),
            }),
            "server",
        ),
        (
            Script::reply("one two three four").ending(Ending::DisconnectAfter(2)),
            "incomplete",
        ),
        (Script::reply("cut short").finish_reason("length"), "length"),
    ];
    for (script, expected) in cases {
        sim.push(script);
        let mut request = ask(&account, "hi");
        request.api = sb_core::Api::Responses;
        let (outcome, _) = run(&core, request).await;
        match (&outcome.end, expected) {
            (Some(TurnEvent::Finished(reason)), "length") => {
                assert_eq!(
                    reason, "length",
                    "response.incomplete for max_output_tokens is a length finish"
                )
            }
            (Some(TurnEvent::Failed { code, .. }), code_wanted) => {
                assert!(
                    *code == code_wanted || (code_wanted == "incomplete" && *code == "network"),
                    "{code_wanted}: got {code}"
                );
                assert!(
                    !outcome.text.is_empty(),
                    "{code_wanted}: the partial text is kept"
                );
            }
            (other, _) => panic!("{expected}: unexpected end {other:?}"),
        }
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn a_redirect_to_another_origin_is_refused_and_that_host_sees_nothing() {
    let first = simulator().await;
    let second = simulator().await;
    first.push(Script::status(307, serde_json::json!({})).header(
        "location",
        &format!("{}/chat/completions", second.base_url()),
    ));
    second.push(Script::reply("must never be asked"));
    let (_dir, core, account) = core_with_account(&first.base_url(), KEY, memory_store());

    let (outcome, _) = run(&core, ask(&account, "secret question")).await;

    match &outcome.end {
        Some(TurnEvent::Failed { message, .. }) => assert!(
            message.contains("redirected to another host") && message.contains("127.0.0.1"),
            "the user learns why: {message}"
        ),
        other => panic!("a cross-origin redirect must fail, got {other:?}"),
    }
    assert!(
        second.requests().is_empty(),
        "neither the key nor the question reaches the other origin"
    );
    first.shutdown().await;
    second.shutdown().await;
}

#[tokio::test]
async fn a_redirect_within_the_origin_is_followed_with_the_key() {
    let sim = simulator().await;
    let moved = format!("{}/chat/completions?moved=1", sim.base_url());
    sim.push(Script::status(307, serde_json::json!({})).header("location", &moved));
    sim.push(Script::reply("found it"));
    let (_dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());

    let (outcome, _) = run(&core, ask(&account, "hi")).await;

    assert_eq!(outcome.text, "found it");
    let followed = sim.requests().pop().expect("the redirected request");
    assert_eq!(
        followed.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    sim.shutdown().await;
}
