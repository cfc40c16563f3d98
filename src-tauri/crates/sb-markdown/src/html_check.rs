//! Test helpers: parse rendered HTML as a browser would (html5ever, the parser ammonia uses)
//! and check that it is well formed.

use html5ever::serialize::{serialize, SerializeOpts};
use html5ever::tendril::TendrilSink;
use html5ever::{local_name, ns, parse_fragment, ParseOpts, QualName};
use markup5ever_rcdom::{Handle, NodeData, RcDom, SerializableHandle};

/// Elements without end tags among those the renderer emits.
const VOID: [&str; 4] = ["br", "hr", "img", "input"];

/// Elements an open `<p>` may not contain (an HTML parser would close the `<p>` first).
const CLOSES_P: [&str; 16] = [
    "blockquote",
    "div",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "table",
    "ul",
    "thead",
];

/// One element of a parsed fragment.
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub(crate) name: String,
    pub(crate) attributes: Vec<(String, String)>,
}

/// Parses `html` as the content of a `<div>` (how the UI inserts it) and hands the root to
/// `inspect` (the tree lives only as long as the `RcDom`, whose drop empties every node).
pub(crate) fn with_root<T>(html: &str, inspect: impl FnOnce(&Handle) -> T) -> T {
    let dom = parse_fragment(
        RcDom::default(),
        ParseOpts::default(),
        QualName::new(None, ns!(html), local_name!("div")),
        vec![],
        false,
    )
    .one(html);
    let root = dom.document.children.borrow()[0].clone();
    inspect(&root)
}

/// Every element of the parsed fragment, in document order.
pub(crate) fn elements(html: &str) -> Vec<Element> {
    let mut found = Vec::new();
    with_root(html, |root| collect(root, &mut found));
    found
}

fn collect(node: &Handle, found: &mut Vec<Element>) {
    for child in node.children.borrow().iter() {
        if let NodeData::Element { name, attrs, .. } = &child.data {
            found.push(Element {
                name: name.local.to_string(),
                attributes: attrs
                    .borrow()
                    .iter()
                    .map(|a| (a.name.local.to_string(), a.value.to_string()))
                    .collect(),
            });
        }
        collect(child, found);
    }
}

/// The fragment as an HTML parser reads it and writes it back.
pub(crate) fn reserialize(html: &str) -> String {
    let mut out = Vec::new();
    with_root(html, |root| {
        let root: SerializableHandle = root.clone().into();
        serialize(&mut out, &root, SerializeOpts::default()).expect("serialize to memory");
    });
    String::from_utf8(out).expect("html5ever writes UTF-8")
}

/// Checks that `html` is well formed: tags balanced and properly nested, no `<p>` holding a
/// block, no link inside a link, only known entities, and an HTML parser reads it without any
/// repair (reading and writing it back gives the same text).
pub(crate) fn check_well_formed(html: &str) -> Result<(), String> {
    check_tags(html)?;
    let again = reserialize(html);
    if again != html {
        let at = again
            .bytes()
            .zip(html.bytes())
            .position(|(a, b)| a != b)
            .unwrap_or(again.len().min(html.len()));
        return Err(format!(
            "the parser repaired the HTML at byte {at}:\n  ours:   {:?}\n  parsed: {:?}",
            around(html, at),
            around(&again, at)
        ));
    }
    Ok(())
}

/// The cheap part of [`check_well_formed`]: tags balanced and nested, entities known.
pub(crate) fn check_tags(html: &str) -> Result<(), String> {
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = html;
    while let Some(at) = rest.find(['<', '&', '>']) {
        rest = &rest[at..];
        if rest.starts_with('>') {
            return Err(format!("a bare '>' in text near {:?}", head(rest)));
        }
        if rest.starts_with('&') {
            let end = rest
                .find(';')
                .ok_or_else(|| format!("bad entity {:?}", head(rest)))?;
            let entity = &rest[..=end];
            let known = matches!(entity, "&amp;" | "&lt;" | "&gt;" | "&quot;" | "&nbsp;");
            if !known {
                return Err(format!("unexpected entity {entity:?}"));
            }
            rest = &rest[end + 1..];
            continue;
        }
        let close = tag_end(rest).ok_or_else(|| format!("unclosed tag {:?}", head(rest)))?;
        let tag = &rest[1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(open) if open == name => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let name = tag.split([' ', '\n']).next().unwrap_or_default();
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(format!("bad tag <{tag}>"));
        }
        if CLOSES_P.contains(&name) && stack.contains(&"p") {
            return Err(format!("<{name}> inside <p>"));
        }
        if name == "a" && stack.contains(&"a") {
            return Err("a link inside a link".to_owned());
        }
        if !VOID.contains(&name) {
            stack.push(name);
        }
    }
    if stack.is_empty() {
        Ok(())
    } else {
        Err(format!("unclosed elements {stack:?}"))
    }
}

/// Index of the `>` that ends the tag starting at 0, skipping quoted attribute values.
fn tag_end(tag: &str) -> Option<usize> {
    let mut quoted = false;
    for (i, b) in tag.bytes().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'>' if !quoted => return Some(i),
            _ => {}
        }
    }
    None
}

fn head(text: &str) -> String {
    text.chars().take(60).collect()
}

/// About 80 characters either side of byte `at`.
fn around(text: &str, at: usize) -> String {
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    let i = chars.partition_point(|(offset, _)| *offset < at);
    chars[i.saturating_sub(80)..(i + 80).min(chars.len())]
        .iter()
        .map(|(_, c)| c)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_balanced_markup() {
        assert_eq!(
            check_well_formed(
                "<p>a &amp; <a href=\"x&gt;\">b</a><br></p>\n<ul>\n<li>c</li>\n</ul>\n"
            ),
            Ok(())
        );
    }

    #[test]
    fn rejects_broken_markup() {
        for bad in [
            "<p>a",
            "<p><div></div></p>",
            "<em><strong></em></strong>",
            "<a href=\"x\"><a href=\"y\">z</a></a>",
            "a > b",
            "&copy;",
            "<table><td>x</td></table>",
        ] {
            assert!(check_well_formed(bad).is_err(), "{bad}");
        }
    }
}
