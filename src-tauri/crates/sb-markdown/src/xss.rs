//! The XSS corpus (`tests/fixtures/xss.txt`): every payload goes through `render` and through
//! the streaming renderer in random pieces; every page the UI could show (committed blocks plus
//! tail, after every update) is parsed as a browser would, and must hold only allowed elements,
//! no `on*` or `style` attribute, and no URL outside `http`, `https` and `mailto` (`data:image`
//! for `img`).

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::html_check::{elements, Element};
use crate::{render, StreamRenderer};

const CORPUS: &str = include_str!("../tests/fixtures/xss.txt");

/// Elements a page may hold at all. Written out again rather than taken from the sanitizer's
/// list on purpose: the oracle must not share a mistake with the code it checks.
const ALLOWED: [&str; 30] = [
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

/// Attributes that hold a URL somewhere in HTML, SVG or MathML.
const URL_ATTRIBUTES: [&str; 13] = [
    "href",
    "src",
    "xlink:href",
    "action",
    "formaction",
    "data",
    "poster",
    "background",
    "cite",
    "srcset",
    "ping",
    "lowsrc",
    "data-src",
];

/// The corpus as (technique, payload) pairs.
fn corpus() -> Vec<(&'static str, String)> {
    let mut entries = Vec::new();
    for entry in CORPUS.split("\n=== ").skip(1) {
        let (name, payload) = entry.split_once('\n').unwrap_or((entry, ""));
        entries.push((name, decode_placeholders(payload)));
    }
    entries
}

/// Replaces `{U+XXXX}` with the character.
fn decode_placeholders(payload: &str) -> String {
    let mut out = String::new();
    let mut rest = payload;
    while let Some(at) = rest.find("{U+") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 3..];
        let end = after.find('}').expect("closed placeholder");
        let code = u32::from_str_radix(&after[..end], 16).expect("hex code point");
        out.push(char::from_u32(code).expect("a character"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn scheme_is(value: &str, schemes: &[&str]) -> bool {
    schemes.iter().any(|s| {
        value
            .get(..s.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(s))
    })
}

/// Why `element` is unsafe, if it is.
fn violation(element: &Element) -> Option<String> {
    if !ALLOWED.contains(&element.name.as_str()) {
        return Some(format!("element <{}>", element.name));
    }
    for (name, value) in &element.attributes {
        let lower = name.to_ascii_lowercase();
        if lower.starts_with("on") || lower == "style" || lower == "srcdoc" {
            return Some(format!("attribute {name}={value:?} on <{}>", element.name));
        }
        if !URL_ATTRIBUTES.contains(&lower.as_str()) {
            continue;
        }
        let ok = match (element.name.as_str(), lower.as_str()) {
            ("a", "href") => {
                scheme_is(value, &["http://", "https://", "mailto:"])
                    || value
                        .strip_prefix("#md-fn--")
                        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
            }
            ("img", "src") => scheme_is(
                value,
                &[
                    "data:image/png",
                    "data:image/jpeg",
                    "data:image/gif",
                    "data:image/webp",
                ],
            ),
            ("span", "data-src") => scheme_is(value, &["http://", "https://"]),
            _ => false,
        };
        if !ok {
            return Some(format!("URL {name}={value:?} on <{}>", element.name));
        }
    }
    if element.name == "input" {
        let checkbox = element
            .attributes
            .iter()
            .any(|(n, v)| n == "type" && v == "checkbox");
        if !checkbox {
            return Some("an input that is not a disabled checkbox".to_owned());
        }
    }
    None
}

fn assert_safe(html: &str, technique: &str, when: &str) {
    for element in elements(html) {
        if let Some(problem) = violation(&element) {
            panic!("{technique} ({when}): {problem}\n{html}");
        }
    }
}

/// Splits into pieces of 1 to `max` characters.
fn pieces(text: &str, rng: &mut StdRng, max: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut at = 0;
    while at < chars.len() {
        let next = (at + rng.random_range(1..=max)).min(chars.len());
        out.push(chars[at..next].iter().collect());
        at = next;
    }
    out
}

#[test]
fn the_corpus_is_large_and_named() {
    let corpus = corpus();
    assert!(corpus.len() >= 100, "{} payloads", corpus.len());
    assert!(corpus
        .iter()
        .all(|(name, payload)| !name.is_empty() && !payload.is_empty()));
}

#[test]
fn one_shot_render_is_safe() {
    for (technique, payload) in corpus() {
        assert_safe(&render(&payload), technique, "render");
    }
}

#[test]
fn every_streamed_page_is_safe() {
    let mut rng = StdRng::seed_from_u64(0x0078_7373);
    for (technique, payload) in corpus() {
        let expected = render(&payload);
        for max in [1, 4, 16] {
            let mut stream = StreamRenderer::new();
            let mut committed = String::new();
            for piece in pieces(&payload, &mut rng, max) {
                stream.push(&piece);
                let update = stream.update();
                committed.extend(update.committed);
                assert_safe(
                    &format!("{committed}{}", update.tail),
                    technique,
                    "streaming",
                );
            }
            committed.push_str(&stream.finish().tail);
            assert_eq!(committed, expected, "{technique}: streamed != one-shot");
        }
    }
}

#[test]
fn the_checker_catches_unsafe_markup() {
    for unsafe_html in [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "<a href=\"javascript:alert(1)\">x</a>",
        "<a href=\"#app\">x</a>",
        "<p style=\"color:red\">x</p>",
        "<svg></svg>",
        "<img src=\"data:image/svg+xml,x\">",
        "<span data-src=\"javascript:x\"></span>",
        "<input type=\"text\">",
    ] {
        let found = elements(unsafe_html).iter().any(|e| violation(e).is_some());
        assert!(found, "{unsafe_html}");
    }
}

#[test]
fn known_answers() {
    // Spot checks that the corpus's payloads come out as the intended safe markup.
    let html = render("[click](JaVaScRiPt:alert(1)) <script>alert(1)</script>");
    assert_eq!(html, "<p>click &lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
    let html = render("![pixel](https://evil.example/t.png)");
    assert_eq!(
        html,
        "<p><span class=\"remote-image\" data-src=\"https://evil.example/t.png\" data-alt=\"pixel\">pixel</span></p>\n"
    );
    let html = render("[click][evil]\n\n[evil]: javascript:alert(1)\n");
    assert_eq!(html, "<p>click</p>\n");
}
