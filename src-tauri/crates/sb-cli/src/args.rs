//! The command line, as clap derives it. Only shape and help live here: what the values mean
//! (reading the key from the environment, loading images, checking parameters) is done by
//! [`crate::ask`], so every rule has one readable error.
//!
//! Flags that the rules make required (`--base-url`, `--api-key-env`, `--model`) are optional to
//! clap, so a missing one gets a sentence that says what to do instead of clap's generic message.
//! `--api-key` exists (hidden) on `ask` and `accounts add` only to refuse a key on the command
//! line with an explanation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sb_core::Secret;

/// Switchboard from the terminal: ask OpenAI-compatible providers the way the app does.
#[derive(Debug, Parser)]
#[command(
    name = "sb",
    version,
    arg_required_else_help = true,
    after_help = "Run 'sb ask --help' for the options and examples of asking, \
                  'sb accounts --help' for saved accounts."
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
    /// Add, list, test and remove saved provider accounts (keys live in the OS keyring).
    #[command(subcommand, after_help = ACCOUNTS_NOTES)]
    Accounts(AccountsCommand),
    /// List the models your accounts are known to serve, grouped across providers (offline:
    /// from the provider presets; 'sb accounts test LABEL' fetches a provider's live list).
    Models(ModelsArgs),
    /// Stored conversations: list, show, search, export and import.
    #[command(subcommand, after_help = HISTORY_NOTES)]
    History(HistoryCommand),
}

const HISTORY_NOTES: &str = "\
Examples:
  sb ask --conversation new --account Work 'Plan a trip'   # starts a stored conversation
  sb ask --conversation ID --account Work 'And the budget?'  # continues it
  sb history list
  sb history show ID
  sb history search 'budget'
  sb history export --format html ID > trip.html
  sb history export --format json > all.json               # every conversation, every branch
  sb history import all.json
  sb history import --from chatgpt conversations.json     # a ChatGPT data export

The app and sb share the same history (in the data directory, see --data-dir).";

/// `sb history ...`.
#[derive(Debug, Subcommand)]
pub enum HistoryCommand {
    /// List conversations, pinned first, then the most recently updated.
    List(HistoryListArgs),
    /// Print a conversation's current branch.
    Show(HistoryShowArgs),
    /// Search every message of every conversation (English, Chinese, Japanese...).
    Search(HistorySearchArgs),
    /// Export conversations as Markdown, HTML or JSON (JSON keeps every branch).
    Export(HistoryExportArgs),
    /// Import a Switchboard JSON export or a ChatGPT data export (conversations.json).
    Import(HistoryImportArgs),
}

/// `sb history list`.
#[derive(Debug, Args)]
pub struct HistoryListArgs {
    /// List the archived conversations instead.
    #[arg(long)]
    pub archived: bool,
    /// At most this many.
    #[arg(long, value_name = "N", default_value_t = 50)]
    pub limit: usize,
    /// Text lines or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `sb history show`.
#[derive(Debug, Args)]
pub struct HistoryShowArgs {
    /// The conversation's id (see 'sb history list').
    #[arg(value_name = "ID")]
    pub id: String,
    /// Text (Markdown) or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `sb history search`.
#[derive(Debug, Args)]
pub struct HistorySearchArgs {
    /// What to look for (words or any part of a word; CJK text works too).
    #[arg(value_name = "QUERY")]
    pub query: String,
    /// At most this many hits.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub limit: usize,
    /// Text lines or JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `sb history export`.
#[derive(Debug, Args)]
pub struct HistoryExportArgs {
    /// The conversations to export (Markdown and HTML: exactly one; JSON: none means all).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// The file format.
    #[arg(long, value_enum, default_value_t = ExportFormat::Json)]
    pub format: ExportFormat,
    /// Write to this file instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// What `sb history export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// Switchboard's JSON: every conversation's every branch and field; importable.
    Json,
    /// The current branch as readable Markdown.
    Markdown,
    /// The current branch as a standalone page, rendered as the app shows it.
    Html,
}

/// `sb history import`.
#[derive(Debug, Args)]
pub struct HistoryImportArgs {
    /// The file to import.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// What wrote the file (default: recognized from its content).
    #[arg(long, value_enum)]
    pub from: Option<ImportSource>,
}

/// Who wrote an import file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ImportSource {
    /// `sb history export --format json` or the app's JSON export.
    Switchboard,
    /// ChatGPT's data export (`conversations.json`).
    Chatgpt,
}

const ACCOUNTS_NOTES: &str = "\
Examples:
  printf %s \"$OPENAI_API_KEY\" | sb accounts add --provider openai --label Work
  sb accounts add --provider custom --label Lab --base-url https://llm.lab.example/v1 \\
                  --model my-model < keyfile
  sb accounts list --format json
  sb accounts test Work
  sb ask --account Work 'Hello'
  sb accounts remove Work

Keys are read from standard input (never from the command line) and stored only in the OS
keyring; Switchboard never prints them, only their last four characters. Where two accounts
share a label, name one by its id (see 'sb accounts list').";

/// `sb accounts ...`.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Save an account; its API key is read from standard input.
    Add(AddArgs),
    /// List the saved accounts (never their keys).
    List(ListArgs),
    /// Remove an account and its key from the OS keyring.
    Remove(AccountRef),
    /// Check an account's key and list the models its provider serves (fetches GET /models).
    Test(TestArgs),
}

/// `sb accounts add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The provider preset: starrise, aimlapi, starmagic, openai, openrouter, deepseek, ollama,
    /// llamacpp or custom.
    #[arg(long, value_name = "PRESET")]
    pub provider: String,

    /// Your name for the account, used to pick it later (e.g. --account LABEL).
    #[arg(long, value_name = "LABEL")]
    pub label: String,

    /// The provider's base URL (default: the preset's; required with --provider custom).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// The default model ID (default: the preset's first known model; required when the
    /// preset knows none).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,

    /// Wire protocol (default: the one the preset names for the model, else chat).
    #[arg(long, value_enum)]
    pub api: Option<ApiArg>,

    /// Allow plain http:// to a host other than this machine (the key then travels
    /// unencrypted).
    #[arg(long)]
    pub allow_http: bool,

    /// An extra header sent with every request to this account, e.g. --header
    /// OpenAI-Organization:org-123 (repeatable).
    #[arg(long = "header", value_name = "NAME:VALUE", value_parser = header)]
    pub headers: Vec<(String, String)>,

    /// A proxy for this account: http://, https://, socks5:// or socks5h:// URL, user name
    /// allowed (e.g. socks5h://me@proxy.lan:1080). Never used for this machine's addresses.
    #[arg(long, value_name = "URL")]
    pub proxy: Option<String>,

    /// The environment variable holding the proxy's password (stored in the OS keyring; a
    /// password on the command line would leak into shell history).
    #[arg(long, value_name = "VAR", requires = "proxy")]
    pub proxy_password_env: Option<String>,

    /// At most this many answers stream from this account at once.
    #[arg(long, value_name = "N")]
    pub max_concurrent: Option<u32>,

    /// Refused: a key on the command line leaks into shell history and `ps`. Only here to
    /// explain that.
    #[arg(long, value_name = "KEY", hide = true, value_parser = secret)]
    pub api_key: Option<Secret<String>>,
}

/// `NAME:VALUE`, split at the first colon (values may hold colons).
fn header(raw: &str) -> Result<(String, String), String> {
    match raw.split_once(':') {
        Some((name, value)) if !name.trim().is_empty() => {
            Ok((name.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err(format!(
            "{raw:?} is not NAME:VALUE; write it like --header OpenAI-Organization:org-123"
        )),
    }
}

/// `sb accounts list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// One line per account, or a JSON array.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// An account named on the command line.
#[derive(Debug, Args)]
pub struct AccountRef {
    /// The account's label, or its id when labels are shared.
    #[arg(value_name = "LABEL")]
    pub account: String,
}

/// `sb accounts test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// Which account.
    #[command(flatten)]
    pub account: AccountRef,

    /// The verdict and the catalog as text, or the whole report as JSON.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `sb models`.
#[derive(Debug, Args)]
pub struct ModelsArgs {
    /// Text, or a JSON array of models with the accounts that serve them.
    #[arg(long, value_enum, default_value_t = ListFormat::Text)]
    pub format: ListFormat,
}

/// `--format` of the account and model commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ListFormat {
    /// Readable lines.
    Text,
    /// JSON.
    Json,
}

const ASK_EXAMPLES: &str = "\
Examples:
  export OPENAI_API_KEY=sk-...
  sb ask --base-url https://api.openai.com/v1 --api-key-env OPENAI_API_KEY \\
         --model gpt-5.1 'Explain SSE in one paragraph'
  git diff | sb ask --base-url ... --api-key-env KEY --model M --system 'Review this diff'
  sb ask ... --param temperature=0.2 --param max_tokens=500 --image chart.png 'What does it show?'
  sb ask ... --format json 'Hi' | jq -c 'select(.type == \"summary\")'
  sb ask --model gpt-5.1-codex-mini 'Hi'     # any saved account that serves it answers
  sb ask --model gpt-5.1-codex-mini --strategy round-robin 'Hi'

Exit status: 0 answered, 1 the answer failed (auth, network, rate limit...), 2 usage error,
130 stopped with Ctrl-C (what arrived is printed).";

/// `sb ask`.
#[derive(Debug, Args)]
pub struct AskArgs {
    /// Where to send the question.
    #[command(flatten)]
    pub route: RouteArgs,

    /// The provider's model ID (e.g. gpt-5.1). Required with --base-url; with --account the
    /// account's model is the default. With neither, a model (e.g. gpt-5.1-codex-mini) that
    /// any saved account may serve: the answer is routed across them (see --strategy).
    #[arg(long, value_name = "MODEL")]
    pub model: Option<String>,

    /// Routing only (--model without --account or --base-url): which account to try first.
    /// Failed or rate-limited accounts are left for the next one before the answer starts.
    /// [default: priority]
    #[arg(long, value_enum)]
    pub strategy: Option<StrategyArg>,

    /// Wire protocol: Chat Completions or the Responses API (default: the account's with
    /// --account, else chat; not with routing, where each route has its own).
    #[arg(long, value_enum)]
    pub api: Option<ApiArg>,

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

    /// Keep the exchange in the history: "new" starts a stored conversation (its id is printed
    /// on stderr), an id continues one with its earlier messages and system prompt.
    #[arg(long, value_name = "ID|new", conflicts_with = "previous_response_id")]
    pub conversation: Option<String>,

    /// The question. Read from standard input when absent or "-".
    #[arg(value_name = "PROMPT")]
    pub prompt: Option<String>,
}

/// How the provider is reached: a saved account, or a base URL with a key variable.
#[derive(Debug, Args)]
pub struct RouteArgs {
    /// A saved account (its label, or its id), with its key from the OS keyring. See
    /// 'sb accounts'.
    #[arg(long, value_name = "LABEL", conflicts_with_all = ["base_url", "api_key_env"])]
    pub account: Option<String>,

    /// The provider's base URL, e.g. https://api.openai.com/v1 (with --api-key-env; or use
    /// --account).
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

/// `--strategy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StrategyArg {
    /// The accounts in the order they were added.
    Priority,
    /// Start one account further along on each question (within one run of sb).
    RoundRobin,
    /// Accounts never rate-limited first, then the one limited longest ago.
    LeastRecentlyLimited,
}

impl From<StrategyArg> for sb_core::router::Strategy {
    fn from(strategy: StrategyArg) -> Self {
        match strategy {
            StrategyArg::Priority => Self::Priority,
            StrategyArg::RoundRobin => Self::RoundRobin,
            StrategyArg::LeastRecentlyLimited => Self::LeastRecentlyLimited,
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
        let Command::Ask(ask) = cli.command else {
            panic!("parsed as ask");
        };
        assert_eq!(ask.params, ["stop=A", "stop=B"]);
        assert_eq!(ask.images, [PathBuf::from("a.png"), PathBuf::from("b.png")]);
        assert_eq!(ask.format, Format::Text, "text is the default format");
        assert_eq!(
            ask.api, None,
            "no --api: the account's or chat, decided later"
        );
    }

    fn accounts(argv: &[&str]) -> AccountsCommand {
        let mut all = vec!["sb", "accounts"];
        all.extend_from_slice(argv);
        match Cli::try_parse_from(all).map(|cli| cli.command) {
            Ok(Command::Accounts(command)) => command,
            other => panic!("{argv:?} should parse as an accounts command: {other:?}"),
        }
    }

    #[test]
    fn accounts_add_takes_the_account_fields_but_no_visible_key() {
        let AccountsCommand::Add(add) = accounts(&[
            "add",
            "--provider",
            "openai",
            "--label",
            "Work",
            "--base-url",
            "https://h/v1",
            "--model",
            "m",
            "--api",
            "responses",
            "--allow-http",
        ]) else {
            panic!("parsed as add");
        };
        assert_eq!(
            (add.provider.as_str(), add.label.as_str()),
            ("openai", "Work")
        );
        assert_eq!(add.base_url.as_deref(), Some("https://h/v1"));
        assert_eq!(add.model.as_deref(), Some("m"));
        assert_eq!(add.api, Some(ApiArg::Responses));
        assert!(add.allow_http);
        assert!(add.api_key.is_none());

        let AccountsCommand::Add(minimal) =
            accounts(&["add", "--provider", "openai", "--label", "Work"])
        else {
            panic!("parsed as add");
        };
        assert_eq!(
            (
                minimal.base_url,
                minimal.model,
                minimal.api,
                minimal.allow_http
            ),
            (None, None, None, false),
            "URL, model and protocol default later, from the preset"
        );

        for missing in [
            &["add", "--label", "W"][..],
            &["add", "--provider", "openai"],
        ] {
            let mut argv = vec!["sb", "accounts"];
            argv.extend_from_slice(missing);
            assert!(
                Cli::try_parse_from(argv).is_err(),
                "--provider and --label are required: {missing:?}"
            );
        }

        let AccountsCommand::Add(keyed) = accounts(&[
            "add",
            "--provider",
            "openai",
            "--label",
            "W",
            "--api-key",
            "sk-argv-secret",
        ]) else {
            panic!("parsed as add");
        };
        assert!(
            keyed.api_key.is_some(),
            "parsed, to be refused with a reason"
        );
        assert!(
            !format!("{keyed:?}").contains("sk-argv-secret"),
            "not even Debug shows it"
        );
        let help = Cli::command()
            .find_subcommand_mut("accounts")
            .and_then(|a| a.find_subcommand_mut("add"))
            .map(|add| add.render_help().to_string())
            .expect("accounts add has help");
        assert!(!help.contains("--api-key"), "the flag stays hidden: {help}");
    }

    #[test]
    fn list_test_remove_and_models_parse_their_arguments() {
        let AccountsCommand::List(list) = accounts(&["list"]) else {
            panic!("parsed as list");
        };
        assert_eq!(list.format, ListFormat::Text, "text by default");
        let AccountsCommand::List(list) = accounts(&["list", "--format", "json"]) else {
            panic!("parsed as list");
        };
        assert_eq!(list.format, ListFormat::Json);

        let AccountsCommand::Remove(remove) = accounts(&["remove", "My Work"]) else {
            panic!("parsed as remove");
        };
        assert_eq!(remove.account, "My Work");
        assert!(
            Cli::try_parse_from(["sb", "accounts", "remove"]).is_err(),
            "remove needs a label"
        );

        let AccountsCommand::Test(test) = accounts(&["test", "Work", "--format", "json"]) else {
            panic!("parsed as test");
        };
        assert_eq!(
            (test.account.account.as_str(), test.format),
            ("Work", ListFormat::Json)
        );

        let cli = Cli::try_parse_from(["sb", "models", "--format", "json"]).expect("models");
        assert!(matches!(
            cli.command,
            Command::Models(ModelsArgs {
                format: ListFormat::Json
            })
        ));
        assert!(
            Cli::try_parse_from(["sb", "accounts", "list", "--format", "html"]).is_err(),
            "html is only for ask"
        );
    }

    #[test]
    fn strategy_takes_the_three_names_and_is_unset_by_default() {
        let ask = |extra: &[&str]| {
            let mut argv = vec!["sb", "ask", "--model", "m"];
            argv.extend_from_slice(extra);
            argv.push("hi");
            Cli::try_parse_from(argv).map(|cli| match cli.command {
                Command::Ask(ask) => ask.strategy,
                other => panic!("parsed as ask: {other:?}"),
            })
        };
        assert_eq!(ask(&[]).expect("parses"), None, "priority, decided later");
        for (name, strategy, core) in [
            (
                "priority",
                StrategyArg::Priority,
                sb_core::router::Strategy::Priority,
            ),
            (
                "round-robin",
                StrategyArg::RoundRobin,
                sb_core::router::Strategy::RoundRobin,
            ),
            (
                "least-recently-limited",
                StrategyArg::LeastRecentlyLimited,
                sb_core::router::Strategy::LeastRecentlyLimited,
            ),
        ] {
            assert_eq!(ask(&["--strategy", name]).expect("parses"), Some(strategy));
            assert_eq!(sb_core::router::Strategy::from(strategy), core);
        }
        assert!(ask(&["--strategy", "random"]).is_err());
    }

    #[test]
    fn ask_takes_an_account_instead_of_a_base_url() {
        let cli = Cli::try_parse_from(["sb", "ask", "--account", "Work", "--api", "chat", "hi"])
            .expect("--account parses");
        let Command::Ask(ask) = cli.command else {
            panic!("parsed as ask");
        };
        assert_eq!(ask.route.account.as_deref(), Some("Work"));
        assert_eq!(ask.api, Some(ApiArg::Chat));
        for other in [["--base-url", "https://h/v1"], ["--api-key-env", "KEY"]] {
            let mut argv = vec!["sb", "ask", "--account", "Work"];
            argv.extend(other);
            argv.push("hi");
            let error = Cli::try_parse_from(argv).expect_err("one route only");
            assert!(
                error.to_string().contains("cannot be used with"),
                "{other:?}: {error}"
            );
        }
    }
}
