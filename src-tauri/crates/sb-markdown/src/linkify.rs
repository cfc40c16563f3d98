//! Bare `http://` and `https://` URLs in text become links, as GitHub's extended autolinks do
//! (pulldown-cmark only knows `<...>` autolinks). Called only for text outside code, links and
//! images.

use std::ops::Range;

/// A bare URL found in text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BareUrl {
    /// The link, trailing punctuation excluded.
    pub(crate) url: Range<usize>,
    /// True when the URL runs to the end of the text, so more of it may still be coming.
    pub(crate) at_end: bool,
}

/// Finds the bare URLs in `text`, in order.
pub(crate) fn find_urls(text: &str) -> Vec<BareUrl> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut from = 0;
    while let Some(offset) = text[from..].find(['h', 'H']) {
        let start = from + offset;
        from = start + 1;
        if start > 0 && bytes[start - 1].is_ascii_alphanumeric() {
            continue;
        }
        let Some(scheme_len) = scheme_len(&text[start..]) else {
            continue;
        };
        let run_end = start + text[start..].find(ends_url).unwrap_or(text.len() - start);
        let end = start + trimmed_len(&text[start..run_end]);
        let host = &text[start + scheme_len..end];
        let host_len = host
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
            .unwrap_or(host.len());
        if !host[..host_len].bytes().any(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        found.push(BareUrl {
            url: start..end,
            at_end: run_end == text.len(),
        });
        from = run_end.max(from);
    }
    found
}

/// Length of `http://` or `https://` at the start of `text`, case-insensitively.
fn scheme_len(text: &str) -> Option<usize> {
    ["https://", "http://"].iter().find_map(|scheme| {
        text.get(..scheme.len())
            .filter(|head| head.eq_ignore_ascii_case(scheme))
            .map(|_| scheme.len())
    })
}

/// Characters a bare URL never contains: whitespace, controls, `<`, `>`, `"`, backticks, and
/// CJK punctuation (CJK text often runs straight on after a URL, with no space).
fn ends_url(c: char) -> bool {
    c.is_whitespace()
        || c.is_control()
        || matches!(c, '<' | '>' | '"' | '`')
        || ('\u{3000}'..='\u{303F}').contains(&c)
        || ('\u{FF00}'..='\u{FFEF}').contains(&c)
}

/// Length of `url` without trailing punctuation, and without closing parentheses that have no
/// opening partner inside it (`(see https://a.example/x)`).
fn trimmed_len(url: &str) -> usize {
    let mut end = url.len();
    loop {
        let Some(last) = url[..end].chars().next_back() else {
            return end;
        };
        let trim = match last {
            '?' | '!' | '.' | ',' | ':' | ';' | '*' | '_' | '~' | '\'' => true,
            ')' => url[..end].matches(')').count() > url[..end].matches('(').count(),
            _ => false,
        };
        if !trim {
            return end;
        }
        end -= last.len_utf8();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn urls(text: &str) -> Vec<&str> {
        find_urls(text).into_iter().map(|u| &text[u.url]).collect()
    }

    #[test]
    fn finds_bare_urls_without_trailing_punctuation() {
        assert_eq!(
            urls("See https://a.example/x?y=1. And (http://b.example/p_(q)) too!"),
            ["https://a.example/x?y=1", "http://b.example/p_(q)"]
        );
        assert_eq!(urls("HTTPS://A.EXAMPLE, ok"), ["HTTPS://A.EXAMPLE"]);
        assert_eq!(
            urls("http://localhost:8080/api"),
            ["http://localhost:8080/api"]
        );
    }

    #[test]
    fn stops_at_cjk_punctuation_and_markup() {
        assert_eq!(
            urls("见https://a.example/文档。然后"),
            ["https://a.example/文档"]
        );
        assert_eq!(urls("<https://a.example>"), ["https://a.example"]);
    }

    #[test]
    fn needs_a_host_and_a_word_boundary() {
        assert!(urls("http:// nothing").is_empty());
        assert!(urls("xhttp://a.example").is_empty());
        assert!(urls("https://...").is_empty());
        assert!(urls("no links here").is_empty());
    }

    #[test]
    fn reports_urls_that_may_still_grow() {
        let found = find_urls("go to https://a.example/pa");
        assert!(found[0].at_end);
        let found = find_urls("go to https://a.example/pa.");
        assert!(
            found[0].at_end,
            "the dot may be followed by more of the URL"
        );
        let found = find_urls("go to https://a.example/pa ");
        assert!(!found[0].at_end);
    }
}
