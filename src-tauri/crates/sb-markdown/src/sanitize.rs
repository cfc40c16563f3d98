//! Defence in depth: the writer only emits safe markup, and ammonia then keeps only what the
//! writer is meant to emit. Anything else (a bug in the writer, a pulldown-cmark surprise) is
//! dropped here: tags, attributes, class names and URLs all come from explicit allowlists.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use ammonia::{Builder, UrlRelative};

use crate::highlight::TOKEN_CLASSES;
use crate::url::{is_inline_image, is_live_link, is_web_url};
use crate::writer::{is_lang_byte, LINK_CLASS, LINK_REL};

/// Every element the writer emits.
const TAGS: [&str; 30] = [
    "a",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "img",
    "input",
    "li",
    "ol",
    "p",
    "pre",
    "span",
    "strong",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
];

/// Attributes per element (`rel` on links is set by ammonia itself).
const TAG_ATTRIBUTES: [(&str, &[&str]); 19] = [
    ("a", &["href", "title", "class"]),
    ("img", &["src", "alt", "title"]),
    ("h1", &["id"]),
    ("h2", &["id"]),
    ("h3", &["id"]),
    ("h4", &["id"]),
    ("h5", &["id"]),
    ("h6", &["id"]),
    ("div", &["id", "class"]),
    ("ol", &["start"]),
    ("li", &["class"]),
    ("code", &["class", "data-lang"]),
    ("span", &["class", "data-src", "data-alt"]),
    ("sup", &["class"]),
    ("blockquote", &["class"]),
    ("th", &["class"]),
    ("td", &["class"]),
    ("input", &["type", "disabled", "checked"]),
    ("pre", &[]),
];

/// Class names per element (`code` also takes `language-NAME`; `span` also the token classes).
const CLASSES: [(&str, &[&str]); 9] = [
    ("a", &[LINK_CLASS, "footnote-link"]),
    ("div", &["math-display", "raw-html", "footnote-definition"]),
    ("span", &["math-inline", "math-display", "remote-image"]),
    ("sup", &["footnote-reference", "footnote-definition-label"]),
    ("li", &["task-list-item"]),
    (
        "blockquote",
        &[
            "markdown-alert-note",
            "markdown-alert-tip",
            "markdown-alert-important",
            "markdown-alert-warning",
            "markdown-alert-caution",
        ],
    ),
    ("th", &["align-left", "align-center", "align-right"]),
    ("td", &["align-left", "align-center", "align-right"]),
    ("code", &[]),
];

/// Prefix of the fragment links from footnote references to their definitions.
const FOOTNOTE_HREF: &str = "#md-fn--";

static SANITIZER: LazyLock<Builder<'static>> = LazyLock::new(sanitizer);

/// Runs `html` through the allowlist.
pub(crate) fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

fn sanitizer() -> Builder<'static> {
    let mut builder = Builder::empty();
    builder
        .tags(TAGS.into_iter().collect())
        .clean_content_tags(HashSet::from(["script", "style"]))
        .generic_attributes(HashSet::new())
        .tag_attributes(
            TAG_ATTRIBUTES
                .into_iter()
                .map(|(tag, attributes)| (tag, attributes.iter().copied().collect()))
                .collect::<HashMap<_, HashSet<_>>>(),
        )
        .url_schemes(HashSet::from(["http", "https", "mailto", "data"]))
        .url_relative(UrlRelative::Custom(Box::new(footnote_fragment)))
        .link_rel(Some(LINK_REL))
        .strip_comments(true)
        .attribute_filter(allowed_value);
    builder
}

/// The only relative URLs kept: `#md-fn--N`, from a footnote reference to its definition.
fn footnote_fragment(url: &str) -> Option<Cow<'_, str>> {
    is_footnote_href(url).then_some(Cow::Borrowed(url))
}

fn is_footnote_href(url: &str) -> bool {
    url.strip_prefix(FOOTNOTE_HREF)
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks an allowed attribute's value; `None` drops the attribute.
fn allowed_value<'v>(element: &str, attribute: &str, value: &'v str) -> Option<Cow<'v, str>> {
    let ok = match (element, attribute) {
        (_, "class") => value
            .split_ascii_whitespace()
            .all(|class| allowed_class(element, class)),
        ("a", "href") => is_live_link(value) || is_footnote_href(value),
        ("img", "src") => is_inline_image(value),
        ("span", "data-src") => is_web_url(value),
        ("code", "data-lang") => is_lang(value),
        (_, "id") => value.starts_with("md-"),
        ("input", "type") => value == "checkbox",
        ("ol", "start") => value.len() <= 9 && value.bytes().all(|b| b.is_ascii_digit()),
        _ => true,
    };
    ok.then_some(Cow::Borrowed(value))
}

fn allowed_class(element: &str, class: &str) -> bool {
    let listed = CLASSES
        .iter()
        .any(|(tag, classes)| *tag == element && classes.contains(&class));
    listed
        || (element == "span" && TOKEN_CLASSES.contains(&class))
        || (element == "code" && class.strip_prefix("language-").is_some_and(is_lang))
}

fn is_lang(name: &str) -> bool {
    !name.is_empty() && name.len() <= 32 && name.bytes().all(is_lang_byte)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_writers_markup() {
        let html = concat!(
            "<h2 id=\"md-a\">A</h2>\n",
            "<p><a href=\"https://a.example/\" class=\"md-link\" rel=\"noopener noreferrer\">x</a>",
            "<sup class=\"footnote-reference\"><a href=\"#md-fn--1\" class=\"footnote-link\" rel=\"noopener noreferrer\">1</a></sup></p>\n",
            "<pre><code class=\"language-rust\" data-lang=\"rust\"><span class=\"tok-keyword\">fn</span></code></pre>\n",
            "<ul>\n<li class=\"task-list-item\"><input type=\"checkbox\" disabled=\"\" checked=\"\">t</li>\n</ul>\n",
            "<p><img src=\"data:image/png;base64,AAAA\" alt=\"a\"><span class=\"remote-image\" data-src=\"https://a.example/p.png\" data-alt=\"p\">p</span></p>\n",
        );
        assert_eq!(sanitize(html), html);
    }

    #[test]
    fn drops_everything_else() {
        let html = sanitize(concat!(
            "<script>alert(1)</script><style>p{}</style><iframe src=\"https://a.example\"></iframe>",
            "<p onclick=\"x\" style=\"color:red\" class=\"evil\" id=\"app\">t</p>",
            "<a href=\"javascript:alert(1)\">j</a><a href=\"#top\">f</a>",
            "<img src=\"https://a.example/t.png\"><img src=\"data:image/svg+xml,x\">",
            "<code class=\"language-&quot;x\">c</code><input type=\"text\"><span data-src=\"javascript:x\">s</span>",
        ));
        for banned in [
            "script",
            "alert",
            "style",
            "iframe",
            "onclick",
            "evil",
            "app",
            "javascript",
            "#top",
            "src",
            "text",
        ] {
            assert!(!html.contains(banned), "{banned} in {html}");
        }
    }
}
