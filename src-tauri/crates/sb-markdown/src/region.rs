//! Rendering a run of top-level blocks ("a region") and reporting what in it depends on the rest
//! of the document: link references that no definition inside the region answers, link
//! reference definitions, footnotes. The streaming renderer commits a finished block only when
//! it depends on nothing outside itself.

use std::collections::HashMap;
use std::ops::Range;

use pulldown_cmark::{BrokenLink, CowStr, Event, Options, Parser, Tag};

use crate::ids::DocState;
use crate::sanitize::sanitize;
use crate::writer::{write_html, Source};

/// The one set of markdown options the app uses.
pub(crate) fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_MATH
        | Options::ENABLE_GFM
}

/// Link reference definitions seen in other regions, offered to references a region cannot
/// resolve itself (labels compared case-insensitively with runs of white space as one space,
/// close to CommonMark's matching; only the streaming preview relies on this).
#[derive(Debug, Default, Clone)]
pub(crate) struct Definitions {
    links: HashMap<String, (String, String)>,
}

impl Definitions {
    /// Adds a definition unless the label is already defined (the first definition wins).
    /// Returns true when it was new.
    pub(crate) fn add(&mut self, label: &str, dest: &str, title: &str) -> bool {
        let key = normalize_label(label);
        if self.links.contains_key(&key) {
            return false;
        }
        self.links.insert(key, (dest.to_owned(), title.to_owned()));
        true
    }

    fn get(&self, label: &str) -> Option<&(String, String)> {
        self.links.get(&normalize_label(label))
    }
}

fn normalize_label(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// What a rendered region depends on besides its own text.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct Dependencies {
    /// A link reference that no definition inside the region answers (`[x]`, `[a][b]`): a
    /// definition elsewhere in the document may turn it into a link.
    pub(crate) references: bool,
    /// Link reference definitions in the region: (label, destination, title).
    pub(crate) definitions: Vec<(String, String, String)>,
    /// Footnote references or definitions, or text that may become one (`[^`): footnotes are
    /// numbered and resolved across the whole document.
    pub(crate) footnotes: bool,
}

impl Dependencies {
    /// True when the region renders the same whatever text surrounds it.
    pub(crate) fn self_contained(&self) -> bool {
        !self.references && self.definitions.is_empty() && !self.footnotes
    }
}

/// A rendered region.
#[derive(Debug, Clone)]
pub(crate) struct Region {
    /// Sanitized HTML.
    pub(crate) html: String,
    pub(crate) dependencies: Dependencies,
}

/// Renders `src` with ids from `state`, offering `definitions` to unresolved references.
/// `partial` says the text may still grow (see [`Source::partial`]).
pub(crate) fn render_region(
    src: &str,
    state: &mut DocState,
    definitions: &Definitions,
    partial: bool,
) -> Region {
    let (raw, dependencies) = write_region(src, state, definitions, partial);
    Region {
        html: sanitize(&raw),
        dependencies,
    }
}

/// [`render_region`] before the sanitizer.
pub(crate) fn write_region(
    src: &str,
    state: &mut DocState,
    definitions: &Definitions,
    partial: bool,
) -> (String, Dependencies) {
    let mut references = false;
    let (events, link_definitions) = {
        let callback = |link: BrokenLink<'_>| {
            references = true;
            definitions
                .get(&link.reference)
                .map(|(dest, title)| (CowStr::from(dest.clone()), CowStr::from(title.clone())))
        };
        let mut parser = Parser::new_with_broken_link_callback(src, options(), Some(callback))
            .into_offset_iter();
        let events = merge_text(&mut parser);
        let link_definitions: Vec<(String, String, String)> = parser
            .reference_definitions()
            .iter()
            .map(|(label, def)| {
                let title = def.title.as_deref().unwrap_or_default();
                (label.to_owned(), def.dest.to_string(), title.to_owned())
            })
            .collect();
        (events, link_definitions)
    };
    let footnotes = src.contains("[^")
        || events.iter().any(|(event, _)| {
            matches!(
                event,
                Event::FootnoteReference(_) | Event::Start(Tag::FootnoteDefinition(_))
            )
        });
    let raw = write_html(
        &events,
        Source {
            len: src.len(),
            partial,
        },
        state,
    );
    let dependencies = Dependencies {
        references,
        definitions: link_definitions,
        footnotes,
    };
    (raw, dependencies)
}

/// Collects the events, joining adjacent text events (pulldown-cmark splits text at entities
/// and escapes, which would cut bare URLs in two).
fn merge_text<'a>(
    events: impl Iterator<Item = (Event<'a>, Range<usize>)>,
) -> Vec<(Event<'a>, Range<usize>)> {
    let mut merged: Vec<(Event<'a>, Range<usize>)> = Vec::new();
    for (event, range) in events {
        if let (Event::Text(next), Some((Event::Text(text), last))) = (&event, merged.last_mut()) {
            let mut joined = std::mem::replace(text, CowStr::Borrowed("")).into_string();
            joined.push_str(next);
            *text = CowStr::from(joined);
            last.end = range.end;
            continue;
        }
        merged.push((event, range));
    }
    merged
}

/// Byte offsets of the starts of the lines where the top-level blocks of `src` begin, in order
/// (a block's own indentation is part of it: four spaces make code). Text before the first
/// block (blank lines, link reference definitions) belongs to the first block.
pub(crate) fn block_starts(src: &str) -> Vec<usize> {
    let mut starts: Vec<usize> = Vec::new();
    let mut depth = 0usize;
    for (event, range) in Parser::new_ext(src, options()).into_offset_iter() {
        let top_level = depth == 0;
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        if top_level && !matches!(event, Event::End(_)) {
            let line_start = src[..range.start].rfind('\n').map_or(0, |n| n + 1);
            if starts.last().is_none_or(|&last| line_start > last) {
                starts.push(line_start);
            }
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(src: &str) -> Region {
        render_region(
            src,
            &mut DocState::default(),
            &Definitions::default(),
            false,
        )
    }

    #[test]
    fn plain_blocks_are_self_contained() {
        let r = region("# Title\n\nText with `code` and https://a.example.\n\n- a\n- b\n");
        assert!(r.dependencies.self_contained(), "{:?}", r.dependencies);
    }

    #[test]
    fn unresolved_references_definitions_and_footnotes_are_reported() {
        assert!(region("see [1]\n").dependencies.references);
        assert!(region("see [a][b]\n").dependencies.references);
        assert!(
            !region("see [a](https://a.example)\n")
                .dependencies
                .references
        );
        let defs = region("[a]: https://a.example \"T\"\n")
            .dependencies
            .definitions;
        assert_eq!(defs.len(), 1);
        assert_eq!(defs[0].1, "https://a.example");
        assert_eq!(defs[0].2, "T");
        assert!(region("x[^1]\n").dependencies.footnotes);
        assert!(region("[^1]: note\n").dependencies.footnotes);
    }

    #[test]
    fn offered_definitions_resolve_references() {
        let mut defs = Definitions::default();
        assert!(defs.add("Docs", "https://a.example/docs", ""));
        assert!(
            !defs.add("docs", "https://other.example", ""),
            "first one wins"
        );
        let r = render_region(
            "read [the  DOCS][docs]\n",
            &mut DocState::default(),
            &defs,
            false,
        );
        assert!(
            r.html.contains("href=\"https://a.example/docs\""),
            "{}",
            r.html
        );
        assert!(r.dependencies.references, "still depends on the outside");
    }

    #[test]
    fn block_starts_are_top_level_only() {
        let src = "\n\n# A\n\n- x\n\n  y\n- z\n\n---\n\n```\ncode\n\n```\ntext\n";
        let starts = block_starts(src);
        let firsts: Vec<&str> = starts.iter().map(|&s| &src[s..s + 1]).collect();
        assert_eq!(firsts, ["#", "-", "-", "`", "t"]);
        let indented = "para\n\n    code\n\n  - item\n";
        assert_eq!(block_starts(indented), [0, 6, 16]);
    }

    #[test]
    fn text_events_are_joined() {
        let r = region("a &amp; https://a.example/?x=1&amp;y=2\n");
        assert!(
            r.html.contains("href=\"https://a.example/?x=1&amp;y=2\""),
            "{}",
            r.html
        );
    }
}
