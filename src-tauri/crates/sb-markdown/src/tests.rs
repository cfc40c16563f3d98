//! Unit tests for each feature, through the public API.

use crate::{render, StreamRenderer, Update};

fn contains_all(html: &str, needles: &[&str]) {
    for needle in needles {
        assert!(html.contains(needle), "expected {needle:?} in\n{html}");
    }
}

#[test]
fn renders_common_markdown() {
    let html = render("# Title\n\n**bold** *em* ~~gone~~ and `code`\n\n- a\n- b\n\n1. x\n\n---\n");
    contains_all(
        &html,
        &[
            "<h1 id=\"md-title\">Title</h1>",
            "<strong>bold</strong>",
            "<em>em</em>",
            "<del>gone</del>",
            "<code>code</code>",
            "<ul>\n<li>a</li>\n<li>b</li>\n</ul>",
            "<ol>\n<li>x</li>\n</ol>",
            "<hr>",
        ],
    );
    assert_eq!(render(""), "");
}

#[test]
fn tables_align_with_classes_not_styles() {
    let html = render("| a | b | c |\n|:--|:-:|--:|\n| 1 | 2 | 3 |\n");
    contains_all(
        &html,
        &[
            "<table>\n<thead>\n<tr><th class=\"align-left\">a</th><th class=\"align-center\">b</th><th class=\"align-right\">c</th></tr>\n</thead>\n<tbody>\n<tr><td class=\"align-left\">1</td>",
            "</tbody>\n</table>\n",
        ],
    );
    assert!(!html.contains("style"), "{html}");
}

#[test]
fn task_lists_are_disabled_checkboxes() {
    let html = render("- [ ] todo\n- [x] done\n");
    assert_eq!(
        html,
        "<ul>\n<li class=\"task-list-item\"><input type=\"checkbox\" disabled=\"\">todo</li>\n\
         <li class=\"task-list-item\"><input type=\"checkbox\" disabled=\"\" checked=\"\">done</li>\n</ul>\n"
    );
}

#[test]
fn footnotes_are_numbered_by_first_use_with_prefixed_ids() {
    let html = render("A[^z] B[^a] C[^z]\n\n[^a]: first\n\n[^z]: second\n");
    contains_all(
        &html,
        &[
            "A<sup class=\"footnote-reference\"><a href=\"#md-fn--1\" class=\"footnote-link\" rel=\"noopener noreferrer\">1</a></sup>",
            "B<sup class=\"footnote-reference\"><a href=\"#md-fn--2\"",
            "C<sup class=\"footnote-reference\"><a href=\"#md-fn--1\"",
            "<div class=\"footnote-definition\" id=\"md-fn--2\"><sup class=\"footnote-definition-label\">2</sup>\n<p>first</p>\n</div>",
            "<div class=\"footnote-definition\" id=\"md-fn--1\">",
        ],
    );
    assert_eq!(render("A[^missing]\n"), "<p>A[^missing]</p>\n");
}

#[test]
fn bare_urls_become_links_outside_code() {
    let html = render("See https://a.example/x_(y)?q=1. Or <https://b.example> or me@c.example.\n\n`https://code.example` [text https://in.link](https://d.example)\n\n```\nhttps://fence.example\n```\n");
    contains_all(
        &html,
        &[
            "See <a href=\"https://a.example/x_(y)?q=1\" class=\"md-link\" rel=\"noopener noreferrer\">https://a.example/x_(y)?q=1</a>.",
            "<a href=\"https://b.example\" class=\"md-link\" rel=\"noopener noreferrer\">https://b.example</a>",
            "<code>https://code.example</code>",
            "<a href=\"https://d.example\" class=\"md-link\" rel=\"noopener noreferrer\">text https://in.link</a>",
            "<pre><code>https://fence.example\n</code></pre>",
        ],
    );
    assert!(!html.contains("href=\"https://in.link"), "{html}");
    assert!(
        !html.contains("mailto:me@c.example"),
        "bare emails stay text: {html}"
    );
    let html = render("<me@c.example>");
    contains_all(
        &html,
        &["<a href=\"mailto:me@c.example\" class=\"md-link\""],
    );
}

#[test]
fn math_keeps_escaped_tex_for_the_ui() {
    let html =
        render("Inline $a<b$ and $$c>d$$ here, costs $5 and $10.\n\n$$\n\\frac{1}{2} < x\n$$\n");
    contains_all(
        &html,
        &[
            "<span class=\"math-inline\">a&lt;b</span>",
            "<span class=\"math-display\">c&gt;d</span>",
            "costs $5 and $10.",
            "<div class=\"math-display\">\n\\frac{1}{2} &lt; x\n</div>\n",
        ],
    );
    assert!(!html.contains("<p><div"), "{html}");
}

#[test]
fn fenced_code_is_labelled_and_highlighted() {
    let html = render("```rust\nfn main() {}\n```\n\n```\nplain <b>\n```\n\n```nosuchlang\nx\n```\n\n    indented\n");
    contains_all(
        &html,
        &[
            "<pre><code class=\"language-rust\" data-lang=\"rust\"><span class=\"tok-keyword\">fn</span> <span class=\"tok-function\">main</span>() {}\n</code></pre>",
            "<pre><code>plain &lt;b&gt;\n</code></pre>",
            "<pre><code class=\"language-nosuchlang\" data-lang=\"nosuchlang\">x\n</code></pre>",
            "<pre><code>indented\n</code></pre>",
        ],
    );
    let html = render("```\"><script>\nx\n```\n");
    assert_eq!(html, "<pre><code>x\n</code></pre>\n");
}

#[test]
fn headings_get_unique_prefixed_anchors() {
    let html = render("# Setup\n\n## Setup\n\n### 安装 指南\n\n# `Code` & *more*\n\n# !!!\n");
    contains_all(
        &html,
        &[
            "<h1 id=\"md-setup\">Setup</h1>",
            "<h2 id=\"md-setup-1\">Setup</h2>",
            "<h3 id=\"md-安装-指南\">安装 指南</h3>",
            "<h1 id=\"md-code-more\"><code>Code</code> &amp; <em>more</em></h1>",
            "<h1 id=\"md-section\">!!!</h1>",
        ],
    );
}

#[test]
fn raw_html_is_escaped_not_rendered() {
    let html = render("hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
    assert_eq!(
        html,
        "<p>hi &lt;script&gt;alert(1)&lt;/script&gt;</p>\n\
         <div class=\"raw-html\">&lt;img src=x onerror=alert(1)&gt;\n</div>\n"
    );
}

#[test]
fn only_safe_link_schemes_stay_live() {
    let html = render("[a](javascript:alert(1)) [b](https://example.com \"T\") [c](JaVaScRiPt:x) [d](mailto:x@y.z) [e](data:text/html,hi) [f](#top)");
    assert_eq!(
        html,
        "<p>a <a href=\"https://example.com\" class=\"md-link\" title=\"T\" rel=\"noopener noreferrer\">b</a> c \
         <a href=\"mailto:x@y.z\" class=\"md-link\" rel=\"noopener noreferrer\">d</a> e f</p>\n"
    );
}

#[test]
fn images_are_inline_only_from_data_urls() {
    let html = render(
        "![tracker *x*](https://evil.example/p.png) ![ok](data:image/png;base64,AAAA \"T\") ![js](javascript:x) ![svg](data:image/svg+xml,x)",
    );
    assert_eq!(
        html,
        "<p><span class=\"remote-image\" data-src=\"https://evil.example/p.png\" data-alt=\"tracker x\">tracker x</span> \
         <img src=\"data:image/png;base64,AAAA\" alt=\"ok\" title=\"T\"> js svg</p>\n"
    );
}

#[test]
fn github_alerts_are_classed_blockquotes() {
    let html = render("> [!WARNING]\n> Careful\n");
    assert_eq!(
        html,
        "<blockquote class=\"markdown-alert-warning\">\n<p>Careful</p>\n</blockquote>\n"
    );
}

/// Streams `pieces`, returning every update and the final one.
fn stream(pieces: &[&str]) -> (Vec<Update>, Update) {
    let mut renderer = StreamRenderer::new();
    let updates = pieces
        .iter()
        .map(|piece| {
            renderer.push(piece);
            renderer.update()
        })
        .collect();
    (updates, renderer.finish())
}

#[test]
fn a_block_is_committed_once_the_next_one_starts() {
    let (updates, last) = stream(&["First para", "graph.\n", "\n", "Sec", "ond.\n"]);
    assert!(updates[1].committed.is_empty(), "a paragraph may go on");
    assert!(
        updates[2].committed.is_empty(),
        "a blank line alone finishes nothing"
    );
    assert_eq!(updates[2].tail, "<p>First paragraph.</p>\n");
    assert!(
        updates[3].committed.is_empty(),
        "the next line is not complete yet"
    );
    assert_eq!(updates[4].committed, ["<p>First paragraph.</p>\n"]);
    assert_eq!(updates[4].tail, "<p>Second.</p>\n");
    assert_eq!(last.tail, "<p>Second.</p>\n");
}

#[test]
fn lists_and_fences_stay_open_across_blank_lines() {
    let (updates, _) = stream(&["- a\n\n", "- b\n\n", "```\nx\n\n", "y\n", "```\n", "\nz\n"]);
    assert!(
        updates[1].committed.is_empty(),
        "the list goes on after a blank line"
    );
    assert_eq!(updates[2].committed.len(), 1, "the fence ends the list");
    assert!(
        updates[2].committed[0].contains("<li><p>b</p>\n</li>"),
        "loose list: {}",
        updates[2].committed[0]
    );
    assert!(updates[3].committed.is_empty() && updates[4].committed.is_empty());
    assert!(
        updates[3]
            .tail
            .starts_with("<pre><code>x\n\ny\n</code></pre>"),
        "an unclosed fence shows as code so far: {}",
        updates[3].tail
    );
    assert_eq!(updates[5].committed, ["<pre><code>x\n\ny\n</code></pre>\n"]);
}

#[test]
fn half_typed_links_show_as_text_and_bare_urls_wait_for_their_end() {
    let (updates, last) = stream(&[
        "Read [the docs](https://a.ex",
        "ample/d) at https://b.exa",
        "mple.",
        " Done",
    ]);
    assert!(!updates[0].tail.contains("<a"), "{}", updates[0].tail);
    assert!(
        updates[1].tail.contains("<a href=\"https://a.example/d\""),
        "{}",
        updates[1].tail
    );
    assert!(
        !updates[1].tail.contains("https://b.exa\""),
        "{}",
        updates[1].tail
    );
    assert!(
        !updates[2].tail.contains("href=\"https://b.example\""),
        "may go on"
    );
    assert!(
        updates[3].tail.contains("href=\"https://b.example\""),
        "{}",
        updates[3].tail
    );
    assert!(last.tail.contains("href=\"https://b.example\""));
    let (_, last) = stream(&["see https://c.example"]);
    assert!(
        last.tail.contains("href=\"https://c.example\""),
        "linked at the end: {}",
        last.tail
    );
}

#[test]
fn a_later_definition_resolves_earlier_references() {
    let text = "Read [the docs][d].\n\nMore.\n\n[d]: https://a.example\n\nEnd.\n";
    let pieces: Vec<&str> = text.split_inclusive('\n').collect();
    let (updates, last) = stream(&pieces);
    assert!(
        updates.iter().all(|u| u.committed.is_empty()),
        "blocks waiting on a definition are never committed"
    );
    assert!(!updates[5].tail.contains("<a "), "{}", updates[5].tail);
    assert!(
        updates[6].tail.contains("<a href=\"https://a.example\""),
        "held blocks are rendered again once the definition's block is finished: {}",
        updates[6].tail
    );
    assert_eq!(last.tail, render(text));
}

#[test]
fn update_without_new_text_repeats_the_tail() {
    let mut renderer = StreamRenderer::new();
    renderer.push("# A\n\nText");
    let first = renderer.update();
    let again = renderer.update();
    assert!(again.committed.is_empty());
    assert_eq!(again.tail, first.tail);
    renderer.push("");
    assert_eq!(renderer.update().tail, first.tail);
    assert_eq!(renderer.text(), "# A\n\nText");
}

#[test]
fn the_tail_does_not_use_up_heading_ids() {
    let mut renderer = StreamRenderer::new();
    let mut html = String::new();
    for piece in ["# A", "\n", "\n# A", "\n\ntext\n"] {
        renderer.push(piece);
        html.extend(renderer.update().committed);
    }
    html.push_str(&renderer.finish().tail);
    assert_eq!(
        html,
        "<h1 id=\"md-a\">A</h1>\n<h1 id=\"md-a-1\">A</h1>\n<p>text</p>\n"
    );
}

#[test]
fn answer_and_reasoning_stream_independently() {
    let mut answer = StreamRenderer::new();
    let mut reasoning = StreamRenderer::new();
    answer.push("# Plan\n\nx\n");
    reasoning.push("# Plan\n\ny\n");
    let a = answer.update();
    let r = reasoning.update();
    assert_eq!(a.committed, ["<h1 id=\"md-plan\">Plan</h1>\n"]);
    assert_eq!(r.committed, ["<h1 id=\"md-plan\">Plan</h1>\n"]);
}

#[test]
fn deep_nesting_is_flattened() {
    // Quadratic work in any HTML parser otherwise (20,000 levels took 3 s to sanitize).
    let html = render(&format!("{}deep", "> ".repeat(1_000)));
    assert_eq!(html.matches("<blockquote>").count(), 32);
    assert_eq!(html.matches("</blockquote>").count(), 32);
    assert!(html.contains("<p>deep</p>"), "the content stays: {html}");
    let html = render(&format!("{}deep", "- ".repeat(1_000)));
    assert_eq!(html.matches("<ul>").count(), 32);
    assert_eq!(html.matches("<li>").count(), 32);
    assert!(html.contains("deep"), "{html}");
    crate::html_check::check_well_formed(&html).unwrap_or_else(|e| panic!("{e}"));
}
