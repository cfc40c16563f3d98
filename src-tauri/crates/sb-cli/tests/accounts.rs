//! `sb accounts` and `sb ask --account` end to end: the real binary, the real OS keyring and the
//! provider simulator on 127.0.0.1.
//!
//! The keyring is the Secret Service on the session bus, so these tests must run inside a
//! private D-Bus session with an unlocked gnome-keyring, as `.ci/test-layers` does:
//!
//! ```sh
//! with_keyring cargo test --locked -p sb-cli --test accounts
//! ```
//!
//! Each test uses its own data dir and removes the accounts it made (and so their keys) when it
//! ends, pass or fail.

#[allow(dead_code)] // Some helpers serve tests/ask.rs only.
mod support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use sb_sim::{Script, SimConfig};
use serde_json::Value;
use support::{simulator, simulator_with, Run, Sb, TempDir, KEY};

/// How long to wait for the simulator to record a request that `sb` already sent.
const RECORD_WAIT: Duration = Duration::from_secs(5);
/// The keyring service the app and `sb` store keys under.
const SERVICE: &str = "dev.switchboard.app";

/// A data dir for one test. Dropping it removes every account saved there, and so their keys.
struct Home(TempDir);

impl Home {
    fn new() -> Self {
        assert!(
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
            "these tests need the OS keyring: run them inside a D-Bus session with an unlocked \
             gnome-keyring (with_keyring in .ci/test-layers)"
        );
        Self(TempDir::new())
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    /// `sb --data-dir <this> ARGS`.
    fn sb<const N: usize>(&self, args: [&str; N]) -> Sb {
        Sb::in_dir(self.path(), args)
    }

    /// `sb accounts add --provider PRESET --label LABEL --base-url URL`, with `key` on stdin.
    async fn add(&self, preset: &str, label: &str, base_url: &str, key: &str) -> Run {
        self.sb(["accounts", "add", "--provider", preset, "--label", label])
            .args(["--base-url", base_url])
            .stdin(&format!("{key}\n"))
            .run()
            .await
    }

    /// The accounts as `sb accounts list --format json` prints them.
    async fn list(&self) -> Vec<Value> {
        let run = self
            .sb(["accounts", "list", "--format", "json"])
            .run()
            .await;
        assert_success(&run);
        let parsed: Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("list --format json prints JSON ({e}): {}", run.stdout));
        parsed
            .as_array()
            .unwrap_or_else(|| panic!("an array: {parsed}"))
            .clone()
    }
}

impl Drop for Home {
    fn drop(&mut self) {
        // Leave no key behind in the session's keyring, even when the test failed.
        let listed = Sb::in_dir(self.path(), ["accounts", "list", "--format", "json"])
            .command()
            .output();
        let Ok(listed) = listed else { return };
        let accounts: Value = serde_json::from_slice(&listed.stdout).unwrap_or(Value::Null);
        for account in accounts.as_array().into_iter().flatten() {
            if let Some(id) = account["id"].as_str() {
                let _ = Sb::in_dir(self.path(), ["accounts", "remove", id])
                    .command()
                    .output();
            }
        }
    }
}

fn assert_success(run: &Run) {
    assert_eq!(run.code, Some(0), "sb succeeds; stderr: {}", run.stderr);
    assert!(!run.stdout.contains(KEY), "the key never reaches stdout");
    assert!(!run.stderr.contains(KEY), "the key never reaches stderr");
}

/// The key's hint as `sb` shows it: its last four characters.
fn hint() -> String {
    let chars: Vec<char> = KEY.chars().collect();
    format!(
        "key ••{}",
        chars[chars.len() - 4..].iter().collect::<String>()
    )
}

/// The keyring value of a key entered for `base_url`: the origin it is bound to, then the key.
fn bound(base_url: &str, key: &str) -> String {
    let origin = base_url.trim_end_matches("/v1");
    format!("switchboard-binding/1 {origin}\n{key}")
}

/// What the session's keyring holds for an account id, read by another client.
fn keyring_entry(id: &str) -> String {
    let output = Command::new("secret-tool")
        .args(["lookup", "service", SERVICE, "username", id])
        .output()
        .expect("secret-tool runs (package libsecret-tools)");
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_keeps_the_key_in_the_keyring_only_and_list_shows_its_hint() {
    let home = Home::new();
    let sim = simulator().await;
    let url = sim.base_url();

    let added = home.add("starrise", "Sim", &url, KEY).await;
    assert_success(&added);
    let shown = hint().replace("key ", "API key   ");
    for expected in [
        "\"Sim\"",
        "Starrise (starrise)",
        url.as_str(),
        "gpt-5.1-codex-mini",
        "chat",
        shown.as_str(),
    ] {
        assert!(
            added.stdout.contains(expected),
            "add prints the account ({expected}): {}",
            added.stdout
        );
    }

    let accounts = home.list().await;
    assert_eq!(accounts.len(), 1, "one account: {accounts:?}");
    let account = &accounts[0];
    let id = account["id"].as_str().expect("an id");
    let mut keys: Vec<&str> = account
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "allow_http",
            "api",
            "base_url",
            "enabled",
            "has_key",
            "headers",
            "id",
            "key_hint",
            "key_problem",
            "label",
            "max_concurrent",
            "model",
            "preset",
            "proxy",
            "server_state"
        ],
        "the documented fields, and no key"
    );
    assert_eq!(account["label"], "Sim");
    assert_eq!(account["preset"], "starrise");
    assert_eq!(account["base_url"], url, "--base-url replaces the preset's");
    assert_eq!(
        account["model"], "gpt-5.1-codex-mini",
        "the preset's first model by default"
    );
    assert_eq!(
        account["api"], "chat",
        "the preset's protocol for that model"
    );
    assert_eq!(account["has_key"], true);
    assert_eq!(
        account["key_hint"].as_str().map(|h| format!("key ••{h}")),
        Some(hint()),
        "the hint is the key's last four characters"
    );

    assert_eq!(
        keyring_entry(id),
        bound(&url, KEY),
        "the key is in the OS keyring under the account id, bound to the account's origin"
    );
    let file = std::fs::read_to_string(home.path().join("accounts.json")).expect("saved");
    assert!(!file.contains(KEY), "the key never reaches accounts.json");
    assert!(file.contains(id), "the account does: {file}");

    let text = home.sb(["accounts", "list"]).run().await;
    assert_success(&text);
    let lines: Vec<&str> = text.stdout.lines().collect();
    assert_eq!(lines.len(), 1, "one line per account: {}", text.stdout);
    let host = url
        .trim_start_matches("http://")
        .trim_end_matches("/v1")
        .to_owned();
    for expected in ["Sim", "starrise", host.as_str(), "chat", &hint()] {
        assert!(
            lines[0].contains(expected),
            "the line shows {expected}: {}",
            lines[0]
        );
    }
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_on_the_command_line_is_refused_and_nothing_is_saved() {
    let home = Home::new();
    let sim = simulator().await;

    let refused = home
        .sb([
            "accounts",
            "add",
            "--provider",
            "starrise",
            "--label",
            "Argv",
        ])
        .args(["--base-url", &sim.base_url(), "--api-key", KEY])
        .stdin(&format!("{KEY}\n"))
        .run()
        .await;
    let line = refused.single_error_line(2);
    assert!(
        line.contains("--api-key") && line.contains("standard input"),
        "says why and what to do instead: {line}"
    );
    assert!(home.list().await.is_empty(), "nothing was saved");

    let empty = home
        .sb([
            "accounts",
            "add",
            "--provider",
            "starrise",
            "--label",
            "Empty",
        ])
        .args(["--base-url", &sim.base_url()])
        .run()
        .await;
    let line = empty.single_error_line(2);
    assert!(
        line.contains("no API key given"),
        "a remote provider needs a key: {line}"
    );
    assert!(home.list().await.is_empty(), "nothing was saved");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_test_checks_the_stored_key_against_the_provider() {
    let home = Home::new();
    let sim = simulator_with(SimConfig {
        api_keys: vec![KEY.to_owned()],
        ..SimConfig::default()
    })
    .await;
    let url = sim.base_url();
    assert_success(&home.add("starrise", "Good", &url, KEY).await);
    assert_success(&home.add("starrise", "Bad", &url, "sk-wrong-key-0000").await);

    let good = home.sb(["accounts", "test", "Good"]).run().await;
    assert_success(&good);
    assert!(
        good.stdout
            .contains("Connected to Good: the key works and 7 models are listed."),
        "the verdict with the number of listed models: {}",
        good.stdout
    );
    let row = good
        .stdout
        .lines()
        .find(|l| l.starts_with("gpt-5.1-codex-mini "))
        .unwrap_or_else(|| panic!("the catalog lists the preset model: {}", good.stdout));
    assert!(
        row.contains("chat") && row.contains("preset") && row.ends_with("yes"),
        "with its protocol, source and whether it is listed: {row}"
    );
    assert!(
        good.stdout
            .lines()
            .any(|l| l.starts_with("gpt-5.2 ") && l.contains("preset")),
        "gpt-5.2 is a Starrise preset model: {}",
        good.stdout
    );
    assert!(
        good.stdout.lines().any(|l| l.contains("discovered")),
        "models only the provider lists are marked discovered: {}",
        good.stdout
    );
    let request = sim
        .wait_for_requests(1, RECORD_WAIT)
        .await
        .into_iter()
        .find(|r| r.path == "/v1/models")
        .expect("the test fetched the model list");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "with the key from the keyring"
    );

    let json = home
        .sb(["accounts", "test", "Good", "--format", "json"])
        .run()
        .await;
    assert_success(&json);
    let report: Value = serde_json::from_str(&json.stdout).expect("the report is JSON");
    assert_eq!(report["verdict"], "ok");
    assert_eq!(
        report["models"].as_array().map(Vec::len),
        Some(7),
        "the two preset models are among the seven listed: {report}"
    );

    let bad = home.sb(["accounts", "test", "Bad"]).run().await;
    let line = bad.single_error_line(1);
    assert!(
        line.contains("Bad rejected the key"),
        "says the provider rejected the key: {line}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ask_with_an_account_streams_the_answer_with_the_stored_key() {
    let home = Home::new();
    let sim = simulator().await;
    assert_success(&home.add("starrise", "Sim", &sim.base_url(), KEY).await);
    let answer = "Answered through a saved account 🔑";
    sim.push(Script::reply(answer).chunk_bytes(1, 3));
    sim.push(Script::reply(answer));

    let run = home
        .sb(["ask", "--account", "Sim", "Who answers?"])
        .run()
        .await;
    assert_success(&run);
    assert_eq!(run.stdout, format!("{answer}\n"), "the streamed answer");
    let requests = sim.wait_for_requests(1, RECORD_WAIT).await;
    let request = requests.first().expect("sb sent one request");
    assert_eq!(
        request.path, "/v1/chat/completions",
        "the account's protocol"
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "the key comes from the keyring"
    );
    assert_eq!(
        request.body["model"], "gpt-5.1-codex-mini",
        "the account's model by default"
    );
    assert_eq!(request.body["stream"], true);

    let json = home
        .sb(["ask", "--account", "Sim", "--format", "json", "Again"])
        .run()
        .await;
    assert_success(&json);
    let summary: Value = json
        .stdout
        .lines()
        .last()
        .map(|l| serde_json::from_str(l).expect("JSON"))
        .expect("a summary line");
    assert_eq!(summary["type"], "summary");
    assert_eq!(
        summary["route"],
        serde_json::json!({
            "base_url": sim.base_url(), "api": "chat", "model": "gpt-5.1-codex-mini",
            "account": "Sim",
        }),
        "the summary names the account"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_alone_is_routed_past_a_rate_limited_account_to_the_next() {
    const MODEL: &str = "gpt-5.1-codex-mini";
    const AIML_ID: &str = "openai/gpt-5-1-codex-mini";
    let home = Home::new();
    let (star, aiml) = (simulator().await, simulator().await);
    assert_success(&home.add("starrise", "Star", &star.base_url(), KEY).await);
    assert_success(&home.add("aimlapi", "Aiml", &aiml.base_url(), KEY).await);
    let ids: Vec<String> = home
        .list()
        .await
        .iter()
        .map(|a| a["id"].as_str().expect("an id").to_owned())
        .collect();
    let [star_id, aiml_id] = ids.as_slice() else {
        panic!("two accounts: {ids:?}");
    };

    // Each `sb` run is a new process with a fresh router: Star is tried first every time.
    star.push(Script::rate_limited(30));
    aiml.push(Script::reply("from the second"));
    let json = home
        .sb(["ask", "--model", MODEL, "--format", "json", "hi"])
        .run()
        .await;
    assert_success(&json);
    let lines: Vec<Value> = json
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let route = lines
        .iter()
        .find(|l| l["type"] == "route")
        .unwrap_or_else(|| panic!("a route line: {}", json.stdout));
    assert_eq!(
        route["served_by"],
        serde_json::json!({"account_id": aiml_id, "model_id": AIML_ID, "api": "responses"})
    );
    let attempts = route["attempts"].as_array().expect("attempts");
    assert_eq!(attempts.len(), 1, "{route}");
    assert_eq!(
        attempts[0]["route"],
        serde_json::json!({"account_id": star_id, "model_id": MODEL, "api": "chat"})
    );
    assert_eq!(attempts[0]["code"], "rate_limited");
    let summary = lines.last().expect("a summary");
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["text"], "from the second");
    assert_eq!(
        summary["route"],
        serde_json::json!({
            "base_url": aiml.base_url(), "api": "responses", "model": AIML_ID,
            "account": "Aiml", "routed": true,
        }),
        "the summary names the account that answered"
    );
    let asked = aiml.wait_for_requests(1, RECORD_WAIT).await;
    assert_eq!(asked[0].path, "/v1/responses", "the preset's protocol");
    assert_eq!(asked[0].body["model"], AIML_ID, "the provider's own ID");
    assert_eq!(star.requests().len(), 1, "no HTTP retry at the limited one");

    star.push(Script::rate_limited(30));
    aiml.push(Script::reply("from the second"));
    let text = home.sb(["ask", "--model", MODEL, "hi"]).run().await;
    assert_success(&text);
    assert_eq!(text.stdout, "from the second\n");
    assert_eq!(
        text.stderr_lines(),
        [format!(
            "sb: note: Answered by Aiml ({AIML_ID} via responses). Star ({MODEL} via chat): \
             rate-limited, cooling down 30 s."
        )],
        "one note after the answer, naming both accounts"
    );

    let unknown = home
        .sb(["ask", "--model", "no-such-model", "hi"])
        .run()
        .await;
    let line = unknown.single_error_line(2);
    assert!(line.contains("no-such-model"), "{line}");
    let mixed = home
        .sb(["ask", "--model", MODEL, "--api", "chat", "hi"])
        .run()
        .await;
    assert!(mixed.single_error_line(2).contains("--api"));
    assert_eq!(
        (star.requests().len(), aiml.requests().len()),
        (2, 2),
        "usage errors send nothing"
    );
    star.shutdown().await;
    aiml.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remove_deletes_the_account_and_its_key() {
    let home = Home::new();
    let sim = simulator().await;
    assert_success(&home.add("starrise", "Gone", &sim.base_url(), KEY).await);
    let accounts = home.list().await;
    let id = accounts[0]["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        keyring_entry(&id),
        bound(&sim.base_url(), KEY),
        "stored before the removal"
    );

    let removed = home.sb(["accounts", "remove", "Gone"]).run().await;
    assert_success(&removed);
    assert!(
        removed.stdout.contains("Removed") && removed.stdout.contains(&id),
        "says what was removed: {}",
        removed.stdout
    );
    assert!(home.list().await.is_empty(), "the list is empty");
    let text = home.sb(["accounts", "list"]).run().await;
    assert_success(&text);
    assert_eq!(text.stdout, "", "no account lines");
    assert_eq!(
        keyring_entry(&id),
        "",
        "the key is gone from the keyring too"
    );

    let again = home.sb(["accounts", "remove", "Gone"]).run().await;
    let line = again.single_error_line(2);
    assert!(line.contains("no account labelled \"Gone\""), "{line}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_and_shared_labels_are_usage_errors() {
    let home = Home::new();
    let sim = simulator().await;
    let url = sim.base_url();
    assert_success(&home.add("starrise", "Twin", &url, KEY).await);
    let second = home.add("starrise", "Twin", &url, KEY).await;
    assert_success(&second);
    assert!(
        second
            .stderr
            .contains("2 accounts are now labelled \"Twin\""),
        "adding a shared label is noted: {}",
        second.stderr
    );

    for argv in [
        vec!["accounts", "remove", "Nope"],
        vec!["accounts", "test", "Nope"],
        vec!["ask", "--account", "Nope", "Hi"],
    ] {
        let run = Sb::in_dir(home.path(), argv.iter().copied()).run().await;
        let line = run.single_error_line(2);
        assert!(
            line.contains("no account labelled \"Nope\"") && line.contains("\"Twin\""),
            "{argv:?}: names the label and the known ones: {line}"
        );
    }

    let shared = home.sb(["accounts", "remove", "Twin"]).run().await;
    let line = shared.single_error_line(2);
    assert!(
        line.contains("2 accounts are labelled \"Twin\"") && line.contains("by its id"),
        "a shared label asks for the id: {line}"
    );
    assert_eq!(home.list().await.len(), 2, "nothing was removed");

    let first_id = home.list().await[0]["id"]
        .as_str()
        .expect("an id")
        .to_owned();
    assert_success(&home.sb(["accounts", "remove", &first_id]).run().await);
    let left = home.list().await;
    assert_eq!(left.len(), 1, "the id picked one");
    assert_ne!(left[0]["id"], first_id.as_str());
    assert!(sim.requests().is_empty(), "no usage error sends anything");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn models_groups_the_accounts_models_and_local_servers_need_no_key() {
    let home = Home::new();
    let sim = simulator().await;
    let url = sim.base_url();
    assert_success(&home.add("starrise", "Star", &url, KEY).await);
    assert_success(&home.add("aimlapi", "Aiml", &url, KEY).await);
    let local = home
        .sb([
            "accounts",
            "add",
            "--provider",
            "ollama",
            "--label",
            "Local",
        ])
        .args(["--base-url", &url, "--model", "llama3"])
        .run()
        .await;
    assert_success(&local);
    assert!(
        local.stdout.contains("API key   none"),
        "a local server needs no key: {}",
        local.stdout
    );
    assert!(
        local.stderr.contains("no API key was stored"),
        "and the user is told none was stored: {}",
        local.stderr
    );
    let listed = home.sb(["accounts", "list"]).run().await;
    assert_success(&listed);
    let line = listed
        .stdout
        .lines()
        .find(|l| l.starts_with("Local "))
        .unwrap_or_else(|| panic!("a line for Local: {}", listed.stdout));
    assert!(line.ends_with("no key"), "listed without a key: {line}");

    let json = home.sb(["models", "--format", "json"]).run().await;
    assert_success(&json);
    let groups: Value = serde_json::from_str(&json.stdout).expect("JSON");
    let mini = groups
        .as_array()
        .expect("an array")
        .iter()
        .find(|g| g["logical"] == "gpt-5.1-codex-mini")
        .unwrap_or_else(|| panic!("both presets serve codex mini: {groups}"));
    let routes: Vec<(&str, &str, &str)> = mini["routes"]
        .as_array()
        .expect("routes")
        .iter()
        .map(|r| {
            (
                r["account"].as_str().expect("account"),
                r["model_id"].as_str().expect("model id"),
                r["api"].as_str().expect("api"),
            )
        })
        .collect();
    assert_eq!(
        routes,
        [
            ("Star", "gpt-5.1-codex-mini", "chat"),
            ("Aiml", "openai/gpt-5-1-codex-mini", "responses"),
        ],
        "one logical model, each account's own ID and protocol"
    );

    let text = home.sb(["models"]).run().await;
    assert_success(&text);
    assert!(
        text.stdout.contains("gpt-5.1-codex-mini"),
        "{}",
        text.stdout
    );
    assert!(
        text.stderr.contains("\"Local\"") && text.stderr.contains("sb accounts test"),
        "an account without known models points to the live list: {}",
        text.stderr
    );
    assert!(sim.requests().is_empty(), "sb models stays offline");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_keyring_is_one_line_saying_how_to_fix_it() {
    let home = Home::new();
    let run = home
        .sb([
            "accounts",
            "add",
            "--provider",
            "openai",
            "--label",
            "NoBus",
        ])
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            "unix:path=/nonexistent/sb-cli-test-bus",
        )
        .stdin(&format!("{KEY}\n"))
        .run()
        .await;
    let line = run.single_error_line(1);
    assert!(
        line.contains("keyring") && line.contains("gnome-keyring"),
        "names the keyring and what to install: {line}"
    );
    assert!(
        !home.path().join("accounts.json").exists(),
        "nothing was saved without the key"
    );
}

/// `sb accounts add --header --proxy --proxy-password-env --max-concurrent`: the settings are
/// saved, the proxy password goes to the keyring bound to the proxy, and `sb accounts test`
/// reaches a provider that is not on this machine through the proxy with its credentials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn add_takes_headers_a_proxy_with_credentials_and_a_limit() {
    let home = Home::new();
    let sim = simulator().await;
    let proxy = sb_sim::proxy::TestProxy::socks5(Some(sb_sim::proxy::Credentials::new(
        "me",
        "proxy-pw-SECRET",
    )))
    .await
    .expect("proxy starts");
    // `provider.test` never resolves: only the proxy (socks5h: it resolves names) can reach it,
    // and the test proxy sends every target to 127.0.0.1.
    let remote = format!("http://provider.test:{}/v1", sim.addr().port());
    let proxy_url = format!("socks5h://me@{}", proxy.addr());
    let added = home
        .sb(["accounts", "add", "--provider", "custom", "--label", "Far"])
        .args(["--base-url", &remote, "--allow-http", "--model", "m1"])
        .args(["--header", "X-Org-Id:org-7", "--proxy", &proxy_url])
        .args([
            "--proxy-password-env",
            "SB_TEST_PROXY_PW",
            "--max-concurrent",
            "2",
        ])
        .env("SB_TEST_PROXY_PW", "proxy-pw-SECRET")
        .stdin(&format!("{KEY}\n"))
        .run()
        .await;
    assert_success(&added);
    assert!(
        !added.stdout.contains("proxy-pw-SECRET") && !added.stderr.contains("proxy-pw-SECRET"),
        "the proxy password is never printed"
    );

    let accounts = home.list().await;
    let account = &accounts[0];
    assert_eq!(
        account["headers"],
        serde_json::json!([["X-Org-Id", "org-7"]])
    );
    assert_eq!(
        account["proxy"],
        proxy_url.as_str(),
        "the URL without password"
    );
    assert_eq!(account["max_concurrent"], 2);
    let id = account["id"].as_str().expect("id");
    let file = std::fs::read_to_string(home.path().join("accounts.json")).expect("saved");
    assert!(
        !file.contains("proxy-pw-SECRET"),
        "no password in accounts.json"
    );
    assert_eq!(
        keyring_entry(&format!("{id}.proxy")),
        format!(
            "switchboard-binding/1 socks5h://{}\nproxy-pw-SECRET",
            proxy.addr()
        ),
        "the proxy password is in the keyring, bound to the proxy"
    );

    let tested = home.sb(["accounts", "test", "Far"]).run().await;
    assert_success(&tested);
    let seen = proxy.seen();
    assert!(
        seen.iter().any(|r| r.accepted
            && r.host == "provider.test"
            && r.credentials == Some(sb_sim::proxy::Credentials::new("me", "proxy-pw-SECRET"))),
        "the request went through the proxy with its credentials: {seen:?}"
    );
    let listing = sim.requests().pop().expect("the provider saw the listing");
    assert_eq!(
        listing.header("x-org-id"),
        Some("org-7"),
        "the header went along"
    );
    assert_eq!(
        listing.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "the key reached the provider"
    );

    let bad = home
        .sb(["accounts", "add", "--provider", "custom", "--label", "Bad"])
        .args(["--base-url", &remote, "--allow-http", "--model", "m1"])
        .args(["--header", "no-colon"])
        .stdin(&format!("{KEY}\n"))
        .run()
        .await;
    assert_eq!(
        bad.code,
        Some(2),
        "a malformed header is a usage error: {}",
        bad.stderr
    );
    assert!(bad.stderr.contains("NAME:VALUE"), "{}", bad.stderr);
}

/// At a terminal, `sb accounts add` asks for the key at a prompt that does not echo it: the key
/// typed into a real pseudo-terminal (`script` from util-linux) never shows in the output.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_a_terminal_the_key_is_asked_for_without_echo() {
    use std::io::{Read, Write};

    let home = Home::new();
    let sim = simulator().await;
    let command = format!(
        "{} --data-dir {} accounts add --provider openai --label Typed --base-url {}",
        env!("CARGO_BIN_EXE_sb"),
        home.path().display(),
        sim.base_url()
    );
    let transcript = tokio::task::spawn_blocking(move || {
        let mut child = Command::new("script")
            .args(["-q", "-e", "-c", &command, "/dev/null"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("script runs (package bsdutils, essential on Debian)");
        let mut stdout = child.stdout.take().expect("stdout");
        let mut seen = Vec::new();
        let mut buffer = [0u8; 256];
        // Type only once the prompt is up, so echo is already off (as a person would).
        while !String::from_utf8_lossy(&seen).contains("typing is hidden") {
            let n = stdout.read(&mut buffer).expect("read the terminal");
            assert!(
                n > 0,
                "sb ended before asking: {}",
                String::from_utf8_lossy(&seen)
            );
            seen.extend_from_slice(&buffer[..n]);
        }
        // rpassword writes the prompt and only then turns the terminal's echo off: on a busy
        // machine a key typed the instant the prompt shows lands before that (regression: this
        // test failed under load with the key echoed). A person reads the prompt first.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(format!("{KEY}\r").as_bytes())
            .expect("type the key");
        stdout.read_to_end(&mut seen).expect("read the rest");
        drop(stdin);
        let status = child.wait().expect("script ends");
        (status, String::from_utf8_lossy(&seen).into_owned())
    })
    .await
    .expect("the terminal session");
    let (status, transcript) = transcript;
    assert!(status.success(), "sb succeeds at a terminal: {transcript}");
    assert!(
        !transcript.contains(KEY),
        "the typed key is never echoed: {transcript}"
    );
    assert!(
        transcript.contains(&hint()[4..]),
        "the account was added with the key's hint: {transcript}"
    );
    let accounts = home.list().await;
    assert_eq!(accounts[0]["label"], "Typed");
    assert_eq!(accounts[0]["has_key"], true);
}
