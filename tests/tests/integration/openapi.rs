//! Every request body the client builds validates against OpenAI's OpenAPI spec
//! (`shared/reference/openai-openapi.yaml`): chat bodies against `CreateChatCompletionRequest`,
//! Responses bodies against `CreateResponse`. Unknown fields are errors, as on OpenAI's server
//! (see [`schema`] for how the spec is read).
//!
//! Deliberate deviations are removed from a body before it is validated, and the tests assert
//! exactly which fields were removed: on `/responses`, `frequency_penalty`, `presence_penalty`,
//! `stop` and `n` ([`RESPONSES_EXTENSIONS`]), which compatible aggregators accept and OpenAI's
//! `CreateResponse` does not define.

mod schema;

use sb_llm::chat_completions::{ChatOptions, ChatRequest, Message, Role, TokenField};
use sb_llm::params::{OutputFormat, ReasoningEffort, ReasoningSummary, Verbosity};
use sb_llm::responses::{
    ContentPart, ImageDetail, InputItem, InputRole, ReasoningConfig, ResponsesRequest, TextConfig,
    TextFormat, Truncation,
};
use sb_llm::Params;
use serde_json::{json, Value};

use schema::{remove_fields, spec, Schema};

/// Fields the client may write on `/responses` that OpenAI's `CreateResponse` does not define:
/// aggregators (Starrise) document them. Leave them unset for OpenAI.
const RESPONSES_EXTENSIONS: [&str; 4] = ["frequency_penalty", "presence_penalty", "stop", "n"];

const MODEL: &str = "gpt-5.1";
/// A 1×1 transparent PNG.
const PNG: &str = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=";
const HTTPS_IMAGE: &str = "https://example.com/cat.jpg";

fn to_json(body: &impl serde::Serialize) -> Value {
    serde_json::to_value(body).expect("a request body serializes")
}

/// System, user, assistant, user: the usual history.
fn history() -> Vec<Message> {
    vec![
        Message::text(Role::System, "You are terse."),
        Message::text(Role::User, "Hi"),
        Message::text(Role::Assistant, "Hello."),
        Message::text(Role::User, "What is 2+2?"),
    ]
}

/// History with images: text and images, and images alone.
fn history_with_images() -> Vec<Message> {
    vec![
        Message::text(Role::System, "Describe images."),
        Message {
            role: Role::User,
            content: "What is in these?".into(),
            images: vec![PNG.into(), HTTPS_IMAGE.into()],
        },
        Message::text(Role::Assistant, "A transparent pixel and a cat."),
        Message {
            role: Role::User,
            content: String::new(),
            images: vec![PNG.into()],
        },
    ]
}

fn weather_tool() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "The weather in a city.",
            "parameters": {
                "type": "object",
                "properties": { "city": { "type": "string" } },
                "required": ["city"],
                "additionalProperties": false
            }
        }
    })
}

/// A chat tool without parameters (they are optional in chat).
fn no_parameters_tool() -> Value {
    json!({ "type": "function", "function": { "name": "now", "description": "The time." } })
}

fn strict_tool() -> Value {
    json!({
        "type": "function",
        "function": {
            "name": "get_time",
            "parameters": { "type": "object", "properties": {}, "additionalProperties": false },
            "strict": true
        }
    })
}

/// Each parameter alone (with every value of the enumerations), then all together.
fn param_cases() -> Vec<(String, Params)> {
    let mut cases: Vec<(String, Params)> = Vec::new();
    let mut add = |label: &str, edit: &dyn Fn(&mut Params)| {
        let mut params = Params::default();
        edit(&mut params);
        params.validate().unwrap_or_else(|e| panic!("{label}: {e}"));
        cases.push((label.to_owned(), params));
    };
    add("max_tokens", &|p| p.max_tokens = Some(256));
    add("temperature", &|p| p.temperature = Some(0.7));
    add("temperature 0", &|p| p.temperature = Some(0.0));
    add("temperature 2", &|p| p.temperature = Some(2.0));
    add("top_p", &|p| p.top_p = Some(0.9));
    add("frequency_penalty", &|p| p.frequency_penalty = Some(-0.5));
    add("presence_penalty", &|p| p.presence_penalty = Some(1.5));
    add("stop: one", &|p| p.stop = vec!["END".into()]);
    add("stop: four", &|p| {
        p.stop = vec!["END".into(), "###".into(), "\n\n".into(), "STOP".into()]
    });
    add("n", &|p| p.n = Some(2));
    add("format json_object", &|p| {
        p.format = OutputFormat::JsonObject
    });
    add("format text", &|p| p.format = OutputFormat::Text);
    for effort in [
        ReasoningEffort::None,
        ReasoningEffort::Minimal,
        ReasoningEffort::Low,
        ReasoningEffort::Medium,
        ReasoningEffort::High,
        ReasoningEffort::Xhigh,
    ] {
        add(&format!("reasoning_effort {effort:?}"), &|p| {
            p.reasoning_effort = Some(effort)
        });
    }
    for summary in [
        ReasoningSummary::Auto,
        ReasoningSummary::Concise,
        ReasoningSummary::Detailed,
    ] {
        add(&format!("reasoning_summary {summary:?}"), &|p| {
            p.reasoning_summary = Some(summary)
        });
    }
    for verbosity in [Verbosity::Low, Verbosity::Medium, Verbosity::High] {
        add(&format!("verbosity {verbosity:?}"), &|p| {
            p.verbosity = Some(verbosity)
        });
    }
    add("user", &|p| p.user = Some("user-1234".into()));
    add("tools", &|p| {
        p.tools = vec![weather_tool(), no_parameters_tool(), strict_tool()]
    });
    for choice in ["auto", "none", "required"] {
        add(&format!("tools, tool_choice {choice}"), &|p| {
            p.tools = vec![weather_tool()];
            p.tool_choice = Some(json!(choice));
        });
    }
    add("tools, tool_choice named", &|p| {
        p.tools = vec![weather_tool()];
        p.tool_choice = Some(json!({ "type": "function", "function": { "name": "get_weather" } }));
    });
    add("every parameter", &|p| {
        p.max_tokens = Some(1024);
        p.temperature = Some(1.0);
        p.top_p = Some(0.5);
        p.frequency_penalty = Some(2.0);
        p.presence_penalty = Some(-2.0);
        p.stop = vec!["END".into(), "###".into()];
        p.n = Some(128);
        p.format = OutputFormat::JsonObject;
        p.reasoning_effort = Some(ReasoningEffort::Low);
        p.reasoning_summary = Some(ReasoningSummary::Detailed);
        p.verbosity = Some(Verbosity::High);
        p.user = Some("user-1234".into());
        p.tools = vec![weather_tool(), strict_tool()];
        p.tool_choice = Some(json!({ "type": "function", "function": { "name": "get_time" } }));
    });
    // Through the text interface `sb ask --param` uses.
    let mut params = Params::default();
    for (name, value) in [
        ("max_completion_tokens", "64"),
        ("temperature", "0.2"),
        ("stop", "END"),
        ("response_format", "json_object"),
        ("effort", "high"),
        ("summary", "auto"),
        ("verbosity", "low"),
        ("tool_choice", "none"),
    ] {
        params
            .set(name, value)
            .unwrap_or_else(|e| panic!("{name}={value}: {e}"));
    }
    cases.push(("Params::set".into(), params));
    cases
}

/// Every chat option: both token fields, streamed or not, with and without usage.
fn chat_options() -> Vec<(ChatOptions, bool)> {
    let mut all = Vec::new();
    for token_field in [TokenField::MaxTokens, TokenField::MaxCompletionTokens] {
        for include_usage in [false, true] {
            for stream in [false, true] {
                all.push((
                    ChatOptions {
                        token_field,
                        include_usage,
                    },
                    stream,
                ));
            }
        }
    }
    all
}

// --- The validators --------------------------------------------------------------------------

/// Sets one top-level field of a copy of `body`.
fn with(body: &Value, field: &str, value: Value) -> Value {
    let mut body = body.clone();
    body[field] = value;
    body
}

/// The checks mean something only if the validators fail bad bodies, with the right error.
#[test]
fn openapi_validators_reject_invalid_bodies() {
    let spec = spec();
    let chat = Schema::CreateChatCompletionRequest;
    let responses = Schema::CreateResponse;
    let ok_chat = to_json(&ChatRequest::new(
        MODEL,
        &history(),
        &Params::default(),
        ChatOptions::default(),
        false,
    ));
    let ok_responses = to_json(&ResponsesRequest::from_chat(
        MODEL,
        &history(),
        &Params::default(),
        false,
    ));
    spec.assert_valid(chat, &ok_chat, "the unmodified chat body");
    spec.assert_valid(responses, &ok_responses, "the unmodified Responses body");

    let mut no_model = ok_chat.clone();
    remove_fields(&mut no_model, &["model"]);
    spec.assert_invalid(chat, &no_model, r#""model" is a required property"#);
    let user = |content: Value| json!([{ "role": "user", "content": content }]);
    let chat_cases = [
        ("messages", json!("hi"), r#""hi" is not of type "array""#),
        ("messages", json!([]), "[] has less than 1 item"),
        (
            "temperature",
            json!("hot"),
            r#""hot" is not of type "number""#,
        ),
        (
            "temperature",
            json!(3),
            "3 is greater than the maximum of 2",
        ),
        ("n", json!(0), "0 is less than the minimum of 1"),
        (
            "stop",
            json!(["a", "b", "c", "d", "e"]),
            "has more than 4 items",
        ),
        ("temprature", json!(1), "'temprature' was unexpected"),
        (
            "reasoning_effort",
            json!("extreme"),
            r#""extreme" is not one of"#,
        ),
        (
            "response_format",
            json!({ "type": "json" }),
            r#""json" is not one of"#,
        ),
        (
            "stream_options",
            json!({ "include_usage": "yes" }),
            r#""yes" is not of type "boolean""#,
        ),
        // Unknown fields are errors in nested objects too.
        (
            "stream_options",
            json!({ "include_usage": true, "usage": true }),
            "'usage' was unexpected",
        ),
        (
            "messages",
            json!([{ "role": "user", "content": "hi", "images": [PNG] }]),
            "'images' was unexpected",
        ),
        (
            "messages",
            json!([{ "role": "robot", "content": "hi" }]),
            r#""robot" is not one of"#,
        ),
        // Responses' flat image part is not a chat content part.
        (
            "messages",
            user(json!([{ "type": "input_image", "image_url": PNG, "detail": "auto" }])),
            r#""input_image" is not one of"#,
        ),
        // Formats are checked: an image URL must be an absolute URI (a data URL is one).
        (
            "messages",
            user(json!([{ "type": "image_url", "image_url": { "url": "cat.jpg" } }])),
            r#""cat.jpg" is not a "uri""#,
        ),
        // Responses' flat function tool is not a chat tool.
        (
            "tools",
            json!([{ "type": "function", "name": "f", "parameters": {} }]),
            r#""function" is a required property"#,
        ),
    ];
    for (field, value, expected) in chat_cases {
        spec.assert_invalid(chat, &with(&ok_chat, field, value), expected);
    }

    let message =
        |content: Value| json!([{ "type": "message", "role": "user", "content": content }]);
    let responses_cases = [
        ("input", json!(5), r#"5 is not of type "string""#),
        (
            "temperature",
            json!("hot"),
            r#""hot" is not of type "number""#,
        ),
        (
            "max_output_tokens",
            json!(15),
            "15 is less than the minimum of 16",
        ),
        (
            "reasoning",
            json!({ "effort": "extreme" }),
            r#""extreme" is not one of"#,
        ),
        (
            "reasoning",
            json!({ "summary": "short" }),
            r#""short" is not one of"#,
        ),
        (
            "text",
            json!({ "format": { "type": "json" } }),
            r#""json" is not one of"#,
        ),
        (
            "text",
            json!({ "verbosity": "loud" }),
            r#""loud" is not one of"#,
        ),
        ("truncation", json!("middle"), r#""middle" is not one of"#),
        ("messages", json!([]), "'messages' was unexpected"),
        (
            "frequency_penalty",
            json!(1),
            "'frequency_penalty' was unexpected",
        ),
        (
            "presence_penalty",
            json!(1),
            "'presence_penalty' was unexpected",
        ),
        ("stop", json!("END"), "'stop' was unexpected"),
        ("n", json!(2), "'n' was unexpected"),
        // Unknown fields are errors in nested objects too.
        (
            "reasoning",
            json!({ "effort": "low", "budget": 1 }),
            "'budget' was unexpected",
        ),
        (
            "text",
            json!({ "format": { "type": "json_object", "schema": {} } }),
            "'schema' was unexpected",
        ),
        (
            "input",
            json!([{ "type": "message", "role": "user", "content": "Hi", "images": [PNG] }]),
            "'images' was unexpected",
        ),
        (
            "tools",
            json!([{ "type": "function", "name": "f", "parameters": null, "strict": false, "function": {} }]),
            "'function' was unexpected",
        ),
        // Chat's nested tool, tool choice and image part are not Responses ones.
        (
            "tools",
            json!([weather_tool()]),
            r#""name" is a required property"#,
        ),
        (
            "tool_choice",
            json!({ "type": "function", "function": { "name": "get_weather" } }),
            r#""name" is a required property"#,
        ),
        (
            "input",
            message(json!([{ "type": "image_url", "image_url": { "url": PNG } }])),
            r#""image_url" is not one of"#,
        ),
    ];
    for (field, value, expected) in responses_cases {
        spec.assert_invalid(responses, &with(&ok_responses, field, value), expected);
    }

    // A chat body is no Responses body, and the other way round.
    spec.assert_invalid(responses, &ok_chat, "'messages' was unexpected");
    spec.assert_invalid(chat, &ok_responses, r#""messages" is a required property"#);
}

/// As written, `CreateResponse` accepts any extra field: checking it as written would miss the
/// fields OpenAI rejects, so the tests close every object (see [`schema`]).
#[test]
fn openapi_spec_as_written_accepts_unknown_fields() {
    let spec = spec();
    let body =
        json!({ "model": MODEL, "input": "Hi", "n": 2, "stop": "END", "frequency_penalty": 1 });
    let as_written = spec.errors_as_written(&body);
    assert!(
        as_written.is_empty(),
        "as written, CreateResponse rejects {as_written:?}"
    );
    let closed = spec.errors(Schema::CreateResponse, &body);
    assert!(
        closed.len() == 1
            && ["'frequency_penalty'", "'n'", "'stop'"]
                .iter()
                .all(|field| closed[0].contains(field)),
        "closed, CreateResponse rejects the three extension fields: {closed:?}"
    );
    let timings = spec.timings;
    eprintln!(
        "the spec parsed in {:?}; the validators compiled in {:?}",
        timings.parse, timings.compile
    );
}

// --- Chat completions --------------------------------------------------------------------

#[test]
fn openapi_chat_bodies_validate_with_every_parameter_and_option() {
    let spec = spec();
    let messages = history();
    let mut checked = 0;
    for (options, stream) in chat_options() {
        let base = to_json(&ChatRequest::new(
            MODEL,
            &messages,
            &Params::default(),
            options,
            stream,
        ));
        for (label, params) in param_cases() {
            let case = format!("{label}, {options:?}, stream {stream}");
            let body = to_json(&ChatRequest::new(
                MODEL, &messages, &params, options, stream,
            ));
            spec.assert_valid(Schema::CreateChatCompletionRequest, &body, &case);
            // Each parameter is written (chat has no reasoning summary; text is the default format).
            let unwritten = label.starts_with("reasoning_summary") || label == "format text";
            assert_eq!(body == base, unwritten, "{case}: body {body}");
            checked += 1;
        }
        assert_eq!(
            base.get("stream_options").is_some(),
            stream && options.include_usage,
            "stream_options only when streaming with usage"
        );
    }
    assert!(checked > 100, "checked {checked} bodies");
}

#[test]
fn openapi_chat_bodies_with_images_validate() {
    let spec = spec();
    for (options, stream) in chat_options() {
        let body = to_json(&ChatRequest::new(
            MODEL,
            &history_with_images(),
            &Params::default(),
            options,
            stream,
        ));
        spec.assert_valid(
            Schema::CreateChatCompletionRequest,
            &body,
            format!("{options:?}, stream {stream}"),
        );
        let parts = body["messages"][1]["content"]
            .as_array()
            .expect("a user message with images has parts");
        assert_eq!(parts.len(), 3, "text, then two images: {body}");
        let images_only = body["messages"][3]["content"]
            .as_array()
            .expect("images alone are parts");
        assert_eq!(
            images_only.len(),
            1,
            "an empty text sends no text part: {body}"
        );
    }
}

// --- Responses ---------------------------------------------------------------------------

/// Validates a Responses body with its [`RESPONSES_EXTENSIONS`] removed, and checks that exactly
/// the extensions `params` set were removed.
fn assert_responses_valid(mut body: Value, params: &Params, case: &str) {
    let expected: Vec<&str> = RESPONSES_EXTENSIONS
        .into_iter()
        .filter(|field| match *field {
            "frequency_penalty" => params.frequency_penalty.is_some(),
            "presence_penalty" => params.presence_penalty.is_some(),
            "stop" => !params.stop.is_empty(),
            "n" => params.n.is_some(),
            other => unreachable!("{other}"),
        })
        .collect();
    let removed = remove_fields(&mut body, &RESPONSES_EXTENSIONS);
    assert_eq!(
        removed, expected,
        "{case}: the deviations removed before validating"
    );
    spec().assert_valid(Schema::CreateResponse, &body, case);
}

#[test]
fn openapi_responses_bodies_from_chat_validate_with_every_parameter() {
    let messages = history();
    for stream in [false, true] {
        let base = to_json(&ResponsesRequest::from_chat(
            MODEL,
            &messages,
            &Params::default(),
            stream,
        ));
        for (label, params) in param_cases() {
            let case = format!("{label}, stream {stream}");
            let body = to_json(&ResponsesRequest::from_chat(
                MODEL, &messages, &params, stream,
            ));
            assert_eq!(body == base, label == "format text", "{case}: body {body}");
            assert_responses_valid(body, &params, &case);
        }
    }
}

#[test]
fn openapi_responses_bodies_from_chat_with_images_validate() {
    for stream in [false, true] {
        let body = to_json(&ResponsesRequest::from_chat(
            MODEL,
            &history_with_images(),
            &Params::default(),
            stream,
        ));
        assert_eq!(body["instructions"], "Describe images.", "{body}");
        assert_eq!(
            body["input"][0]["content"].as_array().map(Vec::len),
            Some(3),
            "{body}"
        );
        assert_responses_valid(
            body,
            &Params::default(),
            &format!("images, stream {stream}"),
        );
    }
}

#[test]
fn openapi_responses_bodies_from_the_builders_validate() {
    let items = vec![
        InputItem::message(InputRole::Developer, "Be terse."),
        InputItem::message(InputRole::System, "Answer in English."),
        InputItem::message(InputRole::User, "Hi"),
        InputItem::message(InputRole::Assistant, "Hello."),
        InputItem::message(
            InputRole::User,
            vec![
                ContentPart::text("What are these?"),
                ContentPart::image(PNG),
                ContentPart::InputImage {
                    image_url: HTTPS_IMAGE.into(),
                    detail: ImageDetail::Low,
                },
                ContentPart::InputImage {
                    image_url: PNG.into(),
                    detail: ImageDetail::High,
                },
            ],
        ),
        InputItem::message(
            InputRole::Developer,
            vec![ContentPart::text("Use metric units.")],
        ),
    ];
    let mut cases = vec![
        ("string input", ResponsesRequest::new(MODEL, "Hi")),
        ("item input", ResponsesRequest::new(MODEL, items.clone())),
        ("empty item input", ResponsesRequest::new(MODEL, Vec::new())),
    ];
    let mut everything = ResponsesRequest::new(MODEL, items);
    everything.instructions = Some("You are terse.".into());
    everything.previous_response_id = Some("resp_0123456789abcdef".into());
    everything.store = Some(false);
    everything.max_output_tokens = Some(16);
    everything.temperature = Some(0.3);
    everything.top_p = Some(1.0);
    everything.text = Some(TextConfig {
        format: Some(TextFormat {
            kind: OutputFormat::JsonObject,
        }),
        verbosity: Some(Verbosity::Low),
    });
    everything.reasoning = Some(ReasoningConfig {
        effort: Some(ReasoningEffort::High),
        summary: Some(ReasoningSummary::Auto),
    });
    everything.tools = Some(vec![json!({
        "type": "function",
        "name": "get_weather",
        "parameters": { "type": "object", "properties": { "city": { "type": "string" } }, "required": ["city"], "additionalProperties": false },
        "strict": true
    })]);
    everything.tool_choice = Some(json!({ "type": "function", "name": "get_weather" }));
    everything.truncation = Some(Truncation::Auto);
    everything.user = Some("user-1234".into());
    everything.stream = true;
    cases.push(("every field", everything.clone()));
    let mut text_format = ResponsesRequest::new(MODEL, "Hi");
    text_format.text = Some(TextConfig {
        format: Some(TextFormat {
            kind: OutputFormat::Text,
        }),
        verbosity: None,
    });
    text_format.truncation = Some(Truncation::Disabled);
    text_format.store = Some(true);
    cases.push(("text format, truncation disabled", text_format));
    for choice in ["auto", "none", "required"] {
        let mut request = everything.clone();
        request.tool_choice = Some(json!(choice));
        cases.push(("tool_choice option", request));
    }
    for (case, request) in cases {
        assert_responses_valid(to_json(&request), &Params::default(), case);
    }
}

/// Assistant history as `output_text` parts is not in the spec: there `output_text` appears only
/// in a whole `OutputMessage` (with the `id` and `status` of the response it came from, and
/// `annotations` and `logprobs` on the part). `from_chat` writes assistant history as string
/// content, which validates.
#[test]
fn openapi_responses_assistant_output_text_parts_deviate() {
    let request = ResponsesRequest::new(
        MODEL,
        vec![
            InputItem::message(InputRole::User, "Hi"),
            InputItem::message(
                InputRole::Assistant,
                vec![ContentPart::OutputText {
                    text: "Hello.".into(),
                }],
            ),
        ],
    );
    spec().assert_invalid(
        Schema::CreateResponse,
        &to_json(&request),
        r#""id" is a required property"#,
    );
}

/// Chat tools become flat Responses function tools that keep chat's meaning: OpenAI's
/// `FunctionTool` requires `parameters` and `strict`, and a Responses tool without `strict` is
/// made strict (which makes every optional parameter required), while chat's default is
/// non-strict.
#[test]
fn openapi_responses_chat_tools_become_valid_function_tools() {
    for tool in [weather_tool(), no_parameters_tool(), strict_tool()] {
        let params = Params {
            tools: vec![tool.clone()],
            ..Params::default()
        };
        let body = to_json(&ResponsesRequest::from_chat(
            MODEL,
            &history(),
            &params,
            false,
        ));
        let flat = &body["tools"][0];
        let name = &tool["function"]["name"];
        assert_eq!(&flat["name"], name, "{body}");
        assert!(
            flat.get("function").is_none(),
            "the function wrapper is gone: {body}"
        );
        let chat_strict = tool["function"]["strict"].as_bool().unwrap_or(false);
        assert_eq!(
            flat["strict"],
            json!(chat_strict),
            "{name}: chat's strictness is kept: {body}"
        );
        spec().assert_valid(Schema::CreateResponse, &body, format!("tool {name}"));
    }
    // Built-in tools (Responses only) and tools already flat are sent as given.
    let given = [
        json!({ "type": "web_search" }),
        json!({ "type": "function", "name": "f", "parameters": null, "strict": false }),
    ];
    for tool in given {
        let params = Params {
            tools: vec![tool.clone()],
            ..Params::default()
        };
        let body = to_json(&ResponsesRequest::from_chat(
            MODEL,
            &history(),
            &params,
            false,
        ));
        assert_eq!(body["tools"][0], tool, "{body}");
        spec().assert_valid(Schema::CreateResponse, &body, &tool);
    }
    // Chat's named tool choice is flattened; the options are sent as given.
    for (chat, flat) in [
        (
            json!({ "type": "function", "function": { "name": "get_time" } }),
            json!({ "type": "function", "name": "get_time" }),
        ),
        (json!("auto"), json!("auto")),
        (json!("none"), json!("none")),
        (json!("required"), json!("required")),
    ] {
        let params = Params {
            tools: vec![strict_tool()],
            tool_choice: Some(chat.clone()),
            ..Params::default()
        };
        let body = to_json(&ResponsesRequest::from_chat(
            MODEL,
            &history(),
            &params,
            false,
        ));
        assert_eq!(body["tool_choice"], flat, "{body}");
        spec().assert_valid(Schema::CreateResponse, &body, &chat);
    }
}
