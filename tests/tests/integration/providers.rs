//! Each seed provider's documented endpoint and model-ID style (`../shared/seeds/`), with the
//! simulator posing as that provider and listing only its models (another ID gets a 404).

use sb_core::{Api, Message, Params, Role, Route, Switchboard, TurnEvent, TurnRequest};
use sb_llm::params::{OutputFormat, ReasoningEffort, ReasoningSummary, Verbosity};
use sb_sim::{ReasoningField, RecordedRequest, Script, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

use crate::{core_with_account, memory_store, TempDir};

const KEY: &str = "sk-provider-test";
/// A 1x1 PNG, as the app attaches images: a data URL.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

struct Provider {
    sim: Simulator,
    core: Switchboard,
    account: sb_core::AccountId,
    _dir: TempDir,
}

async fn provider(models: &[&str]) -> Provider {
    let sim = Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        models: models.iter().map(|m| (*m).to_owned()).collect(),
        ..SimConfig::default()
    })
    .await
    .expect("start simulator");
    let (dir, core, account) = core_with_account(&sim.base_url(), KEY, memory_store());
    Provider {
        sim,
        core,
        account,
        _dir: dir,
    }
}

impl Provider {
    async fn ask(
        &self,
        api: Api,
        model: &str,
        messages: Vec<Message>,
        params: Params,
    ) -> (sb_core::TurnOutcome, RecordedRequest) {
        let request = TurnRequest {
            route: Route::Account(self.account.clone()),
            api,
            model: model.into(),
            messages,
            params,
            stream: true,
            previous_response_id: None,
        };
        let mut sink = |_e: TurnEvent| {};
        let outcome = self
            .core
            .chat()
            .run_turn(request, CancellationToken::new(), &mut sink)
            .await;
        let recorded = self
            .sim
            .requests()
            .pop()
            .expect("the provider saw the request");
        (outcome, recorded)
    }
}

fn user(text: &str) -> Vec<Message> {
    vec![Message::text(Role::User, text)]
}

fn assert_finished(outcome: &sb_core::TurnOutcome, what: &str) {
    assert!(
        matches!(outcome.end, Some(TurnEvent::Finished(_))),
        "{what}: the answer finishes, got {:?}",
        outcome.end
    );
}

#[tokio::test]
async fn starrise_chat_completions_with_a_bare_model_id() {
    let p = provider(&["gpt-5.1-codex-mini", "gpt-5.2"]).await;
    p.sim.push(Script::reply("你好！有什么可以帮您的？"));

    let (outcome, request) = p
        .ask(
            Api::ChatCompletions,
            "gpt-5.1-codex-mini",
            user("你好！"),
            Params::default(),
        )
        .await;

    assert_finished(&outcome, "Starrise chat");
    assert_eq!(outcome.text, "你好！有什么可以帮您的？");
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.body["model"], "gpt-5.1-codex-mini",
        "Starrise writes the bare dotted ID"
    );
    assert_eq!(
        request.body["messages"],
        serde_json::json!([{"role": "user", "content": "你好！"}])
    );
}

#[tokio::test]
async fn starrise_responses_for_gpt_5_2_with_reasoning_verbosity_and_json_mode() {
    let p = provider(&["gpt-5.1-codex-mini", "gpt-5.2"]).await;
    p.sim
        .push(Script::reply(r#"{"greeting":"你好"}"#).reasoning("The user wants JSON."));
    let params = Params {
        reasoning_effort: Some(ReasoningEffort::High),
        reasoning_summary: Some(ReasoningSummary::Detailed),
        verbosity: Some(Verbosity::Low),
        format: OutputFormat::JsonObject,
        max_tokens: Some(256),
        ..Params::default()
    };

    let (outcome, request) = p
        .ask(Api::Responses, "gpt-5.2", user("Greet me in JSON"), params)
        .await;

    assert_finished(&outcome, "Starrise responses");
    assert_eq!(outcome.text, r#"{"greeting":"你好"}"#);
    assert_eq!(
        outcome.reasoning, "The user wants JSON.",
        "the reasoning summary is shown apart"
    );
    assert_eq!(request.path, "/v1/responses");
    let body = &request.body;
    assert_eq!(body["model"], "gpt-5.2");
    assert_eq!(
        body["reasoning"],
        serde_json::json!({"effort": "high", "summary": "detailed"})
    );
    assert_eq!(
        body["text"],
        serde_json::json!({"format": {"type": "json_object"}, "verbosity": "low"})
    );
    assert_eq!(
        body["max_output_tokens"], 256,
        "the token limit uses the Responses name"
    );
    assert!(body.get("max_tokens").is_none() && body.get("messages").is_none());
}

#[tokio::test]
async fn aimlapi_responses_with_vendor_prefixed_hyphenated_codex_ids() {
    let p = provider(&["openai/gpt-5-1-codex-mini", "openai/gpt-5-1-codex"]).await;
    for model in ["openai/gpt-5-1-codex-mini", "openai/gpt-5-1-codex"] {
        p.sim
            .push(Script::reply("Hello! How can I help you today?").usage(4, 63));

        let (outcome, request) = p
            .ask(Api::Responses, model, user("Hello"), Params::default())
            .await;

        assert_finished(&outcome, model);
        assert_eq!(outcome.text, "Hello! How can I help you today?");
        assert_eq!(
            outcome.usage.as_ref().and_then(|u| u.total_tokens),
            Some(67),
            "{model}: usage"
        );
        assert_eq!(
            request.path, "/v1/responses",
            "{model} is only served through /v1/responses"
        );
        assert_eq!(
            request.body["model"], model,
            "AI/ML API writes openai/ plus a hyphenated version"
        );
    }
    // The same model under Starrise's ID is not known here: the provider says so, we classify it.
    let (outcome, _) = p
        .ask(
            Api::Responses,
            "gpt-5.1-codex-mini",
            user("Hello"),
            Params::default(),
        )
        .await;
    assert!(
        matches!(
            outcome.end,
            Some(TurnEvent::Failed {
                code: "not_found",
                ..
            })
        ),
        "another provider's model ID is a clear not-found: {:?}",
        outcome.end
    );
}

#[tokio::test]
async fn starmagic_chat_for_the_gpt_5_1_family() {
    let p = provider(&["gpt-5.1", "gpt-5.1-chat", "gpt-5.1-thinking"]).await;

    // gpt-5.1 and gpt-5.1-chat: plain chat with a system prompt.
    for model in ["gpt-5.1", "gpt-5.1-chat"] {
        p.sim.push(Script::reply(format!("I am {model}.")));
        let messages = vec![
            Message::text(Role::System, "Be brief."),
            Message::text(Role::User, "Who are you?"),
        ];
        let (outcome, request) = p
            .ask(Api::ChatCompletions, model, messages, Params::default())
            .await;
        assert_finished(&outcome, model);
        assert_eq!(outcome.text, format!("I am {model}."));
        assert_eq!(request.body["messages"][0]["role"], "system");
    }

    // gpt-5.1-thinking returns reasoning_content, takes an image and tools.
    p.sim.push(
        Script::reply("It is a single pixel.")
            .reasoning("Looking at the image.")
            .reasoning_field(ReasoningField::ReasoningContent),
    );
    let messages = vec![Message {
        role: Role::User,
        content: "What is in this image?".into(),
        images: vec![PNG.into()],
    }];
    let tool = serde_json::json!({"type": "function", "function": {"name": "describe", "parameters": {"type": "object", "properties": {}}}});
    let params = Params {
        tools: vec![tool.clone()],
        tool_choice: Some("auto".into()),
        ..Params::default()
    };
    let (outcome, request) = p
        .ask(Api::ChatCompletions, "gpt-5.1-thinking", messages, params)
        .await;
    assert_finished(&outcome, "gpt-5.1-thinking");
    assert_eq!(
        outcome.reasoning, "Looking at the image.",
        "reasoning_content is reasoning"
    );
    assert_eq!(
        outcome.text, "It is a single pixel.",
        "and never part of the answer"
    );
    let content = &request.body["messages"][0]["content"];
    assert_eq!(
        content[0],
        serde_json::json!({"type": "text", "text": "What is in this image?"})
    );
    assert_eq!(content[1]["type"], "image_url");
    assert_eq!(
        content[1]["image_url"]["url"], PNG,
        "the image travels as a data URL"
    );
    assert_eq!(request.body["tools"], serde_json::json!([tool]));
    assert_eq!(request.body["tool_choice"], "auto");

    // A tool call comes back assembled.
    p.sim
        .push(Script::reply("").tool_call("describe", r#"{"detail":"high"}"#));
    let mut calls = Vec::new();
    let request = TurnRequest {
        route: Route::Account(p.account.clone()),
        api: Api::ChatCompletions,
        model: "gpt-5.1-thinking".into(),
        messages: user("Describe it with the tool"),
        params: Params::default(),
        stream: true,
        previous_response_id: None,
    };
    let mut sink = |e: TurnEvent| {
        if let TurnEvent::ToolCallDelta {
            name, arguments, ..
        } = e
        {
            calls.push((name, arguments));
        }
    };
    let outcome = p
        .core
        .chat()
        .run_turn(request, CancellationToken::new(), &mut sink)
        .await;
    assert_eq!(outcome.end, Some(TurnEvent::Finished("tool_calls".into())));
    let name = calls.iter().find_map(|(n, _)| n.clone());
    let arguments: String = calls.iter().map(|(_, a)| a.as_str()).collect();
    assert_eq!(name.as_deref(), Some("describe"));
    assert_eq!(
        arguments, r#"{"detail":"high"}"#,
        "argument fragments are joined in order"
    );
}
