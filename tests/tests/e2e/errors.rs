//! Errors the user can act on, in the real window: an error card whose Retry brings the
//! answer, and a rate limit that is said above the chat before the next question.

use fantoccini::Locator;
use sb_sim::Script;
use serde_json::json;

use super::{
    add_account, choose_group, harness::Session, questions, send, simulator, wait_for_answer_end,
    MODEL,
};
use crate::harness::TestResult;

#[tokio::test]
async fn retry_on_an_error_card_brings_the_answer() -> TestResult {
    let key = "sk-e2e-retry-KEY";
    let sim = simulator(key).await?;
    sim.push(Script::status(
        400,
        json!({ "error": { "message": "The request was malformed this time.", "type": "invalid_request_error" } }),
    ));
    sim.push(Script::reply("Second time lucky."));
    let app = Session::start("retry").await?;
    add_account(&app, "Simulator", &sim.base_url(), key).await?;
    send(&app, "Try me").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "error");
    let card = app
        .wait_for(".message.assistant .error-card")
        .await?
        .text()
        .await?;
    assert!(
        card.contains("malformed") && !card.contains("{\""),
        "the provider's words, never raw JSON: {card}"
    );
    app.wait_for(".message.assistant .error-card .retry-answer, .message.assistant .retry-answer")
        .await?
        .click()
        .await?;
    assert_eq!(wait_for_answer_end(&app).await?, "done", "Retry answers");
    app.wait_until(
        "the answer replaces the error",
        "[...document.querySelectorAll('.message.assistant')].pop()?.textContent.includes('Second time lucky.')",
    )
    .await?;
    let asked = questions(&sim);
    assert_eq!(asked.len(), 2, "Retry sent the question once more");
    assert_eq!(
        asked[1].body["messages"], asked[0].body["messages"],
        "with the same conversation"
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn a_rate_limited_model_is_said_above_the_chat_with_the_wait() -> TestResult {
    let key = "sk-e2e-limited-KEY";
    let sim = simulator(key).await?;
    // Longer than the client waits by itself (2 minutes): the answer fails and the account cools.
    sim.push(Script::rate_limited(600));
    let app = Session::start("limited").await?;
    add_account(&app, "Simulator", &sim.base_url(), key).await?;
    // Routed (not pinned): the router keeps the account's health.
    choose_group(&app, MODEL).await?;
    send(&app, "Are you busy?").await?;
    assert_eq!(wait_for_answer_end(&app).await?, "error");
    let banner = app.wait_for("#rate-limit-banner").await?.text().await?;
    assert!(
        banner.contains("rate-limited") && banner.contains("10 min"),
        "the wait is said before the next question: {banner}"
    );
    app.screenshot("rate-limited").await?;
    assert!(
        app.client
            .find(Locator::Css("#offline-banner"))
            .await
            .is_err(),
        "a rate limit is not being offline"
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
