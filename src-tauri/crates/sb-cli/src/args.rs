//! The command line, as clap derives it. Only shape and help live here: what the values mean
//! (reading the key from the environment, loading images, checking parameters) is done by
//! [`crate::ask`], so every rule has one readable error.
//!
//! Flags that the rules make required (`--base-url`, `--api-key-env`, `--model`) are optional to
//! clap, so a missing one gets a sentence that says what to do instead of clap's generic message.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sb_core::Secret;

/// Switchboard from the terminal: ask OpenAI-compatible providers the way the app does.
#[derive(Debug, Parser)]
#[command(
    name = "sb",
    version,
    arg_required_else_help = true,
    after_help = "Run 'sb ask --help' for the options and examples of asking."
)]
pub struct Cli {
    /// Where Switchboard keeps its data (default: $SWITCHBOARD_DATA_DIR, else the platform's
    /// app-data folder).
    #[arg(long, value_name = "DIR", global = true, display_order = 100)]
    pub data_dir: Option<PathBuf>,

    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask a model one question and print its answer as it streams.
    #[command(after_help = ASK_EXAMPLES)]
    Ask(AskArgs),
}

const ASK_EXAMPLES: &str = "\
Examples:
  export OPENAI_API_KEY=sk-...
  sb ask --base-url https://api.openai.com/v1 --api-key-env OPENAI_API_KEY \\
         --model gpt-5.1 'Explain SSE in one paragraph'
  git diff | sb ask --base-url ... --api-key-env KEY --model M --system 'Review this diff'
  sb ask ... --param temperature=0.2 --param max_tokens=500 --image chart.png 'What does it show?'
  sb ask ... --format json 'Hi' | jq -c 'select(.type == \"summary\")'

Exit status: 0 answered, 1 the answer failed (auth, network, rate limit...), 2 usage error,
130 stopped with Ctrl-C (what arrived is printed).";

/// `sb ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// Where to send the question.
    #[command(flatten)]
    pub route: RouteArgs,

    /// The provider's model ID (e.g. gpt-5.1). Required.
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,

    /// Wire protocol: Chat Completions or the Responses API.
    #[arg(long, value_enum, default_value_t = ApiArg::Chat)]
    pub api: ApiArg,

    /// A system message, sent before the question.
    #[arg(long, value_name = "TEXT")]
    pub system: Option<String>,

    /// A generation parameter, e.g. temperature=0.2, max_tokens=500, reasoning_effort=low,
    /// stop=END (repeatable).
    #[arg(long = "param", value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// Attach an image (PNG, JPEG, GIF or WebP) to the question (repeatable).
    #[arg(long = "image", value_name = "FILE")]
    pub images: Vec<PathBuf>,

    /// How to print the answer: streamed text, JSON lines (one per event), or the final
    /// sanitized HTML.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,

    /// Ask for the whole answer at once instead of a stream (for servers that cannot stream).
    #[arg(long)]
    pub no_stream: bool,

    /// Responses API: continue from a stored response (the `response_id` of an earlier
    /// `--format json` summary) instead of resending the conversation.
    #[arg(long, value_name = "ID")]
    pub previous_response_id: Option<String>,

    /// The question. Read from standard input when absent or "-".
    #[arg(value_name = "PROMPT")]
    pub prompt: Option<String>,
}

/// How the provider is reached. `--account LABEL` (saved accounts) will join these.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// The provider's base URL, e.g. https://api.openai.com/v1. Required for now.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// The environment variable that holds the API key (the key itself is never taken from
    /// the command line).
    #[arg(long, value_name = "VAR")]
    pub api_key_env: Option<String>,

    /// Refused: a key on the command line leaks into shell history and `ps`. Only here to
    /// explain that; kept as a [`Secret`] so not even `Debug` shows it.
    #[arg(long, value_name = "KEY", hide = true, value_parser = secret)]
    pub api_key: Option<Secret<String>>,
}

fn secret(value: &str) -> Result<Secret<String>, std::convert::Infallible> {
    Ok(Secret::new(value.to_owned()))
}

/// `--api`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ApiArg {
    /// POST /chat/completions.
    Chat,
    /// POST /responses.
    Responses,
}

impl From<ApiArg> for sb_core::Api {
    fn from(api: ApiArg) -> Self {
        match api {
            ApiArg::Chat => Self::ChatCompletions,
            ApiArg::Responses => Self::Responses,
        }
    }
}

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// The answer on stdout as it streams; reasoning and tool calls on stderr.
    Text,
    /// One JSON object per line per event, then a summary line.
    Json,
    /// The final answer as the sanitized HTML the app displays.
    Html,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn data_dir_is_accepted_before_and_after_the_subcommand() {
        for argv in [
            ["sb", "--data-dir", "/d", "ask", "hi"],
            ["sb", "ask", "--data-dir", "/d", "hi"],
        ] {
            let cli = Cli::try_parse_from(argv).expect("--data-dir is global");
            assert_eq!(cli.data_dir, Some(PathBuf::from("/d")), "{argv:?}");
        }
    }

    #[test]
    fn repeatable_flags_keep_their_order() {
        let cli = Cli::try_parse_from([
            "sb", "ask", "--param", "stop=A", "--param", "stop=B", "--image", "a.png", "--image",
            "b.png",
        ])
        .expect("repeatable flags parse");
        let Command::Ask(ask) = cli.command;
        assert_eq!(ask.params, ["stop=A", "stop=B"]);
        assert_eq!(ask.images, [PathBuf::from("a.png"), PathBuf::from("b.png")]);
        assert_eq!(ask.format, Format::Text, "text is the default format");
        assert_eq!(ask.api, ApiArg::Chat, "chat completions is the default API");
    }
}
