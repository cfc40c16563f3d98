//! Model discovery: `GET {base}/models`, read leniently because every server writes its own
//! variant of the list (see `shared/reference/protocol.md` §5).
//!
//! Accepted shapes:
//! - OpenAI: `{"object":"list","data":[{id, object, created, owned_by}]}` (also Ollama, vLLM,
//!   llama.cpp and LM Studio, which list only the loaded models and may add fields such as
//!   `max_model_len`);
//! - `{"data":[…]}` without `object`, a `models` list instead of `data`, or a bare array;
//! - new-api gateways: `{"success":true,"data":[{id, supported_endpoint_types:[…]}]}`;
//! - OpenRouter: `name`, `context_length`, `supported_parameters`, `architecture`;
//! - AI/ML API's catalogue: `{id, type, info:{name, contextLength}, features, endpoints}`, which
//!   mixes in image, video and audio models: those are left out.
//!
//! Unknown fields are ignored, entries without an `id` are skipped, and a repeated id keeps its
//! first entry. The list says nothing about capabilities unless a field does: every capability is
//! `None` ("the listing does not say") unless the listing names it.

use std::error::Error as _;
use std::time::Duration;

use reqwest::header::ACCEPT;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::{endpoint_url, Api, Endpoint};
use crate::error::{ErrorKind, LlmError, ProviderError};

/// What a model listing says a model can do. `None`: the listing does not say.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Capabilities {
    /// It reasons before answering (OpenRouter `reasoning`, AI/ML API `….reasoning`).
    pub reasoning: Option<bool>,
    /// It reads images (OpenRouter `architecture.input_modalities`, AI/ML API `….vision`).
    pub vision: Option<bool>,
    /// It calls tools (OpenRouter `tools`, AI/ML API `….function`).
    pub tools: Option<bool>,
    /// It answers in JSON mode (OpenRouter `response_format`, AI/ML API `….response-format`).
    pub json_mode: Option<bool>,
}

/// One model as a provider's `/models` lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RemoteModel {
    /// The provider's own model ID, exactly as it must be sent.
    pub id: String,
    /// A display name, when the listing gives one (OpenRouter `name`, AI/ML API `info.name`).
    pub name: Option<String>,
    /// The context window in tokens, when the listing gives one.
    pub context_length: Option<u64>,
    /// What the listing says the model can do.
    pub capabilities: Capabilities,
    /// The protocols the listing says the model is served on, in the listing's order; empty when
    /// it does not say (new-api `supported_endpoint_types`, AI/ML API `endpoints`).
    pub endpoints: Vec<Api>,
}

/// The largest model list accepted (OpenRouter's and AI/ML API's lists are a few MB).
const MAX_LIST_BODY: usize = 16 * 1024 * 1024;
/// The longest error body read from a failed listing.
const MAX_ERROR_BODY: usize = 64 * 1024;

/// Lists the models at `endpoint`: `GET {base_url}/models` with the account's key (no
/// `Authorization` header when the key is empty, for local servers that need none).
/// `timeout` bounds the whole request, body included.
pub async fn list_models(
    http: &reqwest::Client,
    endpoint: Endpoint<'_>,
    timeout: Duration,
) -> Result<Vec<RemoteModel>, LlmError> {
    let url = endpoint_url(endpoint.base_url, "/models")?;
    let mut request = http
        .get(url)
        .header(ACCEPT, "application/json")
        .timeout(timeout);
    request = endpoint.authorize(request);
    let mut response = request
        .send()
        .await
        .map_err(|e| transport_error(&e, timeout))?;
    let status = response.status();
    if !status.is_success() {
        let headers = response.headers().clone();
        let body = read_limited(&mut response, MAX_ERROR_BODY, timeout)
            .await
            .unwrap_or_default();
        return Err(LlmError::from_http(
            status.as_u16(),
            &headers,
            &String::from_utf8_lossy(&body),
        ));
    }
    let body = read_limited(&mut response, MAX_LIST_BODY, timeout).await?;
    parse_models(&String::from_utf8_lossy(&body))
}

async fn read_limited(
    response: &mut reqwest::Response,
    limit: usize,
    timeout: Duration,
) -> Result<Vec<u8>, LlmError> {
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| transport_error(&e, timeout))?
    {
        if body.len() + chunk.len() > limit {
            return Err(LlmError::new(
                ErrorKind::Protocol,
                format!("The provider's model list is larger than {limit} bytes."),
            ));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// A readable message for a failed listing request, with reqwest's root cause.
fn transport_error(error: &reqwest::Error, timeout: Duration) -> LlmError {
    let host = error
        .url()
        .and_then(|u| {
            let host = u.host_str()?;
            Some(match u.port() {
                Some(port) => format!("{host}:{port}"),
                None => host.to_owned(),
            })
        })
        .unwrap_or_else(|| "the provider".to_owned());
    if error.is_timeout() {
        return LlmError::new(
            ErrorKind::Network,
            format!(
                "Listing the models at {host} timed out after {} seconds.",
                timeout.as_secs()
            ),
        );
    }
    let mut cause = error.to_string();
    let mut source = error.source();
    while let Some(inner) = source {
        cause = inner.to_string();
        source = inner.source();
    }
    let action = if error.is_connect() {
        "could not connect"
    } else {
        "lost the connection"
    };
    LlmError::new(
        ErrorKind::Network,
        format!("Switchboard {action} to {host} while listing models: {cause}."),
    )
}

/// Reads a `/models` body in any of the shapes in the module docs. A body that is not a list is
/// an [`ErrorKind::Protocol`] error, except an error object (`{"error":…}`, new-api's
/// `{"success":false,"message":…}`), which is classified like an error inside a stream.
pub fn parse_models(body: &str) -> Result<Vec<RemoteModel>, LlmError> {
    let body = body.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if body.trim_end().is_empty() {
        return Err(not_a_list("the body is empty"));
    }
    let value: Value = serde_json::from_str(body)
        .map_err(|e| not_a_list(&format!("it is not JSON ({e}): {}", excerpt(body))))?;
    let entries = match &value {
        Value::Array(entries) => entries,
        Value::Object(object) => match list_field(object) {
            Some(entries) => entries,
            None => {
                if let Some(detail) = ProviderError::parse(body) {
                    return Err(LlmError::from_stream_error(detail));
                }
                return Err(not_a_list(&format!(
                    "it has no `data` list: {}",
                    excerpt(body)
                )));
            }
        },
        _ => return Err(not_a_list(&format!("it is {}", excerpt(body)))),
    };
    let mut models: Vec<RemoteModel> = Vec::with_capacity(entries.len());
    for entry in entries.iter().filter_map(Value::as_object) {
        let Some(model) = parse_entry(entry) else {
            continue;
        };
        if !models.iter().any(|m| m.id == model.id) {
            models.push(model);
        }
    }
    Ok(models)
}

fn not_a_list(why: &str) -> LlmError {
    LlmError::new(
        ErrorKind::Protocol,
        format!("The provider's model list could not be read: {why}."),
    )
}

/// A short single-line excerpt of a body for an error message.
fn excerpt(body: &str) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// `data` (OpenAI and most servers), else `models` (some local servers).
fn list_field(object: &Map<String, Value>) -> Option<&Vec<Value>> {
    ["data", "models"]
        .iter()
        .find_map(|key| object.get(*key).and_then(Value::as_array))
}

fn parse_entry(entry: &Map<String, Value>) -> Option<RemoteModel> {
    let id = text(entry.get("id"))?;
    let info = entry.get("info").and_then(Value::as_object);
    let raw_endpoints: Vec<String> = ["supported_endpoint_types", "endpoints"]
        .iter()
        .filter_map(|key| strings(entry.get(*key)))
        .flatten()
        .collect();
    let mut endpoints = Vec::new();
    for api in raw_endpoints.iter().filter_map(|e| endpoint_api(e)) {
        if !endpoints.contains(&api) {
            endpoints.push(api);
        }
    }
    if endpoints.is_empty() && !is_chat(text(entry.get("type")).as_deref(), &raw_endpoints) {
        return None;
    }
    let name = text(entry.get("name")).or_else(|| text(info.and_then(|i| i.get("name"))));
    let context_length = [
        entry.get("context_length"),
        entry
            .get("top_provider")
            .and_then(|p| p.get("context_length")),
        info.and_then(|i| i.get("contextLength")),
        entry.get("max_model_len"),
        entry.get("max_context_length"),
        entry.get("context_window"),
    ]
    .into_iter()
    .find_map(count);
    Some(RemoteModel {
        id,
        name,
        context_length,
        capabilities: capabilities(entry),
        endpoints,
    })
}

/// The protocol an endpoint name or path stands for: new-api's `openai` / `openai-response`,
/// AI/ML API's `/v1/chat/completions` / `/v1/responses`, and the plain words.
fn endpoint_api(endpoint: &str) -> Option<Api> {
    let e = endpoint.trim().trim_end_matches('/').to_ascii_lowercase();
    if e.ends_with("/chat/completions")
        || matches!(
            e.as_str(),
            "openai" | "chat" | "chat-completions" | "chat_completions" | "chat-completion"
        )
    {
        Some(Api::ChatCompletions)
    } else if e.ends_with("/responses")
        || matches!(
            e.as_str(),
            "openai-response" | "openai-responses" | "responses" | "response"
        )
    {
        Some(Api::Responses)
    } else {
        None
    }
}

/// Words in a model `type` or endpoint that mean the model does not chat (image, video, audio,
/// embedding and reranking models in AI/ML API's catalogue and new-api's endpoint types).
const NOT_CHAT: &[&str] = &[
    "image",
    "video",
    "audio",
    "speech",
    "tts",
    "stt",
    "transcri",
    "music",
    "embed",
    "rerank",
    "moderation",
];

/// Whether a model with no chat or Responses endpoint listed is still a chat model. A `type`
/// decides when present: chat types are kept, known non-chat types dropped, and unknown types
/// (Mistral's `base`, LM Studio's `llm`) kept. Without a type, a model is dropped only when every
/// endpoint it lists is a known non-chat one (new-api `embeddings`, `image-generation`).
fn is_chat(kind: Option<&str>, raw_endpoints: &[String]) -> bool {
    let not_chat = |word: &str| {
        let word = word.to_ascii_lowercase();
        NOT_CHAT.iter().any(|n| word.contains(n))
    };
    match kind {
        Some(kind) => kind.to_ascii_lowercase().contains("chat") || !not_chat(kind),
        None => raw_endpoints.is_empty() || !raw_endpoints.iter().all(|e| not_chat(e)),
    }
}

fn capabilities(entry: &Map<String, Value>) -> Capabilities {
    // OpenRouter: the request parameters the model accepts.
    let params = strings(entry.get("supported_parameters")).filter(|p| !p.is_empty());
    let param = |names: &[&str]| {
        params
            .as_ref()
            .map(|p| p.iter().any(|x| names.contains(&x.as_str())))
    };
    // AI/ML API: feature names such as `openai/chat-completion.vision`.
    let features = strings(entry.get("features")).filter(|f| !f.is_empty());
    let feature = |suffixes: &[&str]| {
        features.as_ref().map(|f| {
            f.iter().any(|x| {
                let x = x.to_ascii_lowercase();
                suffixes
                    .iter()
                    .any(|s| x == *s || x.ends_with(&format!(".{s}")))
            })
        })
    };
    let architecture = entry.get("architecture").and_then(Value::as_object);
    let modalities = strings(architecture.and_then(|a| a.get("input_modalities")))
        .filter(|m| !m.is_empty())
        .map(|m| m.iter().any(|x| x.eq_ignore_ascii_case("image")))
        .or_else(|| {
            // The older `modality` string: "text+image->text".
            let modality = text(architecture.and_then(|a| a.get("modality")))?;
            let input = modality.split("->").next().unwrap_or_default();
            Some(input.to_ascii_lowercase().contains("image"))
        });
    Capabilities {
        reasoning: either(
            param(&["reasoning", "include_reasoning"]),
            feature(&["reasoning"]),
        ),
        vision: either(modalities, feature(&["vision"])),
        tools: either(
            param(&["tools"]),
            feature(&["function", "parallel-tool-calls"]),
        ),
        json_mode: either(
            param(&["response_format", "structured_outputs"]),
            feature(&["response-format"]),
        ),
    }
}

/// Combines two sources: yes if either says yes, no if one says no, unknown if neither says.
fn either(a: Option<bool>, b: Option<bool>) -> Option<bool> {
    match (a, b) {
        (Some(true), _) | (_, Some(true)) => Some(true),
        (None, None) => None,
        _ => Some(false),
    }
}

/// A non-empty trimmed string.
fn text(value: Option<&Value>) -> Option<String> {
    let s = value?.as_str()?.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// A positive whole number, written as a number or a numeric string.
fn count(value: Option<&Value>) -> Option<u64> {
    let n = match value? {
        Value::Number(n) => n.as_u64().or_else(|| {
            n.as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= 1.0)
                .map(|f| f as u64)
        }),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }?;
    (n > 0).then_some(n)
}

/// The strings of an array (other items skipped); `None` when it is not an array.
fn strings(value: Option<&Value>) -> Option<Vec<String>> {
    let items = value?.as_array()?;
    Some(items.iter().filter_map(|v| text(Some(v))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(models: &[RemoteModel]) -> Vec<&str> {
        models.iter().map(|m| m.id.as_str()).collect()
    }

    fn parse(body: &str) -> Vec<RemoteModel> {
        parse_models(body).unwrap_or_else(|e| panic!("{body} should parse: {e}"))
    }

    fn find<'a>(models: &'a [RemoteModel], id: &str) -> &'a RemoteModel {
        models
            .iter()
            .find(|m| m.id == id)
            .unwrap_or_else(|| panic!("{id} should be listed in {:?}", ids(models)))
    }

    #[test]
    fn openai_shape_lists_every_id_without_guessing_capabilities() {
        let models = parse(
            r#"{"object":"list","data":[
                {"id":"gpt-5.1","object":"model","created":1762800000,"owned_by":"system","shutdown_date":null},
                {"id":"gpt-4.1-mini","object":"model","created":1744316542,"owned_by":"system"}]}"#,
        );
        assert_eq!(ids(&models), ["gpt-5.1", "gpt-4.1-mini"], "order is kept");
        assert_eq!(
            models[0],
            RemoteModel {
                id: "gpt-5.1".into(),
                ..RemoteModel::default()
            },
            "OpenAI's list carries no capability information, so nothing is claimed"
        );
    }

    #[test]
    fn shared_fixture_parses_and_keeps_models_the_listing_cannot_classify() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../../shared/reference/fixtures/models_list.json"
        );
        let body = std::fs::read_to_string(path).expect("the shared models_list.json fixture");
        let models = parse(&body);
        assert_eq!(
            ids(&models),
            ["gpt-5.1", "gpt-4.1-mini", "text-embedding-3-small"],
            "an OpenAI-shape list has no type, so even the embedding model stays (§5: the list \
             cannot tell chat models from embedding models)"
        );
        assert!(models
            .iter()
            .all(|m| m.capabilities == Capabilities::default() && m.endpoints.is_empty()));
    }

    #[test]
    fn data_without_object_a_bare_array_and_a_models_list_are_accepted() {
        let expected = ["a", "b"];
        for body in [
            r#"{"data":[{"id":"a"},{"id":"b"}]}"#,
            r#"[{"id":"a"},{"id":"b"}]"#,
            r#"{"models":[{"id":"a"},{"id":"b"}]}"#,
        ] {
            assert_eq!(ids(&parse(body)), expected, "{body}");
        }
        assert!(
            parse(r#"{"object":"list","data":[]}"#).is_empty(),
            "an empty list is a list"
        );
    }

    #[test]
    fn leading_whitespace_unknown_fields_missing_ids_and_duplicates() {
        let models = parse(
            "\u{feff}\n\n  \r\n{\"data\":[
                {\"id\":\"m1\",\"object\":\"model\",\"mystery\":{\"deep\":[1,2]}},
                {\"object\":\"model\"},
                {\"id\":\"\"},
                {\"id\":42},
                \"just-a-string\",
                null,
                {\"id\":\"m2\"},
                {\"id\":\"m1\",\"name\":\"second copy\"}]}",
        );
        assert_eq!(
            ids(&models),
            ["m1", "m2"],
            "entries without a usable id are skipped and a repeated id keeps its first entry"
        );
        assert_eq!(
            models[0].name, None,
            "the first m1 wins, not the later copy"
        );
    }

    #[test]
    fn new_api_endpoint_types_become_protocols() {
        let models = parse(
            r#"{"success":true,"data":[
                {"id":"gpt-5.1-codex-mini","object":"model","created":1,"owned_by":"custom","supported_endpoint_types":["openai"]},
                {"id":"gpt-5.2","supported_endpoint_types":["openai-response"]},
                {"id":"gpt-5.1","supported_endpoint_types":["openai","openai-response"]},
                {"id":"claude-x","supported_endpoint_types":["anthropic","openai"]},
                {"id":"doc-model","supported_endpoint_types":["chat","responses"]},
                {"id":"gemini-only","supported_endpoint_types":["gemini"]},
                {"id":"text-embedding-3-small","supported_endpoint_types":["embeddings"]},
                {"id":"jina-reranker","supported_endpoint_types":["jina-rerank"]},
                {"id":"gpt-image-1","supported_endpoint_types":["image-generation"]}]}"#,
        );
        assert_eq!(
            find(&models, "gpt-5.1-codex-mini").endpoints,
            [Api::ChatCompletions],
            "new-api's `openai` is chat completions"
        );
        assert_eq!(find(&models, "gpt-5.2").endpoints, [Api::Responses]);
        assert_eq!(
            find(&models, "gpt-5.1").endpoints,
            [Api::ChatCompletions, Api::Responses]
        );
        assert_eq!(find(&models, "claude-x").endpoints, [Api::ChatCompletions]);
        assert_eq!(
            find(&models, "doc-model").endpoints,
            [Api::ChatCompletions, Api::Responses],
            "the plain words of protocol.md §5 are read too"
        );
        assert!(
            find(&models, "gemini-only").endpoints.is_empty(),
            "an endpoint we do not speak is kept as unknown, not dropped"
        );
        for gone in ["text-embedding-3-small", "jina-reranker", "gpt-image-1"] {
            assert!(
                !ids(&models).contains(&gone),
                "{gone} lists only non-chat endpoints and cannot be chatted with"
            );
        }
    }

    #[test]
    fn openrouter_extras_give_name_context_and_capabilities() {
        let models = parse(
            r#"{"data":[
                {"id":"openai/gpt-5.1","canonical_slug":"openai/gpt-5.1-20251113","name":"OpenAI: GPT-5.1",
                 "created":1763060305,"description":"…","context_length":400000,
                 "architecture":{"modality":"text+image->text","input_modalities":["image","text","file"],"output_modalities":["text"],"tokenizer":"GPT"},
                 "pricing":{"prompt":"0.00000125","completion":"0.00001"},
                 "top_provider":{"context_length":400000,"max_completion_tokens":128000,"is_moderated":true},
                 "supported_parameters":["include_reasoning","max_tokens","reasoning","response_format","seed","structured_outputs","tool_choice","tools"]},
                {"id":"meta-llama/llama-3-8b-instruct","name":"Meta: Llama 3 8B Instruct",
                 "architecture":{"modality":"text->text","input_modalities":["text"]},
                 "top_provider":{"context_length":"8192"},
                 "supported_parameters":["max_tokens","temperature"]},
                {"id":"old/model","architecture":{"modality":"text+image->text"}}]}"#,
        );
        let gpt = find(&models, "openai/gpt-5.1");
        assert_eq!(gpt.name.as_deref(), Some("OpenAI: GPT-5.1"));
        assert_eq!(gpt.context_length, Some(400_000));
        assert_eq!(
            gpt.capabilities,
            Capabilities {
                reasoning: Some(true),
                vision: Some(true),
                tools: Some(true),
                json_mode: Some(true),
            }
        );
        let llama = find(&models, "meta-llama/llama-3-8b-instruct");
        assert_eq!(
            llama.context_length,
            Some(8192),
            "top_provider's context length, even as a string"
        );
        assert_eq!(
            llama.capabilities,
            Capabilities {
                reasoning: Some(false),
                vision: Some(false),
                tools: Some(false),
                json_mode: Some(false),
            },
            "a parameter list that lacks a feature says the model lacks it"
        );
        assert_eq!(
            find(&models, "old/model").capabilities,
            Capabilities {
                vision: Some(true),
                ..Capabilities::default()
            },
            "the older modality string is read; absent lists say nothing"
        );
    }

    #[test]
    fn aimlapi_catalogue_keeps_chat_models_with_their_endpoints() {
        let catalogue = r#"{"data":[
            {"id":"openai/gpt-5-1-codex-mini","type":"responses",
             "info":{"name":"GPT-5.1 Codex Mini","developer":"Open AI","contextLength":400000,"maxTokens":128000},
             "features":["openai/response-api","openai/chat-completion.function","openai/chat-completion.reasoning"],
             "endpoints":["/v1/responses"]},
            {"id":"o3-mini","type":"chat-completion",
             "info":{"name":"o3 mini","developer":"Open AI","contextLength":200000,"maxTokens":100000},
             "features":["openai/chat-completion","openai/response-api","openai/chat-completion.function",
                         "openai/chat-completion.stream","openai/chat-completion.reasoning","openai/chat-completion.response-format"],
             "endpoints":["/v1/chat/completions","/v1/responses"]},
            {"id":"openai/gpt-5-2","type":"chat-completion",
             "features":["openai/chat-completion.function","openai/chat-completion.parallel-tool-calls","openai/chat-completion.vision"],
             "info":{"contextLength":400000}},
            {"id":"flux/kontext-max/text-to-image","type":"image",
             "info":{"name":"Flux Kontext Max"},"features":[],"endpoints":["/v1/images/generations"]},
            {"id":"veo2/image-to-video","type":"video","features":[],
             "endpoints":["/v2/generate/video/google/generation","/v2/video/generations"]},
            {"id":"some-tts","type":"tts","features":[],"endpoints":["/v1/tts"]},
            {"id":"text-embedding-3-large","type":"embedding","features":[],"endpoints":["/v1/embeddings"]}]}"#;
        // AI/ML API's OpenAPI spec documents `/models` as a bare array; accept both.
        let bare = catalogue
            .trim()
            .trim_start_matches(r#"{"data":"#)
            .trim_end_matches('}');
        for body in [catalogue, bare] {
            let models = parse(body);
            assert_eq!(
                ids(&models),
                ["openai/gpt-5-1-codex-mini", "o3-mini", "openai/gpt-5-2"],
                "image, video, speech and embedding models are left out"
            );
            let codex = find(&models, "openai/gpt-5-1-codex-mini");
            assert_eq!(
                codex.endpoints,
                [Api::Responses],
                "a model listed only on /v1/responses is kept whatever its type, and is \
                 responses-only"
            );
            assert_eq!(codex.name.as_deref(), Some("GPT-5.1 Codex Mini"));
            assert_eq!(codex.context_length, Some(400_000));
            let o3 = find(&models, "o3-mini");
            assert_eq!(o3.endpoints, [Api::ChatCompletions, Api::Responses]);
            assert_eq!(
                o3.capabilities,
                Capabilities {
                    reasoning: Some(true),
                    vision: Some(false),
                    tools: Some(true),
                    json_mode: Some(true),
                },
                "a chat model's feature list is complete: a missing feature is a no"
            );
            let gpt52 = find(&models, "openai/gpt-5-2");
            assert_eq!(gpt52.capabilities.vision, Some(true));
            assert!(gpt52.endpoints.is_empty(), "no endpoints listed: unknown");
        }
    }

    #[test]
    fn local_servers_list_loaded_models_with_extra_fields() {
        let vllm = parse(
            r#"{"object":"list","data":[{"id":"Qwen/Qwen3-8B","object":"model","created":1,"owned_by":"vllm",
                "root":"Qwen/Qwen3-8B","parent":null,"max_model_len":32768,
                "permission":[{"id":"modelperm-1","object":"model_permission","allow_sampling":true}]}]}"#,
        );
        assert_eq!(vllm[0].id, "Qwen/Qwen3-8B");
        assert_eq!(
            vllm[0].context_length,
            Some(32768),
            "vLLM's max_model_len is the context"
        );
        let llama_cpp = parse(
            r#"{"models":[{"name":"qwen.gguf","model":"qwen.gguf"}],"object":"list",
                "data":[{"id":"qwen.gguf","object":"model","created":1,"owned_by":"llamacpp",
                         "meta":{"vocab_type":2,"n_vocab":151936,"n_ctx_train":40960}}]}"#,
        );
        assert_eq!(
            ids(&llama_cpp),
            ["qwen.gguf"],
            "llama.cpp's `data` wins over its id-less `models`"
        );
        let ollama = parse(
            r#"{"object":"list","data":[{"id":"llama3.2:latest","object":"model","created":1718000000,"owned_by":"library"}]}"#,
        );
        assert_eq!(ids(&ollama), ["llama3.2:latest"]);
        let lm_studio = parse(
            r#"{"object":"list","data":[
                {"id":"qwen2-vl-7b","object":"model","type":"vlm","max_context_length":32768},
                {"id":"meta-llama-3.1-8b","object":"model","type":"llm"},
                {"id":"text-embedding-nomic","object":"model","type":"embeddings"},
                {"id":"mistral-small","object":"model","type":"base"}]}"#,
        );
        assert_eq!(
            ids(&lm_studio),
            ["qwen2-vl-7b", "meta-llama-3.1-8b", "mistral-small"],
            "unknown types are kept, known non-chat types dropped"
        );
        assert_eq!(lm_studio[0].context_length, Some(32768));
    }

    #[test]
    fn a_body_that_is_not_a_list_is_a_readable_protocol_error() {
        for (body, says) in [
            ("", "empty"),
            ("   \n", "empty"),
            ("<html><body>Bad Gateway</body></html>", "not JSON"),
            (r#"{"object":"list"}"#, "no `data` list"),
            (r#"{"data":{"id":"x"}}"#, "no `data` list"),
            ("42", "it is 42"),
        ] {
            let error = parse_models(body).expect_err(body);
            assert_eq!(error.kind, ErrorKind::Protocol, "{body}");
            assert!(
                error.message.contains("model list") && error.message.contains(says),
                "{body:?}: the message says what was wrong: {}",
                error.message
            );
        }
    }

    #[test]
    fn an_error_object_with_status_200_is_classified() {
        let error = parse_models(
            r#"{"error":{"code":"invalid_api_key","message":"Incorrect API key provided"}}"#,
        )
        .expect_err("an error object is not a list");
        assert_eq!(error.kind, ErrorKind::Auth, "the provider's code decides");
        assert!(error.message.contains("Incorrect API key provided"));
        let error = parse_models(r#"{"success":false,"message":"无效的令牌"}"#)
            .expect_err("new-api's failure shape is not a list");
        assert!(
            error.message.contains("无效的令牌"),
            "the gateway's words reach the user: {}",
            error.message
        );
    }

    #[test]
    fn endpoint_names_and_paths_map_to_protocols() {
        assert_eq!(
            endpoint_api("/v1/chat/completions"),
            Some(Api::ChatCompletions)
        );
        assert_eq!(endpoint_api("/v1/responses/"), Some(Api::Responses));
        assert_eq!(endpoint_api("OpenAI-Response"), Some(Api::Responses));
        assert_eq!(
            endpoint_api("openai-response-compact"),
            None,
            "compaction is not a chat protocol"
        );
        assert_eq!(endpoint_api("/v1/images/generations"), None);
    }

    #[test]
    fn a_bad_base_url_fails_before_anything_is_sent() {
        let key = sb_secrets::Secret::new("sk-test".to_owned());
        let endpoint = Endpoint {
            base_url: "ftp://example.com/v1",
            api_key: &key,
            headers: &[],
        };
        let result = futures::executor::block_on(list_models(
            &reqwest::Client::new(),
            endpoint,
            Duration::from_secs(5),
        ));
        let error = result.expect_err("ftp is not a provider URL");
        assert_eq!(
            error.kind,
            ErrorKind::BadRequest,
            "the URL is checked like chat requests check it: {}",
            error.message
        );
    }

    #[test]
    fn remote_models_round_trip_through_serde() {
        let model = RemoteModel {
            id: "openai/gpt-5-1-codex".into(),
            name: Some("GPT-5.1 Codex".into()),
            context_length: Some(400_000),
            capabilities: Capabilities {
                reasoning: Some(true),
                ..Capabilities::default()
            },
            endpoints: vec![Api::Responses],
        };
        let json = serde_json::to_value(&model).expect("serialize");
        assert_eq!(
            json["endpoints"],
            serde_json::json!(["responses"]),
            "protocols use Api's wire names"
        );
        let back: RemoteModel = serde_json::from_value(json).expect("deserialize");
        assert_eq!(back, model);
    }
}
