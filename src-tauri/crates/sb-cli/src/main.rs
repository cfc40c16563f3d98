//! `sb`, Switchboard's command-line front end. It drives the same core as the desktop app:
//! `sb ask` sends one question through `ChatService::run_turn` and prints the answer as it
//! streams.
//!
//! Failures print one line on stderr starting with `sb: ` and exit with 1 (the answer failed),
//! 2 (usage) or 130 (stopped with Ctrl-C); see [`error`].

mod args;
mod ask;
mod error;
mod image;
mod output;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::error::ErrorKind;
use clap::Parser;
use sb_core::{KeyringStore, Switchboard};

use crate::args::{Cli, Command};
use crate::error::CliError;
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
                    let subcommand = std::env::args()
                        .skip(1)
                        .any(|a| a == "ask")
                        .then_some("ask");
                    report(&error::from_clap(&error, subcommand))
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

fn run(cli: Cli) -> Result<(), CliError> {
    match cli.command {
        Command::Ask(args) => {
            let format = args.format;
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
            let data_dir = sb_core::data_dir::resolve(cli.data_dir)
                .map_err(|e| CliError::Failed(e.to_string()))?;
            // With --base-url the keyring is never touched (the route carries the key).
            let switchboard = Switchboard::open(&data_dir, Arc::new(KeyringStore::default()))
                .map_err(|e| CliError::Failed(e.to_string()))?;
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| CliError::Failed(format!("cannot start the async runtime: {e}")))?;
            let mut printer =
                Printer::new(format, stderr_style(), std::io::stdout(), std::io::stderr());
            runtime.block_on(ask::run(&switchboard, prepared, &mut printer))
        }
    }
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
