//! Errors as data: every failure is classified into an [`ErrorKind`] that decides what happens
//! next (retry, fail over, ask the user to fix the key), and keeps the provider's own message.

use std::time::Duration;

use serde::Deserialize;

/// What kind of failure this is. Callers decide retries and wording from this, never from text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// 401/403: the key is missing, wrong or not allowed.
    Auth,
    /// 429 (not quota): slow down and retry later.
    RateLimit,
    /// Out of credit: 402, or 429 with `insufficient_quota`. Never retried.
    Quota,
    /// The request is wrong (400/422); would fail at any provider.
    BadRequest,
    /// The model or endpoint does not exist at this provider (404).
    NotFound,
    /// The provider failed (5xx) or reported an error inside the stream.
    Server,
    /// The connection failed or was cut.
    Network,
    /// The stream went silent for longer than the idle timeout.
    Stalled,
    /// The provider's content filter stopped the answer.
    ContentFilter,
    /// The stream ended before the answer was complete.
    Incomplete,
    /// The server spoke something we could not understand.
    Protocol,
}

impl ErrorKind {
    /// Stable snake_case code, used across IPC and in the CLI's JSON output.
    pub fn code(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::RateLimit => "rate_limit",
            Self::Quota => "quota",
            Self::BadRequest => "bad_request",
            Self::NotFound => "not_found",
            Self::Server => "server",
            Self::Network => "network",
            Self::Stalled => "stalled",
            Self::ContentFilter => "content_filter",
            Self::Incomplete => "incomplete",
            Self::Protocol => "protocol",
        }
    }
}

/// A classified failure of one request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LlmError {
    /// The classification.
    pub kind: ErrorKind,
    /// A readable message, keeping the provider's own words where it gave any.
    pub message: String,
    /// The HTTP status, when the failure came with one.
    pub status: Option<u16>,
    /// The provider's error code (`invalid_api_key`, `rate_limit_exceeded`, `429`...).
    pub provider_code: Option<String>,
    /// The request parameter the provider blamed, if it named one.
    pub param: Option<String>,
    /// How long the provider asked us to wait, if it said.
    pub retry_after: Option<Duration>,
    /// The provider's `x-should-retry` answer, if it gave one.
    pub should_retry: Option<bool>,
}

impl LlmError {
    /// An error with only a kind and a message.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            provider_code: None,
            param: None,
            retry_after: None,
            should_retry: None,
        }
    }

    /// The stable code of [`Self::kind`].
    pub fn code(&self) -> &'static str {
        self.kind.code()
    }

    /// Classifies a non-success HTTP answer from its status, headers and body.
    pub fn from_http(status: u16, headers: &reqwest::header::HeaderMap, body: &str) -> Self {
        let detail = ProviderError::parse(body);
        let kind = detail
            .as_ref()
            .and_then(|d| kind_from_code(d.code.as_deref()))
            .unwrap_or_else(|| kind_from_status(status));
        let provider_message = detail
            .as_ref()
            .and_then(|d| d.message.clone())
            .unwrap_or_else(|| plain_text_excerpt(body));
        let mut error = Self::new(kind, describe(kind, Some(status), &provider_message));
        error.status = Some(status);
        error.retry_after = crate::retry::retry_after(headers, std::time::SystemTime::now());
        error.should_retry = crate::retry::should_retry(headers);
        if let Some(detail) = detail {
            error.provider_code = detail.code;
            error.param = detail.param;
        }
        error
    }

    /// Classifies an error object received inside a stream (after a 200).
    pub(crate) fn from_stream_error(detail: ProviderError) -> Self {
        let kind = kind_from_code(detail.code.as_deref()).unwrap_or(ErrorKind::Server);
        let message = detail
            .message
            .clone()
            .unwrap_or_else(|| "An error occurred during streaming".to_owned());
        let mut error = Self::new(kind, describe(kind, None, &message));
        error.provider_code = detail.code;
        error.param = detail.param;
        error
    }
}

fn kind_from_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Auth,
        402 => ErrorKind::Quota,
        429 => ErrorKind::RateLimit,
        404 => ErrorKind::NotFound,
        // The account's proxy refused us, not the provider: a connection problem.
        407 | 408 => ErrorKind::Network,
        400..=499 => ErrorKind::BadRequest,
        _ => ErrorKind::Server,
    }
}

/// Codes that mean more than their HTTP status says. Numeric codes (OpenRouter puts the HTTP
/// status there, also inside 200 streams) map like statuses.
fn kind_from_code(code: Option<&str>) -> Option<ErrorKind> {
    let code = code?;
    if let Ok(number) = code.parse::<u16>() {
        return (400..=599)
            .contains(&number)
            .then(|| kind_from_status(number));
    }
    match code {
        "insufficient_quota" | "billing_hard_limit_reached" => Some(ErrorKind::Quota),
        "rate_limit_exceeded" => Some(ErrorKind::RateLimit),
        "invalid_api_key" | "invalid_authentication" => Some(ErrorKind::Auth),
        "content_filter" | "content_policy_violation" => Some(ErrorKind::ContentFilter),
        "model_not_found" => Some(ErrorKind::NotFound),
        "server_error" | "internal_error" => Some(ErrorKind::Server),
        _ => None,
    }
}

fn describe(kind: ErrorKind, status: Option<u16>, provider_message: &str) -> String {
    let lead = match kind {
        _ if status == Some(407) => {
            "The account's proxy rejected its credentials; check the proxy user name and \
             password in the account's settings"
        }
        ErrorKind::Auth => "The provider rejected the API key",
        ErrorKind::RateLimit => "The provider is rate-limiting this account",
        ErrorKind::Quota => "This account is out of credit or quota",
        ErrorKind::BadRequest => "The provider rejected the request",
        ErrorKind::NotFound => "The provider does not know this model or endpoint",
        ErrorKind::Server => "The provider failed",
        ErrorKind::Network => "The connection failed",
        ErrorKind::Stalled => "The provider stopped sending",
        ErrorKind::ContentFilter => "The provider's content filter stopped the answer",
        ErrorKind::Incomplete => "The answer ended early",
        ErrorKind::Protocol => "The provider sent something unexpected",
    };
    let status = status.map(|s| format!(" (HTTP {s})")).unwrap_or_default();
    if provider_message.is_empty() {
        format!("{lead}{status}.")
    } else {
        format!("{lead}{status}: {provider_message}")
    }
}

/// A short readable excerpt of a non-JSON body (a proxy's HTML page or plain text).
fn plain_text_excerpt(body: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                text.push(' ');
            }
            _ if !in_tag => text.push(c),
            _ => {}
        }
    }
    let words: Vec<&str> = text.split_whitespace().collect();
    let joined = words.join(" ");
    match joined.char_indices().nth(200) {
        Some((cut, _)) => format!("{}…", &joined[..cut]),
        None => joined,
    }
}

/// The provider's error detail, from any of the body shapes seen in the wild:
/// `{"error":{"code","message"}}` (the seeds), OpenAI's `{"error":{"message","type","param","code"}}`,
/// numeric codes, `{"error":"text"}` and flat `{"message","code"}` bodies.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProviderError {
    pub message: Option<String>,
    pub code: Option<String>,
    pub param: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(crate) enum WireErrorField {
    Object(WireErrorDetail),
    Text(String),
}

#[derive(Debug, Deserialize, Default)]
pub(crate) struct WireErrorDetail {
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

#[derive(Deserialize)]
struct WireErrorBody {
    #[serde(default)]
    error: Option<WireErrorField>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    code: Option<serde_json::Value>,
}

impl WireErrorField {
    pub(crate) fn into_provider_error(self) -> ProviderError {
        match self {
            Self::Text(message) => ProviderError {
                message: Some(message),
                ..ProviderError::default()
            },
            Self::Object(detail) => ProviderError {
                message: detail.message.filter(|m| !m.is_empty()),
                code: code_string(detail.code).or(detail.kind),
                param: detail.param,
            },
        }
    }
}

fn code_string(code: Option<serde_json::Value>) -> Option<String> {
    match code? {
        serde_json::Value::String(s) if !s.is_empty() => Some(s),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

impl ProviderError {
    pub(crate) fn parse(body: &str) -> Option<Self> {
        let body: WireErrorBody = serde_json::from_str(body.trim_start()).ok()?;
        match body.error {
            Some(field) => Some(field.into_provider_error()),
            None if body.message.is_some() => Some(ProviderError {
                message: body.message,
                code: code_string(body.code),
                param: None,
            }),
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn a_proxy_refusal_blames_the_proxy_not_the_provider() {
        let error = classify(407, "<html>Proxy Authentication Required</html>");
        assert_eq!(
            error.kind,
            ErrorKind::Network,
            "another route may still work"
        );
        assert!(
            error
                .message
                .starts_with("The account's proxy rejected its credentials"),
            "{}",
            error.message
        );
    }

    fn classify(status: u16, body: &str) -> LlmError {
        LlmError::from_http(status, &HeaderMap::new(), body)
    }

    #[test]
    fn seed_error_shape_keeps_code_and_message() {
        let e = classify(
            401,
            r#"{"error":{"code":"invalid_api_key","message":"Incorrect API key provided"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::Auth);
        assert_eq!(e.provider_code.as_deref(), Some("invalid_api_key"));
        assert!(
            e.message.contains("Incorrect API key provided") && e.message.contains("401"),
            "the provider's words and the status reach the user: {}",
            e.message
        );
    }

    #[test]
    fn insufficient_quota_is_quota_not_rate_limit() {
        let e = classify(
            429,
            r#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#,
        );
        assert_eq!(
            e.kind,
            ErrorKind::Quota,
            "quota errors must never be retried as rate limits"
        );
    }

    #[test]
    fn openai_shape_names_the_parameter() {
        let e = classify(
            400,
            r#"{"error":{"message":"Unsupported parameter: 'max_tokens'","type":"invalid_request_error","param":"max_tokens","code":"unsupported_parameter"}}"#,
        );
        assert_eq!(e.kind, ErrorKind::BadRequest);
        assert_eq!(e.param.as_deref(), Some("max_tokens"));
    }

    #[test]
    fn numeric_code_and_html_bodies_are_classified() {
        let e = classify(
            402,
            r#"{"error":{"code":402,"message":"Insufficient credits"}}"#,
        );
        assert_eq!(
            (e.kind, e.provider_code.as_deref()),
            (ErrorKind::Quota, Some("402"))
        );
        let e = classify(
            502,
            "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
        );
        assert_eq!(e.kind, ErrorKind::Server);
        assert!(
            e.message.contains("502 Bad Gateway") && !e.message.contains('<'),
            "HTML is reduced to readable text: {}",
            e.message
        );
    }

    #[test]
    fn retry_after_headers_are_read() {
        let mut headers = HeaderMap::new();
        headers.insert("retry-after", HeaderValue::from_static("3"));
        let e = LlmError::from_http(429, &headers, "");
        assert_eq!(e.retry_after, Some(Duration::from_secs(3)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        let e = LlmError::from_http(429, &headers, "");
        assert_eq!(
            e.retry_after,
            Some(Duration::from_millis(250)),
            "retry-after-ms wins"
        );
    }
}
