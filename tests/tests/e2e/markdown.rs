//! Markdown in the real window: a streamed answer with math, code, links, a remote image and
//! the whole XSS corpus of `sb-markdown`, split into small pieces. Nothing the model wrote may
//! run, navigate the window or load anything by itself; links go to the system's opener.

use harness::{Session, TestResult, PIXEL};
use sb_sim::Script;

use super::{add_account, harness, send, simulator, wait_for_answer_end};

/// The corpus the Rust renderer is tested with (`=== technique` then the payload).
const CORPUS: &str = include_str!("../../../src-tauri/crates/sb-markdown/tests/fixtures/xss.txt");

/// The corpus payloads with `{U+XXXX}` written as the character, each followed by a blank line.
fn payloads() -> (usize, String) {
    let mut out = String::new();
    let mut count = 0;
    for entry in CORPUS.split("\n=== ").skip(1) {
        let payload = entry.split_once('\n').map_or("", |(_, p)| p);
        let mut rest = payload;
        while let Some(at) = rest.find("{U+") {
            out.push_str(&rest[..at]);
            let after = &rest[at + 3..];
            let end = after.find('}').expect("a closed placeholder");
            let code = u32::from_str_radix(&after[..end], 16).expect("hex");
            out.push(char::from_u32(code).expect("a character"));
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        out.push_str("\n\n");
        count += 1;
    }
    (count, out)
}

/// Installed before the answer arrives: every way a payload could show it ran is counted, and
/// a mutation observer notes any dangerous element that is ever inserted, even for a moment.
const SENTINELS: &str = r#"
window.__xssRan = 0;
for (const name of ['alert', 'confirm', 'prompt', 'print', 'open']) {
  window[name] = () => { window.__xssRan += 1; };
}
window.__startHref = location.href;
window.__startTitle = document.title;
window.__badNodes = [];
new MutationObserver((records) => {
  for (const r of records) for (const n of r.addedNodes) {
    if (n.nodeType !== 1) continue;
    for (const el of [n, ...n.querySelectorAll('*')]) {
      if (/^(SCRIPT|IFRAME|OBJECT|EMBED|FRAME|FORM|META|BASE|LINK|STYLE)$/.test(el.tagName)) window.__badNodes.push(el.tagName);
    }
  }
}).observe(document.body, { childList: true, subtree: true });
return true;
"#;

/// What the answer's DOM holds that it must not: event handlers, scripts, URLs outside the
/// allowed schemes (KaTeX's own inline styles are the one kind of `style` allowed).
const AUDIT: &str = r#"
const root = [...document.querySelectorAll('.message.assistant')].pop();
const problems = [];
for (const el of root.querySelectorAll('*')) {
  for (const attr of el.attributes) {
    const name = attr.name.toLowerCase();
    const value = attr.value.trim().toLowerCase();
    if (name.startsWith('on')) problems.push(`${el.tagName} ${name}`);
    if (name === 'style' && !el.closest('.katex')) problems.push(`${el.tagName} style`);
    if (name === 'href' && !/^(https?:|mailto:|#)/.test(value)) problems.push(`${el.tagName} href=${value}`);
    if (['src', 'srcset', 'action', 'formaction', 'xlink:href', 'data', 'poster', 'background'].includes(name)
        && !(name === 'src' && el.tagName === 'IMG' && value.startsWith('data:image/'))) {
      problems.push(`${el.tagName} ${name}=${value.slice(0, 40)}`);
    }
  }
  if (/^(SCRIPT|IFRAME|OBJECT|EMBED|FRAME|FORM|SVG|MATH|STYLE|LINK|META|BASE|TEMPLATE)$/i.test(el.tagName)
      && !el.closest('.katex')) problems.push(el.tagName);
}
return problems;
"#;

#[tokio::test]
async fn streamed_markdown_renders_live_and_no_payload_runs() -> TestResult {
    let key = format!("sk-e2e-{}-KEY", uuid::Uuid::new_v4().simple());
    let sim = simulator(&key).await?;
    let image = sim.serve_file("/cat.png", "image/png", PIXEL);
    let (count, corpus) = payloads();
    assert!(
        count >= 100,
        "the corpus holds at least 100 payloads: {count}"
    );
    let answer = format!(
        "# Safety check\n\n\
         Euler: $e^{{i\\pi}} + 1 = 0$, and a [guide](https://docs.example.com/guide).\n\n\
         $$\\int_0^1 x^2\\,dx = \\frac{{1}}{{3}}$$\n\n\
         ```python\ndef area(r):\n    return 3.14159 * r ** 2  # circle\n```\n\n\
         ![a cat]({image})\n\n\
         | payload kind | count |\n|---|---:|\n| corpus | {count} |\n\n\
         {corpus}\nThe end.\n"
    );
    sim.push(
        Script::reply(&answer)
            .tokens_per_second(4000.0)
            .chunk_bytes(1, 8)
            .seed(6),
    );
    let app = Session::start("markdown").await?;
    add_account(&app, "Simulator", &sim.base_url(), &key).await?;
    let armed = app.client.execute(SENTINELS, vec![]).await?;
    assert_eq!(armed, true, "the sentinels are installed");

    send(&app, "Show me everything").await?;
    let status = wait_for_answer_end(&app).await?;
    assert_eq!(status, "done", "the streamed answer finishes");
    app.wait_until(
        "the last words are rendered",
        "[...document.querySelectorAll('.message.assistant .content')].pop()?.textContent.includes('The end.')",
    )
    .await?;

    // Rendered, enhanced markdown.
    let heading = app.wait_for(".message.assistant .content h1").await?;
    assert_eq!(
        heading.attr("id").await?.as_deref(),
        Some("md-safety-check")
    );
    app.wait_for(".message.assistant .math-inline .katex")
        .await?;
    app.wait_for(".message.assistant .math-display .katex-display")
        .await?;
    let lang = app
        .wait_for(".message.assistant .code-block .code-lang")
        .await?
        .text()
        .await?;
    assert_eq!(lang, "python", "code blocks name their language");
    app.wait_for(".message.assistant .code-block .copy-code")
        .await?;
    app.wait_for(".message.assistant pre .tok-keyword").await?;
    app.client
        .execute(
            "document.querySelector('.message.assistant h1').scrollIntoView({ block: 'start' }); return true;",
            vec![],
        )
        .await?;
    app.screenshot("markdown-answer").await?;

    // Nothing ran, nothing navigated, nothing dangerous was ever in the page.
    let outcome = app
        .client
        .execute(
            "return { ran: window.__xssRan, moved: location.href !== window.__startHref, \
             title: document.title === window.__startTitle, bad: window.__badNodes };",
            vec![],
        )
        .await?;
    assert_eq!(
        outcome["ran"], 0,
        "no payload called alert/confirm/prompt/print/open"
    );
    assert_eq!(outcome["moved"], false, "the window did not navigate");
    assert_eq!(outcome["title"], true, "the title is untouched");
    assert_eq!(
        outcome["bad"],
        serde_json::json!([]),
        "no script, frame, object, form or style element was ever inserted"
    );
    let problems = app.client.execute(AUDIT, vec![]).await?;
    assert_eq!(
        problems,
        serde_json::json!([]),
        "the answer's DOM holds no handler, script or foreign URL"
    );

    // The remote image waits for the user; allowed, it comes through Rust as a data URL.
    assert!(
        !sim.requests().iter().any(|r| r.path == "/cat.png"),
        "the remote image is not fetched before the user allows it"
    );
    app.wait_for(".message.assistant .remote-image-load")
        .await?
        .click()
        .await?;
    let src = app
        .wait_until(
            "the allowed image is shown",
            "document.querySelector('.message.assistant .remote-image img')?.getAttribute('src')",
        )
        .await?;
    assert!(
        src.as_str()
            .unwrap_or_default()
            .starts_with("data:image/png;base64,"),
        "the window shows the image inline: {src}"
    );
    assert_eq!(
        sim.requests()
            .iter()
            .filter(|r| r.path == "/cat.png")
            .count(),
        1,
        "fetched once, by the app"
    );

    // A link goes to the system's opener, never into the window; so does nothing else.
    app.client
        .execute(
            "document.querySelector('.message.assistant a.md-link[href=\"https://docs.example.com/guide\"]').click(); \
             for (const a of document.querySelectorAll('.message.assistant .content a')) a.click(); return true;",
            vec![],
        )
        .await?;
    let deadline = std::time::Instant::now() + harness::UI_TIMEOUT;
    while !app
        .opened_links()
        .iter()
        .any(|l| l == "https://docs.example.com/guide")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the link reached the system opener: {:?}",
            app.opened_links()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Clicks are asynchronous: give stragglers a moment before judging the whole list.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    for link in app.opened_links() {
        assert!(
            link.starts_with("https://")
                || link.starts_with("http://")
                || link.starts_with("mailto:"),
            "only web and mail links reach the opener: {link}"
        );
    }
    let after = app
        .client
        .execute(
            "return { ran: window.__xssRan, moved: location.href !== window.__startHref };",
            vec![],
        )
        .await?;
    assert_eq!(after["ran"], 0, "clicking every link ran nothing");
    assert_eq!(
        after["moved"], false,
        "clicking every link left the window where it was"
    );
    app.client
        .execute(
            "document.querySelector('.message.assistant h1').scrollIntoView({ block: 'start' }); return true;",
            vec![],
        )
        .await?;
    app.screenshot("markdown-image-loaded").await?;

    app.close().await?;
    sim.shutdown().await;
    Ok(())
}
