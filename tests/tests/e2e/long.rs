//! A 10,000-message conversation in the window: the message list is virtualized, so it opens at
//! its end with a few messages in the DOM, scrolls to its first message without the DOM growing,
//! shows no blank space where messages should be, and brings a search hit deep inside into view.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::bench::import;
use crate::harness::{Session, TestResult};

/// Far fewer than the conversation holds, or than one loaded page (200).
const FEW: u64 = 60;

/// How many `.message` elements the page holds.
async fn rendered(app: &Session) -> TestResult<u64> {
    let count = app
        .client
        .execute(
            "return document.querySelectorAll('#messages .message').length;",
            vec![],
        )
        .await?;
    count.as_u64().ok_or_else(|| "a count".into())
}

/// The visible part of the list, sampled at five heights: what is under each point (a message's
/// row, else what the blank space belongs to). Waits two frames first, so measurements land.
async fn under_the_viewport(app: &Session) -> TestResult<Value> {
    Ok(app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             requestAnimationFrame(() => requestAnimationFrame(() => {
               const list = document.querySelector('#messages');
               const box = list.getBoundingClientRect();
               const x = box.left + box.width / 2;
               const seen = [];
               for (const f of [0.1, 0.3, 0.5, 0.7, 0.9]) {
                 const el = document.elementFromPoint(x, box.top + box.height * f);
                 seen.push(el?.closest('.row') ? 'row' : (el?.className || el?.tagName || 'nothing'));
               }
               done(seen);
             }));",
            vec![],
        )
        .await?)
}

/// Whether the message whose text includes `text` is rendered and wholly (or, when taller
/// than the viewport, partly) inside the list's viewport.
async fn in_view(app: &Session, text: &str) -> TestResult<bool> {
    let seen = app
        .client
        .execute(
            &format!(
                "const list = document.querySelector('#messages').getBoundingClientRect();
                 const m = [...document.querySelectorAll('#messages .message')]
                   .find((m) => m.textContent.includes({text:?}));
                 if (!m) return false;
                 const r = m.getBoundingClientRect();
                 return r.bottom > list.top && r.top < list.bottom &&
                   (r.height > list.height || (r.top >= list.top - 1 && r.bottom <= list.bottom + 1));"
            ),
            vec![],
        )
        .await?;
    Ok(seen == Value::Bool(true))
}

async fn with_a_10000_message_conversation(name: &str) -> TestResult<Session> {
    let app = Session::start(name).await?;
    // An account, so settings open as a page with a way back (not the first-run flow).
    crate::add_account_from(
        &app,
        crate::NewAccount::custom("Long", "http://127.0.0.1:9/v1", "sk-long"),
    )
    .await?;
    crate::back_to_chat(&app).await?;
    import(&app, &[("long", 10_000)]).await?;
    Ok(app)
}

#[tokio::test]
async fn a_10000_message_conversation_opens_at_its_end_and_scrolls_to_its_start() -> TestResult {
    let app = with_a_10000_message_conversation("long-scroll").await?;
    app.wait_for(
        "#conversation-list .conversation[data-conversation-id='long-c'] .conversation-open",
    )
    .await?
    .click()
    .await?;
    app.wait_until(
        "the last message is shown",
        "[...document.querySelectorAll('#messages .message')].pop()?.textContent.includes('That is all for part 9999')",
    )
    .await?;
    app.wait_until(
        "the list is at its end",
        "(() => { const l = document.querySelector('#messages'); \
           return l.scrollHeight - l.scrollTop - l.clientHeight < 2; })()",
    )
    .await?;
    assert!(
        in_view(&app, "That is all for part 9999").await?,
        "the last message is on screen"
    );
    let at_open = rendered(&app).await?;
    assert!(
        at_open < FEW,
        "only the last screens are in the DOM, not the loaded page: {at_open}"
    );
    assert_eq!(
        under_the_viewport(&app).await?,
        serde_json::json!(["row", "row", "row", "row", "row"]),
        "messages fill the viewport"
    );
    app.screenshot("long-open").await?;

    // Halfway up the loaded page: whatever is there is drawn.
    app.client
        .execute(
            "const l = document.querySelector('#messages'); l.scrollTop = l.scrollHeight / 2; return true;",
            vec![],
        )
        .await?;
    assert_eq!(
        under_the_viewport(&app).await?,
        serde_json::json!(["row", "row", "row", "row", "row"]),
        "a jump lands on messages, not on blank space"
    );

    // To the top, page by page, until the first message.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let top = app
            .client
            .execute(
                "const l = document.querySelector('#messages'); l.scrollTop = 0;
                 return !document.querySelector('#load-earlier') &&
                   [...document.querySelectorAll('#messages .message')].some((m) => m.textContent.includes('Question 0:'));",
                vec![],
            )
            .await?;
        if top == Value::Bool(true) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the first message was not reached"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    app.client
        .execute(
            "document.querySelector('#messages').scrollTop = 0; return true;",
            vec![],
        )
        .await?;
    assert!(
        in_view(&app, "Question 0:").await?,
        "the first message is on screen"
    );
    let at_top = rendered(&app).await?;
    assert!(
        at_top < FEW,
        "the DOM did not grow with the 10,000 messages loaded: {at_top}"
    );
    assert_eq!(
        under_the_viewport(&app).await?,
        serde_json::json!(["row", "row", "row", "row", "row"]),
        "messages fill the viewport at the top"
    );
    app.screenshot("long-top").await?;
    app.close().await?;
    Ok(())
}

#[tokio::test]
async fn a_search_hit_deep_in_a_long_conversation_is_revealed() -> TestResult {
    let app = with_a_10000_message_conversation("long-search").await?;
    // Question 1234 is 8,766 messages above the end: 44 pages up.
    crate::fill(&app, "#history-search", "Question 1234").await?;
    app.wait_for("#search-results .search-hit[data-conversation-id='long-c']")
        .await?
        .click()
        .await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let highlighted = app
            .client
            .execute(
                "return document.querySelector('#messages .message.highlight')?.textContent ?? null;",
                vec![],
            )
            .await?;
        if highlighted
            .as_str()
            .is_some_and(|t| t.contains("Question 1234:"))
            && in_view(&app, "Question 1234:").await?
        {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the hit was not shown and highlighted: {highlighted}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let count = rendered(&app).await?;
    assert!(
        count < FEW,
        "the pages loaded on the way stay out of the DOM: {count}"
    );
    app.screenshot("long-search").await?;
    app.close().await?;
    Ok(())
}
