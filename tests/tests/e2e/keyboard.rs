//! Keyboard first, and usable when zoomed: the command palette finds and opens a conversation,
//! and at 200% zoom (Ctrl+= five times) the chat, the palette and the settings still fit.

use fantoccini::key::Key;
use fantoccini::Locator;
use sb_sim::Script;

use super::{add_account, harness::Session, send, simulator, wait_for_answer_end};
use crate::harness::TestResult;

/// Presses `keys` (modifiers stay down until the end) in the element that has the focus.
async fn press(app: &Session, keys: &str) -> TestResult {
    app.client.active_element().await?.send_keys(keys).await?;
    Ok(())
}

#[tokio::test]
async fn command_palette_finds_a_conversation_by_its_words_and_opens_it() -> TestResult {
    let key = "sk-e2e-palette-KEY";
    let sim = simulator(key).await?;
    sim.push(Script::reply("Pelicans glide low over the water."));
    sim.push(Script::reply("Granite is an igneous rock."));
    let app = Session::start("palette").await?;
    add_account(&app, "Simulator", &sim.base_url(), key).await?;
    send(&app, "Tell me about pelicans").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    app.wait_for("#new-chat").await?.click().await?;
    send(&app, "Tell me about granite").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");

    app.wait_for("#composer").await?.click().await?;
    press(&app, &(Key::Control + "k")).await?;
    app.wait_for("#command-palette").await?;
    app.wait_until(
        "typing goes into the palette",
        "document.activeElement?.id === 'palette-input'",
    )
    .await?;
    press(&app, "pelicans").await?;
    app.wait_for("#palette-list [data-kind='hit']").await?;
    app.screenshot("palette").await?;
    press(&app, &Key::Enter.to_string()).await?;
    app.wait_until(
        "the pelican conversation is open",
        "!document.querySelector('#command-palette') && document.querySelector('#messages')?.textContent.includes('Pelicans glide low')",
    )
    .await?;
    let shown = app.wait_for("#messages").await?.text().await?;
    assert!(
        !shown.contains("Granite"),
        "only the chosen conversation is on screen: {shown}"
    );

    // Esc closes it and gives the focus back.
    app.wait_for("#composer").await?.click().await?;
    press(&app, &(Key::Control + "k")).await?;
    app.wait_for("#command-palette").await?;
    press(&app, &Key::Escape.to_string()).await?;
    app.wait_until(
        "Esc closes the palette and the composer has the focus again",
        "!document.querySelector('#command-palette') && document.activeElement?.id === 'composer'",
    )
    .await?;
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

/// Nothing may stick out sideways, and `selector` must be fully inside the viewport.
const FITS: &str = "(sel) => { const d = document.documentElement; const r = document.querySelector(sel)?.getBoundingClientRect(); \
    return d.scrollWidth <= innerWidth + 1 && !!r && r.width > 0 && r.left >= 0 && r.top >= 0 && r.right <= innerWidth + 1 && r.bottom <= innerHeight + 1; }";

async fn fits(app: &Session, selector: &str) -> TestResult<bool> {
    let script = format!("return ({FITS})({selector:?});");
    Ok(app.client.execute(&script, vec![]).await? == true)
}

#[tokio::test]
async fn at_200_percent_zoom_the_chat_palette_and_settings_still_fit() -> TestResult {
    let key = "sk-e2e-zoom-KEY";
    let sim = simulator(key).await?;
    let answer = "## A heading that is rather long for a narrow window\n\nSome text with `inline code`.\n\n\
                  ```rust\nfn main() { println!(\"a long line of code that must scroll inside its block, not the page\"); }\n```\n\n\
                  | column one | column two | column three |\n|---|---|---|\n| a | b | c |\n";
    sim.push(Script::reply(answer));
    let app = Session::start("zoom").await?;
    add_account(&app, "Simulator", &sim.base_url(), key).await?;
    send(&app, "Show me a long answer").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done");
    let (width, height) = app.inner_size().await?;

    app.wait_for("#composer").await?.click().await?;
    for _ in 0..5 {
        press(&app, &(Key::Control + "=")).await?;
    }
    let zoomed = app
        .wait_until(
            "the page is zoomed to 200%",
            &format!("Math.abs(innerWidth * 2 - {width}) <= 4 ? innerWidth : null"),
        )
        .await?;
    assert!(
        zoomed.as_u64().is_some_and(|w| w * 2 <= width + 4),
        "Ctrl+= five times is 200%: {zoomed} CSS px in a {width} px window"
    );
    for selector in ["#composer", "#send", "#model-picker", "#messages"] {
        assert!(
            fits(&app, selector).await?,
            "at 200% {selector} is fully in view and nothing scrolls sideways"
        );
    }
    app.screenshot_sized("zoom-200-chat", width, height).await?;

    press(&app, &(Key::Control + "k")).await?;
    app.wait_for("#command-palette").await?;
    assert!(
        fits(&app, "#command-palette").await?,
        "the palette fits at 200%"
    );
    press(&app, &Key::Escape.to_string()).await?;

    // The list folds behind a button in a narrow window; Tab and Enter reach it.
    app.client
        .execute(
            "document.querySelector('#toggle-conversations').focus()",
            vec![],
        )
        .await?;
    press(&app, &Key::Enter.to_string()).await?;
    app.wait_for("#conversation-list .conversation").await?;
    assert!(
        fits(&app, "#conversation-list .conversation").await?,
        "the unfolded list shows its conversations at 200%"
    );
    app.screenshot_sized("zoom-200-list", width, height).await?;
    press(&app, &Key::Enter.to_string()).await?;

    // WebKitWebDriver clicks at unzoomed coordinates: the keyboard opens the settings.
    press(&app, &(Key::Control + ",")).await?;
    app.wait_for("section.settings").await?;
    assert!(
        fits(&app, "#close-settings").await?,
        "settings fit at 200%, with the way back in view"
    );
    app.screenshot_sized("zoom-200-settings", width, height)
        .await?;
    assert!(
        app.client
            .find(Locator::Css("#open-settings"))
            .await
            .is_ok(),
        "the sidebar's controls are still there"
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
