//! pulldown-cmark events to HTML. Only this file writes markup, and only the elements, classes
//! and attributes the sanitizer allows (see `sanitize.rs`): raw HTML from the model becomes
//! text, links and images pass `url.rs`, ids come from `ids.rs`.
//!
//! Every block ends with a newline and nothing is written before a block, so the HTML of a
//! document is exactly the HTML of its top-level blocks one after another (the streaming
//! renderer relies on it).

use std::ops::Range;

use pulldown_cmark::{Alignment, BlockQuoteKind, CodeBlockKind, Event, LinkType, Tag, TagEnd};

use crate::escape::{escape_attr, escape_text};
use crate::highlight::highlight;
use crate::ids::{footnote_id, DocState};
use crate::linkify::find_urls;
use crate::url::{image_source, link_href, ImageSource};

/// The rel every live link carries: no `window.opener`, no referrer for the linked site.
pub(crate) const LINK_REL: &str = "noopener noreferrer";

/// The class of a live link, so the UI can send clicks to the system browser.
pub(crate) const LINK_CLASS: &str = "md-link";

/// Longest code language name kept for `class="language-…"`.
const MAX_LANG_LEN: usize = 32;

/// Deepest nesting of lists and block quotes written as elements; deeper ones keep their
/// content but lose their markup. An HTML parser (html5ever in the sanitizer, and the
/// webview's) spends time quadratic in the depth of open elements: 20,000 nested `> ` took 3 s.
const MAX_NESTING: usize = 32;

/// What the writer knows about its input besides the events.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Source {
    /// Length of the markdown the events came from.
    pub(crate) len: usize,
    /// True while the text may still grow: a bare URL touching its end is not linked yet.
    pub(crate) partial: bool,
}

/// Writes the HTML for `events`, handing out ids from `state`.
pub(crate) fn write_html(
    events: &[(Event<'_>, Range<usize>)],
    source: Source,
    state: &mut DocState,
) -> String {
    let mut writer = Writer {
        out: String::with_capacity(source.len + source.len / 2 + 16),
        state,
        source,
        links: Vec::new(),
        containers: Vec::new(),
        depth: 0,
        table: TableState::default(),
    };
    let mut i = 0;
    while i < events.len() {
        i = writer.event(events, i);
    }
    writer.out
}

#[derive(Debug)]
struct Writer<'s> {
    out: String,
    state: &'s mut DocState,
    source: Source,
    /// One entry per open link: whether an `<a>` was written for it.
    links: Vec<bool>,
    /// One entry per open list, list item or block quote: whether its element was written.
    containers: Vec<bool>,
    /// Lists and block quotes written and still open.
    depth: usize,
    table: TableState,
}

#[derive(Debug, Default)]
struct TableState {
    alignments: Vec<Alignment>,
    cell: usize,
    head: bool,
    body_open: bool,
}

impl Writer<'_> {
    /// Writes the event at `i`; returns the index of the next event to write.
    fn event(&mut self, events: &[(Event<'_>, Range<usize>)], i: usize) -> usize {
        let (event, range) = &events[i];
        match event {
            Event::Start(tag) => return self.start(tag, events, i),
            Event::End(tag) => self.end(*tag),
            Event::Text(text) => self.text(text, range),
            Event::Code(code) => self.wrapped("<code>", code, "</code>"),
            Event::InlineMath(tex) => {
                self.wrapped("<span class=\"math-inline\">", tex, "</span>");
            }
            Event::DisplayMath(tex) => {
                self.wrapped("<span class=\"math-display\">", tex, "</span>");
            }
            Event::Html(raw) | Event::InlineHtml(raw) => escape_text(&mut self.out, raw),
            Event::FootnoteReference(label) => self.footnote_reference(label),
            Event::SoftBreak => self.out.push('\n'),
            Event::HardBreak => self.out.push_str("<br>\n"),
            Event::Rule => self.out.push_str("<hr>\n"),
            Event::TaskListMarker(checked) => self.out.push_str(if *checked {
                "<input type=\"checkbox\" disabled=\"\" checked=\"\">"
            } else {
                "<input type=\"checkbox\" disabled=\"\">"
            }),
        }
        i + 1
    }

    fn wrapped(&mut self, open: &str, text: &str, close: &str) {
        self.out.push_str(open);
        escape_text(&mut self.out, text);
        self.out.push_str(close);
    }

    fn start(&mut self, tag: &Tag<'_>, events: &[(Event<'_>, Range<usize>)], i: usize) -> usize {
        match tag {
            Tag::Paragraph => {
                if let Some((tex, end)) = lone_display_math(events, i) {
                    self.wrapped("<div class=\"math-display\">", tex, "</div>\n");
                    return end + 1;
                }
                self.out.push_str("<p>");
            }
            Tag::Heading { level, .. } => {
                let end = matching_end(events, i);
                let text = plain_text(&events[i + 1..end]);
                let id = self.state.heading_id(&text);
                self.out.push_str(&format!("<{level} id=\""));
                escape_attr(&mut self.out, &id);
                self.out.push_str("\">");
            }
            Tag::BlockQuote(_) | Tag::List(_) if !self.open_container(true) => {}
            Tag::Item if !self.open_container(false) => {}
            Tag::BlockQuote(kind) => self.out.push_str(match kind {
                None => "<blockquote>\n",
                Some(BlockQuoteKind::Note) => "<blockquote class=\"markdown-alert-note\">\n",
                Some(BlockQuoteKind::Tip) => "<blockquote class=\"markdown-alert-tip\">\n",
                Some(BlockQuoteKind::Important) => {
                    "<blockquote class=\"markdown-alert-important\">\n"
                }
                Some(BlockQuoteKind::Warning) => "<blockquote class=\"markdown-alert-warning\">\n",
                Some(BlockQuoteKind::Caution) => "<blockquote class=\"markdown-alert-caution\">\n",
            }),
            Tag::CodeBlock(kind) => {
                let end = matching_end(events, i);
                self.code_block(kind, &events[i + 1..end]);
                return end + 1;
            }
            Tag::HtmlBlock => self.out.push_str("<div class=\"raw-html\">"),
            Tag::List(None) => self.out.push_str("<ul>\n"),
            Tag::List(Some(1)) => self.out.push_str("<ol>\n"),
            Tag::List(Some(start)) => self.out.push_str(&format!("<ol start=\"{start}\">\n")),
            Tag::Item => self.out.push_str(if is_task_item(events, i) {
                "<li class=\"task-list-item\">"
            } else {
                "<li>"
            }),
            Tag::FootnoteDefinition(label) => {
                let n = self.state.footnote_number(label);
                self.out.push_str(&format!(
                    "<div class=\"footnote-definition\" id=\"{}\"><sup class=\"footnote-definition-label\">{n}</sup>\n",
                    footnote_id(n)
                ));
            }
            Tag::Table(alignments) => {
                self.table = TableState {
                    alignments: alignments.clone(),
                    ..TableState::default()
                };
                self.out.push_str("<table>\n");
            }
            Tag::TableHead => {
                self.table.head = true;
                self.table.cell = 0;
                self.out.push_str("<thead>\n<tr>");
            }
            Tag::TableRow => {
                self.table.cell = 0;
                if !self.table.body_open {
                    self.table.body_open = true;
                    self.out.push_str("<tbody>\n");
                }
                self.out.push_str("<tr>");
            }
            Tag::TableCell => {
                let cell = if self.table.head { "th" } else { "td" };
                let align = match self.table.alignments.get(self.table.cell) {
                    Some(Alignment::Left) => " class=\"align-left\"",
                    Some(Alignment::Center) => " class=\"align-center\"",
                    Some(Alignment::Right) => " class=\"align-right\"",
                    _ => "",
                };
                self.out.push_str(&format!("<{cell}{align}>"));
            }
            Tag::Emphasis => self.out.push_str("<em>"),
            Tag::Strong => self.out.push_str("<strong>"),
            Tag::Strikethrough => self.out.push_str("<del>"),
            Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            } => self.link_start(*link_type, dest_url, title),
            Tag::Image {
                dest_url, title, ..
            } => {
                let end = matching_end(events, i);
                let alt = plain_text(&events[i + 1..end]);
                self.image(dest_url, title, &alt);
                return end + 1;
            }
            Tag::MetadataBlock(_) => return matching_end(events, i) + 1,
            // Not enabled; their content is kept as it comes.
            Tag::Superscript
            | Tag::Subscript
            | Tag::DefinitionList
            | Tag::DefinitionListTitle
            | Tag::DefinitionListDefinition => {}
        }
        i + 1
    }

    /// Decides whether a list, item or block quote is written; `nests` for lists and quotes
    /// (an item is written when its list is).
    fn open_container(&mut self, nests: bool) -> bool {
        let write = if nests {
            self.depth < MAX_NESTING
        } else {
            self.containers.last().copied().unwrap_or(true)
        };
        self.containers.push(write);
        if write && nests {
            self.depth += 1;
        }
        write
    }

    /// Closes a list, item or block quote; true when its end tag is to be written.
    fn close_container(&mut self, nests: bool) -> bool {
        let written = self.containers.pop().unwrap_or(false);
        if written && nests {
            self.depth = self.depth.saturating_sub(1);
        }
        written
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::BlockQuote(_) | TagEnd::List(_) if !self.close_container(true) => {}
            TagEnd::Item if !self.close_container(false) => {}
            TagEnd::Paragraph => self.out.push_str("</p>\n"),
            TagEnd::Heading(level) => self.out.push_str(&format!("</{level}>\n")),
            TagEnd::BlockQuote(_) => self.out.push_str("</blockquote>\n"),
            TagEnd::HtmlBlock | TagEnd::FootnoteDefinition => self.out.push_str("</div>\n"),
            TagEnd::List(true) => self.out.push_str("</ol>\n"),
            TagEnd::List(false) => self.out.push_str("</ul>\n"),
            TagEnd::Item => self.out.push_str("</li>\n"),
            TagEnd::Table => {
                if self.table.body_open {
                    self.out.push_str("</tbody>\n");
                }
                self.out.push_str("</table>\n");
            }
            TagEnd::TableHead => {
                self.table.head = false;
                self.out.push_str("</tr>\n</thead>\n");
            }
            TagEnd::TableRow => self.out.push_str("</tr>\n"),
            TagEnd::TableCell => {
                self.out
                    .push_str(if self.table.head { "</th>" } else { "</td>" });
                self.table.cell += 1;
            }
            TagEnd::Emphasis => self.out.push_str("</em>"),
            TagEnd::Strong => self.out.push_str("</strong>"),
            TagEnd::Strikethrough => self.out.push_str("</del>"),
            TagEnd::Link => {
                if self.links.pop() == Some(true) {
                    self.out.push_str("</a>");
                }
            }
            // Code blocks, images and metadata are written whole at their start.
            TagEnd::CodeBlock
            | TagEnd::Image
            | TagEnd::MetadataBlock(_)
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListTitle
            | TagEnd::DefinitionListDefinition => {}
        }
    }

    fn text(&mut self, text: &str, range: &Range<usize>) {
        if !self.links.is_empty() {
            escape_text(&mut self.out, text);
            return;
        }
        let may_grow = self.source.partial && range.end == self.source.len;
        let mut done = 0;
        for url in find_urls(text) {
            if url.at_end && may_grow {
                continue;
            }
            escape_text(&mut self.out, &text[done..url.url.start]);
            self.live_link(&text[url.url.clone()], "");
            escape_text(&mut self.out, &text[url.url.clone()]);
            self.out.push_str("</a>");
            done = url.url.end;
        }
        escape_text(&mut self.out, &text[done..]);
    }

    /// Writes an opening `<a>` for an already vetted `href`.
    fn live_link(&mut self, href: &str, title: &str) {
        self.out.push_str("<a href=\"");
        escape_attr(&mut self.out, href);
        self.out.push_str("\" class=\"");
        self.out.push_str(LINK_CLASS);
        if !title.is_empty() {
            self.out.push_str("\" title=\"");
            escape_attr(&mut self.out, title);
        }
        self.out.push_str("\" rel=\"");
        self.out.push_str(LINK_REL);
        self.out.push_str("\">");
    }

    fn link_start(&mut self, link_type: LinkType, dest: &str, title: &str) {
        match link_href(dest, link_type) {
            Some(href) if self.links.is_empty() => {
                self.live_link(&href, title);
                self.links.push(true);
            }
            // A refused target (or a link inside a link): the text stays, the link goes.
            _ => self.links.push(false),
        }
    }

    fn image(&mut self, dest: &str, title: &str, alt: &str) {
        match image_source(dest) {
            ImageSource::Inline => {
                self.out.push_str("<img src=\"");
                escape_attr(&mut self.out, dest);
                self.out.push_str("\" alt=\"");
                escape_attr(&mut self.out, alt);
                if !title.is_empty() {
                    self.out.push_str("\" title=\"");
                    escape_attr(&mut self.out, title);
                }
                self.out.push_str("\">");
            }
            ImageSource::Remote => {
                self.out
                    .push_str("<span class=\"remote-image\" data-src=\"");
                escape_attr(&mut self.out, dest);
                self.out.push_str("\" data-alt=\"");
                escape_attr(&mut self.out, alt);
                self.out.push_str("\">");
                escape_text(&mut self.out, alt);
                self.out.push_str("</span>");
            }
            ImageSource::Refused => escape_text(&mut self.out, alt),
        }
    }

    fn footnote_reference(&mut self, label: &str) {
        let n = self.state.footnote_number(label);
        if self.links.is_empty() {
            self.out.push_str(&format!(
                "<sup class=\"footnote-reference\"><a href=\"#{}\" class=\"footnote-link\" rel=\"{LINK_REL}\">{n}</a></sup>",
                footnote_id(n)
            ));
        } else {
            self.out
                .push_str(&format!("<sup class=\"footnote-reference\">{n}</sup>"));
        }
    }

    fn code_block(&mut self, kind: &CodeBlockKind<'_>, body: &[(Event<'_>, Range<usize>)]) {
        let code: String = body
            .iter()
            .filter_map(|(event, _)| match event {
                Event::Text(text) => Some(text.as_ref()),
                _ => None,
            })
            .collect();
        let lang = match kind {
            CodeBlockKind::Fenced(info) => fence_language(info),
            CodeBlockKind::Indented => None,
        };
        match lang {
            Some(lang) => {
                self.out.push_str(&format!(
                    "<pre><code class=\"language-{lang}\" data-lang=\"{lang}\">"
                ));
                highlight(lang, &code, &mut self.out);
            }
            None => {
                self.out.push_str("<pre><code>");
                escape_text(&mut self.out, &code);
            }
        }
        self.out.push_str("</code></pre>\n");
    }
}

/// The language named by a fence's info string (` ```rust,ignore ` gives `rust`), when it is a
/// plain name: ASCII letters, digits and `_+#.-`, at most 32 bytes.
pub(crate) fn fence_language(info: &str) -> Option<&str> {
    let word = info.split_whitespace().next()?;
    let lang = word.split(',').next()?;
    (!lang.is_empty() && lang.len() <= MAX_LANG_LEN && lang.bytes().all(is_lang_byte))
        .then_some(lang)
}

/// True for the bytes a language name may hold.
pub(crate) fn is_lang_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'+' | b'#' | b'.' | b'-')
}

/// Index of the `End` matching the `Start` at `i` (or the last index when the events stop).
fn matching_end(events: &[(Event<'_>, Range<usize>)], i: usize) -> usize {
    let mut depth = 0usize;
    for (j, (event, _)) in events.iter().enumerate().skip(i) {
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return j;
                }
            }
            _ => {}
        }
    }
    events.len().saturating_sub(1).max(i)
}

/// The text of inline events, markup dropped (heading slugs, image alt text).
fn plain_text(events: &[(Event<'_>, Range<usize>)]) -> String {
    let mut text = String::new();
    for (event, _) in events {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                text.push_str(t);
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            _ => {}
        }
    }
    text
}

/// When the paragraph starting at `i` holds nothing but one `$$…$$`, its TeX and the index of
/// the paragraph's end: such a paragraph is written as `<div class="math-display">`.
fn lone_display_math<'e>(
    events: &'e [(Event<'_>, Range<usize>)],
    i: usize,
) -> Option<(&'e str, usize)> {
    let mut tex = None;
    for (j, (event, _)) in events.iter().enumerate().skip(i + 1) {
        match event {
            Event::End(TagEnd::Paragraph) => return tex.map(|t| (t, j)),
            Event::DisplayMath(t) if tex.is_none() => tex = Some(t.as_ref()),
            Event::SoftBreak => {}
            Event::Text(t) if t.trim().is_empty() => {}
            _ => return None,
        }
    }
    None
}

/// True when the list item starting at `i` begins with a task checkbox.
fn is_task_item(events: &[(Event<'_>, Range<usize>)], i: usize) -> bool {
    match events.get(i + 1) {
        Some((Event::TaskListMarker(_), _)) => true,
        Some((Event::Start(Tag::Paragraph), _)) => {
            matches!(events.get(i + 2), Some((Event::TaskListMarker(_), _)))
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fence_languages_are_plain_names() {
        assert_eq!(fence_language("rust"), Some("rust"));
        assert_eq!(fence_language("rust,ignore extra"), Some("rust"));
        assert_eq!(fence_language("c++"), Some("c++"));
        assert_eq!(fence_language("\"><script>"), None);
        assert_eq!(fence_language("{.python}"), None);
        assert_eq!(fence_language(""), None);
        assert_eq!(fence_language(&"x".repeat(40)), None);
    }
}
