//! The first run in the real window: the welcome walks from a provider to a tested key and into
//! the first chat, and a key the provider rejects is fixed on the way.

use fantoccini::Locator;
use sb_sim::Script;

use super::{fill, harness::Session, questions, send, simulator, wait_for_answer_end, MODEL};
use crate::harness::TestResult;

#[tokio::test]
async fn first_run_welcome_tests_the_key_and_leads_into_the_first_chat() -> TestResult {
    let key = format!("sk-e2e-welcome-{}-KEY", uuid::Uuid::new_v4().simple());
    let sim = simulator(&key).await?;
    sim.push(Script::reply("Hello from your **first** chat."));
    let app = Session::start("welcome").await?;

    app.wait_for("#welcome").await?;
    let step = app
        .wait_for("#welcome [aria-current='step']")
        .await?
        .text()
        .await?;
    assert!(
        step.contains("Provider"),
        "the welcome starts at the provider: {step}"
    );
    app.screenshot("welcome").await?;

    app.wait_for("#welcome [data-preset-id='custom']")
        .await?
        .click()
        .await?;
    fill(&app, "#account-label", "My provider").await?;
    fill(&app, "#account-base-url", &sim.base_url()).await?;
    fill(&app, "#account-api-key", "sk-a-typo").await?;
    fill(&app, "#account-model", MODEL).await?;
    app.wait_for("#account-save").await?.click().await?;

    // The wrong key is caught by the connection test, not by the first question.
    app.wait_for("#welcome-edit").await?;
    let verdict = app.wait_for("#welcome").await?.text().await?;
    assert!(
        verdict.contains("Key rejected"),
        "the test says the key was rejected, in plain words: {verdict}"
    );
    assert!(
        !verdict.contains("sk-a-typo"),
        "the key is never shown: {verdict}"
    );
    app.wait_for("#welcome-edit").await?.click().await?;
    fill(&app, "#account-api-key", &key).await?;
    app.wait_for("#account-save").await?.click().await?;

    let start = app
        .wait_until(
            "the second test passes",
            "document.querySelector('#welcome-start.primary')?.textContent.trim()",
        )
        .await?;
    assert_eq!(
        start, "Start chatting",
        "a passed test leads on to the chat"
    );
    app.screenshot("welcome-connected").await?;
    app.wait_for("#welcome-start").await?.click().await?;
    app.wait_until(
        "the composer has the focus",
        "document.activeElement?.id === 'composer'",
    )
    .await?;
    assert!(
        app.client.find(Locator::Css("#welcome")).await.is_err(),
        "the welcome is over"
    );

    send(&app, "Is this thing on?").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let answer = app
        .wait_for(".message.assistant .content strong")
        .await?
        .text()
        .await?;
    assert_eq!(answer, "first", "the first answer is rendered");
    let asked = questions(&sim);
    assert_eq!(asked.len(), 1, "one question reached the provider");
    assert_eq!(
        asked[0].header("authorization"),
        Some(format!("Bearer {key}").as_str()),
        "with the corrected key, on the account the welcome set up"
    );
    assert_eq!(asked[0].body["model"], MODEL);

    // The settings show where the data is and take a default proxy, checked by Rust.
    app.wait_for("#open-settings").await?.click().await?;
    let data_dir = app.wait_for("#data-dir").await?.text().await?;
    assert!(
        data_dir.ends_with("/data"),
        "the data directory this app was started with is shown: {data_dir}"
    );
    fill(&app, "#settings-default-proxy", "proxy.example:3128").await?;
    app.wait_for("#save-default-proxy").await?.click().await?;
    let refused = app
        .wait_until(
            "the bad proxy is refused",
            "document.querySelector('#network-status[role=alert]')?.textContent",
        )
        .await?;
    assert!(
        refused
            .as_str()
            .is_some_and(|t| t.contains("Default proxy")),
        "Rust says what is wrong with it: {refused}"
    );
    fill(&app, "#settings-default-proxy", "socks5h://127.0.0.1:9").await?;
    app.wait_for("#save-default-proxy").await?.click().await?;
    app.wait_until(
        "the proxy is saved",
        "document.querySelector('#network-status[role=status]')?.textContent.includes('socks5h://127.0.0.1:9')",
    )
    .await?;
    let settings = app
        .data_files()?
        .into_iter()
        .find(|(path, _)| path.ends_with("settings.json"))
        .ok_or("settings.json is written")?;
    assert!(
        String::from_utf8_lossy(&settings.1).contains("socks5h://127.0.0.1:9"),
        "the default proxy is kept in settings.json"
    );

    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
