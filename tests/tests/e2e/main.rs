//! End-to-end tests: the built app in a real WebKitGTK window under Xvfb, driven through
//! WebDriver, talking to the provider simulator over loopback. Screenshots go to
//! `artifacts/e2e/`. Run through the README test command (it provides Xvfb and the build).

mod appearance;
mod bench;
mod desktop;
mod errors;
mod harness;
mod keyboard;
mod long;
mod markdown;
mod onboarding;

use std::time::Duration;

use fantoccini::Locator;
use harness::{Session, TestResult, IPC_RECORDER};
use sb_core::title::TITLE_REQUEST;
use sb_sim::{Outcome, Script, SimConfig, Simulator};

const MODEL: &str = "gpt-5.1";

/// A simulator that accepts `key`. It answers the app's side request for a new conversation's
/// title itself, so that request never takes a script queued for the next question.
async fn simulator(key: &str) -> TestResult<Simulator> {
    let sim = Simulator::start(SimConfig {
        api_keys: vec![key.into()],
        ..SimConfig::default()
    })
    .await?;
    sim.answer_prompt(TITLE_REQUEST, Script::reply("A conversation"));
    Ok(sim)
}

/// Opens settings and the provider choice unless it is already shown. On a first run the
/// welcome is left for later (onboarding.rs walks through it); accounts are then added on the
/// settings page, which lists them.
async fn open_provider_choice(app: &Session) -> TestResult {
    if let Ok(skip) = app.client.find(Locator::Css("#welcome-skip")).await {
        skip.click().await?;
        app.wait_for("#composer").await?;
    }
    if app
        .client
        .find(Locator::Css("section.settings [data-preset-id]"))
        .await
        .is_ok()
    {
        return Ok(());
    }
    if app.client.find(Locator::Css("#add-account")).await.is_err() {
        app.wait_for("#open-settings").await?.click().await?;
    }
    app.wait_for("#add-account").await?.click().await?;
    app.wait_for("[data-preset-id]").await?;
    Ok(())
}

/// Replaces an input's text.
async fn fill(app: &Session, css: &str, text: &str) -> TestResult {
    let input = app.wait_for(css).await?;
    input.clear().await?;
    input.send_keys(text).await?;
    Ok(())
}

/// An account to add through the settings page.
struct NewAccount<'a> {
    preset: &'a str,
    label: &'a str,
    base_url: &'a str,
    key: &'a str,
    model: &'a str,
    /// `Some("responses")` picks the protocol by hand.
    api: Option<&'a str>,
    server_state: bool,
}

impl<'a> NewAccount<'a> {
    fn custom(label: &'a str, base_url: &'a str, key: &'a str) -> Self {
        Self {
            preset: "custom",
            label,
            base_url,
            key,
            model: MODEL,
            api: None,
            server_state: false,
        }
    }
}

/// Adds an account from a preset on the settings page and returns its id; settings stay open.
async fn add_account_from(app: &Session, account: NewAccount<'_>) -> TestResult<String> {
    let before = app.client.find_all(Locator::Css(".account")).await?.len();
    open_provider_choice(app).await?;
    app.wait_for(&format!("[data-preset-id='{}']", account.preset))
        .await?
        .click()
        .await?;
    fill(app, "#account-label", account.label).await?;
    fill(app, "#account-base-url", account.base_url).await?;
    fill(app, "#account-api-key", account.key).await?;
    fill(app, "#account-model", account.model).await?;
    if let Some(api) = account.api {
        app.wait_for(&format!("#account-api option[value='{api}']"))
            .await?
            .click()
            .await?;
    }
    if account.server_state {
        app.wait_for("#account-server-state").await?.click().await?;
    }
    app.wait_for("#account-save").await?.click().await?;
    app.wait_until(
        "the new account is listed",
        &format!("document.querySelectorAll('.account').length > {before}"),
    )
    .await?;
    let id = app
        .wait_until(
            "the new account shows that its key is stored",
            &format!(
                "[...document.querySelectorAll('.account')].filter(a => a.querySelector('.account-label')?.textContent.trim() === {:?} && a.querySelector('.has-key')).map(a => a.dataset.accountId)[0]",
                account.label
            ),
        )
        .await?;
    Ok(id.as_str().ok_or("account id is text")?.to_owned())
}

/// Adds a Custom account with the default model, back in the chat with its route pinned.
async fn add_account(app: &Session, label: &str, base_url: &str, key: &str) -> TestResult<String> {
    let id = add_account_from(app, NewAccount::custom(label, base_url, key)).await?;
    back_to_chat(app).await?;
    choose_route(app, &id, MODEL).await?;
    Ok(id)
}

async fn back_to_chat(app: &Session) -> TestResult {
    app.wait_for("#close-settings").await?.click().await?;
    app.wait_for("#composer").await?;
    Ok(())
}

/// Opens the model picker.
async fn open_picker(app: &Session) -> TestResult {
    let picker = app.wait_for("#model-picker").await?;
    if picker.attr("aria-expanded").await?.as_deref() != Some("true") {
        picker.click().await?;
    }
    app.wait_for("#model-picker-list").await?;
    Ok(())
}

/// Pins one account's model in the model picker.
async fn choose_route(app: &Session, account_id: &str, model_id: &str) -> TestResult {
    open_picker(app).await?;
    app.wait_for(&format!(
        "#model-picker-list [data-account-id='{account_id}'][data-model-id='{model_id}']"
    ))
    .await?
    .click()
    .await?;
    Ok(())
}

/// Chooses a logical model (any account that serves it) in the model picker.
async fn choose_group(app: &Session, key: &str) -> TestResult {
    open_picker(app).await?;
    app.wait_for(&format!("#model-picker-list [data-model-key='{key}']"))
        .await?
        .click()
        .await?;
    Ok(())
}

async fn send(app: &Session, text: &str) -> TestResult {
    app.wait_for("#composer").await?.send_keys(text).await?;
    app.wait_for("#send").await?.click().await?;
    Ok(())
}

/// The generation requests the user's questions caused (not the side requests for titles).
fn questions(sim: &Simulator) -> Vec<sb_sim::RecordedRequest> {
    sim.requests()
        .into_iter()
        .filter(|r| r.method == "POST" && !r.raw_body.contains(TITLE_REQUEST))
        .collect()
}

/// The last assistant message's status once it is no longer streaming.
async fn wait_for_answer_end(app: &Session) -> TestResult<String> {
    let status = app
        .wait_until(
            "the answer stops streaming",
            "(() => { const m = [...document.querySelectorAll('.message.assistant')].pop(); \
               return m && m.dataset.status !== 'streaming' ? m.dataset.status : null; })()",
        )
        .await?;
    Ok(status.as_str().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn add_account_then_stream_a_rendered_answer() -> TestResult {
    let key = format!("sk-e2e-{}-KEY", uuid::Uuid::new_v4().simple());
    let sim = simulator(&key).await?;
    let answer = "## Switchboard works 🎉\n\nThe answer **streams** from the simulator, rendered by \
                  `pulldown-cmark` in Rust:\n\n1. your key stays in the OS keyring\n2. tokens arrive \
                  over a per-request channel\n3. raw HTML is shown as text: <img src=x onerror=\"document.title='pwned'\">\n\n\
                  | layer | where |\n|---|---|\n| HTTP | Rust |\n| markdown | Rust |\n| pixels | WebKitGTK |\n\n\
                  ```rust\nfn main() { println!(\"你好, 世界\"); }\n```\n";
    sim.push(
        Script::reply(answer)
            .tokens_per_second(150.0)
            .chunk_bytes(1, 7)
            .seed(5),
    );
    let app = Session::start("answer").await?;

    app.wait_for("[data-preset-id]").await?;
    let hooked = app.client.execute(IPC_RECORDER, vec![]).await?;
    assert_eq!(
        hooked, true,
        "the IPC recorder must wrap invoke and transformCallback"
    );
    let account_id =
        add_account_from(&app, NewAccount::custom("Simulator", &sim.base_url(), &key)).await?;
    let hint = app.wait_for(".account .has-key").await?.text().await?;
    assert!(
        hint.contains(&format!("••{}", &key[key.len() - 4..])) && !hint.contains(&key[..8]),
        "settings show only the key's last four characters: {hint}"
    );
    back_to_chat(&app).await?;
    choose_route(&app, &account_id, MODEL).await?;
    send(&app, "Show me what you can do").await?;

    let status = wait_for_answer_end(&app).await?;
    assert_eq!(status, "done", "the streamed answer finishes");
    // Renders aim at the window's frames: the page reports each frame that applied markdown,
    // which only works if the window's capability allows the command (a denied report is
    // swallowed by the page, and the core silently falls back to its own timer).
    let report = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             window.__TAURI_INTERNALS__.invoke('frame_shown', { startedAt: Date.now() })
               .then(() => done('ok'), (e) => done(String(e)));",
            vec![],
        )
        .await?;
    assert_eq!(
        report, "ok",
        "the window may report its frames to the core: {report}"
    );
    let heading = app
        .wait_for(".message.assistant .content h2")
        .await?
        .text()
        .await?;
    assert_eq!(
        heading, "Switchboard works 🎉",
        "markdown is rendered, emoji intact across splits"
    );
    app.wait_for(".message.assistant .content table").await?;
    app.wait_for(".message.assistant .content pre code").await?;
    let content = app
        .wait_for(".message.assistant .content")
        .await?
        .text()
        .await?;
    assert!(
        content.contains("你好, 世界"),
        "CJK text split across reads survives: {content}"
    );
    assert!(
        content.contains("<img src=x onerror="),
        "raw HTML from the model is shown as text: {content}"
    );
    let injected = app
        .client
        .execute("return document.querySelectorAll('.message.assistant .content img').length === 0 && document.title !== 'pwned';", vec![])
        .await?;
    assert_eq!(
        injected, true,
        "model HTML never becomes an element or runs"
    );
    app.screenshot("answer").await?;

    // The request on the wire carried the account's key, streamed, with the typed message.
    let request = sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/chat/completions")
        .ok_or("the simulator saw no chat request")?;
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {key}").as_str())
    );
    assert_eq!(request.body["stream"], true);
    assert_eq!(request.body["model"], MODEL);
    assert_eq!(
        request.body["messages"][0]["content"],
        "Show me what you can do"
    );

    // The key is in this session's Secret Service, under the account id, readable by another client.
    let stored = std::process::Command::new("secret-tool")
        .args([
            "lookup",
            "service",
            "dev.switchboard.app",
            "username",
            &account_id,
        ])
        .env("DBUS_SESSION_BUS_ADDRESS", app.bus_address()?)
        .output()?;
    let origin = sim.base_url().trim_end_matches("/v1").to_owned();
    assert_eq!(
        String::from_utf8_lossy(&stored.stdout),
        format!("switchboard-binding/1 {origin}\n{key}"),
        "secret-tool must find the key the app stored, bound to its origin (stderr: {})",
        String::from_utf8_lossy(&stored.stderr)
    );

    // No IPC response, no channel message and no data file carries the key.
    let log = app
        .client
        .execute("return window.__sbIpcLog.join('\\n');", vec![])
        .await?;
    let log = log.as_str().unwrap_or_default();
    assert!(
        log.contains("\"hasKey\":true") && log.contains("textDelta") && log.contains("rendered"),
        "the recorder saw the IPC traffic (so the next check means something): {log:.400}"
    );
    assert!(!log.contains(&key), "an IPC payload carried the API key");
    for (path, bytes) in app.data_files()? {
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&key),
            "{} holds the API key",
            path.display()
        );
    }

    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn stop_aborts_the_stream_and_keeps_the_text() -> TestResult {
    let key = "sk-e2e-stop-KEY";
    let sim = simulator(key).await?;
    sim.push(Script::reply("streaming slowly ".repeat(300)).tokens_per_second(30.0));
    let app = Session::start("stop").await?;
    add_account(&app, "Slow", &sim.base_url(), key).await?;

    send(&app, "Write a lot").await?;
    app.wait_until(
        "some text has arrived",
        "document.querySelector('.message.assistant .content')?.textContent.includes('streaming')",
    )
    .await?;
    app.wait_for("#stop").await?.click().await?;

    assert_eq!(wait_for_answer_end(&app).await?, "stopped");
    let content = app
        .wait_for(".message.assistant .content")
        .await?
        .text()
        .await?;
    assert!(
        content.contains("streaming slowly"),
        "the text before Stop stays: {content}"
    );
    let request = sim
        .wait_for_requests(1, Duration::from_secs(5))
        .await
        .remove(0);
    let outcome = request.wait_outcome(Duration::from_secs(5)).await;
    assert!(
        matches!(outcome, Outcome::ClientDisconnected { .. }),
        "Stop must close the HTTP connection while the 15-second stream is still going: {outcome:?}"
    );
    app.screenshot("stopped").await?;
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn bad_key_and_unreachable_host_show_readable_errors() -> TestResult {
    let sim = simulator("sk-the-right-key").await?;
    let app = Session::start("errors").await?;
    let dead_port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();

    add_account(&app, "Wrong key", &sim.base_url(), "sk-wrong-key").await?;
    send(&app, "hello").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "error");
    let message = app
        .wait_for(".message.assistant .error-card .error-message")
        .await?
        .text()
        .await?;
    assert!(
        message.contains("rejected the API key") && message.contains("Incorrect API key"),
        "a bad key reads as a key problem, with the provider's words: {message}"
    );
    assert!(!message.contains("{\""), "never raw JSON: {message}");
    app.screenshot("error-bad-key").await?;

    add_account(
        &app,
        "Nobody home",
        &format!("http://127.0.0.1:{dead_port}/v1"),
        "sk-x",
    )
    .await?;
    send(&app, "hello?").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "error");
    let messages = app
        .client
        .find_all(Locator::Css(".error-card .error-message"))
        .await?;
    let last = messages.last().ok_or("an error card")?.text().await?;
    assert!(
        last.contains("could not connect") && last.contains(&format!("127.0.0.1:{dead_port}")),
        "an unreachable host names the host and the failure: {last}"
    );
    app.screenshot("error-unreachable").await?;
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn responses_account_with_parameters_streams_reasoning_apart_from_the_answer() -> TestResult {
    let key = "sk-e2e-responses-KEY";
    let sim = simulator(key).await?;
    sim.push(
        Script::reply("**Codex** answer")
            .reasoning("Weighing the options before answering.")
            .tokens_per_second(200.0),
    );
    let app = Session::start("responses").await?;
    let id = add_account_from(
        &app,
        NewAccount {
            preset: "custom",
            label: "AI/ML API",
            base_url: &sim.base_url(),
            key,
            model: "openai/gpt-5-1-codex-mini",
            api: Some("responses"),
            server_state: true,
        },
    )
    .await?;
    back_to_chat(&app).await?;
    choose_route(&app, &id, "openai/gpt-5-1-codex-mini").await?;

    app.wait_for("#params-toggle").await?.click().await?;
    app.wait_for("#param-temperature")
        .await?
        .send_keys("0.4")
        .await?;
    app.wait_for("#param-max-tokens")
        .await?
        .send_keys("512")
        .await?;
    app.wait_for("#param-reasoning-effort option[value='high']")
        .await?
        .click()
        .await?;
    app.wait_for("#param-reasoning-summary option[value='detailed']")
        .await?
        .click()
        .await?;
    send(&app, "Explain briefly").await?;

    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let strong = app
        .wait_for(".message.assistant .content strong")
        .await?
        .text()
        .await?;
    assert_eq!(strong, "Codex", "the answer is rendered markdown");
    let reasoning = app
        .wait_for(".message.assistant details.reasoning")
        .await?
        .attr("textContent")
        .await?
        .unwrap_or_default();
    assert!(
        reasoning.contains("Weighing the options"),
        "the reasoning summary is shown in its own section: {reasoning}"
    );
    let content = app
        .wait_for(".message.assistant .content")
        .await?
        .text()
        .await?;
    assert!(
        !content.contains("Weighing"),
        "reasoning never mixes into the answer: {content}"
    );

    let request = sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/responses" && !r.raw_body.contains(TITLE_REQUEST))
        .ok_or("no /v1/responses request")?;
    assert_eq!(request.body["model"], "openai/gpt-5-1-codex-mini");
    assert_eq!(request.body["temperature"], 0.4);
    assert_eq!(request.body["max_output_tokens"], 512);
    assert_eq!(
        request.body["reasoning"],
        serde_json::json!({"effort": "high", "summary": "detailed"})
    );
    app.screenshot("responses-reasoning").await?;

    // Second turn: the provider keeps the conversation, so only the new message travels.
    sim.push(Script::reply("Second answer."));
    send(&app, "And then?").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let second = sim
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/responses" && !r.raw_body.contains(TITLE_REQUEST))
        .nth(1)
        .ok_or("no second /v1/responses request")?;
    assert!(
        second.body["previous_response_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("resp")),
        "the second turn continues from the first response: {}",
        second.body
    );
    assert_eq!(
        second.body["input"].as_array().map(Vec::len),
        Some(1),
        "only the new message is sent: {}",
        second.body["input"]
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

/// Issue 4's window test: two accounts from presets (Starrise and AI/ML API, each a simulator),
/// their models seen in settings and in the picker, a message to the logical model whose first
/// route is rate-limited, and the answer badged with the second route. Then no key anywhere:
/// not in an IPC payload, a data file or the app's log.
#[tokio::test]
async fn two_preset_accounts_fail_over_and_the_answer_names_its_route() -> TestResult {
    let star_key = format!("sk-e2e-star-{}-KEY", uuid::Uuid::new_v4().simple());
    let aiml_key = format!("sk-e2e-aiml-{}-KEY", uuid::Uuid::new_v4().simple());
    let starrise = simulator(&star_key).await?;
    let aimlapi = simulator(&aiml_key).await?;
    let app = Session::start("failover").await?;
    app.wait_for("[data-preset-id]").await?;
    let hooked = app.client.execute(IPC_RECORDER, vec![]).await?;
    assert_eq!(hooked, true, "the IPC recorder must hook the callbacks");

    let star = add_account_from(
        &app,
        NewAccount {
            preset: "starrise",
            label: "Starrise",
            base_url: &starrise.base_url(),
            key: &star_key,
            model: "gpt-5.1-codex-mini",
            api: None,
            server_state: false,
        },
    )
    .await?;
    let aiml = add_account_from(
        &app,
        NewAccount {
            preset: "aimlapi",
            label: "AI/ML API",
            base_url: &aimlapi.base_url(),
            key: &aiml_key,
            model: "openai/gpt-5-1-codex-mini",
            api: None,
            server_state: false,
        },
    )
    .await?;

    // Settings: each account's connection test lists its models.
    for (id, model) in [
        (&star, "gpt-5.1-codex-mini"),
        (&aiml, "openai/gpt-5-1-codex-mini"),
    ] {
        app.wait_for(&format!(
            ".account-row[data-account-id='{id}'] .test-account"
        ))
        .await?
        .click()
        .await?;
        let verdict = app
            .wait_until(
                "the connection test gives a verdict",
                "(() => { const r = [...document.querySelectorAll('.test-result')].pop(); \
                   const v = r && r.dataset.verdict; return v && v !== 'testing' ? v : null; })()",
            )
            .await?;
        assert_eq!(verdict, "ok", "the simulator accepts the key");
        app.wait_for(&format!(".test-model[data-model-id='{model}']"))
            .await?;
    }
    app.screenshot("failover-settings").await?;

    // The picker offers one logical model with both routes, each with its own ID.
    back_to_chat(&app).await?;
    open_picker(&app).await?;
    app.wait_for("#model-picker-list [data-model-key='gpt-5.1-codex-mini']")
        .await?;
    app.wait_for(&format!(
        "#model-picker-list [data-account-id='{star}'][data-model-id='gpt-5.1-codex-mini']"
    ))
    .await?;
    app.wait_for(&format!(
        "#model-picker-list [data-account-id='{aiml}'][data-model-id='openai/gpt-5-1-codex-mini']"
    ))
    .await?;
    app.screenshot("failover-picker").await?;
    choose_group(&app, "gpt-5.1-codex-mini").await?;

    starrise.push(Script::rate_limited(30));
    aimlapi.push(Script::reply("Answered by the **second** route.").tokens_per_second(100.0));
    send(&app, "Which route answers?").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");

    let badge = app.wait_for(".message.assistant .route-badge").await?;
    assert_eq!(
        badge.attr("data-account-id").await?.as_deref(),
        Some(aiml.as_str()),
        "the badge names the account that answered"
    );
    let badge_text = badge.text().await?;
    assert!(
        badge_text.contains("AI/ML API") && badge_text.contains("openai/gpt-5-1-codex-mini"),
        "the badge reads as the second route: {badge_text}"
    );
    let outcome = app
        .wait_until(
            "the skipped route is listed with its reason",
            &format!(
                "document.querySelector(\".route-attempt[data-account-id='{star}'] .attempt-outcome\")?.textContent"
            ),
        )
        .await?;
    assert!(
        outcome
            .as_str()
            .unwrap_or_default()
            .contains("rate-limited"),
        "the first route is listed as rate-limited: {outcome}"
    );
    let strong = app
        .wait_for(".message.assistant .content strong")
        .await?
        .text()
        .await?;
    assert_eq!(strong, "second");
    // Open the attempts so the screenshot shows why the first route was skipped.
    let _ = app
        .client
        .execute(
            "document.querySelectorAll('.route-attempts').forEach(d => d.open = true);",
            vec![],
        )
        .await;
    app.screenshot("failover-answer").await?;

    // Each key went only to its own account's origin, each over its protocol.
    let first: Vec<_> = starrise
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST")
        .collect();
    assert_eq!(first.len(), 1, "Starrise was tried once: {first:?}");
    assert_eq!(first[0].path, "/v1/chat/completions");
    assert_eq!(
        first[0].header("authorization"),
        Some(format!("Bearer {star_key}").as_str())
    );
    let second = aimlapi
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/responses")
        .ok_or("AI/ML API answered over /v1/responses")?;
    assert_eq!(second.body["model"], "openai/gpt-5-1-codex-mini");
    assert_eq!(
        second.header("authorization"),
        Some(format!("Bearer {aiml_key}").as_str())
    );

    // The picker now shows the rate-limited account cooling down.
    open_picker(&app).await?;
    app.wait_until(
        "the picker shows Starrise cooling down",
        &format!(
            "document.querySelector(\"#model-picker-list [data-account-id='{star}'] .health-badge\")?.dataset.health === 'cooling'"
        ),
    )
    .await?;

    // No key in any IPC payload, data file or log line.
    let log = app
        .client
        .execute("return window.__sbIpcLog.join('\\n');", vec![])
        .await?;
    let log = log.as_str().unwrap_or_default();
    assert!(
        log.contains("\"keyHint\"") && log.contains("\"route\"") && log.contains("textDelta"),
        "the recorder saw accounts, the route record and the answer: {log:.400}"
    );
    let app_log = app.log()?;
    let files = app.data_files()?;
    assert!(
        files.iter().any(|(p, _)| p.ends_with("catalog.json")),
        "the connection tests left their model lists in the data directory"
    );
    for key in [&star_key, &aiml_key] {
        assert!(!log.contains(key.as_str()), "an IPC payload carried a key");
        assert!(
            !app_log.contains(key.as_str()),
            "the app's log carried a key"
        );
        for (path, bytes) in &files {
            assert!(
                !String::from_utf8_lossy(bytes).contains(key.as_str()),
                "{} holds a key",
                path.display()
            );
        }
    }
    app.close().await?;
    starrise.shutdown().await;
    aimlapi.shutdown().await;
    Ok(())
}

/// Issue 5's window test: an answer is stored, the question is edited into a second branch, the
/// branches are switched both ways, and a search for CJK text finds the hit on the other branch
/// and jumps to it.
#[tokio::test]
async fn history_edit_switch_branches_search_and_jump() -> TestResult {
    let key = "sk-e2e-history-KEY";
    let sim = simulator(key).await?;
    // The app asks the answering model for a new conversation's title on the side (this
    // replaces the helper's default title).
    sim.answer_prompt(TITLE_REQUEST, Script::reply("\"Temples of Kyoto.\""));
    sim.push(Script::reply("Kyoto has about **1,600** temples.").tokens_per_second(200.0));
    let app = Session::start("history").await?;
    add_account(&app, "Sim", &sim.base_url(), key).await?;
    send(&app, "Tell me about Kyoto").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let conversation = app
        .wait_until(
            "the new conversation is listed",
            "document.querySelector('#conversation-list .conversation')?.dataset.conversationId",
        )
        .await?;
    let conversation = conversation.as_str().ok_or("a conversation id")?.to_owned();
    app.wait_until(
        "the model's title replaces the question's first words in the list",
        "document.querySelector('#conversation-list .conversation')?.textContent.includes('Temples of Kyoto')",
    )
    .await?;

    // Edit the question: a second branch with its own answer, sent without the first exchange.
    sim.push(Script::reply("Osaka is known for たこ焼き (takoyaki).").tokens_per_second(200.0));
    let first_question = app
        .wait_until(
            "the question has its stored id",
            "document.querySelector('#messages .message.user')?.dataset.messageId",
        )
        .await?;
    let first_question = first_question.as_str().ok_or("a message id")?.to_owned();
    app.wait_for(&format!(
        "#messages .message.user[data-message-id='{first_question}'] .edit-message"
    ))
    .await?
    .click()
    .await?;
    fill(
        &app,
        "#messages .message.user .edit-text",
        "Tell me about Osaka",
    )
    .await?;
    app.wait_for("#messages .message.user .edit-save")
        .await?
        .click()
        .await?;
    app.wait_until(
        "the edited branch is shown",
        "document.querySelector('#messages .message.user .branch-position')?.textContent.replace(/\\s/g, '') === '2/2'",
    )
    .await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let edit_request = questions(&sim)
        .into_iter()
        .nth(1)
        .ok_or("the edit was sent")?;
    let sent: Vec<String> = edit_request.body["messages"]
        .as_array()
        .ok_or("messages")?
        .iter()
        .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        sent,
        ["Tell me about Osaka"],
        "an edit sends its own branch only, not the first exchange"
    );
    app.screenshot("history-branch-2").await?;

    // Back to the first branch and forward again.
    app.wait_for("#messages .message.user .branch-prev")
        .await?
        .click()
        .await?;
    app.wait_until(
        "the first branch is shown again",
        "(() => { const p = document.querySelector('#messages .message.user .branch-position'); \
           const a = document.querySelector('#messages .message.assistant .content'); \
           return p && a && p.textContent.replace(/\\s/g, '') === '1/2' && a.textContent.includes('Kyoto'); })()",
    )
    .await?;
    app.screenshot("history-branch-1").await?;

    // Search for the other branch's Japanese text and jump to it.
    fill(&app, "#history-search", "たこ焼き").await?;
    let hit = app
        .wait_until(
            "the search finds the answer on the other branch",
            "document.querySelector('#search-results .search-hit')?.dataset.messageId",
        )
        .await?;
    let hit = hit.as_str().ok_or("a message id")?.to_owned();
    let marked = app
        .wait_for("#search-results .search-hit .search-snippet mark")
        .await?
        .text()
        .await?;
    assert_eq!(marked, "たこ焼き", "the match is marked in the snippet");
    app.screenshot("history-search").await?;
    app.wait_for(&format!(
        "#search-results .search-hit[data-conversation-id='{conversation}'][data-message-id='{hit}']"
    ))
    .await?
    .click()
    .await?;
    let highlighted = app
        .wait_until(
            "the hit is shown and highlighted on its branch",
            &format!(
                "document.querySelector(\"#messages .message.highlight[data-message-id='{hit}']\")?.textContent"
            ),
        )
        .await?;
    assert!(
        highlighted
            .as_str()
            .unwrap_or_default()
            .contains("たこ焼き"),
        "the highlighted message is the hit: {highlighted}"
    );
    let position = app
        .wait_for("#messages .message.user .branch-position")
        .await?
        .text()
        .await?;
    assert_eq!(
        position.split_whitespace().collect::<String>(),
        "2/2",
        "jumping to the hit switched to its branch"
    );
    app.screenshot("history-jump").await?;

    // A system prompt for the stored conversation goes before its branch from now on.
    app.wait_for("#params-toggle").await?.click().await?;
    fill(&app, "#system-prompt", "Answer in one sentence.").await?;
    app.wait_for("#system-prompt-save").await?.click().await?;
    app.wait_until(
        "the system prompt is saved",
        "document.querySelector('.system-prompt .hint')?.textContent.includes('Saved')",
    )
    .await?;
    app.screenshot("history-system-prompt").await?;
    sim.push(Script::reply("Nara has deer.").tokens_per_second(200.0));
    send(&app, "And Nara?").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let asked = questions(&sim).pop().ok_or("the question was sent")?;
    let first = &asked.body["messages"][0];
    assert_eq!(
        (first["role"].as_str(), first["content"].as_str()),
        (Some("system"), Some("Answer in one sentence.")),
        "the saved system prompt leads the request: {}",
        asked.body["messages"]
    );
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.raw_body.contains(TITLE_REQUEST))
            .count(),
        1,
        "only the conversation's first exchange asked for a title"
    );

    // Everything is in the history database.
    let files = app.data_files()?;
    assert!(
        files.iter().any(|(p, _)| p.ends_with("history.sqlite3")),
        "the history lives in the data directory"
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
