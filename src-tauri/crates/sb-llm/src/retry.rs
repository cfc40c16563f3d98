//! Retries the way the official SDKs do them (openai-python `_base_client.py`): connection
//! failures, 408, 409, 429 and 5xx are retried with exponential backoff and jitter; the server's
//! `retry-after-ms` / `Retry-After` (seconds or an HTTP date) is honoured up to a cap, and
//! `x-should-retry` overrides the status. Quota errors (429 `insufficient_quota`, 402) are never
//! retried: waiting does not refill an account. A request is only ever retried before its answer
//! started to stream, so nothing the user has seen is repeated.

use std::time::{Duration, SystemTime};

use rand::Rng;
use reqwest::header::HeaderMap;

use crate::error::{ErrorKind, LlmError};

/// When and how often to retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Retries after the first attempt (the SDKs' default is 2).
    pub max_retries: u32,
    /// Backoff before the first retry; it doubles each time.
    pub initial_backoff: Duration,
    /// Longest backoff.
    pub max_backoff: Duration,
    /// A server asking for a longer wait than this is not retried: the error goes to the user
    /// (or the router) at once.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 2,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(8),
            max_retry_after: Duration::from_secs(120),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn never() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }

    /// How long to wait before retry number `retry` (0 for the first) after `error`, or `None`
    /// when it must not be retried.
    pub fn delay(&self, retry: u32, error: &LlmError) -> Option<Duration> {
        if retry >= self.max_retries || !is_retryable(error) {
            return None;
        }
        match error.retry_after {
            Some(wait) if wait > self.max_retry_after => None,
            Some(wait) if !wait.is_zero() => Some(wait),
            _ => Some(self.backoff(retry)),
        }
    }

    /// `initial * 2^retry`, capped, times a jitter factor in (0.75, 1].
    fn backoff(&self, retry: u32) -> Duration {
        let base = self
            .initial_backoff
            .saturating_mul(2u32.saturating_pow(retry))
            .min(self.max_backoff);
        let jitter = 1.0 - 0.25 * rand::rng().random::<f64>();
        base.mul_f64(jitter)
    }
}

fn is_retryable(error: &LlmError) -> bool {
    if error.kind == ErrorKind::Quota {
        return false;
    }
    if let Some(hint) = error.should_retry {
        return hint;
    }
    match error.status {
        Some(status) => matches!(status, 408 | 409 | 429) || status >= 500,
        // No status: the connection failed, or timed out before an answer.
        None => matches!(error.kind, ErrorKind::Network | ErrorKind::Stalled),
    }
}

/// The wait a server asked for: `retry-after-ms`, else `retry-after` as seconds or as an HTTP
/// date (relative to `now`).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let text = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    let seconds = |value: &str| {
        value
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
    };
    if let Some(ms) = text("retry-after-ms").and_then(|v| v.parse::<f64>().ok()) {
        if ms.is_finite() && ms >= 0.0 {
            return Some(Duration::from_secs_f64(ms / 1000.0));
        }
    }
    let value = text("retry-after")?;
    seconds(value).or_else(|| {
        let when = httpdate::parse_http_date(value).ok()?;
        Some(when.duration_since(now).unwrap_or(Duration::ZERO))
    })
}

/// The `x-should-retry` header, when the server set it.
pub(crate) fn should_retry(headers: &HeaderMap) -> Option<bool> {
    match headers.get("x-should-retry")?.to_str().ok()?.trim() {
        "true" => Some(true),
        "false" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    fn http_error(status: u16, headers: &[(&'static str, &str)], body: &str) -> LlmError {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_str(value).expect("header"));
        }
        LlmError::from_http(status, &map, body)
    }

    #[test]
    fn retryable_statuses_follow_the_sdks() {
        let policy = RetryPolicy::default();
        for status in [408, 409, 429, 500, 502, 503, 529] {
            assert!(
                policy.delay(0, &http_error(status, &[], "")).is_some(),
                "{status} is retried"
            );
        }
        for status in [400, 401, 403, 404, 422] {
            assert_eq!(
                policy.delay(0, &http_error(status, &[], "")),
                None,
                "{status} is not"
            );
        }
        let network = LlmError::new(ErrorKind::Network, "refused");
        assert!(
            policy.delay(0, &network).is_some(),
            "a failed connection is retried"
        );
    }

    #[test]
    fn quota_is_never_retried() {
        let policy = RetryPolicy::default();
        let quota = http_error(
            429,
            &[("retry-after", "1")],
            r#"{"error":{"code":"insufficient_quota","message":"You exceeded your current quota"}}"#,
        );
        assert_eq!(
            policy.delay(0, &quota),
            None,
            "insufficient_quota does not refill by waiting"
        );
        assert_eq!(
            policy.delay(0, &http_error(402, &[], "")),
            None,
            "402 neither"
        );
    }

    #[test]
    fn server_wait_is_honoured_up_to_the_cap() {
        let policy = RetryPolicy::default();
        let asked =
            |headers: &[(&'static str, &str)]| policy.delay(0, &http_error(429, headers, ""));
        assert_eq!(asked(&[("retry-after", "3")]), Some(Duration::from_secs(3)));
        assert_eq!(
            asked(&[("retry-after", "3"), ("retry-after-ms", "250")]),
            Some(Duration::from_millis(250)),
            "retry-after-ms wins"
        );
        assert_eq!(
            asked(&[("retry-after", "121")]),
            None,
            "over two minutes goes to the user"
        );
        let backoff = asked(&[("retry-after", "soon")]).expect("falls back to backoff");
        assert!(backoff <= Duration::from_millis(500) && backoff > Duration::from_millis(370));
    }

    #[test]
    fn retry_after_as_an_http_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(784_111_770); // Sun, 06 Nov 1994 08:49:30 GMT
        let mut headers = HeaderMap::new();
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:37 GMT"),
        );
        assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(7)));
        headers.insert(
            "retry-after",
            HeaderValue::from_static("Sun, 06 Nov 1994 08:49:00 GMT"),
        );
        assert_eq!(
            retry_after(&headers, now),
            Some(Duration::ZERO),
            "a past date means now"
        );
    }

    #[test]
    fn backoff_doubles_with_jitter_and_is_capped() {
        let policy = RetryPolicy {
            max_retries: 10,
            ..RetryPolicy::default()
        };
        let error = http_error(500, &[], "");
        for (retry, full) in [
            (0, 500),
            (1, 1000),
            (2, 2000),
            (3, 4000),
            (4, 8000),
            (6, 8000),
        ] {
            let delay = policy.delay(retry, &error).expect("retried");
            let full = Duration::from_millis(full);
            assert!(
                delay <= full && delay >= full.mul_f64(0.75),
                "retry {retry}: {delay:?}"
            );
        }
        assert_eq!(
            RetryPolicy::default().delay(2, &error),
            None,
            "two retries, then give up"
        );
    }

    #[test]
    fn x_should_retry_overrides_the_status() {
        let policy = RetryPolicy::default();
        assert!(policy
            .delay(0, &http_error(400, &[("x-should-retry", "true")], ""))
            .is_some());
        assert_eq!(
            policy.delay(0, &http_error(503, &[("x-should-retry", "false")], "")),
            None
        );
    }
}
