//! `sb ask`: turns the arguments into a [`TurnRequest`] (every check that can fail before
//! anything is sent happens in [`prepare`]), then runs the turn with Ctrl-C wired to its
//! cancellation token ([`run`]).

use std::ffi::OsString;
use std::io::{self, Write};

use sb_core::{Message, Params, Role, Route, Secret, Switchboard, TurnEvent, TurnRequest};
use tokio_util::sync::CancellationToken;

use crate::args::{AskArgs, RouteArgs};
use crate::error::{redact, CliError};
use crate::image;
use crate::output::{Printer, RouteInfo};

/// A request ready to send, with what the printer and error messages need.
#[derive(Debug)]
pub struct Prepared {
    /// The request for the core.
    pub request: TurnRequest,
    /// Where it goes, for the JSON summary.
    pub route: RouteInfo,
    /// The key, only to scrub it from error messages.
    key: Secret<String>,
}

/// Checks the arguments and builds the request. `env` looks up environment variables (the key
/// comes only from there); `stdin` is read only when PROMPT is absent or `-`, after every other
/// check passed.
pub fn prepare(
    args: AskArgs,
    env: impl Fn(&str) -> Option<OsString>,
    stdin: impl FnOnce() -> io::Result<String>,
) -> Result<Prepared, CliError> {
    let (route, base_url, key) = resolve_route(&args.route, env)?;
    let model = args
        .model
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .ok_or_else(|| {
            CliError::Usage(
                "--model is required: give the provider's model ID, e.g. --model gpt-5.1".into(),
            )
        })?;
    let params = parse_params(&args.params)?;
    let images = args
        .images
        .iter()
        .map(|path| image::load(path))
        .collect::<Result<Vec<_>, _>>()?;
    let prompt = match args.prompt {
        Some(prompt) if prompt != "-" => prompt,
        _ => stdin()
            .map_err(|e| CliError::Usage(format!("cannot read the question from stdin: {e}")))?
            .trim_end_matches(['\n', '\r'])
            .to_owned(),
    };
    if prompt.trim().is_empty() {
        return Err(CliError::Usage(
            "the question is empty: give it as PROMPT or on standard input".into(),
        ));
    }

    let mut messages = Vec::new();
    if let Some(system) = args.system.filter(|s| !s.trim().is_empty()) {
        messages.push(Message::text(Role::System, system));
    }
    messages.push(Message {
        role: Role::User,
        content: prompt,
        images,
    });
    let api = args.api.into();
    Ok(Prepared {
        route: RouteInfo {
            base_url,
            api,
            model: model.clone(),
        },
        request: TurnRequest {
            route,
            api,
            model,
            messages,
            params,
            stream: !args.no_stream,
            previous_response_id: args.previous_response_id,
        },
        key,
    })
}

/// Finds where the question goes and with which key. `--account LABEL` will be resolved here
/// too (`Route::Account`); for now only `--base-url` with `--api-key-env` exists.
fn resolve_route(
    args: &RouteArgs,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<(Route, String, Secret<String>), CliError> {
    if args.api_key.is_some() {
        return Err(CliError::Usage(
            "--api-key is not accepted: a key on the command line ends up in shell history and \
             `ps`. Put it in an environment variable and pass --api-key-env VAR"
                .into(),
        ));
    }
    let base_url = args.base_url.as_deref().map(str::trim).ok_or_else(|| {
        CliError::Usage(
            "--base-url is required for now, e.g. --base-url https://api.openai.com/v1 \
             (--account LABEL arrives with saved accounts)"
                .into(),
        )
    })?;
    if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
        return Err(CliError::Usage(format!(
            "--base-url must start with http:// or https:// (got {base_url:?})"
        )));
    }
    let var = args
        .api_key_env
        .as_deref()
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            CliError::Usage(
                "--api-key-env VAR is required with --base-url: name the environment variable \
                 that holds the API key"
                    .into(),
            )
        })?;
    let key = match env(var) {
        None => {
            return Err(CliError::Usage(format!(
                "the environment variable {var} (from --api-key-env) is not set"
            )))
        }
        Some(value) => value.into_string().map_err(|_| {
            CliError::Usage(format!(
                "the environment variable {var} (from --api-key-env) is not valid UTF-8"
            ))
        })?,
    };
    let key = key.trim();
    if key.is_empty() {
        return Err(CliError::Usage(format!(
            "the environment variable {var} (from --api-key-env) is empty"
        )));
    }
    let key = Secret::new(key.to_owned());
    let route = Route::Direct {
        base_url: base_url.to_owned(),
        api_key: key.clone(),
    };
    Ok((route, base_url.to_owned(), key))
}

/// `--param NAME=VALUE`, each checked by the core's own rules (which name the parameter and
/// its range).
fn parse_params(given: &[String]) -> Result<Params, CliError> {
    let mut params = Params::default();
    for pair in given {
        let (name, value) = pair.split_once('=').ok_or_else(|| {
            CliError::Usage(format!(
                "--param takes NAME=VALUE, e.g. --param temperature=0.2 (got {pair:?})"
            ))
        })?;
        params
            .set(name.trim(), value)
            .map_err(|e| CliError::Usage(e.message))?;
    }
    Ok(params)
}

/// Runs the turn, printing as it goes. Ctrl-C cancels it (closing the HTTP connection); what
/// arrived before is still printed.
pub async fn run<O, E>(
    switchboard: &Switchboard,
    prepared: Prepared,
    printer: &mut Printer<O, E>,
) -> Result<(), CliError>
where
    O: Write + Send,
    E: Write + Send,
{
    let Prepared {
        request,
        route,
        key,
    } = prepared;
    let cancel = CancellationToken::new();
    let on_signal = cancel.clone();
    let watcher = tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            on_signal.cancel();
            // A second Ctrl-C while the answer winds down exits at once.
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(i32::from(crate::error::EXIT_STOPPED));
            }
        }
    });

    // A failed write (closed pipe, full disk) stops the turn: nobody can read the rest.
    let mut write_error: Option<io::Error> = None;
    let mut sink = |event: TurnEvent| {
        if write_error.is_some() {
            return;
        }
        let event = match event {
            TurnEvent::Failed { code, message } => TurnEvent::Failed {
                code,
                message: redact(&message, key.expose()),
            },
            other => other,
        };
        if let Err(e) = printer.event(&event) {
            write_error = Some(e);
            cancel.cancel();
        }
    };
    let outcome = switchboard
        .chat()
        .run_turn(request, cancel.clone(), &mut sink)
        .await;
    watcher.abort();

    if let Some(error) = write_error {
        return Err(write_failure(&error));
    }
    printer
        .finish(&outcome, &route)
        .map_err(|e| write_failure(&e))?;
    match outcome.end {
        Some(TurnEvent::Finished(_)) => Ok(()),
        Some(TurnEvent::Stopped) => Err(CliError::Stopped),
        Some(TurnEvent::Failed { code, message }) => {
            let message = redact(&message, key.expose());
            // The core's own checks (model, message, parameters) are the user's to fix.
            Err(if code == "invalid_input" {
                CliError::Usage(message)
            } else {
                CliError::Failed(message)
            })
        }
        _ => Err(CliError::Failed(
            "the answer ended without saying how (no finish, stop or error)".into(),
        )),
    }
}

fn write_failure(error: &io::Error) -> CliError {
    if error.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Failed(format!("cannot write the answer: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn args(extra: &[&str]) -> AskArgs {
        let mut argv = vec!["sb", "ask"];
        argv.extend_from_slice(extra);
        let Command::Ask(ask) = Cli::try_parse_from(argv).expect("valid argv").command;
        ask
    }

    const DIRECT: [&str; 6] = [
        "--base-url",
        "http://127.0.0.1:1/v1",
        "--api-key-env",
        "KEY",
        "--model",
        "m",
    ];

    fn env_with_key(var: &str) -> Option<OsString> {
        (var == "KEY").then(|| OsString::from("sk-test-1234"))
    }

    fn no_stdin() -> io::Result<String> {
        panic!("stdin must not be read when PROMPT is given")
    }

    fn usage_message(result: Result<Prepared, CliError>) -> String {
        match result {
            Err(CliError::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    #[test]
    fn builds_system_then_user_message_with_the_key_from_the_environment() {
        let mut argv = DIRECT.to_vec();
        argv.extend(["--system", "Be brief", "--param", "temperature=0.2", "Hi"]);
        let prepared = prepare(args(&argv), env_with_key, no_stdin).expect("valid");
        let roles: Vec<Role> = prepared.request.messages.iter().map(|m| m.role).collect();
        assert_eq!(roles, [Role::System, Role::User]);
        assert_eq!(prepared.request.messages[1].content, "Hi");
        assert_eq!(prepared.request.params.temperature, Some(0.2));
        assert!(
            matches!(&prepared.request.route, Route::Direct { api_key, .. } if api_key.expose() == "sk-test-1234")
        );
        assert!(
            !format!("{prepared:?}").contains("sk-test-1234"),
            "Debug output never shows the key"
        );
    }

    #[test]
    fn the_prompt_comes_from_stdin_when_absent_or_dash() {
        for extra in [None, Some("-")] {
            let mut argv = DIRECT.to_vec();
            argv.extend(extra);
            let prepared = prepare(args(&argv), env_with_key, || Ok("from stdin\n".to_owned()))
                .expect("valid");
            assert_eq!(
                prepared.request.messages[0].content, "from stdin",
                "{extra:?}"
            );
        }
        let message = usage_message(prepare(
            args(&DIRECT),
            env_with_key,
            || Ok(" \n".to_owned()),
        ));
        assert!(message.contains("empty"), "{message}");
    }

    #[test]
    fn missing_route_pieces_say_what_to_do() {
        let message = usage_message(prepare(
            args(&["--model", "m", "hi"]),
            env_with_key,
            no_stdin,
        ));
        assert!(
            message.contains("--base-url") && message.contains("--account"),
            "{message}"
        );

        let message = usage_message(prepare(
            args(&["--base-url", "http://h/v1", "--model", "m", "hi"]),
            env_with_key,
            no_stdin,
        ));
        assert!(message.contains("--api-key-env"), "{message}");

        let message = usage_message(prepare(
            args(&[
                "--base-url",
                "ftp://h",
                "--api-key-env",
                "KEY",
                "--model",
                "m",
                "hi",
            ]),
            env_with_key,
            no_stdin,
        ));
        assert!(message.contains("http://"), "{message}");
    }

    #[test]
    fn the_key_variable_must_be_set_and_non_empty() {
        let message = usage_message(prepare(args(&DIRECT), |_| None, no_stdin));
        assert!(
            message.contains("KEY") && message.contains("not set"),
            "{message}"
        );
        let message = usage_message(prepare(args(&DIRECT), |_| Some(OsString::new()), no_stdin));
        assert!(
            message.contains("KEY") && message.contains("empty"),
            "{message}"
        );
    }

    #[test]
    fn a_key_on_the_command_line_is_refused_without_echoing_it() {
        let mut argv = DIRECT.to_vec();
        argv.extend(["--api-key", "sk-secret-value", "hi"]);
        let message = usage_message(prepare(args(&argv), env_with_key, no_stdin));
        assert!(message.contains("--api-key-env"), "{message}");
        assert!(!message.contains("sk-secret-value"), "{message}");
        let parsed = format!("{:?}", args(&argv));
        assert!(
            !parsed.contains("sk-secret-value"),
            "not even in Debug: {parsed}"
        );
    }

    #[test]
    fn the_model_is_required() {
        let argv = ["--base-url", "http://h/v1", "--api-key-env", "KEY", "hi"];
        let message = usage_message(prepare(args(&argv), env_with_key, no_stdin));
        assert!(message.contains("--model"), "{message}");
    }

    #[test]
    fn bad_params_name_the_parameter() {
        for (param, expected) in [
            ("temperature=3", "temperature must be between 0 and 2"),
            ("temperature", "NAME=VALUE"),
            ("colour=blue", "colour"),
        ] {
            let mut argv = DIRECT.to_vec();
            argv.extend(["--param", param, "hi"]);
            let message = usage_message(prepare(args(&argv), env_with_key, no_stdin));
            assert!(message.contains(expected), "{param}: {message}");
        }
    }
}
