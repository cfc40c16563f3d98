//! Which URLs the rendered HTML may hold. Links are live only for `http`, `https` and `mailto`;
//! images are shown only from `data:image/{png,jpeg,gif,webp}` (a remote image would be fetched
//! by the webview, telling a third party that the answer was read), remote ones become a
//! placeholder the UI may load when the user allows.

use pulldown_cmark::LinkType;

/// Prefixes of the link targets kept live, compared case-insensitively.
const LINK_SCHEMES: [&str; 3] = ["http://", "https://", "mailto:"];

/// Image types shown inline from `data:` URLs (no SVG: it is a document, not a picture).
const IMAGE_TYPES: [&str; 4] = ["png", "jpeg", "gif", "webp"];

/// How an image destination is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ImageSource {
    /// A `data:` image of an allowed type: shown as `<img>`.
    Inline,
    /// An `http(s)` image: a placeholder that names it, fetched only if the user allows.
    Remote,
    /// Anything else: only the alt text is shown.
    Refused,
}

/// The `href` for a link, or `None` when the link must be shown as plain text.
pub(crate) fn link_href(dest: &str, link_type: LinkType) -> Option<String> {
    if link_type == LinkType::Email {
        // pulldown-cmark gives `<user@host>` autolinks without the scheme.
        let href = format!("mailto:{dest}");
        return is_live_link(&href).then_some(href);
    }
    is_live_link(dest).then(|| dest.to_owned())
}

/// True when `url` may be a live link: `http://`, `https://` or `mailto:` with no control
/// characters anywhere (browsers drop tabs and newlines inside URLs, which is how
/// `java\tscript:` slips past naive checks; refusing them closes that door).
pub fn is_live_link(url: &str) -> bool {
    !url.chars().any(char::is_control)
        && LINK_SCHEMES.iter().any(|s| starts_with_ignore_case(url, s))
}

/// True for `http://` and `https://` URLs without control characters.
pub(crate) fn is_web_url(url: &str) -> bool {
    !url.chars().any(char::is_control)
        && (starts_with_ignore_case(url, "http://") || starts_with_ignore_case(url, "https://"))
}

/// Classifies an image destination.
pub(crate) fn image_source(dest: &str) -> ImageSource {
    if is_inline_image(dest) {
        ImageSource::Inline
    } else if is_web_url(dest) {
        ImageSource::Remote
    } else {
        ImageSource::Refused
    }
}

/// True for `data:image/TYPE;...` or `data:image/TYPE,...` with an allowed TYPE and no
/// whitespace or control characters.
pub(crate) fn is_inline_image(url: &str) -> bool {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let Some(rest) = strip_prefix_ignore_case(url, "data:image/") else {
        return false;
    };
    IMAGE_TYPES.iter().any(|kind| {
        strip_prefix_ignore_case(rest, kind).is_some_and(|after| after.starts_with([';', ',']))
    })
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    strip_prefix_ignore_case(text, prefix).is_some()
}

fn strip_prefix_ignore_case<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_web_and_mail_links_stay_live() {
        for live in [
            "https://a.example/x?y#z",
            "HTTP://A.EXAMPLE",
            "mailto:a@b.c",
        ] {
            assert!(is_live_link(live), "{live}");
        }
        for dead in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "https://a.example/\nx",
            "vbscript:x",
            "data:text/html,<script>",
            "file:///etc/passwd",
            "//evil.example",
            "/relative",
            "#top",
            "",
            "http:/x",
        ] {
            assert!(!is_live_link(dead), "{dead:?}");
        }
    }

    #[test]
    fn email_autolinks_get_the_mailto_scheme() {
        assert_eq!(
            link_href("a@b.example", LinkType::Email).as_deref(),
            Some("mailto:a@b.example")
        );
        assert_eq!(link_href("javascript:x", LinkType::Autolink), None);
    }

    #[test]
    fn images_are_inline_remote_or_refused() {
        assert_eq!(
            image_source("data:image/png;base64,AAAA"),
            ImageSource::Inline
        );
        assert_eq!(image_source("DATA:IMAGE/WEBP,xx"), ImageSource::Inline);
        assert_eq!(
            image_source("data:image/jpeg;base64,/9j/"),
            ImageSource::Inline
        );
        assert_eq!(image_source("https://a.example/p.png"), ImageSource::Remote);
        for refused in [
            "data:image/svg+xml;base64,PHN2Zz4=",
            "data:image/pngx;base64,AA",
            "data:text/html;base64,PHNjcmlwdD4=",
            "data:image/png ;base64,AA",
            "javascript:alert(1)",
            "p.png",
            "ftp://a.example/p.png",
        ] {
            assert_eq!(image_source(refused), ImageSource::Refused, "{refused}");
        }
    }
}
