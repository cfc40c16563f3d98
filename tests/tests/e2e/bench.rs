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

/// A generated answer of about `bytes` bytes: headings, English and CJK prose with inline
/// markup and links, nested lists, code fences and tables, as a long model answer has them.
fn long_answer(bytes: usize) -> String {
    let mut out = String::new();
    let mut i = 0;
    while out.len() < bytes {
        i += 1;
        out.push_str(&format!(
            "## Step {i}: 数据处理\n\n\
             The renderer gets **untrusted text** a few characters at a time. Call \
             `render_{i}()` with the [guide](https://example.com/docs/{i}) open, or read \
             https://docs.example.com/streaming/{i} first; *emphasis* and `code` are common.\n\n\
             这是一个关于流式渲染的段落，包含中文字符和标点符号。日本語のテキストも少し。\n\n\
             - point one for step {i}\n- point two with a [link](https://example.com/{i})\n  \
             - nested detail\n- point three\n\n\
             ```rust\nfn step_{i}(input: &str) -> Result<u32, Error> {{\n    \
             let n: u32 = input.trim().parse()?; // parse\n    Ok(n * 2 + {i})\n}}\n```\n\n"
        ));
        if i % 4 == 0 {
            out.push_str("| name | value |\n|:--|--:|\n| alpha | 1 |\n| beta | 22 |\n\n");
        }
    }
    out.push_str("That is the end of the answer.\n");
    out
}

/// Per-update DOM cost of rendered markdown in the window at the end of a 60 KB answer:
/// the app's own updates (committed blocks inserted once, the tail replaced), timed in the
/// page by `ui/src/markdown/view.ts`, against replacing the whole answer's HTML on each update
/// (what a re-render-everything UI does), timed in the same page after the stream.
#[tokio::test]
#[ignore = "a measurement: run by hand, see the module docs"]
async fn bench_markdown_dom_updates_at_the_end_of_a_60kb_answer() -> TestResult {
    let key = "sk-bench-markdown";
    let sim = crate::simulator(key).await?;
    let answer = long_answer(60_000);
    let pieces = sb_sim::tokenize(&answer).len();
    // About 30 renders per second reach the window (the core's 33 ms interval): streaming the
    // pieces over ~45 s gives well over 1,000 DOM updates.
    sim.push(
        sb_sim::Script::reply(&answer)
            .tokens_per_second(330.0)
            .seed(3),
    );
    let app = Session::start("bench-markdown").await?;
    crate::add_account(&app, "Bench", &sim.base_url(), key).await?;
    crate::send(&app, "A long answer, please").await?;
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    loop {
        let status = app
            .client
            .execute(
                "const m = [...document.querySelectorAll('.message.assistant')].pop(); return m ? m.dataset.status : null;",
                vec![],
            )
            .await?;
        if status != json!("streaming") && status != json!(null) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the answer did not finish"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let measured = app
        .client
        .execute(
            "const ours = window.switchboardMarkdownFlushes();
             const content = [...document.querySelectorAll('.message.assistant .content')].pop();
             const html = content.innerHTML;
             const scratch = document.createElement('div');
             scratch.className = 'markdown content';
             content.parentElement.append(scratch);
             const full = [];
             for (let i = 0; i < 200; i++) {
               const t0 = performance.now();
               scratch.innerHTML = html;
               full.push(performance.now() - t0);
             }
             scratch.remove();
             return { ours, full, bytes: html.length };",
            vec![],
        )
        .await?;
    let list = |v: &serde_json::Value| -> Vec<f64> {
        v.as_array()
            .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
            .unwrap_or_default()
    };
    let ours = list(&measured["ours"]);
    let mut full = list(&measured["full"]);
    assert!(
        ours.len() >= 1000,
        "at least 1,000 updates reached the window: {}",
        ours.len()
    );
    // WebKit rounds performance.now() to whole milliseconds, so a median of one update says
    // little: the mean over many is the estimate (rounding errors cancel when start times
    // fall at random within a millisecond).
    let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
    let last = &ours[ours.len() - 1000..];
    let first = &ours[..ours.len().min(200)];
    println!(
        "answer {} bytes in {pieces} pieces; {} DOM updates recorded; ours: mean {:.3} ms over \
         the last 1,000 (max {:.0}), mean {:.3} ms over the first 200; whole-answer innerHTML \
         ({} bytes of DOM): mean {:.3} ms, median {:.0} ms over 200; ratio of means {:.1}x",
        answer.len(),
        ours.len(),
        mean(last),
        last.iter().copied().fold(0.0, f64::max),
        mean(first),
        measured["bytes"],
        mean(&full),
        median(&mut full),
        mean(&full) / mean(last)
    );
    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
