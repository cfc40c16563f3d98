//! Whole-app measurements in the real window (not tests: nothing here passes or fails on
//! time). Run by hand, then record the numbers in BENCHMARKS.md:
//!
//! ```sh
//! SB_APP_BIN=target/debug/switchboard xvfb-run -a cargo test -p sb-tests --test e2e \
//!     bench_ -- --ignored --nocapture --test-threads=1
//! ```

use std::time::Duration;

use serde_json::json;

use crate::harness::{Session, TestResult};

/// A Switchboard JSON export holding one conversation of `n` messages (user and assistant in
/// turn, answers with some markdown) on one branch.
fn export_with(title: &str, n: usize) -> String {
    let mut messages = Vec::with_capacity(n);
    let mut parent: Option<String> = None;
    for i in 0..n {
        let id = format!("{title}-m{i}");
        let (role, content) = if i % 2 == 0 {
            ("user", format!("Question {i}: how does part {i} work?"))
        } else {
            (
                "assistant",
                format!(
                    "Part {i} works like this:\n\n1. **first**, it reads the input\n2. then it \
                     writes `output_{i}`\n\n```rust\nfn part_{i}() -> u32 {{ {i} }}\n```\n\n\
                     That is all for part {i}. 这是第{i}部分。"
                ),
            )
        };
        messages.push(json!({
            "id": id, "parent_id": parent, "role": role, "created_at": 1_700_000_000_000_i64 + i as i64,
            "content": content, "reasoning": "", "images": [], "model": "gpt-5.1",
            "status": "complete", "route": null, "api": null, "usage": null,
            "time_to_first_token_ms": null, "tokens_per_second": null, "finish_reason": "stop",
            "error": null,
        }));
        parent = Some(id);
    }
    json!({
        "format": "switchboard-history", "version": 1, "exported_at": 1_700_000_000_000_i64,
        "conversations": [{
            "id": format!("{title}-c"), "title": title, "title_generated": false,
            "created_at": 1_700_000_000_000_i64, "updated_at": 1_700_000_000_000_i64 + n as i64,
            "pinned": false, "archived": false, "system_prompt": null, "target": null,
            "params": null, "current_leaf": parent, "messages": messages,
        }],
    })
    .to_string()
}

/// Milliseconds from clicking a conversation to the frame after its last message is in the
/// DOM (measured in the page with `performance.now()` and `requestAnimationFrame`).
async fn open_ms(app: &Session, conversation: &str, last_text: &str) -> TestResult<f64> {
    let script = format!(
        "const done = arguments[arguments.length - 1];
         const item = document.querySelector(\"#conversation-list .conversation[data-conversation-id='{conversation}'] .conversation-open\")
                   || document.querySelector(\"#conversation-list .conversation[data-conversation-id='{conversation}']\");
         const t0 = performance.now();
         item.click();
         const poll = () => {{
           const all = document.querySelectorAll('#messages .message');
           const last = all[all.length - 1];
           if (last && last.textContent.includes({last_text:?})) {{
             requestAnimationFrame(() => done(performance.now() - t0));
           }} else {{ setTimeout(poll, 1); }}
         }};
         poll();"
    );
    let value = app.client.execute_async(&script, vec![]).await?;
    value.as_f64().ok_or_else(|| "a duration".into())
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// Time to show the last screen of a 10,000-message conversation, against a 2-message one
/// (the floor: the same clicks, IPC and paint with almost nothing to load).
#[tokio::test]
#[ignore = "a measurement: run by hand, see the module docs"]
async fn bench_open_a_10000_message_conversation() -> TestResult {
    let app = Session::start("bench-open").await?;
    // An account, so settings open as a page with a way back (not the first-run flow).
    crate::add_account_from(
        &app,
        crate::NewAccount::custom("Bench", "http://127.0.0.1:9/v1", "sk-bench"),
    )
    .await?;
    crate::back_to_chat(&app).await?;
    let dir = std::env::temp_dir().join(format!("sb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    for (title, n) in [("big", 10_000), ("small", 2)] {
        let file = dir.join(format!("{title}.json"));
        std::fs::write(&file, export_with(title, n))?;
        app.wait_for("#open-settings").await?.click().await?;
        let input = app.wait_for("#import-history").await?;
        input.send_keys(&file.display().to_string()).await?;
        app.wait_until(
            "the import is reported",
            "document.querySelector('#import-status')?.textContent.includes('Imported')",
        )
        .await?;
        app.wait_for("#close-settings").await?.click().await?;
    }
    app.wait_for("#conversation-list .conversation[data-conversation-id='big-c']")
        .await?;
    let mut big = Vec::new();
    let mut small = Vec::new();
    for _ in 0..9 {
        big.push(open_ms(&app, "big-c", "That is all for part 9999").await?);
        tokio::time::sleep(Duration::from_millis(200)).await;
        small.push(open_ms(&app, "small-c", "That is all for part 1").await?);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    app.screenshot("bench-open-10000").await?;
    let (big_median, small_median) = (median(&mut big), median(&mut small));
    println!(
        "open 10,000-message conversation: median {big_median:.1} ms (runs {big:?}); \
         2-message floor: median {small_median:.1} ms (runs {small:?}); ratio {:.2}x",
        big_median / small_median
    );
    let _ = std::fs::remove_dir_all(&dir);
    app.close().await?;
    Ok(())
}
