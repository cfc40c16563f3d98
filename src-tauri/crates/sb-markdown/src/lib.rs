//! Model output is untrusted text. This crate turns it into HTML that is safe to put in the
//! window: raw HTML written by the model is shown as text, links are live only for `http`,
//! `https` and `mailto`, and only `data:` images are shown (a remote image would be fetched by
//! the webview, telling a third party that the answer was read).
#![deny(missing_docs)]

use pulldown_cmark::{CowStr, Event, LinkType, Options, Parser, Tag, TagEnd};

/// The one set of markdown options the app uses.
fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
}

/// Renders markdown to safe HTML.
pub fn render(markdown: &str) -> String {
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    let mut images = 0usize; // depth inside a refused image, whose alt text is kept as text
    let events = Parser::new_ext(markdown, options()).filter_map(|event| match event {
        // Raw HTML from the model becomes visible text, never markup.
        Event::Html(raw) | Event::InlineHtml(raw) => Some(Event::Text(raw)),
        Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }) => Some(Event::Start(Tag::Link {
            link_type,
            dest_url: safe_link(dest_url, link_type),
            title,
            id,
        })),
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => {
            if dest_url.starts_with("data:image/") && images == 0 {
                Some(Event::Start(Tag::Image {
                    link_type,
                    dest_url,
                    title,
                    id,
                }))
            } else {
                images += 1;
                None
            }
        }
        Event::End(TagEnd::Image) if images > 0 => {
            images -= 1;
            None
        }
        other => Some(other),
    });
    pulldown_cmark::html::push_html(&mut html, events);
    html
}

/// Keeps a link target only when its scheme is allowed; anything else (`javascript:`,
/// `vbscript:`, `data:`, `file:`...) becomes an empty target, so the text stays but goes nowhere.
fn safe_link(dest: CowStr<'_>, link_type: LinkType) -> CowStr<'_> {
    if link_type == LinkType::Email {
        return dest; // pulldown-cmark prefixes `mailto:` itself
    }
    let lowered: String = dest
        .chars()
        .filter(|c| !c.is_whitespace() && !c.is_control())
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    let allowed = ["http://", "https://", "mailto:"]
        .iter()
        .any(|scheme| lowered.starts_with(scheme))
        || lowered.starts_with('#');
    if allowed {
        dest
    } else {
        CowStr::Borrowed("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_common_markdown() {
        let html = render(
            "# Title\n\n**bold** and `code`\n\n- a\n- b\n\n| x | y |\n|---|---|\n| 1 | 2 |\n",
        );
        for needle in [
            "<h1>Title</h1>",
            "<strong>bold</strong>",
            "<code>code</code>",
            "<li>a</li>",
            "<table>",
        ] {
            assert!(html.contains(needle), "expected {needle} in {html}");
        }
    }

    #[test]
    fn raw_html_is_escaped_not_rendered() {
        let html = render("hi <script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n");
        assert!(
            !html.contains("<script") && !html.contains("<img"),
            "model HTML must not become markup: {html}"
        );
        assert!(
            html.contains("&lt;script&gt;"),
            "it is shown as text: {html}"
        );
    }

    #[test]
    fn only_safe_link_schemes_stay_live() {
        let html = render("[a](javascript:alert(1)) [b](https://example.com) [c](JaVaScRiPt:x) [d](mailto:x@y.z) [e](data:text/html,hi)");
        assert!(!html.to_lowercase().contains("javascript:"), "{html}");
        assert!(!html.contains("data:text"), "{html}");
        assert!(html.contains(r#"href="https://example.com""#), "{html}");
        assert!(html.contains(r#"href="mailto:x@y.z""#), "{html}");
    }

    #[test]
    fn remote_images_are_not_fetched_but_data_images_show() {
        let html =
            render("![tracker](https://evil.example/p.png) ![ok](data:image/png;base64,AAAA)");
        assert!(
            !html.contains("evil.example"),
            "remote image URL must not reach the page: {html}"
        );
        assert!(
            html.contains("tracker"),
            "its alt text stays readable: {html}"
        );
        assert!(
            html.contains(r#"src="data:image/png;base64,AAAA""#),
            "{html}"
        );
    }
}
