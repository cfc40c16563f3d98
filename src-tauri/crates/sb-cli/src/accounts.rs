//! `sb accounts ...` and `sb models`: saved provider accounts, driven through the same core as
//! the app. Keys go from standard input straight to the OS keyring; nothing here ever prints
//! one (the core hands out only its last four characters).
//!
//! Each command checks what it can before touching the disk or the keyring ([`plan_add`],
//! [`read_key`]); writing goes to any `Write` so unit tests can read it.

use std::io::{self, Write};

use sb_core::catalog::{CatalogEntry, ConnectionReport, ModelSource, Verdict};
use sb_core::preset::{self, Preset};
use sb_core::{Account, AccountSummary, Api, NewAccount, Secret, Switchboard};
use serde::Serialize;

use crate::args::{AddArgs, ApiArg, ListFormat};
use crate::error::{core_error, CliError};

/// An account to add, checked, waiting only for its key.
#[derive(Debug)]
pub struct AddPlan {
    /// The provider preset.
    pub preset: &'static Preset,
    label: String,
    base_url: String,
    model: String,
    api: Api,
    allow_http: bool,
    headers: Vec<(String, String)>,
    proxy: Option<String>,
    proxy_password: Option<Secret<String>>,
    max_concurrent: Option<u32>,
}

/// Checks `sb accounts add`'s arguments and fills in the preset's defaults: its base URL, its
/// first known model, and the protocol it names for that model (else chat).
pub fn plan_add(args: AddArgs) -> Result<AddPlan, CliError> {
    if args.api_key.is_some() {
        return Err(CliError::Usage(
            "--api-key is not accepted: a key on the command line ends up in shell history and \
             `ps`. Pipe it on standard input instead, e.g. printf %s \"$KEY\" | sb accounts add \
             ... (or < keyfile)"
                .into(),
        ));
    }
    let id = args.provider.trim();
    let preset = preset::preset(id).ok_or_else(|| {
        let known: Vec<&str> = preset::presets().iter().map(|p| p.id.as_str()).collect();
        CliError::Usage(format!(
            "--provider {id:?} is not a known preset; choose one of: {}",
            known.join(", ")
        ))
    })?;
    let label = args.label.trim().to_owned();
    if label.is_empty() {
        return Err(CliError::Usage(
            "--label is empty: give the account a name, e.g. --label Work".into(),
        ));
    }
    let base_url = match args.base_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => url.to_owned(),
        _ if !preset.base_url.is_empty() => preset.base_url.clone(),
        _ => {
            return Err(CliError::Usage(format!(
                "--base-url is required with --provider {}: it has no default address, e.g. \
                 --base-url https://llm.example.com/v1",
                preset.id
            )))
        }
    };
    let model = match args.model.as_deref().map(str::trim) {
        Some(model) if !model.is_empty() => model.to_owned(),
        _ => match preset.models.first() {
            Some(first) => first.id.clone(),
            None => {
                return Err(CliError::Usage(format!(
                    "--model is required with --provider {}: it knows no models; give the \
                     model ID the server serves",
                    preset.id
                )))
            }
        },
    };
    let api = match args.api {
        Some(api) => api.into(),
        None => preset
            .model(&model)
            .map_or(ApiArg::Chat.into(), |known| known.api),
    };
    let proxy_password = match &args.proxy_password_env {
        None => None,
        Some(var) => match std::env::var(var) {
            Ok(value) if !value.is_empty() => Some(Secret::new(value)),
            _ => {
                return Err(CliError::Usage(format!(
                    "--proxy-password-env {var}: the environment variable {var} is not set or \
                     empty; export the proxy password in it first"
                )))
            }
        },
    };
    Ok(AddPlan {
        preset,
        label,
        base_url,
        model,
        api,
        allow_http: args.allow_http,
        headers: args.headers,
        proxy: args.proxy,
        proxy_password,
        max_concurrent: args.max_concurrent,
    })
}

impl AddPlan {
    /// The account to hand to the core, with its key.
    fn into_new(self, api_key: Secret<String>) -> NewAccount {
        NewAccount {
            label: self.label,
            base_url: self.base_url,
            api_key,
            model: self.model,
            api: self.api,
            server_state: false,
            preset: self.preset.id.clone(),
            allow_http: self.allow_http,
            headers: self.headers,
            proxy: self.proxy,
            proxy_password: self.proxy_password,
            max_concurrent: self.max_concurrent,
            models: Vec::new(),
        }
    }
}

/// Reads the key: from standard input when it is a pipe or file (the whole of it, trimmed), or
/// at a prompt that does not echo when it is a terminal (`prompt` shows the question and reads
/// one line hidden). A provider that needs no key gets none without being asked.
pub fn read_key(
    stdin_is_terminal: bool,
    preset: &Preset,
    stdin: impl FnOnce() -> io::Result<String>,
    prompt: impl FnOnce(&str) -> io::Result<String>,
) -> Result<Secret<String>, CliError> {
    let text = if stdin_is_terminal {
        if !preset.key_required {
            return Ok(Secret::new(String::new()));
        }
        prompt(&format!("API key for {} (typing is hidden): ", preset.name)).map_err(|e| {
            CliError::Usage(format!(
                "cannot read the API key at the prompt ({e}); pipe it in instead, e.g. printf %s \
                 \"$KEY\" | sb accounts add --provider {} ...",
                preset.id
            ))
        })?
    } else {
        stdin().map_err(|e| CliError::Usage(format!("cannot read the API key from stdin: {e}")))?
    };
    let key = text.trim();
    if key.is_empty() && preset.key_required {
        return Err(CliError::Usage(format!(
            "no API key given: {} needs one; type it at the prompt or pipe it in, e.g. printf %s \
             \"$KEY\" | sb accounts add ...",
            preset.name
        )));
    }
    Ok(Secret::new(key.to_owned()))
}

/// `sb accounts add`, after [`plan_add`] and [`read_key`].
pub fn add(
    switchboard: &Switchboard,
    plan: AddPlan,
    key: Secret<String>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), CliError> {
    let preset = plan.preset;
    let added = switchboard
        .accounts()
        .add(plan.into_new(key))
        .map_err(core_error)?;
    let account = &added.account;
    let mut write = || -> io::Result<()> {
        writeln!(out, "Added account {:?} (id {})", account.label, account.id)?;
        writeln!(out, "  provider  {} ({})", preset.name, preset.id)?;
        writeln!(out, "  base URL  {}", account.base_url)?;
        writeln!(out, "  model     {}", account.model)?;
        writeln!(out, "  protocol  {}", api_name(account.api))?;
        match &added.key_hint {
            Some(hint) => writeln!(out, "  API key   ••{hint} (in the OS keyring)")?,
            None => writeln!(out, "  API key   none")?,
        }
        out.flush()
    };
    write().map_err(|e| write_failure(&e))?;
    if !added.has_key {
        let _ = writeln!(
            err,
            "sb: note: no API key was stored ({} does not require one); to add one, remove the \
             account and add it again with the key on standard input",
            preset.name
        );
    }
    let same_label = switchboard
        .accounts()
        .list()
        .map_err(core_error)?
        .iter()
        .filter(|s| s.account.label == account.label)
        .count();
    if same_label > 1 {
        // Only a note: the account is saved, but its label no longer picks it alone.
        let _ = writeln!(
            err,
            "sb: note: {same_label} accounts are now labelled {:?}; name this one by its id ({})",
            account.label, account.id
        );
    }
    Ok(())
}

/// One account as `sb accounts list --format json` prints it. No key, only whether there is one.
#[derive(Debug, Serialize)]
struct AccountLine<'a> {
    id: &'a str,
    label: &'a str,
    preset: &'a str,
    base_url: &'a str,
    model: &'a str,
    api: Api,
    server_state: bool,
    allow_http: bool,
    headers: &'a [(String, String)],
    proxy: Option<&'a str>,
    max_concurrent: Option<u32>,
    enabled: bool,
    has_key: bool,
    key_hint: Option<&'a str>,
    key_problem: Option<&'a str>,
}

/// `sb accounts list`.
pub fn list(
    accounts: &[AccountSummary],
    format: ListFormat,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), CliError> {
    let mut write = || -> io::Result<()> {
        match format {
            ListFormat::Json => {
                let lines: Vec<AccountLine<'_>> = accounts
                    .iter()
                    .map(|s| AccountLine {
                        id: s.account.id.as_str(),
                        label: &s.account.label,
                        preset: &s.account.preset,
                        base_url: &s.account.base_url,
                        model: &s.account.model,
                        api: s.account.api,
                        server_state: s.account.server_state,
                        allow_http: s.account.allow_http,
                        headers: &s.account.headers,
                        proxy: s.account.proxy.as_deref(),
                        max_concurrent: s.account.max_concurrent,
                        enabled: s.account.enabled,
                        has_key: s.has_key,
                        key_hint: s.key_hint.as_deref(),
                        key_problem: s.key_problem.as_deref(),
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &lines)?;
                writeln!(out)?;
            }
            ListFormat::Text => {
                let rows: Vec<[String; 5]> = accounts
                    .iter()
                    .map(|s| {
                        [
                            s.account.label.clone(),
                            s.account.preset.clone(),
                            host(&s.account.base_url).to_owned(),
                            api_name(s.account.api).to_owned(),
                            key_text(s),
                        ]
                    })
                    .collect();
                write_table(out, &rows)?;
                if accounts.is_empty() {
                    writeln!(
                        err,
                        "sb: note: no accounts yet; add one with: printf %s \"$KEY\" | sb \
                         accounts add --provider PRESET --label LABEL"
                    )?;
                }
            }
        }
        out.flush()
    };
    write().map_err(|e| write_failure(&e))
}

/// `sb accounts remove`: the account and its key.
pub fn remove(switchboard: &Switchboard, name: &str, out: &mut impl Write) -> Result<(), CliError> {
    let account = find(&all(switchboard)?, name)?;
    let removed = switchboard
        .accounts()
        .remove(&account.id)
        .map_err(core_error)?;
    writeln!(
        out,
        "Removed account {:?} (id {}) and its key.",
        removed.label, removed.id
    )
    .and_then(|()| out.flush())
    .map_err(|e| write_failure(&e))
}

/// `sb accounts test`: prints the verdict and the catalog. A verdict other than `ok` or
/// `no_model_list` is an error (its message becomes the `sb:` line); the catalog is printed
/// first all the same.
pub async fn test(
    switchboard: &Switchboard,
    name: &str,
    format: ListFormat,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let account = find(&all(switchboard)?, name)?;
    let report = switchboard
        .chat()
        .test_account(&account.id)
        .await
        .map_err(core_error)?;
    let passed = matches!(report.verdict, Verdict::Ok | Verdict::NoModelList);
    print_report(&report, format, passed, out).map_err(|e| write_failure(&e))?;
    if passed {
        Ok(())
    } else {
        Err(CliError::Failed(report.message))
    }
}

fn print_report(
    report: &ConnectionReport,
    format: ListFormat,
    passed: bool,
    out: &mut impl Write,
) -> io::Result<()> {
    match format {
        ListFormat::Json => {
            serde_json::to_writer_pretty(&mut *out, report)?;
            writeln!(out)?;
        }
        ListFormat::Text => {
            if passed {
                writeln!(out, "{}", report.message)?;
            }
            if !report.models.is_empty() {
                if passed {
                    writeln!(out)?;
                }
                let mut rows = vec![[
                    "MODEL".to_owned(),
                    "PROTOCOL".to_owned(),
                    "SOURCE".to_owned(),
                    "LISTED".to_owned(),
                ]];
                rows.extend(report.models.iter().map(catalog_row));
                write_table(out, &rows)?;
            }
        }
    }
    out.flush()
}

fn catalog_row(entry: &CatalogEntry) -> [String; 4] {
    let source = match entry.source {
        ModelSource::Preset => "preset",
        ModelSource::Discovered => "discovered",
        ModelSource::Manual => "added",
    };
    [
        entry.id.clone(),
        api_name(entry.api).to_owned(),
        source.to_owned(),
        if entry.listed { "yes" } else { "no" }.to_owned(),
    ]
}

/// One logical model in `sb models`, with the accounts that serve it.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ModelGroup {
    /// The logical key shared across providers.
    pub logical: String,
    /// Display name.
    pub name: String,
    /// Where it can be sent.
    pub routes: Vec<ModelRoute>,
}

/// One account serving a logical model.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub struct ModelRoute {
    /// The account's id.
    pub account_id: String,
    /// The account's label.
    pub account: String,
    /// Its preset.
    pub preset: String,
    /// The model's ID at that provider.
    pub model_id: String,
    /// The protocol it needs there.
    pub api: Api,
}

/// The models of `accounts` (each account's catalog: its preset's models, models added by hand,
/// its default model and the list its provider gave at the last `sb accounts test`), grouped by
/// logical model and sorted by name, routes in account order: the app's model picker, as text.
pub fn model_groups(
    accounts: &[Account],
    catalog: &dyn Fn(&Account) -> Vec<CatalogEntry>,
) -> Vec<ModelGroup> {
    let catalogs: Vec<_> = accounts
        .iter()
        .filter(|a| a.enabled)
        .map(|a| (a.id.clone(), catalog(a)))
        .collect();
    sb_core::catalog::group(&catalogs)
        .into_iter()
        .map(|group| ModelGroup {
            logical: group.key,
            name: group.name,
            routes: group
                .routes
                .into_iter()
                .filter_map(|(id, entry)| {
                    let account = accounts.iter().find(|a| a.id == id)?;
                    Some(ModelRoute {
                        account_id: id.to_string(),
                        account: account.label.clone(),
                        preset: account.preset.clone(),
                        model_id: entry.id,
                        api: entry.api,
                    })
                })
                .collect(),
        })
        .collect()
}

/// `sb models`.
pub fn models(
    accounts: &[Account],
    catalog: &dyn Fn(&Account) -> Vec<CatalogEntry>,
    format: ListFormat,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), CliError> {
    let groups = model_groups(accounts, catalog);
    let mut write = || -> io::Result<()> {
        match format {
            ListFormat::Json => {
                serde_json::to_writer_pretty(&mut *out, &groups)?;
                writeln!(out)?;
            }
            ListFormat::Text => {
                for group in &groups {
                    writeln!(out, "{} ({})", group.name, group.logical)?;
                    let rows: Vec<[String; 3]> = group
                        .routes
                        .iter()
                        .map(|r| {
                            [
                                format!("  {}", r.account),
                                r.model_id.clone(),
                                api_name(r.api).to_owned(),
                            ]
                        })
                        .collect();
                    write_table(out, &rows)?;
                }
                if accounts.is_empty() {
                    writeln!(
                        err,
                        "sb: note: no accounts yet, so no models; add one with 'sb accounts add'"
                    )?;
                }
                for account in accounts {
                    let known =
                        preset::preset(&account.preset).is_some_and(|p| !p.models.is_empty());
                    if !known {
                        writeln!(
                            err,
                            "sb: note: {:?} ({}) has no preset models (its default is {}); \
                             'sb accounts test {}' lists what its provider serves",
                            account.label, account.preset, account.model, account.label
                        )?;
                    }
                }
            }
        }
        out.flush()
    };
    write().map_err(|e| write_failure(&e))
}

/// Every saved account (reading the keyring, which says whether each has a key).
pub fn all(switchboard: &Switchboard) -> Result<Vec<Account>, CliError> {
    Ok(switchboard
        .accounts()
        .list()
        .map_err(core_error)?
        .into_iter()
        .map(|s| s.account)
        .collect())
}

/// The account `name` picks: its id, else its label when no other account shares it.
pub fn find(accounts: &[Account], name: &str) -> Result<Account, CliError> {
    let name = name.trim();
    if let Some(account) = accounts.iter().find(|a| a.id.as_str() == name) {
        return Ok(account.clone());
    }
    let labelled: Vec<&Account> = accounts.iter().filter(|a| a.label == name).collect();
    match labelled.as_slice() {
        [one] => Ok((*one).clone()),
        [] if accounts.is_empty() => Err(CliError::Usage(format!(
            "no account labelled {name:?}: there are no accounts yet; add one with 'sb accounts add'"
        ))),
        [] => {
            let known: Vec<String> = accounts.iter().map(|a| format!("{:?}", a.label)).collect();
            Err(CliError::Usage(format!(
                "no account labelled {name:?}; the accounts are: {}",
                known.join(", ")
            )))
        }
        several => {
            let ids: Vec<String> = several
                .iter()
                .map(|a| format!("{} ({}, {})", a.id, a.preset, a.base_url))
                .collect();
            Err(CliError::Usage(format!(
                "{} accounts are labelled {name:?}; name one by its id instead: {}",
                several.len(),
                ids.join("; ")
            )))
        }
    }
}

/// `chat` or `responses`, as `--api` spells it.
pub fn api_name(api: Api) -> &'static str {
    match api {
        Api::ChatCompletions => "chat",
        Api::Responses => "responses",
    }
}

/// "key ••1234" or "no key".
fn key_text(summary: &AccountSummary) -> String {
    if summary.key_problem.is_some() {
        return "key needs re-entry".to_owned();
    }
    match (&summary.key_hint, summary.has_key) {
        (Some(hint), _) => format!("key ••{hint}"),
        (None, true) => "key stored".to_owned(),
        (None, false) => "no key".to_owned(),
    }
}

/// The host (and port) of a base URL, for a short listing.
fn host(base_url: &str) -> &str {
    let rest = base_url
        .split_once("://")
        .map_or(base_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest)
}

/// Writes rows as columns separated by two spaces (the last column unpadded).
fn write_table<const N: usize>(out: &mut impl Write, rows: &[[String; N]]) -> io::Result<()> {
    let mut widths = [0usize; N];
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == N {
                line.push_str(cell);
            } else {
                line.push_str(cell);
                let pad = widths[i] - cell.chars().count() + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(out, "{}", line.trim_end())?;
    }
    Ok(())
}

fn write_failure(error: &io::Error) -> CliError {
    if error.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Failed(format!("cannot write the output: {error}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{AccountsCommand, Cli, Command};
    use clap::Parser;

    fn add_args(extra: &[&str]) -> AddArgs {
        let mut argv = vec!["sb", "accounts", "add"];
        argv.extend_from_slice(extra);
        match Cli::try_parse_from(argv).expect("valid argv").command {
            Command::Accounts(AccountsCommand::Add(add)) => add,
            other => panic!("parsed as accounts add: {other:?}"),
        }
    }

    fn usage(result: Result<impl std::fmt::Debug, CliError>) -> String {
        match result {
            Err(CliError::Usage(message)) => message,
            other => panic!("expected a usage error, got {other:?}"),
        }
    }

    fn account(id: &str, label: &str, preset: &str) -> Account {
        serde_json::from_value(serde_json::json!({
            "id": id, "label": label, "base_url": "https://h.example/v1", "model": "m",
            "preset": preset,
        }))
        .expect("a valid account")
    }

    #[test]
    fn a_preset_fills_in_url_model_and_protocol() {
        let plan =
            plan_add(add_args(&["--provider", "openai", "--label", " Work "])).expect("valid");
        assert_eq!(plan.label, "Work", "trimmed");
        assert_eq!(
            plan.base_url, "https://api.openai.com/v1",
            "the preset's URL"
        );
        assert_eq!(plan.model, "gpt-5.1", "the preset's first known model");
        assert_eq!(
            plan.api,
            Api::ChatCompletions,
            "the preset's protocol for it"
        );

        let plan = plan_add(add_args(&[
            "--provider",
            "openai",
            "--label",
            "W",
            "--model",
            "gpt-5.1-codex-mini",
        ]))
        .expect("valid");
        assert_eq!(
            plan.api,
            Api::Responses,
            "a known model keeps the protocol the preset names"
        );

        let plan = plan_add(add_args(&[
            "--provider",
            "openai",
            "--label",
            "W",
            "--model",
            "gpt-5.1-codex-mini",
            "--api",
            "chat",
            "--base-url",
            "https://proxy.example/v1",
        ]))
        .expect("valid");
        assert_eq!(
            (plan.api, plan.base_url.as_str()),
            (Api::ChatCompletions, "https://proxy.example/v1"),
            "flags win over the preset"
        );
    }

    #[test]
    fn custom_and_modelless_presets_say_what_is_missing() {
        let message = usage(plan_add(add_args(&[
            "--provider",
            "custom",
            "--label",
            "L",
            "--model",
            "m",
        ])));
        assert!(message.contains("--base-url"), "{message}");
        let message = usage(plan_add(add_args(&[
            "--provider",
            "ollama",
            "--label",
            "L",
        ])));
        assert!(
            message.contains("--model"),
            "ollama knows no models: {message}"
        );
        let message = usage(plan_add(add_args(&["--provider", "nope", "--label", "L"])));
        assert!(
            message.contains("nope") && message.contains("openai") && message.contains("custom"),
            "names the bad preset and the known ones: {message}"
        );
        let message = usage(plan_add(add_args(&[
            "--provider",
            "openai",
            "--label",
            " ",
        ])));
        assert!(message.contains("--label"), "{message}");
    }

    #[test]
    fn a_key_on_the_command_line_is_refused_without_echoing_it() {
        let message = usage(plan_add(add_args(&[
            "--provider",
            "openai",
            "--label",
            "W",
            "--api-key",
            "sk-argv-secret",
        ])));
        assert!(message.contains("standard input"), "{message}");
        assert!(!message.contains("sk-argv-secret"), "{message}");
    }

    #[test]
    fn the_key_comes_trimmed_from_a_pipe_or_a_hidden_prompt() {
        let openai = preset::preset("openai").expect("preset");
        let ollama = preset::preset("ollama").expect("preset");
        let no_prompt = |_: &str| -> io::Result<String> { panic!("a pipe is not prompted for") };
        let key =
            read_key(false, openai, || Ok("  sk-piped-1234\n".into()), no_prompt).expect("piped");
        assert_eq!(key.expose(), "sk-piped-1234");

        let message = usage(read_key(false, openai, || Ok("\n".into()), no_prompt));
        assert!(message.contains("no API key"), "{message}");
        let local =
            read_key(false, ollama, || Ok(String::new()), no_prompt).expect("local needs none");
        assert_eq!(local.expose(), "");

        let no_stdin = || -> io::Result<String> { panic!("a terminal is read at the prompt") };
        let mut asked = String::new();
        let typed = read_key(true, openai, no_stdin, |question| {
            asked = question.to_owned();
            Ok(" sk-typed-5678 ".into())
        })
        .expect("typed at the prompt");
        assert_eq!(typed.expose(), "sk-typed-5678");
        assert!(
            asked.contains("OpenAI") && asked.contains("hidden"),
            "{asked}"
        );
        let message = usage(read_key(true, openai, no_stdin, |_| Ok(String::new())));
        assert!(message.contains("no API key"), "{message}");
        let local = read_key(true, ollama, no_stdin, |_| -> io::Result<String> {
            panic!("a local server is not asked")
        })
        .expect("a local server needs no key");
        assert_eq!(local.expose(), "");
    }

    #[test]
    fn accounts_are_found_by_unique_label_or_by_id() {
        let accounts = [
            account("id-1", "Work", "openai"),
            account("id-2", "Home", "openai"),
            account("id-3", "Home", "deepseek"),
        ];
        assert_eq!(find(&accounts, "Work").expect("unique").id.as_str(), "id-1");
        assert_eq!(find(&accounts, "id-3").expect("by id").id.as_str(), "id-3");
        let message = usage(find(&accounts, "Home"));
        assert!(
            message.contains("2 accounts") && message.contains("id-2") && message.contains("id-3"),
            "a shared label asks for the id and lists them: {message}"
        );
        let message = usage(find(&accounts, "Play"));
        assert!(
            message.contains("\"Play\"")
                && message.contains("\"Work\"")
                && message.contains("\"Home\""),
            "names the label and the known ones: {message}"
        );
        let message = usage(find(&[], "Play"));
        assert!(message.contains("no accounts yet"), "{message}");
    }

    #[test]
    fn models_group_the_accounts_by_logical_model() {
        let accounts = [
            account("id-1", "Star", "starrise"),
            account("id-2", "AIML", "aimlapi"),
            account("id-3", "Mine", "custom"),
        ];
        let catalog = |a: &Account| sb_core::catalog::merge(a, &[]);
        let groups = model_groups(&accounts, &catalog);
        let mini = groups
            .iter()
            .find(|g| g.logical == "gpt-5.1-codex-mini")
            .expect("both presets serve codex mini");
        let routes: Vec<(&str, &str, Api)> = mini
            .routes
            .iter()
            .map(|r| (r.account.as_str(), r.model_id.as_str(), r.api))
            .collect();
        assert_eq!(
            routes,
            [
                ("Star", "gpt-5.1-codex-mini", Api::ChatCompletions),
                ("AIML", "openai/gpt-5-1-codex-mini", Api::Responses),
            ],
            "one model, each provider's ID and protocol"
        );
        let mine: Vec<&ModelGroup> = groups
            .iter()
            .filter(|g| g.routes.iter().any(|r| r.account == "Mine"))
            .collect();
        assert_eq!(
            mine.iter().map(|g| g.logical.as_str()).collect::<Vec<_>>(),
            ["m"],
            "a custom account offers its own default model, and nothing else: {mine:?}"
        );

        let mut out = Vec::new();
        let mut err = Vec::new();
        models(&accounts, &catalog, ListFormat::Text, &mut out, &mut err).expect("writes");
        let err = String::from_utf8(err).expect("utf-8");
        assert!(
            err.contains("\"Mine\"") && err.contains("sb accounts test"),
            "points to the live list: {err}"
        );
    }

    #[test]
    fn tables_align_columns_by_characters() {
        let mut out = Vec::new();
        write_table(
            &mut out,
            &[
                ["Wörk".to_owned(), "a".to_owned()],
                ["x".to_owned(), "b".to_owned()],
            ],
        )
        .expect("writes");
        assert_eq!(String::from_utf8(out).expect("utf-8"), "Wörk  a\nx     b\n");
        assert_eq!(host("https://api.openai.com/v1"), "api.openai.com");
        assert_eq!(host("http://127.0.0.1:8080/v1"), "127.0.0.1:8080");
    }
}
