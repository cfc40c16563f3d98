//! `sb`, Switchboard's command-line front end. It drives the same core as the desktop app:
//! `sb ask` sends one question through `ChatService::run_turn` and prints the answer as it
//! streams; `sb accounts` manages saved accounts (keys in the OS keyring) and `sb models` lists
//! what they are known to serve.
//!
//! Failures print one line on stderr starting with `sb: ` and exit with 1 (the answer failed),
//! 2 (usage) or 130 (stopped with Ctrl-C); see [`error`].

mod accounts;
mod args;
mod ask;
mod error;
mod history;
mod image;
mod output;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::error::ErrorKind;
use clap::Parser;
use sb_core::{KeyringStore, Switchboard};

use crate::args::{AccountsCommand, Cli, Command, HistoryCommand};
use crate::error::{core_error, CliError};
use crate::output::{Printer, Style};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            return match error.kind() {
                // Help and version are not failures: clap prints them as it likes.
                ErrorKind::DisplayHelp
                | ErrorKind::DisplayVersion
                | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
                    // Nothing sensible is left to do if even that write fails.
                    let _ = error.print();
                    ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(error::EXIT_USAGE))
                }
                _ => {
                    // clap does not say which subcommand failed to parse; argv does.
                    let argv: Vec<String> = std::env::args().skip(1).collect();
                    let subcommand = subcommand_of(&argv);
                    report(&error::from_clap(&error, subcommand.as_deref()))
                }
            };
        }
    };
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => report(&error),
    }
}

/// Prints the error's one line (if it has one) and returns its exit status.
fn report(error: &CliError) -> ExitCode {
    if let Some(line) = error.line() {
        eprintln!("{line}");
    }
    error.exit_code()
}

/// The subcommand named in `argv` ("ask", "accounts add", ...), to point to its help.
fn subcommand_of(argv: &[String]) -> Option<String> {
    let at = argv
        .iter()
        .position(|a| matches!(a.as_str(), "ask" | "accounts" | "models" | "history"))?;
    let name = argv[at].as_str();
    match argv.get(at + 1).map(String::as_str) {
        Some(sub @ ("add" | "list" | "remove" | "test")) if name == "accounts" => {
            Some(format!("accounts {sub}"))
        }
        Some(sub @ ("list" | "show" | "search" | "export" | "import")) if name == "history" => {
            Some(format!("history {sub}"))
        }
        _ => Some(name.to_owned()),
    }
}

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Ask(args) => {
            let format = args.format;
            let conversation = args.conversation.clone();
            // Every check that needs no network or disk happens before the data dir is opened.
            let prepared = ask::prepare(
                args,
                |var| std::env::var_os(var),
                || {
                    let stdin = std::io::stdin();
                    if stdin.is_terminal() && std::io::stderr().is_terminal() {
                        eprintln!("sb: type the question, then Ctrl-D");
                    }
                    std::io::read_to_string(stdin)
                },
            )?;
            // With --base-url the keyring is never touched (the route carries the key).
            let switchboard = open(cli.data_dir)?;
            let mut ready =
                prepared.resolve(|name| accounts::find(&accounts::all(&switchboard)?, name))?;
            let stored = match conversation {
                Some(which) => {
                    let target = ready.target_json();
                    Some(history::begin(
                        &switchboard,
                        &which,
                        target,
                        ready.messages_mut(),
                    )?)
                }
                None => None,
            };
            let mut printer =
                Printer::new(format, stderr_style(), std::io::stdout(), std::io::stderr());
            runtime()?.block_on(ask::run(&switchboard, ready, stored.as_ref(), &mut printer))
        }
        Command::Accounts(AccountsCommand::Add(args)) => {
            let plan = accounts::plan_add(args)?;
            let stdin = std::io::stdin();
            let key = accounts::read_key(
                stdin.is_terminal(),
                plan.preset,
                || std::io::read_to_string(stdin),
                // Reads from the terminal itself with echo off; the question goes to stderr.
                |question| rpassword::prompt_password(question),
            )?;
            let switchboard = open(cli.data_dir)?;
            accounts::add(
                &switchboard,
                plan,
                key,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )
        }
        Command::Accounts(AccountsCommand::List(args)) => {
            let switchboard = open(cli.data_dir)?;
            let list = switchboard.accounts().list().map_err(core_error)?;
            accounts::list(
                &list,
                args.format,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )
        }
        Command::Accounts(AccountsCommand::Remove(args)) => {
            let switchboard = open(cli.data_dir)?;
            accounts::remove(&switchboard, &args.account, &mut std::io::stdout())
        }
        Command::Accounts(AccountsCommand::Test(args)) => {
            let switchboard = open(cli.data_dir)?;
            runtime()?.block_on(accounts::test(
                &switchboard,
                &args.account.account,
                args.format,
                &mut std::io::stdout(),
            ))
        }
        Command::Models(args) => {
            let switchboard = open(cli.data_dir)?;
            accounts::models(
                &accounts::all(&switchboard)?,
                &|account| switchboard.chat().catalog(account),
                args.format,
                &mut std::io::stdout(),
                &mut std::io::stderr(),
            )
        }
        Command::History(command) => {
            let switchboard = open(cli.data_dir)?;
            let out = &mut std::io::stdout();
            match command {
                HistoryCommand::List(args) => history::list(&switchboard, &args, out),
                HistoryCommand::Show(args) => history::show(&switchboard, &args, out),
                HistoryCommand::Search(args) => {
                    history::search(&switchboard, &args, out, &mut std::io::stderr())
                }
                HistoryCommand::Export(args) => history::export(&switchboard, &args, out),
                HistoryCommand::Import(args) => history::import(&switchboard, &args, out),
            }
        }
    }
}

/// Opens the data directory (`--data-dir`, else `SWITCHBOARD_DATA_DIR`, else the platform's)
/// with keys in the OS keyring. The keyring itself is reached only when a key is needed.
fn open(data_dir: Option<std::path::PathBuf>) -> Result<Switchboard, CliError> {
    let data_dir = sb_core::data_dir::resolve(data_dir).map_err(core_error)?;
    Switchboard::open(&data_dir, Arc::new(KeyringStore::default())).map_err(core_error)
}

fn runtime() -> Result<tokio::runtime::Runtime, CliError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))
}

/// Dim reasoning only on a terminal, and not when the user asked for no colour
/// (<https://no-color.org>).
fn stderr_style() -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    if std::io::stderr().is_terminal() && !no_color {
        Style::Terminal
    } else {
        Style::Plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(argv: &[&str]) -> Option<String> {
        subcommand_of(&argv.iter().map(|a| (*a).to_owned()).collect::<Vec<_>>())
    }

    #[test]
    fn clap_errors_point_to_the_subcommand_on_the_command_line() {
        assert_eq!(
            of(&["--data-dir", "d", "ask", "--x"]).as_deref(),
            Some("ask")
        );
        assert_eq!(
            of(&["accounts", "add", "--x"]).as_deref(),
            Some("accounts add")
        );
        assert_eq!(of(&["accounts", "--x"]).as_deref(), Some("accounts"));
        assert_eq!(of(&["models", "--x"]).as_deref(), Some("models"));
        assert_eq!(of(&["--x"]), None);
    }
}
