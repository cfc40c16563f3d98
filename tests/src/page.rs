//! Scripts run in the app's window through WebDriver (`execute_async`), shared by the E2E
//! benchmarks and `sb-bench`.

/// Clicks conversation `conversation` in the sidebar and calls back with the milliseconds
/// from the click to the end of the first frame whose last `.message` contains `last_text`.
/// After `limit_ms` without it, calls back with what the window shows instead (an object, so
/// the caller's "not a number" error can say what went wrong).
pub fn open_conversation_ms(conversation: &str, last_text: &str, limit_ms: u64) -> String {
    format!(
        "const done = arguments[arguments.length - 1];
         const item = document.querySelector(\"#conversation-list .conversation[data-conversation-id='{conversation}'] .conversation-open\")
                   || document.querySelector(\"#conversation-list .conversation[data-conversation-id='{conversation}']\");
         const t0 = performance.now();
         item.click();
         const limit = setTimeout(() => {{
           const all = document.querySelectorAll('#messages .message');
           const last = all[all.length - 1];
           done({{ messages: all.length, last: last ? last.textContent.slice(-120) : null, url: location.href }});
         }}, {limit_ms});
         const poll = () => {{
           const all = document.querySelectorAll('#messages .message');
           const last = all[all.length - 1];
           if (last && last.textContent.includes({last_text:?})) {{
             clearTimeout(limit);
             requestAnimationFrame(() => done(performance.now() - t0));
           }} else {{ setTimeout(poll, 1); }}
         }};
         poll();"
    )
}
