//! Language and theme switch live in the real window, and the main screens are saved in light
//! and dark, English and 简体中文 (`artifacts/e2e/`).

use harness::{Session, TestResult, PIXEL};
use sb_sim::Script;

use super::{add_account, harness, send, simulator, wait_for_answer_end};

/// Picks an option of a settings select by its value.
async fn choose(app: &Session, select: &str, value: &str) -> TestResult {
    app.wait_for(&format!("{select} option[value='{value}']"))
        .await?
        .click()
        .await?;
    Ok(())
}

#[tokio::test]
async fn language_and_theme_switch_live_and_both_look_right() -> TestResult {
    let key = "sk-e2e-appearance-KEY";
    let sim = simulator(key).await?;
    sim.push(
        Script::reply(
            "## 流式渲染\n\nSwitchboard renders **markdown** as it streams:\n\n\
             - 中文和 English\n- `code` and [links](https://example.com)\n\n\
             ```rust\nfn main() { println!(\"你好\"); }\n```\n",
        )
        .tokens_per_second(400.0),
    );
    let app = Session::start("appearance").await?;
    add_account(&app, "Sim", &sim.base_url(), key).await?;

    // An image attached with the file picker goes with the question as a data URL.
    let picture = std::env::temp_dir().join(format!("sb-e2e-{}.png", uuid::Uuid::new_v4()));
    std::fs::write(&picture, PIXEL)?;
    app.wait_for("#attach-input")
        .await?
        .send_keys(&picture.display().to_string())
        .await?;
    app.wait_for(".attachments .attachment img").await?;
    send(&app, "Show me both languages").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let _ = std::fs::remove_file(&picture);
    let asked = sim
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/chat/completions")
        .ok_or("the question was sent")?;
    let parts = &asked.body["messages"][0]["content"];
    let image = parts
        .as_array()
        .and_then(|parts| parts.iter().find(|p| p["type"] == "image_url"))
        .ok_or_else(|| format!("the question carries an image part: {parts}"))?;
    assert!(
        image["image_url"]["url"]
            .as_str()
            .is_some_and(|url| url.starts_with("data:image/png;base64,iVBORw0KGgo")),
        "the picture reached the provider as a data URL: {image}"
    );
    app.wait_for("#messages .message.user .user-images img")
        .await?;
    app.screenshot("main-en-light").await?;

    // 简体中文, live: no restart, the chat and the settings speak it at once.
    app.wait_for("#open-settings").await?.click().await?;
    choose(&app, "#settings-language", "zh-CN").await?;
    app.wait_until(
        "the page says it is Chinese",
        "document.documentElement.lang === 'zh-CN'",
    )
    .await?;
    let composer_hint = app
        .wait_until(
            "the settings page is in Chinese",
            "document.querySelector('#close-settings')?.textContent.trim()",
        )
        .await?;
    assert!(
        composer_hint
            .as_str()
            .is_some_and(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "the close button speaks Chinese: {composer_hint}"
    );
    app.screenshot("settings-zh-light").await?;
    app.wait_for("#close-settings").await?.click().await?;
    let placeholder = app
        .wait_until(
            "the composer is in Chinese",
            "document.querySelector('#composer')?.getAttribute('placeholder')",
        )
        .await?;
    assert!(
        placeholder
            .as_str()
            .is_some_and(|t| t.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "the composer's hint speaks Chinese: {placeholder}"
    );
    app.screenshot("main-zh-light").await?;

    // Dark, live.
    app.wait_for("#open-settings").await?.click().await?;
    choose(&app, "#settings-theme", "dark").await?;
    let background = app
        .wait_until(
            "the dark theme is applied",
            "document.documentElement.dataset.theme === 'dark' && getComputedStyle(document.body).backgroundColor",
        )
        .await?;
    let rgb: Vec<u32> = background
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("rgb(")
        .trim_end_matches(')')
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    assert!(
        rgb.len() == 3 && rgb.iter().all(|&c| c < 80),
        "the page background is dark: {background}"
    );
    app.screenshot("settings-zh-dark").await?;
    app.wait_for("#close-settings").await?.click().await?;
    app.screenshot("main-zh-dark").await?;

    // Back to English in the dark, then light again.
    app.wait_for("#open-settings").await?.click().await?;
    choose(&app, "#settings-language", "en").await?;
    app.wait_until("English again", "document.documentElement.lang === 'en'")
        .await?;
    let close = app.wait_for("#close-settings").await?.text().await?;
    assert!(
        close.is_ascii(),
        "the settings speak English again: {close}"
    );
    app.screenshot("settings-en-dark").await?;
    app.wait_for("#close-settings").await?.click().await?;
    app.screenshot("main-en-dark").await?;
    app.wait_for("#open-settings").await?.click().await?;
    choose(&app, "#settings-theme", "light").await?;
    app.wait_until(
        "the light theme is applied",
        "document.documentElement.dataset.theme === 'light'",
    )
    .await?;

    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
