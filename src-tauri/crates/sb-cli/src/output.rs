//! Printing a turn in the chosen `--format`. The [`Printer`] sees every [`TurnEvent`] as it
//! happens and the [`TurnOutcome`] at the end; it writes to any `Write` pair so unit tests can
//! read what it printed.
//!
//! - `text`: the answer on stdout, flushed per delta; reasoning and tool calls on stderr.
//! - `json`: one object per line per event, then a `summary` line. Flushed per line.
//! - `html`: only the sanitized HTML of the final answer (the app's rendering).
//!
//! Errors are not printed here: `main` prints the one `sb: ...` line on stderr.

use std::collections::BTreeMap;
use std::io::{self, Write};

use sb_core::{Api, TurnEvent, TurnOutcome};
use sb_llm::Usage;
use serde::Serialize;

use crate::args::Format;

/// Where the turn went, for the JSON summary. Never holds the key.
#[derive(Debug, Clone, Serialize)]
pub struct RouteInfo {
    /// The provider's base URL.
    pub base_url: String,
    /// `chat` or `responses`.
    pub api: Api,
    /// The model asked.
    pub model: String,
    /// The saved account's label (`--account`); absent for `--base-url`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
}

/// Which route answered a turn routed across the accounts (all `null` when none did), for the
/// JSON summary; `routed` is always true, to tell it from a [`RouteInfo`].
#[derive(Debug, Clone, Serialize)]
pub struct RoutedInfo {
    /// The serving account's base URL.
    pub base_url: Option<String>,
    /// The protocol it answered over.
    pub api: Option<Api>,
    /// The provider's model ID it was asked for.
    pub model: Option<String>,
    /// The serving account's label.
    pub account: Option<String>,
    /// Always `true`.
    pub routed: bool,
    /// "Answered by A (m via chat). B (...): rate-limited, ...", noted on stderr in text and
    /// HTML modes; `None` when no route was planned (no account serves the model).
    #[serde(skip)]
    pub note: Option<String>,
}

/// The `route` of the JSON summary.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SummaryRoute {
    /// `--account` or `--base-url`.
    Fixed(RouteInfo),
    /// Routed across the accounts.
    Routed(RoutedInfo),
}

impl SummaryRoute {
    /// The routing note, if there is one.
    fn note(&self) -> Option<&str> {
        match self {
            Self::Fixed(_) => None,
            Self::Routed(info) => info.note.as_deref(),
        }
    }
}

/// How reasoning and tool calls look on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// A terminal: reasoning dimmed and labelled.
    Terminal,
    /// A file or pipe: plain text, no escape codes.
    Plain,
}

/// SGR "faint" and "reset".
const DIM: &str = "\x1b[2m";
const RESET: &str = "\x1b[0m";

/// One tool call as it is assembled from its deltas.
#[derive(Debug, Default)]
struct ToolCall {
    id: Option<String>,
    name: Option<String>,
    arguments: String,
}

/// Prints one turn.
#[derive(Debug)]
pub struct Printer<O, E> {
    format: Format,
    style: Style,
    out: O,
    err: E,
    /// Text mode: a reasoning block is open on stderr.
    in_reasoning: bool,
    /// Text mode: the last byte of answer text written, to end with exactly one newline.
    last_text_byte: Option<u8>,
    /// Text mode: tool calls, printed whole at the end.
    tool_calls: BTreeMap<u32, ToolCall>,
}

impl<O: Write, E: Write> Printer<O, E> {
    /// A printer for `format` writing to `out` (stdout) and `err` (stderr).
    pub fn new(format: Format, style: Style, out: O, err: E) -> Self {
        Self {
            format,
            style,
            out,
            err,
            in_reasoning: false,
            last_text_byte: None,
            tool_calls: BTreeMap::new(),
        }
    }

    /// Prints one event as it arrives.
    pub fn event(&mut self, event: &TurnEvent) -> io::Result<()> {
        match self.format {
            Format::Text => self.text_event(event),
            Format::Json => self.json_event(event),
            // HTML is printed whole at the end; only notices go out as they come.
            Format::Html => match event {
                TurnEvent::Notice { message, .. } => self.note(message),
                _ => Ok(()),
            },
        }
    }

    /// Prints what comes after the last event: the closing newline, tool calls, the JSON
    /// summary or the HTML; in text and HTML modes, a routed turn's route as a note on stderr.
    pub fn finish(&mut self, outcome: &TurnOutcome, route: &SummaryRoute) -> io::Result<()> {
        match self.format {
            Format::Text => {
                self.text_finish(outcome)?;
                route.note().map_or(Ok(()), |note| self.note(note))
            }
            Format::Json => {
                let finish_reason = match &outcome.end {
                    Some(TurnEvent::Finished(reason)) => Some(reason.as_str()),
                    _ => None,
                };
                self.json_line(&Line::Summary {
                    text: &outcome.text,
                    reasoning: &outcome.reasoning,
                    usage: outcome.usage.as_ref(),
                    finish_reason,
                    response_id: outcome.response_id.as_deref(),
                    route,
                })
            }
            Format::Html => {
                self.out
                    .write_all(sb_markdown::render(&outcome.text).as_bytes())?;
                self.out.flush()?;
                route.note().map_or(Ok(()), |note| self.note(note))
            }
        }
    }

    fn text_event(&mut self, event: &TurnEvent) -> io::Result<()> {
        match event {
            TurnEvent::TextDelta(text) => {
                self.close_reasoning()?;
                self.out.write_all(text.as_bytes())?;
                self.out.flush()?;
                if let Some(&last) = text.as_bytes().last() {
                    self.last_text_byte = Some(last);
                }
            }
            TurnEvent::ReasoningDelta(text) => {
                let opening = !self.in_reasoning;
                self.in_reasoning = true;
                match self.style {
                    Style::Terminal => {
                        let label = if opening { "thinking: " } else { "" };
                        write!(self.err, "{DIM}{label}{text}{RESET}")?;
                    }
                    Style::Plain => self.err.write_all(text.as_bytes())?,
                }
                self.err.flush()?;
            }
            TurnEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => {
                let call = self.tool_calls.entry(*index).or_default();
                if id.is_some() {
                    call.id.clone_from(id);
                }
                if name.is_some() {
                    call.name.clone_from(name);
                }
                call.arguments.push_str(arguments);
            }
            TurnEvent::Notice { message, .. } => {
                self.close_reasoning()?;
                self.note(message)?;
            }
            // Usage, rendering and the end are for other formats or the summary.
            _ => {}
        }
        Ok(())
    }

    fn text_finish(&mut self, outcome: &TurnOutcome) -> io::Result<()> {
        self.close_reasoning()?;
        if self.last_text_byte.is_some_and(|b| b != b'\n') {
            self.out.write_all(b"\n")?;
            self.out.flush()?;
        }
        for (index, call) in std::mem::take(&mut self.tool_calls) {
            let name = call.name.as_deref().unwrap_or("(unnamed)");
            let id = call.id.map(|id| format!(" [{id}]")).unwrap_or_default();
            writeln!(
                self.err,
                "tool call #{index}: {name}({}){id}",
                call.arguments
            )?;
        }
        if let Some(TurnEvent::Finished(reason)) = &outcome.end {
            // A normal end needs no word; anything else means the answer may be incomplete.
            let note = match reason.as_str() {
                "stop" | "tool_calls" | "function_call" => None,
                "length" => {
                    Some("the answer stopped at the token limit (finish reason: length)".into())
                }
                other => Some(format!("the answer ended with finish reason: {other}")),
            };
            if let Some(note) = note {
                self.note(&note)?;
            }
        }
        self.err.flush()
    }

    /// Something the user should know that is not an error (a parameter the core adapted, an
    /// answer cut at the token limit): one `sb: note:` line on stderr.
    pub fn note(&mut self, message: &str) -> io::Result<()> {
        writeln!(self.err, "sb: note: {}", crate::error::one_line(message))?;
        self.err.flush()
    }

    /// Ends an open reasoning block with a newline, so the next stderr line starts clean.
    fn close_reasoning(&mut self) -> io::Result<()> {
        if std::mem::take(&mut self.in_reasoning) {
            self.err.write_all(b"\n")?;
            self.err.flush()?;
        }
        Ok(())
    }

    fn json_event(&mut self, event: &TurnEvent) -> io::Result<()> {
        let line = match event {
            TurnEvent::TextDelta(text) => Line::Text { text },
            TurnEvent::ReasoningDelta(text) => Line::Reasoning { text },
            TurnEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            } => Line::ToolCall {
                index: *index,
                id: id.as_deref(),
                name: name.as_deref(),
                arguments,
            },
            TurnEvent::Usage(usage) => Line::Usage(usage),
            TurnEvent::Notice { param, message } => Line::Notice { param, message },
            TurnEvent::Finished(reason) => Line::Finish { reason },
            TurnEvent::Stopped => Line::Stopped,
            TurnEvent::Failed { code, message } => Line::Error { code, message },
            // The growing HTML is for the app; `--format html` prints the final one.
            TurnEvent::Rendered(_) => return Ok(()),
            // The summary line carries the response id once the answer is complete.
            TurnEvent::ResponseId(_) => return Ok(()),
            TurnEvent::Route(record) => Line::Route(record),
        };
        self.json_line(&line)
    }

    fn json_line(&mut self, line: &Line<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, line)?;
        self.out.write_all(b"\n")?;
        self.out.flush()
    }
}

/// One line of `--format json`.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
enum Line<'a> {
    Text {
        text: &'a str,
    },
    Reasoning {
        text: &'a str,
    },
    ToolCall {
        index: u32,
        id: Option<&'a str>,
        name: Option<&'a str>,
        arguments: &'a str,
    },
    /// The usage object's fields, flattened next to `type`.
    Usage(&'a Usage),
    Notice {
        param: &'a str,
        message: &'a str,
    },
    Finish {
        reason: &'a str,
    },
    Stopped,
    Error {
        code: &'a str,
        message: &'a str,
    },
    /// Which route answered a routed turn and why others did not.
    Route(&'a sb_core::router::RouteRecord),
    Summary {
        text: &'a str,
        reasoning: &'a str,
        usage: Option<&'a Usage>,
        finish_reason: Option<&'a str>,
        response_id: Option<&'a str>,
        route: &'a SummaryRoute,
    },
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn route() -> RouteInfo {
        RouteInfo {
            base_url: "http://127.0.0.1:9/v1".into(),
            api: Api::ChatCompletions,
            model: "m".into(),
            account: None,
        }
    }

    fn print(format: Format, style: Style, events: &[TurnEvent]) -> (String, String) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let mut printer = Printer::new(format, style, &mut out, &mut err);
        let mut outcome = TurnOutcome::default();
        for event in events {
            printer.event(event).expect("writing to a Vec works");
            match event {
                TurnEvent::TextDelta(t) => outcome.text.push_str(t),
                TurnEvent::ReasoningDelta(t) => outcome.reasoning.push_str(t),
                TurnEvent::Finished(_) | TurnEvent::Stopped | TurnEvent::Failed { .. } => {
                    outcome.end = Some(event.clone());
                }
                _ => {}
            }
        }
        printer
            .finish(&outcome, &SummaryRoute::Fixed(route()))
            .expect("writing to a Vec works");
        (
            String::from_utf8(out).expect("utf-8 stdout"),
            String::from_utf8(err).expect("utf-8 stderr"),
        )
    }

    #[test]
    fn text_goes_to_stdout_with_one_newline_and_reasoning_to_stderr() {
        let events = [
            TurnEvent::ReasoningDelta("hmm".into()),
            TurnEvent::TextDelta("Hi ".into()),
            TurnEvent::TextDelta("there".into()),
            TurnEvent::Finished("stop".into()),
        ];
        let (out, err) = print(Format::Text, Style::Plain, &events);
        assert_eq!(out, "Hi there\n");
        assert_eq!(err, "hmm\n", "plain reasoning, closed by a newline");

        let (_, err) = print(Format::Text, Style::Terminal, &events);
        assert!(
            err.starts_with("\x1b[2mthinking: hmm"),
            "dimmed and labelled: {err:?}"
        );
    }

    #[test]
    fn an_answer_ending_in_a_newline_gets_no_second_one() {
        let (out, _) = print(
            Format::Text,
            Style::Plain,
            &[TurnEvent::TextDelta("a\n".into())],
        );
        assert_eq!(out, "a\n");
        let (out, _) = print(Format::Text, Style::Plain, &[]);
        assert_eq!(out, "", "no answer, no empty line");
    }

    #[test]
    fn tool_calls_are_assembled_and_printed_readably_on_stderr() {
        let events = [
            TurnEvent::ToolCallDelta {
                index: 0,
                id: Some("call_1".into()),
                name: Some("get_weather".into()),
                arguments: "{\"city\":".into(),
            },
            TurnEvent::ToolCallDelta {
                index: 0,
                id: None,
                name: None,
                arguments: "\"Paris\"}".into(),
            },
            TurnEvent::Finished("tool_calls".into()),
        ];
        let (out, err) = print(Format::Text, Style::Plain, &events);
        assert_eq!(out, "");
        assert_eq!(
            err,
            "tool call #0: get_weather({\"city\":\"Paris\"}) [call_1]\n"
        );
    }

    #[test]
    fn a_length_finish_is_noted_on_stderr() {
        let events = [
            TurnEvent::TextDelta("cut".into()),
            TurnEvent::Finished("length".into()),
        ];
        let (_, err) = print(Format::Text, Style::Plain, &events);
        assert!(err.contains("token limit"), "{err}");
    }

    #[test]
    fn json_prints_one_object_per_event_then_the_summary() {
        let events = [
            TurnEvent::ReasoningDelta("r".into()),
            TurnEvent::TextDelta("t".into()),
            TurnEvent::Rendered(sb_core::Rendered {
                part: sb_core::RenderedPart::Answer,
                committed: vec![],
                tail: "<p>t</p>".into(),
            }),
            TurnEvent::Finished("stop".into()),
        ];
        let (out, err) = print(Format::Json, Style::Plain, &events);
        assert_eq!(err, "");
        let lines: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).expect("each line is JSON"))
            .collect();
        assert_eq!(
            lines,
            [
                json!({"type": "reasoning", "text": "r"}),
                json!({"type": "text", "text": "t"}),
                json!({"type": "finish", "reason": "stop"}),
                json!({
                    "type": "summary", "text": "t", "reasoning": "r", "usage": null,
                    "finish_reason": "stop", "response_id": null,
                    "route": {"base_url": "http://127.0.0.1:9/v1", "api": "chat", "model": "m"}
                }),
            ]
        );
    }

    #[test]
    fn notices_are_notes_on_stderr_or_json_lines() {
        let notice = TurnEvent::Notice {
            param: "temperature",
            message: "temperature was not sent: o3 rejects it.".into(),
        };
        for format in [Format::Text, Format::Html] {
            let (_, err) = print(format, Style::Plain, std::slice::from_ref(&notice));
            assert_eq!(
                err, "sb: note: temperature was not sent: o3 rejects it.\n",
                "{format:?}"
            );
        }
        let (out, err) = print(Format::Json, Style::Plain, &[notice]);
        assert_eq!(err, "", "JSON keeps stderr for errors");
        let first: Value = serde_json::from_str(out.lines().next().expect("a line")).expect("JSON");
        assert_eq!(
            first,
            json!({"type": "notice", "param": "temperature", "message": "temperature was not sent: o3 rejects it."})
        );
    }

    #[test]
    fn json_errors_and_stops_have_their_own_types() {
        let (out, _) = print(
            Format::Json,
            Style::Plain,
            &[TurnEvent::Failed {
                code: "auth",
                message: "no".into(),
            }],
        );
        let first: Value = serde_json::from_str(out.lines().next().expect("a line")).expect("JSON");
        assert_eq!(
            first,
            json!({"type": "error", "code": "auth", "message": "no"})
        );
        assert!(
            out.contains("\"finish_reason\":null"),
            "no finish reason: {out}"
        );

        let (out, _) = print(Format::Json, Style::Plain, &[TurnEvent::Stopped]);
        assert!(out.starts_with("{\"type\":\"stopped\"}\n"), "{out}");
    }

    #[test]
    fn a_routed_turn_notes_its_route_after_the_answer_and_in_the_summary() {
        let routed = SummaryRoute::Routed(RoutedInfo {
            base_url: Some("http://b/v1".into()),
            api: Some(Api::Responses),
            model: Some("openai/m".into()),
            account: Some("B".into()),
            routed: true,
            note: Some("Answered by B (openai/m via responses).".into()),
        });
        let outcome = TurnOutcome {
            text: "hi".into(),
            end: Some(TurnEvent::Finished("stop".into())),
            ..TurnOutcome::default()
        };
        let finish = |format| {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            let mut printer = Printer::new(format, Style::Plain, &mut out, &mut err);
            printer
                .event(&TurnEvent::TextDelta("hi".into()))
                .expect("a Vec");
            printer.finish(&outcome, &routed).expect("a Vec");
            (
                String::from_utf8(out).expect("utf-8"),
                String::from_utf8(err).expect("utf-8"),
            )
        };
        let (out, err) = finish(Format::Text);
        assert_eq!(out, "hi\n");
        assert_eq!(err, "sb: note: Answered by B (openai/m via responses).\n");

        let (out, err) = finish(Format::Json);
        assert_eq!(err, "");
        let summary: Value =
            serde_json::from_str(out.lines().last().expect("a summary")).expect("JSON");
        assert_eq!(
            summary["route"],
            json!({"base_url": "http://b/v1", "api": "responses", "model": "openai/m",
                   "account": "B", "routed": true})
        );
    }

    #[test]
    fn html_prints_the_sanitized_final_answer_only() {
        let events = [
            TurnEvent::ReasoningDelta("r".into()),
            TurnEvent::TextDelta("**b** <script>x</script>".into()),
        ];
        let (out, err) = print(Format::Html, Style::Plain, &events);
        assert_eq!(err, "");
        assert!(out.contains("<strong>b</strong>"), "{out}");
        assert!(out.contains("&lt;script&gt;"), "raw HTML is escaped: {out}");
    }
}
