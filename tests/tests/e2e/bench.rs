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

/// A Switchboard JSON export of one conversation of `n` messages (see `sb_sim::history`).
pub(crate) fn export_with(title: &str, n: usize) -> String {
    sb_sim::history::history_export(title, n)
}

/// Imports generated conversations (`title`, message count) through the settings' import,
/// then waits for the last one in the conversation list (its id is `{title}-c`).
pub(crate) async fn import(app: &Session, conversations: &[(&str, usize)]) -> TestResult {
    let dir = std::env::temp_dir().join(format!("sb-import-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir)?;
    for (title, n) in conversations {
        let file = dir.join(format!("{title}.json"));
        std::fs::write(&file, export_with(title, *n))?;
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
    let _ = std::fs::remove_dir_all(&dir);
    if let Some((title, _)) = conversations.last() {
        app.wait_for(&format!(
            "#conversation-list .conversation[data-conversation-id='{title}-c']"
        ))
        .await?;
    }
    Ok(())
}

/// Milliseconds from clicking a conversation to the frame after its last message is in the
/// DOM (measured in the page with `performance.now()` and `requestAnimationFrame`).
async fn open_ms(app: &Session, conversation: &str, last_text: &str) -> TestResult<f64> {
    let script = sb_sim::page::open_conversation_ms(conversation, last_text, 60_000);
    let value = app.client.execute_async(&script, vec![]).await?;
    value
        .as_f64()
        .ok_or_else(|| format!("{conversation} did not show {last_text:?}: {value}").into())
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
    import(&app, &[("big", 10_000), ("small", 2)]).await?;
    let mut big = Vec::new();
    let mut small = Vec::new();
    for _ in 0..9 {
        big.push(open_ms(&app, "big-c", "That is all for part 9999").await?);
        tokio::time::sleep(Duration::from_millis(200)).await;
        small.push(open_ms(&app, "small-c", "That is all for part 1").await?);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    open_ms(&app, "big-c", "That is all for part 9999").await?;
    app.screenshot("bench-open-10000").await?;
    // How much of that is the backend: the same command, called from the page, without a view.
    let ipc = app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             const runs = [];
             const next = () => {
               if (runs.length === 9) return done(runs);
               const t0 = performance.now();
               window.__TAURI_INTERNALS__.invoke('open_conversation', { id: 'big-c', limit: 200 })
                 .then(() => { runs.push(performance.now() - t0); next(); }, (e) => done(String(e)));
             };
             next();",
            vec![],
        )
        .await?;
    let mut ipc: Vec<f64> = ipc
        .as_array()
        .ok_or_else(|| format!("open_conversation from the page: {ipc}"))?
        .iter()
        .filter_map(serde_json::Value::as_f64)
        .collect();
    let rendered = app
        .client
        .execute(
            "return document.querySelectorAll('#messages .message').length;",
            vec![],
        )
        .await?;
    let (big_median, small_median) = (median(&mut big), median(&mut small));
    println!(
        "open 10,000-message conversation: median {big_median:.1} ms (runs {big:?}); \
         2-message floor: median {small_median:.1} ms (runs {small:?}); ratio {:.2}x; \
         of which open_conversation's IPC alone: median {:.1} ms; {rendered} .message in the DOM",
        big_median / small_median,
        median(&mut ipc),
    );
    app.close().await?;
    Ok(())
}

/// Records the gaps between animation frames while `scroll` (a JS function body run once per
/// frame with `list` and `frame`, returning false when done) moves the list; resolves to
/// `{ gaps, ms, most, timedOut }` in `window.switchboardScrollBench` (polled: it can take minutes).
async fn record_frames(
    app: &Session,
    scroll: &str,
    limit: Duration,
) -> TestResult<serde_json::Value> {
    let script = format!(
        "const list = document.querySelector('#messages');
         const state = {{ done: false, gaps: [], timedOut: false, ms: 0, most: 0 }};
         window.switchboardScrollBench = state;
         const move = (list, frame) => {{ {scroll} }};
         const t0 = performance.now();
         let last = t0;
         let frame = 0;
         const step = () => {{
           const now = performance.now();
           state.gaps.push(now - last);
           last = now;
           state.most = Math.max(state.most, document.querySelectorAll('#messages .message').length);
           if (now - t0 > {limit}) {{ state.timedOut = true; }}
           if (state.timedOut || move(list, frame++) === false) {{ state.done = true; state.ms = now - t0; return; }}
           requestAnimationFrame(step);
         }};
         requestAnimationFrame(() => {{ last = performance.now(); requestAnimationFrame(step); }});
         return true;",
        limit = limit.as_millis()
    );
    app.client.execute(&script, vec![]).await?;
    let deadline = std::time::Instant::now() + limit + Duration::from_secs(30);
    while app
        .client
        .execute("return window.switchboardScrollBench.done;", vec![])
        .await?
        != json!(true)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the scroll did not end"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    Ok(app
        .client
        .execute("return window.switchboardScrollBench;", vec![])
        .await?)
}

/// One line about recorded frames: time, count, gap median / p99 / max, frames over 50 ms.
fn frames_summary(state: &serde_json::Value) -> String {
    let mut gaps: Vec<f64> = state["gaps"]
        .as_array()
        .map(|a| a.iter().filter_map(serde_json::Value::as_f64).collect())
        .unwrap_or_default();
    if gaps.is_empty() {
        return "no frames".into();
    }
    gaps.sort_by(f64::total_cmp);
    let at = |q: f64| gaps[((gaps.len() - 1) as f64 * q).round() as usize];
    format!(
        "{:.1} s, {} frames{}; gaps median {:.0} ms, p99 {:.0} ms, max {:.0} ms; {} frames > 50 ms; \
         at most {} .message in the DOM",
        state["ms"].as_f64().unwrap_or_default() / 1000.0,
        gaps.len(),
        if state["timedOut"] == json!(true) { " (TIMED OUT)" } else { "" },
        at(0.5),
        at(0.99),
        at(1.0),
        gaps.iter().filter(|g| **g > 50.0).count(),
        state["most"],
    )
}

/// The page's `.message` elements and whether the first message of the branch is among them.
const COUNT_MESSAGES: &str = "return { count: document.querySelectorAll('#messages .message').length, \
     first: [...document.querySelectorAll('#messages .message')].some((m) => m.textContent.includes('Question 0:')) };";

/// Scrolling a 10,000-message conversation: the frames of an idle list (the floor), of 600
/// frames at a brisk wheel's pace (120 px a frame, about 7,000 px/s), then of a fling from
/// there to its first message at one screen a frame, loading the earlier pages on the way.
/// Frames longer than 50 ms are the stutter a reader sees.
#[tokio::test]
#[ignore = "a measurement: run by hand, see the module docs"]
async fn bench_scroll_a_10000_message_conversation_to_the_top() -> TestResult {
    let app = Session::start("bench-scroll").await?;
    crate::add_account_from(
        &app,
        crate::NewAccount::custom("Bench", "http://127.0.0.1:9/v1", "sk-bench"),
    )
    .await?;
    crate::back_to_chat(&app).await?;
    import(&app, &[("big", 10_000)]).await?;
    let opened = open_ms(&app, "big-c", "That is all for part 9999").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let at_open = app.client.execute(COUNT_MESSAGES, vec![]).await?;
    let idle = record_frames(&app, "return frame < 120;", Duration::from_secs(60)).await?;
    let wheel = record_frames(
        &app,
        "list.scrollTop = Math.max(0, list.scrollTop - 120); return frame < 600;",
        Duration::from_secs(120),
    )
    .await?;
    app.screenshot("bench-scroll-wheel").await?;
    let fling = record_frames(
        &app,
        "if (list.scrollTop <= 0 && !document.querySelector('#load-earlier') &&
             [...document.querySelectorAll('#messages .message')].some((m) => m.textContent.includes('Question 0:'))) return false;
         list.scrollTop = Math.max(0, list.scrollTop - list.clientHeight);
         return true;",
        Duration::from_secs(280),
    )
    .await?;
    let at_top = app.client.execute(COUNT_MESSAGES, vec![]).await?;
    app.screenshot("bench-scroll-top").await?;
    println!(
        "scroll a 10,000-message conversation (opened in {opened:.0} ms with {} .message in the DOM)\n  \
         idle: {}\n  wheel, 120 px a frame: {}\n  fling to the top, a screen a frame: {}\n  \
         at the top: {} .message in the DOM, the first message shown: {}",
        at_open["count"],
        frames_summary(&idle),
        frames_summary(&wheel),
        frames_summary(&fling),
        at_top["count"],
        at_top["first"],
    );
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
    // About 60 renders per second reach the window (the core's 16 ms interval): streaming the
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
