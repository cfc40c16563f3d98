//! HTML escaping, written the way html5ever serializes (which is what ammonia returns), so the
//! writer's output passes the sanitizer unchanged: `&`, `<`, `>` and U+00A0 everywhere, and `"`
//! in (double-quoted) attribute values. Carriage returns become line feeds, as an HTML parser's
//! input stream does, and U+0000 becomes U+FFFD (CommonMark's rule; an HTML parser would drop
//! it).

/// Appends `text` escaped for element content.
pub(crate) fn escape_text(out: &mut String, text: &str) {
    escape(out, text, false);
}

/// Appends `value` escaped for a double-quoted attribute value.
pub(crate) fn escape_attr(out: &mut String, value: &str) {
    escape(out, value, true);
}

fn escape(out: &mut String, text: &str, attribute: bool) {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\u{a0}', '\r', '\0']) {
        out.push_str(&rest[..at]);
        let c = rest[at..].chars().next().unwrap_or('&');
        let mut skip = c.len_utf8();
        match c {
            '&' => out.push_str("&amp;"),
            '\u{a0}' => out.push_str("&nbsp;"),
            '\0' => out.push('\u{fffd}'),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\r' => {
                out.push('\n');
                if rest[at + 1..].starts_with('\n') {
                    skip += 1;
                }
            }
            other => out.push(other),
        }
        rest = &rest[at + skip..];
    }
    out.push_str(rest);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_like_html5ever() {
        let mut out = String::new();
        escape_text(&mut out, "<a href=\"x\">&amp;\u{a0}你好</a>\r\n\r\0");
        assert_eq!(
            out,
            "&lt;a href=\"x\"&gt;&amp;amp;&nbsp;你好&lt;/a&gt;\n\n\u{fffd}"
        );
    }

    #[test]
    fn escapes_attributes_like_html5ever() {
        let mut out = String::new();
        escape_attr(&mut out, "a\"b<c>&d'");
        assert_eq!(out, "a&quot;b&lt;c&gt;&amp;d'");
    }
}
