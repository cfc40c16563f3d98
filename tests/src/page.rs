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

/// Returns the distinct fonts (size, weight, style and family) the window lays out text in,
/// sorted, each with up to three of the elements that use it (`tag.class`, or `parent > tag`
/// for an element without a class of its own). WebKitGTK sets up a font (a fontconfig match,
/// then shaping and glyph caches) for each one the first time it lays text out in it, so their
/// number is part of what a first paint costs. Counted: every rendered element with its own
/// non-blank text, and every text field (the text it shows).
pub const FONTS_IN_USE: &str = r#"
const fonts = new Map();
// `tag.class`, the first class that is not Svelte's scoping class.
const named = (e) => {
  const own = typeof e.className === 'string' ? e.className.split(/\s+/).filter((c) => c && !c.startsWith('svelte-')) : [];
  return e.tagName.toLowerCase() + (own.length ? '.' + own[0] : '');
};
const note = (el) => {
  if (el.getClientRects().length === 0) return;
  const s = getComputedStyle(el);
  const key = `${s.fontSize} ${s.fontWeight}${s.fontStyle === 'normal' ? '' : ' ' + s.fontStyle} ${s.fontFamily}`;
  const users = fonts.get(key) || [];
  const name = named(el).includes('.') || !el.parentElement ? named(el) : `${named(el.parentElement)} > ${named(el)}`;
  if (users.length < 3 && !users.includes(name)) users.push(name);
  fonts.set(key, users);
};
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (node.textContent.trim() && node.parentElement) note(node.parentElement);
}
document.querySelectorAll('input, textarea, select').forEach(note);
return [...fonts].sort(([a], [b]) => a.localeCompare(b, 'en', { numeric: true })).map(([key, users]) => `${key} (${users.join(', ')})`);
"#;
