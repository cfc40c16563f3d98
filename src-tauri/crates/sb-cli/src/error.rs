//! How `sb` fails: one readable line on stderr (`sb: ...`) and an exit status that says which
//! kind of failure it was.

use std::fmt;
use std::process::ExitCode;

/// Exit status of a failed answer (auth, network, rate limit, provider error...).
pub const EXIT_FAILED: u8 = 1;
/// Exit status of a usage error (bad flag, missing value, invalid parameter, unreadable image).
pub const EXIT_USAGE: u8 = 2;
/// Exit status after Ctrl-C stopped the answer (128 + SIGINT, as shells report it).
pub const EXIT_STOPPED: u8 = 130;
/// Exit status when stdout was closed under us (`sb ask ... | head -1`): 128 + SIGPIPE, what
/// a shell reports for a program killed by the broken pipe. Nothing is printed for it.
pub const EXIT_BROKEN_PIPE: u8 = 141;

/// Why `sb` stops without a complete answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CliError {
    /// The command line or its inputs cannot be used.
    Usage(String),
    /// The answer (or the setup before it) failed.
    Failed(String),
    /// Ctrl-C stopped the answer.
    Stopped,
    /// Stdout was closed by its reader.
    BrokenPipe,
}

impl CliError {
    /// The process exit status for this failure.
    pub fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Failed(_) => EXIT_FAILED,
            Self::Stopped => EXIT_STOPPED,
            Self::BrokenPipe => EXIT_BROKEN_PIPE,
        })
    }

    /// The line to print on stderr, if any.
    pub fn line(&self) -> Option<String> {
        match self {
            Self::BrokenPipe => None,
            other => Some(format!("sb: {}", one_line(&other.to_string()))),
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usage(message) | Self::Failed(message) => f.write_str(message),
            Self::Stopped => f.write_str("stopped (Ctrl-C); the answer above is incomplete."),
            Self::BrokenPipe => f.write_str("stdout was closed"),
        }
    }
}

/// Joins a message's lines and collapses runs of whitespace, so it prints as one line.
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Turns a clap error into one line: clap's first paragraph (its message and the offending
/// value) without the `error:` prefix, then a pointer to the help of `subcommand` (the one on
/// the command line, if any). The usage block is dropped: `--help` shows it.
pub fn from_clap(error: &clap::Error, subcommand: Option<&str>) -> CliError {
    let rendered = error.to_string();
    let first_paragraph = rendered.split("\n\n").next().unwrap_or_default();
    let message = one_line(first_paragraph.trim_start_matches("error:"));
    let help = match subcommand {
        Some(name) => format!("sb {name} --help"),
        None => "sb --help".to_owned(),
    };
    CliError::Usage(format!("{message} (see '{help}')"))
}

/// A core error as `sb` reports it: what the user typed (a field, an unknown account) is a usage
/// error; the rest, the keyring's advice on how to make it available included, is a failure.
pub fn core_error(error: sb_core::CoreError) -> CliError {
    match error {
        sb_core::CoreError::InvalidInput(_) | sb_core::CoreError::UnknownAccount(_) => {
            CliError::Usage(error.to_string())
        }
        other => CliError::Failed(other.to_string()),
    }
}

/// Replaces every occurrence of `secret` in `text` with `***`, as a last line of defence
/// against a provider that echoes the key in an error message.
pub fn redact(text: &str, secret: &str) -> String {
    // Very short "keys" would turn ordinary words into stars; real keys are long.
    if secret.len() < 4 {
        return text.to_owned();
    }
    text.replace(secret, "***")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::Cli;
    use clap::Parser;

    #[test]
    fn clap_errors_become_one_line_pointing_to_help() {
        let error = Cli::try_parse_from(["sb", "ask", "--format", "yaml", "hi"])
            .expect_err("yaml is no format");
        let CliError::Usage(message) = from_clap(&error, Some("ask")) else {
            panic!("a clap error is a usage error");
        };
        assert!(!message.contains('\n'), "one line: {message}");
        assert!(message.contains("yaml"), "names the bad value: {message}");
        assert!(
            message.contains("sb ask --help"),
            "points to the help: {message}"
        );
        assert!(!message.starts_with("error"), "no clap prefix: {message}");
    }

    #[test]
    fn input_errors_are_usage_errors_and_the_rest_failures() {
        let input = core_error(sb_core::CoreError::InvalidInput("Label: required.".into()));
        assert_eq!(input, CliError::Usage("Label: required.".into()));
        let unknown = core_error(sb_core::CoreError::UnknownAccount("a1".into()));
        assert!(matches!(unknown, CliError::Usage(m) if m.contains("a1")));
        let storage = core_error(sb_core::CoreError::Storage("disk full".into()));
        assert_eq!(storage, CliError::Failed("disk full".into()));
    }

    #[test]
    fn lines_start_with_sb_and_broken_pipe_is_silent() {
        let line = CliError::Failed("a\n  b".into()).line();
        assert_eq!(line.as_deref(), Some("sb: a b"));
        assert_eq!(CliError::BrokenPipe.line(), None);
    }

    #[test]
    fn redact_hides_the_key_but_not_short_strings() {
        assert_eq!(
            redact("bad key sk-12345 given", "sk-12345"),
            "bad key *** given"
        );
        assert_eq!(redact("a b c", "a"), "a b c", "too short to be a key");
    }
}
