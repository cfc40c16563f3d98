//! `sb ask`: turns the arguments into a request (every check that can fail before anything is
//! read from disk or sent happens in [`prepare`]; a saved account is then looked up by
//! [`Prepared::resolve`]), then runs the turn with Ctrl-C wired to its cancellation token
//! ([`run`]). With `--model` alone the turn is routed across the saved accounts
//! (`ChatService::run_routed`), and the route that answered is reported after the answer.

use std::ffi::OsString;
use std::io::{self, Write};

use sb_core::router::{RouteRecord, Strategy};
use sb_core::{
    Account, Api, Message, Params, Role, Route, RoutedRequest, Secret, Switchboard, TurnEvent,
    TurnRequest,
};
use tokio_util::sync::CancellationToken;

use crate::args::{AskArgs, RouteArgs};
use crate::error::{redact, CliError};
use crate::image;
use crate::output::{Printer, RouteInfo, RoutedInfo, SummaryRoute};

/// A checked question whose route may still name a saved account.
#[derive(Debug)]
pub struct Prepared {
    target: Target,
    model: Option<String>,
    api: Option<Api>,
    messages: Vec<Message>,
    params: Params,
    stream: bool,
    previous_response_id: Option<String>,
}

/// Where the question goes, as the command line said.
#[derive(Debug)]
enum Target {
    /// `--base-url` with the key from `--api-key-env`.
    Direct {
        base_url: String,
        key: Secret<String>,
    },
    /// `--account LABEL` (or id), looked up later.
    Account(String),
    /// `--model` alone: any saved account that serves the model, tried in this order.
    Routed(Strategy),
}

/// A request ready to send.
#[derive(Debug)]
pub enum Ready {
    /// To one account or base URL.
    Fixed(Fixed),
    /// To whichever saved account serves the model; the route is known after the turn.
    Routed(RoutedRequest),
}

impl Ready {
    /// The messages the request sends (a stored conversation puts its earlier ones first).
    pub fn messages_mut(&mut self) -> &mut Vec<Message> {
        match self {
            Self::Fixed(fixed) => &mut fixed.request.messages,
            Self::Routed(routed) => &mut routed.messages,
        }
    }

    /// Where the request goes, as a stored conversation keeps it (the app's target shape):
    /// an account's model, or a logical model with a strategy. `None` for a bare base URL.
    pub fn target_json(&self) -> Option<String> {
        let value = match self {
            Self::Fixed(fixed) => match &fixed.request.route {
                Route::Account(id) => serde_json::json!({
                    "type": "account",
                    "accountId": id.as_str(),
                    "model": fixed.request.model,
                    "api": fixed.request.api,
                }),
                Route::Direct { .. } => return None,
            },
            Self::Routed(routed) => serde_json::json!({
                "type": "logical",
                "model": routed.model,
                "strategy": routed.strategy,
            }),
        };
        Some(value.to_string())
    }
}

/// A request to one route, with what the printer and error messages need.
#[derive(Debug)]
pub struct Fixed {
    /// The request for the core.
    pub request: TurnRequest,
    /// Where it goes, for the JSON summary.
    pub route: RouteInfo,
    /// The key, only to scrub it from error messages (`None` for an account: its key stays in
    /// the core).
    key: Option<Secret<String>>,
}

/// Checks the arguments and builds the question. `env` looks up environment variables (the key
/// comes only from there); `stdin` is read only when PROMPT is absent or `-`, after every other
/// check passed.
pub fn prepare(
    args: AskArgs,
    env: impl Fn(&str) -> Option<OsString>,
    stdin: impl FnOnce() -> io::Result<String>,
) -> Result<Prepared, CliError> {
    let model = args
        .model
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty());
    let target = resolve_target(&args.route, model.is_some(), args.strategy, env)?;
    if model.is_none() && matches!(target, Target::Direct { .. }) {
        return Err(CliError::Usage(
            "--model is required: give the provider's model ID, e.g. --model gpt-5.1".into(),
        ));
    }
    if matches!(target, Target::Routed(_)) {
        if args.api.is_some() {
            return Err(CliError::Usage(
                "--api cannot be used when routing across accounts: each account's route has \
                 its own protocol. Pick one account with --account LABEL to choose it"
                    .into(),
            ));
        }
        if args.previous_response_id.is_some() {
            return Err(CliError::Usage(
                "--previous-response-id cannot be used when routing across accounts: the \
                 stored response lives at one provider. Name that account with --account LABEL"
                    .into(),
            ));
        }
    }
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
    Ok(Prepared {
        target,
        model,
        api: args.api.map(Api::from),
        messages,
        params,
        stream: !args.no_stream,
        previous_response_id: args.previous_response_id,
    })
}

impl Prepared {
    /// Builds the request. `lookup` finds the account named with `--account`; it is not called
    /// for a direct route. With an account, `--model` defaults to the account's model and the
    /// protocol, unless `--api` is given, is the account's for its own model, else the one the
    /// preset names for the chosen model, else the account's.
    pub fn resolve(
        self,
        lookup: impl FnOnce(&str) -> Result<Account, CliError>,
    ) -> Result<Ready, CliError> {
        let (route, info, key) = match self.target {
            Target::Routed(strategy) => {
                return Ok(Ready::Routed(RoutedRequest {
                    // `prepare` refused routing without a model.
                    model: self.model.unwrap_or_default(),
                    strategy,
                    messages: self.messages,
                    params: self.params,
                    stream: self.stream,
                }));
            }
            Target::Direct { base_url, key } => {
                let api = self.api.unwrap_or(Api::ChatCompletions);
                // `prepare` refused a direct route without a model.
                let model = self.model.unwrap_or_default();
                let info = RouteInfo {
                    base_url: base_url.clone(),
                    api,
                    model,
                    account: None,
                };
                let route = Route::Direct {
                    base_url,
                    api_key: key.clone(),
                };
                (route, info, Some(key))
            }
            Target::Account(name) => {
                let account = lookup(&name)?;
                let model = self.model.unwrap_or_else(|| account.model.clone());
                let api = self.api.unwrap_or_else(|| {
                    if model == account.model {
                        return account.api;
                    }
                    sb_core::preset::preset(&account.preset)
                        .and_then(|p| p.model(&model))
                        .map_or(account.api, |known| known.api)
                });
                let info = RouteInfo {
                    base_url: account.base_url.clone(),
                    api,
                    model,
                    account: Some(account.label.clone()),
                };
                (Route::Account(account.id), info, None)
            }
        };
        Ok(Ready::Fixed(Fixed {
            request: TurnRequest {
                route,
                api: info.api,
                model: info.model.clone(),
                messages: self.messages,
                params: self.params,
                stream: self.stream,
                previous_response_id: self.previous_response_id,
            },
            route: info,
            key,
        }))
    }
}

/// Finds where the question goes: a saved account (looked up later), a base URL with the key
/// from an environment variable, or (a model and nothing else) any account that serves it.
fn resolve_target(
    args: &RouteArgs,
    has_model: bool,
    strategy: Option<crate::args::StrategyArg>,
    env: impl Fn(&str) -> Option<OsString>,
) -> Result<Target, CliError> {
    if args.api_key.is_some() {
        return Err(CliError::Usage(
            "--api-key is not accepted: a key on the command line ends up in shell history and \
             `ps`. Save an account (sb accounts add) and pass --account LABEL, or put the key in \
             an environment variable and pass --api-key-env VAR"
                .into(),
        ));
    }
    let routing = args.account.is_none() && args.base_url.is_none() && args.api_key_env.is_none();
    if !routing && strategy.is_some() {
        return Err(CliError::Usage(
            "--strategy is for routing across accounts (--model without --account or \
             --base-url); it cannot be used with one account or base URL"
                .into(),
        ));
    }
    if routing && has_model {
        return Ok(Target::Routed(
            strategy.map(Strategy::from).unwrap_or_default(),
        ));
    }
    if let Some(account) = args.account.as_deref() {
        let account = account.trim();
        if account.is_empty() {
            return Err(CliError::Usage(
                "--account needs a label; see 'sb accounts list'".into(),
            ));
        }
        return Ok(Target::Account(account.to_owned()));
    }
    let base_url = args.base_url.as_deref().map(str::trim).ok_or_else(|| {
        CliError::Usage(
            "say where to send the question: --model MODEL (any saved account that serves it, \
             see 'sb models'), --account LABEL (a saved account, see 'sb accounts list') or \
             --base-url URL with --api-key-env VAR"
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
    Ok(Target::Direct {
        base_url: base_url.to_owned(),
        key: Secret::new(key.to_owned()),
    })
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
    prepared: Ready,
    stored: Option<&crate::history::Stored>,
    printer: &mut Printer<O, E>,
) -> Result<(), CliError>
where
    O: Write + Send,
    E: Write + Send,
{
    let (fixed_route, key) = match &prepared {
        Ready::Fixed(fixed) => (Some(fixed.route.clone()), fixed.key.clone()),
        Ready::Routed(_) => (None, None),
    };
    let scrub = |message: &str| match &key {
        Some(key) => redact(message, key.expose()),
        None => message.to_owned(),
    };
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

    let mut recorder = match stored {
        Some(stored) => {
            let (model, api) = match &prepared {
                Ready::Fixed(fixed) => (fixed.request.model.as_str(), Some(fixed.request.api)),
                Ready::Routed(routed) => (routed.model.as_str(), None),
            };
            Some(stored.recorder(model, api)?)
        }
        None => None,
    };
    // A failed write (closed pipe, full disk) stops the turn: nobody can read the rest.
    let mut write_error: Option<io::Error> = None;
    let mut record: Option<RouteRecord> = None;
    let mut sink = |event: TurnEvent| {
        // The history first: what reached the terminal is already stored (or about to be).
        if let Some(recorder) = recorder.as_mut() {
            recorder.observe(&event);
        }
        if let TurnEvent::Route(route) = &event {
            record = Some(route.clone());
        }
        if write_error.is_some() {
            return;
        }
        let event = match event {
            TurnEvent::Failed { code, message } => TurnEvent::Failed {
                code,
                message: scrub(&message),
            },
            other => other,
        };
        if let Err(e) = printer.event(&event) {
            write_error = Some(e);
            cancel.cancel();
        }
    };
    let outcome = match prepared {
        Ready::Fixed(fixed) => {
            switchboard
                .chat()
                .run_turn(fixed.request, cancel.clone(), &mut sink)
                .await
        }
        Ready::Routed(routed) => {
            switchboard
                .chat()
                .run_routed(routed, cancel.clone(), &mut sink)
                .await
        }
    };
    watcher.abort();

    if let Some(stored) = stored {
        if stored.created {
            printer
                .note(&format!(
                    "saved as conversation {id}; continue with --conversation {id}",
                    id = stored.conversation()
                ))
                .map_err(|e| write_failure(&e))?;
        }
    }
    if let Some(recorder) = recorder {
        recorder.result().map_err(|e| {
            CliError::Failed(format!("the answer could not be saved in the history: {e}"))
        })?;
    }
    if let Some(error) = write_error {
        return Err(write_failure(&error));
    }
    let routed = fixed_route.is_none();
    let summary = match fixed_route {
        Some(route) => SummaryRoute::Fixed(route),
        None => SummaryRoute::Routed(routed_info(record.as_ref(), &switchboard.accounts().all())),
    };
    printer
        .finish(&outcome, &summary)
        .map_err(|e| write_failure(&e))?;
    match outcome.end {
        Some(TurnEvent::Finished(_)) => Ok(()),
        Some(TurnEvent::Stopped) => Err(CliError::Stopped),
        Some(TurnEvent::Failed { code, message }) => {
            let message = scrub(&message);
            // The core's own checks (model, message, parameters) are the user's to fix, and so
            // is a model no account serves (refused before any route was planned or tried).
            let unserved = routed && code == "not_found" && record.is_none();
            Err(if unserved && switchboard.accounts().all().is_empty() {
                CliError::Usage(format!(
                    "{message} There are no saved accounts yet: add one with 'sb accounts add', \
                     or ask one provider with --base-url URL and --api-key-env VAR."
                ))
            } else if code == "invalid_input" || unserved {
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

/// What the summary and the note say about a routed turn: the route that answered (with its
/// account's label and base URL), and one line naming every route as "LABEL (model via api)".
fn routed_info(record: Option<&RouteRecord>, accounts: &[Account]) -> RoutedInfo {
    let account = |route: &sb_core::router::Route| {
        accounts
            .iter()
            .find(|a| a.id == route.account_id)
            .map(|a| (a.label.clone(), a.base_url.clone()))
    };
    let name = |route: &sb_core::router::Route| {
        let label = account(route).map_or_else(|| route.account_id.to_string(), |(label, _)| label);
        format!(
            "{label} ({} via {})",
            route.model_id,
            crate::accounts::api_name(route.api)
        )
    };
    let served = record.and_then(|r| r.served_by.as_ref());
    let served_account = served.and_then(account);
    RoutedInfo {
        base_url: served_account.as_ref().map(|(_, url)| url.clone()),
        api: served.map(|r| r.api),
        model: served.map(|r| r.model_id.clone()),
        account: served_account.map(|(label, _)| label),
        routed: true,
        note: record.map(|r| r.describe(name)),
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
        let Command::Ask(ask) = Cli::try_parse_from(argv).expect("valid argv").command else {
            panic!("parsed as ask");
        };
        ask
    }

    /// Resolves a direct route: no account may be looked up.
    fn direct(prepared: Prepared) -> Fixed {
        fixed(
            prepared
                .resolve(|name| panic!("a direct route looks up no account (asked for {name})"))
                .expect("a direct route resolves"),
        )
    }

    fn fixed(ready: Ready) -> Fixed {
        match ready {
            Ready::Fixed(fixed) => fixed,
            Ready::Routed(routed) => panic!("expected one route, got routing: {routed:?}"),
        }
    }

    fn account(preset: &str, model: &str, api: Api) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": "acc-1", "label": "Work", "base_url": "https://h.example/v1",
            "model": model, "api": api, "preset": preset,
        }))
        .expect("a valid account")
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
        let prepared = direct(prepare(args(&argv), env_with_key, no_stdin).expect("valid"));
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
            let prepared = direct(
                prepare(args(&argv), env_with_key, || Ok("from stdin\n".to_owned()))
                    .expect("valid"),
            );
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
        let message = usage_message(prepare(args(&["hi"]), env_with_key, no_stdin));
        assert!(
            message.contains("--base-url")
                && message.contains("--account")
                && message.contains("--model"),
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

    #[test]
    fn a_direct_route_defaults_to_chat_and_names_no_account() {
        let ready = direct(
            prepare(
                args(&[&DIRECT[..], &["hi"]].concat()),
                env_with_key,
                no_stdin,
            )
            .expect("valid"),
        );
        assert_eq!(ready.request.api, Api::ChatCompletions);
        assert_eq!(ready.route.account, None);
        assert_eq!(ready.route.base_url, "http://127.0.0.1:1/v1");
    }

    #[test]
    fn an_account_route_needs_no_model_or_key_and_uses_the_account() {
        let prepared = prepare(args(&["--account", " Work ", "hi"]), |_| None, no_stdin)
            .expect("--account needs neither --model nor a key variable");
        let mut asked = None;
        let ready = prepared
            .resolve(|name| {
                asked = Some(name.to_owned());
                Ok(account("openai", "gpt-5.1", Api::Responses))
            })
            .map(fixed)
            .expect("resolves");
        assert_eq!(asked.as_deref(), Some("Work"), "looked up trimmed");
        assert!(matches!(&ready.request.route, Route::Account(id) if id.as_str() == "acc-1"));
        assert_eq!(
            ready.request.model, "gpt-5.1",
            "the account's model by default"
        );
        assert_eq!(
            ready.request.api,
            Api::Responses,
            "the account's protocol by default"
        );
        assert_eq!(ready.route.account.as_deref(), Some("Work"));
        assert_eq!(ready.route.base_url, "https://h.example/v1");
        assert!(ready.key.is_none(), "the CLI never holds an account's key");
    }

    #[test]
    fn with_an_account_model_and_api_flags_win_and_known_models_keep_their_protocol() {
        let resolve = |argv: &[&str]| {
            prepare(args(argv), |_| None, no_stdin)
                .expect("valid")
                .resolve(|_| Ok(account("openai", "gpt-5.1", Api::ChatCompletions)))
                .map(fixed)
                .expect("resolves")
        };
        let explicit = resolve(&[
            "--account",
            "Work",
            "--model",
            "x",
            "--api",
            "responses",
            "hi",
        ]);
        assert_eq!(
            (explicit.request.model.as_str(), explicit.request.api),
            ("x", Api::Responses)
        );
        let known = resolve(&["--account", "Work", "--model", "gpt-5.1-codex-mini", "hi"]);
        assert_eq!(
            known.request.api,
            Api::Responses,
            "the openai preset says gpt-5.1-codex-mini needs /responses"
        );
        let unknown = resolve(&["--account", "Work", "--model", "other", "hi"]);
        assert_eq!(
            unknown.request.api,
            Api::ChatCompletions,
            "else the account's"
        );
    }

    #[test]
    fn an_unknown_account_is_the_lookups_error() {
        let result = prepare(args(&["--account", "Nope", "hi"]), |_| None, no_stdin)
            .expect("valid")
            .resolve(|_| Err(CliError::Usage("no account labelled Nope".into())));
        assert!(matches!(result, Err(CliError::Usage(m)) if m.contains("Nope")));
    }

    fn routed(argv: &[&str]) -> RoutedRequest {
        let prepared = prepare(args(argv), |_| None, no_stdin).expect("valid");
        match prepared
            .resolve(|name| panic!("routing looks up no account (asked for {name})"))
            .expect("resolves")
        {
            Ready::Routed(request) => request,
            Ready::Fixed(fixed) => panic!("expected routing, got {fixed:?}"),
        }
    }

    #[test]
    fn a_model_alone_is_routed_across_the_accounts_priority_first() {
        let request = routed(&[
            "--model",
            " gpt-5.1-codex-mini ",
            "--param",
            "temperature=0.2",
            "hi",
        ]);
        assert_eq!(request.model, "gpt-5.1-codex-mini");
        assert_eq!(request.strategy, Strategy::Priority, "the default");
        assert_eq!(request.params.temperature, Some(0.2));
        assert_eq!(request.messages.len(), 1);
        assert!(request.stream);

        let request = routed(&[
            "--model",
            "m",
            "--strategy",
            "round-robin",
            "--no-stream",
            "hi",
        ]);
        assert_eq!(request.strategy, Strategy::RoundRobin);
        assert!(!request.stream);
    }

    #[test]
    fn routing_refuses_a_protocol_a_stored_response_and_a_stray_strategy() {
        for (extra, flag) in [
            (&["--api", "responses"][..], "--api"),
            (
                &["--previous-response-id", "resp_1"],
                "--previous-response-id",
            ),
        ] {
            let mut argv = vec!["--model", "m"];
            argv.extend_from_slice(extra);
            argv.push("hi");
            let message = usage_message(prepare(args(&argv), |_| None, no_stdin));
            assert!(
                message.starts_with(flag) && message.contains("--account"),
                "{extra:?}: {message}"
            );
        }

        for route in [
            &["--account", "Work"][..],
            &DIRECT[..4],
            &["--api-key-env", "KEY"],
        ] {
            let mut argv = route.to_vec();
            argv.extend(["--model", "m", "--strategy", "priority", "hi"]);
            let message = usage_message(prepare(args(&argv), env_with_key, no_stdin));
            assert!(message.starts_with("--strategy"), "{route:?}: {message}");
        }

        let message = usage_message(prepare(
            args(&["--api-key-env", "KEY", "--model", "m", "hi"]),
            env_with_key,
            no_stdin,
        ));
        assert!(
            message.contains("--base-url"),
            "a key variable means a direct route, not routing: {message}"
        );
    }

    #[test]
    fn the_routed_summary_names_the_serving_account_and_the_note_every_route() {
        use sb_core::router::{Attempt, Route as Via};
        let mut first = account("starrise", "m", Api::ChatCompletions);
        first.label = "Star".into();
        let mut second = account("aimlapi", "m", Api::ChatCompletions);
        second.id = "acc-2".to_owned().into();
        second.label = "Aiml".into();
        second.base_url = "https://aiml.example/v1".into();
        let served = Via::new(second.id.clone(), "openai/x", Api::Responses);
        let record = RouteRecord {
            served_by: Some(served),
            attempts: vec![Attempt {
                route: Via::new(first.id.clone(), "x", Api::ChatCompletions),
                code: "rate_limited".into(),
                outcome: "rate-limited, cooling down 30 s".into(),
            }],
        };
        let info = routed_info(Some(&record), &[first, second]);
        assert_eq!(
            serde_json::to_value(&info).expect("JSON"),
            serde_json::json!({
                "base_url": "https://aiml.example/v1", "api": "responses", "model": "openai/x",
                "account": "Aiml", "routed": true,
            })
        );
        assert_eq!(
            info.note.as_deref(),
            Some(
                "Answered by Aiml (openai/x via responses). Star (x via chat): rate-limited, \
                 cooling down 30 s."
            )
        );

        let none = routed_info(None, &[]);
        assert_eq!(
            serde_json::to_value(&none).expect("JSON"),
            serde_json::json!({
                "base_url": null, "api": null, "model": null, "account": null, "routed": true,
            }),
            "no route answered: null fields"
        );
        assert_eq!(none.note, None, "nothing was planned, nothing to note");
    }
}
