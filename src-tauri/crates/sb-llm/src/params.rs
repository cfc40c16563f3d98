//! Generation parameters, protocol-neutral: the user sets them once and each wire protocol
//! writes them under its own names (`max_tokens` / `max_completion_tokens` / `max_output_tokens`,
//! `response_format` / `text.format`, `reasoning_effort` / `reasoning.effort`).
//!
//! Values are checked before anything is sent: an out-of-range value fails with an error that
//! names the parameter and its range.

use serde::{Deserialize, Serialize};

use crate::error::{ErrorKind, LlmError};

/// How hard a reasoning model thinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningEffort {
    /// No reasoning (gpt-5.1 and later; Ollama turns thinking off).
    None,
    /// Minimal.
    Minimal,
    /// Low.
    Low,
    /// Medium (most models' default).
    Medium,
    /// High.
    High,
    /// Extra high (newest models only).
    Xhigh,
    /// The most the model offers (in the current spec; few models accept it).
    Max,
}

/// How much of its reasoning a Responses model summarises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReasoningSummary {
    /// The model decides.
    Auto,
    /// Short.
    Concise,
    /// Long.
    Detailed,
}

/// How long the visible answer should be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verbosity {
    /// Short.
    Low,
    /// Medium.
    Medium,
    /// Long.
    High,
}

/// What the user asked the model to produce.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputFormat {
    /// Free text (the default; not sent).
    #[default]
    Text,
    /// A JSON object ("JSON mode").
    JsonObject,
}

/// Stop sequences on the wire: a string when there is one (the seeds' Responses docs accept only
/// that), a list otherwise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Stop {
    /// One sequence.
    One(String),
    /// Several sequences.
    Many(Vec<String>),
}

/// Generation parameters. `None` / empty means "not sent": the provider's default applies.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Params {
    /// Most tokens to generate (visible output plus reasoning on reasoning models).
    pub max_tokens: Option<u32>,
    /// Sampling temperature, 0–2.
    pub temperature: Option<f64>,
    /// Nucleus sampling, 0–1.
    pub top_p: Option<f64>,
    /// Frequency penalty, −2–2.
    pub frequency_penalty: Option<f64>,
    /// Presence penalty, −2–2.
    pub presence_penalty: Option<f64>,
    /// Stop sequences (at most 4).
    pub stop: Vec<String>,
    /// How many choices to generate, 1–128.
    pub n: Option<u32>,
    /// Text or JSON mode.
    pub format: OutputFormat,
    /// Reasoning effort.
    pub reasoning_effort: Option<ReasoningEffort>,
    /// Reasoning summary (Responses API).
    pub reasoning_summary: Option<ReasoningSummary>,
    /// Answer verbosity.
    pub verbosity: Option<Verbosity>,
    /// An end-user identifier for the provider's abuse monitoring.
    pub user: Option<String>,
    /// Tool (function) definitions, in chat-completions shape
    /// (`{"type":"function","function":{"name",...}}`).
    pub tools: Vec<serde_json::Value>,
    /// Tool choice: `"auto"`, `"none"`, `"required"` or `{"type":"function","function":{"name"}}`.
    pub tool_choice: Option<serde_json::Value>,
}

/// A numeric parameter's documented range (the seeds' and OpenAI's).
struct Range {
    name: &'static str,
    min: f64,
    max: f64,
}

const TEMPERATURE: Range = Range {
    name: "temperature",
    min: 0.0,
    max: 2.0,
};
const TOP_P: Range = Range {
    name: "top_p",
    min: 0.0,
    max: 1.0,
};
const FREQUENCY_PENALTY: Range = Range {
    name: "frequency_penalty",
    min: -2.0,
    max: 2.0,
};
const PRESENCE_PENALTY: Range = Range {
    name: "presence_penalty",
    min: -2.0,
    max: 2.0,
};
const N: Range = Range {
    name: "n",
    min: 1.0,
    max: 128.0,
};
const MAX_TOKENS: Range = Range {
    name: "max_tokens",
    min: 1.0,
    max: u32::MAX as f64,
};
const MAX_STOP_SEQUENCES: usize = 4;
/// `CreateResponse.max_output_tokens` minimum.
const MIN_RESPONSES_OUTPUT_TOKENS: f64 = 16.0;

impl Range {
    fn check(&self, value: Option<f64>) -> Result<(), LlmError> {
        match value {
            Some(v) if !(v.is_finite() && (self.min..=self.max).contains(&v)) => Err(invalid(
                self.name,
                format!(
                    "{} must be between {} and {} (got {v})",
                    self.name, self.min, self.max
                ),
            )),
            _ => Ok(()),
        }
    }
}

fn invalid(param: &str, message: String) -> LlmError {
    let mut error = LlmError::new(
        ErrorKind::BadRequest,
        format!("Invalid parameter: {message}."),
    );
    error.param = Some(param.to_owned());
    error
}

impl Params {
    /// Checks every value against its documented range.
    pub fn validate(&self) -> Result<(), LlmError> {
        TEMPERATURE.check(self.temperature)?;
        TOP_P.check(self.top_p)?;
        FREQUENCY_PENALTY.check(self.frequency_penalty)?;
        PRESENCE_PENALTY.check(self.presence_penalty)?;
        N.check(self.n.map(f64::from))?;
        MAX_TOKENS.check(self.max_tokens.map(f64::from))?;
        if self.stop.len() > MAX_STOP_SEQUENCES {
            return Err(invalid(
                "stop",
                format!(
                    "stop takes at most {MAX_STOP_SEQUENCES} sequences (got {})",
                    self.stop.len()
                ),
            ));
        }
        if self.stop.iter().any(String::is_empty) {
            return Err(invalid("stop", "stop sequences must not be empty".into()));
        }
        Ok(())
    }

    /// Checks the values for one wire protocol: the general ranges, plus the Responses API's
    /// minimum of 16 output tokens.
    pub fn validate_for(&self, api: crate::Api) -> Result<(), LlmError> {
        self.validate()?;
        if api == crate::Api::Responses {
            Range {
                name: "max_tokens",
                min: MIN_RESPONSES_OUTPUT_TOKENS,
                max: u32::MAX as f64,
            }
            .check(self.max_tokens.map(f64::from))
            .map_err(|mut error| {
                error.message = format!(
                    "Invalid parameter: max_tokens must be at least 16 with the Responses API, \
                     which sends it as max_output_tokens (got {}).",
                    self.max_tokens.unwrap_or_default()
                );
                error
            })?;
        }
        Ok(())
    }

    /// The `stop` field as both protocols write it; `None` when no sequence is set.
    pub fn stop_field(&self) -> Option<Stop> {
        match self.stop.as_slice() {
            [] => None,
            [one] => Some(Stop::One(one.clone())),
            many => Some(Stop::Many(many.to_vec())),
        }
    }

    /// Sets one parameter from text, as `sb ask --param NAME=VALUE` gives it. `stop` may be given
    /// several times; `tools` and `tool_choice` take JSON.
    pub fn set(&mut self, name: &str, value: &str) -> Result<(), LlmError> {
        let value = value.trim();
        match name {
            "max_tokens" | "max_completion_tokens" | "max_output_tokens" => {
                self.max_tokens = Some(parse(name, value, "a whole number of at least 1")?);
            }
            "temperature" => self.temperature = Some(parse(name, value, "a number from 0 to 2")?),
            "top_p" => self.top_p = Some(parse(name, value, "a number from 0 to 1")?),
            "frequency_penalty" => {
                self.frequency_penalty = Some(parse(name, value, "a number from -2 to 2")?)
            }
            "presence_penalty" => {
                self.presence_penalty = Some(parse(name, value, "a number from -2 to 2")?)
            }
            "stop" => self.stop.push(value.to_owned()),
            "n" => self.n = Some(parse(name, value, "a whole number from 1 to 128")?),
            "response_format" | "format" => {
                self.format = choice(name, value, "text or json_object")?;
            }
            "reasoning_effort" | "effort" => {
                self.reasoning_effort = Some(choice(
                    name,
                    value,
                    "none, minimal, low, medium, high, xhigh or max",
                )?);
            }
            "reasoning_summary" | "summary" => {
                self.reasoning_summary = Some(choice(name, value, "auto, concise or detailed")?);
            }
            "verbosity" => self.verbosity = Some(choice(name, value, "low, medium or high")?),
            "user" => self.user = Some(value.to_owned()),
            "tools" => {
                self.tools = serde_json::from_str(value).map_err(|e| {
                    invalid(
                        name,
                        format!("tools must be a JSON array of tool definitions ({e})"),
                    )
                })?;
            }
            "tool_choice" => {
                self.tool_choice = Some(
                    serde_json::from_str(value)
                        .unwrap_or_else(|_| serde_json::Value::String(value.to_owned())),
                );
            }
            other => {
                return Err(invalid(
                    other,
                    format!(
                        "unknown parameter {other:?}; known: max_tokens, temperature, top_p, \
                         frequency_penalty, presence_penalty, stop, n, response_format, \
                         reasoning_effort, reasoning_summary, verbosity, user, tools, tool_choice"
                    ),
                ))
            }
        }
        self.validate()
    }
}

fn parse<T: std::str::FromStr>(name: &str, value: &str, what: &str) -> Result<T, LlmError> {
    value
        .parse()
        .map_err(|_| invalid(name, format!("{name} must be {what} (got {value:?})")))
}

fn choice<T: serde::de::DeserializeOwned>(
    name: &str,
    value: &str,
    what: &str,
) -> Result<T, LlmError> {
    serde_json::from_value(serde_json::Value::String(value.to_ascii_lowercase()))
        .map_err(|_| invalid(name, format!("{name} must be {what} (got {value:?})")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_of_range_values_name_the_parameter_and_its_range() {
        let cases = [
            ("temperature", "2.5", "temperature must be between 0 and 2"),
            ("top_p", "-0.1", "top_p must be between 0 and 1"),
            (
                "frequency_penalty",
                "3",
                "frequency_penalty must be between -2 and 2",
            ),
            (
                "presence_penalty",
                "-2.01",
                "presence_penalty must be between -2 and 2",
            ),
            ("n", "0", "n must be between 1 and 128"),
            ("max_tokens", "0", "max_tokens must be between 1 and"),
            (
                "temperature",
                "warm",
                "temperature must be a number from 0 to 2",
            ),
            (
                "reasoning_effort",
                "extreme",
                "reasoning_effort must be none, minimal",
            ),
        ];
        for (name, value, message) in cases {
            let error = Params::default().set(name, value).expect_err(name);
            assert_eq!(error.kind, ErrorKind::BadRequest);
            assert_eq!(
                error.param.as_deref(),
                Some(name),
                "{name} is named as the culprit"
            );
            assert!(
                error.message.contains(message),
                "{name}={value}: {}",
                error.message
            );
        }
    }

    #[test]
    fn boundaries_are_accepted_and_names_have_aliases() -> Result<(), LlmError> {
        let mut params = Params::default();
        params.set("temperature", "2")?;
        params.set("top_p", "0")?;
        params.set("frequency_penalty", "-2")?;
        params.set("max_completion_tokens", "64")?;
        params.set("stop", "END")?;
        params.set("stop", "###")?;
        params.set("response_format", "json_object")?;
        params.set("effort", "HIGH")?;
        params.set("tool_choice", "auto")?;
        assert_eq!(params.temperature, Some(2.0));
        assert_eq!(
            params.max_tokens,
            Some(64),
            "every token-limit name sets the same limit"
        );
        assert_eq!(params.stop, ["END", "###"]);
        assert_eq!(params.format, OutputFormat::JsonObject);
        assert_eq!(params.reasoning_effort, Some(ReasoningEffort::High));
        assert_eq!(params.tool_choice, Some(serde_json::json!("auto")));
        Ok(())
    }

    #[test]
    fn responses_needs_at_least_16_output_tokens() {
        let params = Params {
            max_tokens: Some(8),
            ..Params::default()
        };
        assert!(
            params.validate_for(crate::Api::ChatCompletions).is_ok(),
            "chat takes any limit >= 1"
        );
        let error = params
            .validate_for(crate::Api::Responses)
            .expect_err("8 < 16");
        assert_eq!(error.param.as_deref(), Some("max_tokens"));
        assert!(
            error.message.contains("at least 16 with the Responses API"),
            "{}",
            error.message
        );
        let sixteen = Params {
            max_tokens: Some(16),
            ..Params::default()
        };
        assert!(sixteen.validate_for(crate::Api::Responses).is_ok());
    }

    #[test]
    fn unknown_parameter_lists_the_known_ones() {
        let error = Params::default().set("temprature", "1").expect_err("typo");
        assert!(
            error.message.contains("unknown parameter") && error.message.contains("temperature")
        );
    }
}
