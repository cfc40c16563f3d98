//! Incremental rendering while an answer streams in; the rule for when a block is finished is
//! documented on [`StreamRenderer`].

use std::ops::Range;

use crate::ids::DocState;
use crate::newlines::Newlines;
use crate::region::{block_starts, render_region, Definitions, Dependencies};

/// What one [`StreamRenderer::update`] (or [`StreamRenderer::finish`]) produced.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Update {
    /// HTML of the top-level blocks finished since the last update, in order. Each is final:
    /// append it after the blocks committed before.
    pub committed: Vec<String>,
    /// HTML of everything after the committed blocks. It replaces the previous tail.
    pub tail: String,
}

/// Renders a markdown text that arrives in pieces, re-rendering only its unfinished end.
///
/// # When a block is finished
///
/// CommonMark decides block structure line by line: once a line is complete, the blocks it
/// closed stay closed whatever follows. So only complete lines (up to the last `\n`; line
/// endings are normalized to `\n` as the text arrives) are
/// examined, and a top-level block is *finished* when another top-level block has started
/// after it in those lines. A blank line alone finishes nothing: a list may go on after it, a
/// fenced code block runs to its closing fence, indented code and lazy paragraph lines
/// continue.
///
/// A finished block is *committed* (rendered once, sent once, never changed) when it also
/// depends on nothing outside itself, because what comes later could still change it:
///
/// - a link reference no definition inside the block answers (`[text][ref]`, `[ref]`, also
///   `[1]`-style citations), since a definition may still arrive further down;
/// - a link reference definition (later text may use it);
/// - footnotes, or text that may become one (`[^`): numbering and existence are decided by
///   the whole document.
///
/// From the first such block on, blocks are *held*: each is still rendered only when it
/// finishes (its HTML cached and sent as the start of the tail), and all held blocks are
/// rendered again only when a new link reference definition arrives (offered to the held
/// blocks' unresolved references). Nothing after a held block is committed, since committed
/// blocks must stay in document order. At [`StreamRenderer::finish`] the held blocks and the
/// unfinished rest are rendered once more as one piece, exactly as [`crate::render`] would.
///
/// Each update renders only the unfinished last block (plus blocks that finished since the last
/// update). While the text is incomplete a bare URL touching its end is not linked yet, and
/// half-typed links and emphasis show as their literal text until they close (CommonMark's own
/// rule); an unclosed fence shows as code so far.
///
/// The invariant, checked by the property tests: the committed blocks of every update, in
/// order, followed by the tail returned by `finish`, equal `render(whole text)` byte for byte.
/// (Held blocks shown before `finish` are a preview: a definition's title continued on its next
/// line, for instance, only settles there.)
///
/// # Cost
///
/// An update costs about as much as rendering the unfinished block, whatever the length of the
/// answer (see BENCHMARKS.md). Two cases grow with the text: a long block that is still open
/// (a 20 KB code fence, a long list) is rendered whole on every update, and once blocks are
/// held the tail carries their cached HTML, so it grows with the answer.
///
/// ```
/// use sb_markdown::{render, StreamRenderer};
///
/// let answer = "# Plan\n\nFirst **step**.\n\n- one\n- two\n";
/// let mut stream = StreamRenderer::new();
/// let mut html = String::new();
/// for piece in ["# Pl", "an\n\nFirst **st", "ep**.\n\n- one\n", "- two\n"] {
///     stream.push(piece);
///     let update = stream.update();
///     html.extend(update.committed); // the UI appends these and replaces its tail
/// }
/// html.push_str(&stream.finish().tail);
/// assert_eq!(html, render(answer));
/// ```
#[derive(Debug, Default)]
pub struct StreamRenderer {
    /// The text so far, line endings normalized.
    text: String,
    newlines: Newlines,
    /// End of the finished blocks (committed or held); the unfinished rest starts here.
    closed: usize,
    /// Complete lines up to here have been looked at for finished blocks.
    scanned: usize,
    /// Ids handed out by the finished blocks.
    state: DocState,
    /// Link reference definitions of the held blocks.
    definitions: Definitions,
    hold: Option<Hold>,
    /// The last tail, returned again when nothing arrived since.
    tail: String,
    changed: bool,
}

/// The finished blocks that could not be committed, from the first one on.
#[derive(Debug)]
struct Hold {
    start: usize,
    /// The ids handed out before `start`.
    state: DocState,
    blocks: Vec<Range<usize>>,
    html: String,
    /// A definition arrived after some of the blocks were rendered.
    stale: bool,
}

impl StreamRenderer {
    /// An empty renderer.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends the next piece of the text.
    pub fn push(&mut self, delta: &str) {
        if !delta.is_empty() {
            self.newlines.push(&mut self.text, delta);
            self.changed = true;
        }
    }

    /// The text so far, with line endings (`\r\n`, `\r`) written as `\n`.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// Commits the blocks finished since the last update and renders the rest as the tail.
    pub fn update(&mut self) -> Update {
        if !self.changed {
            return Update {
                committed: Vec::new(),
                tail: self.tail.clone(),
            };
        }
        self.changed = false;
        let committed = self.close_finished_blocks();
        self.refresh_hold();
        let mut tail = self
            .hold
            .as_ref()
            .map(|hold| hold.html.clone())
            .unwrap_or_default();
        let mark = self.state.checkpoint();
        let rest = &self.text[self.closed..];
        tail.push_str(&render_region(rest, &mut self.state, &self.definitions, true).html);
        self.state.rollback(mark);
        self.tail.clone_from(&tail);
        Update { committed, tail }
    }

    /// The text is complete: renders everything not committed yet as the final tail.
    pub fn finish(self) -> Update {
        let (start, mut state) = match self.hold {
            Some(hold) => (hold.start, hold.state),
            None => (self.closed, self.state),
        };
        let rest = &self.text[start..];
        Update {
            committed: Vec::new(),
            tail: render_region(rest, &mut state, &Definitions::default(), false).html,
        }
    }

    /// Finds the top-level blocks finished in the complete lines that arrived, commits or
    /// holds each, and returns the committed HTML.
    fn close_finished_blocks(&mut self) -> Vec<String> {
        let mut committed = Vec::new();
        let from = self.scanned.max(self.closed);
        let Some(newline) = self.text[from..].rfind('\n') else {
            return committed;
        };
        let stable = from + newline + 1;
        self.scanned = stable;
        let base = self.closed;
        let starts = block_starts(&self.text[base..stable]);
        for &next in starts.iter().skip(1) {
            let end = base + next;
            self.close_block(self.closed..end, &mut committed);
            self.closed = end;
        }
        committed
    }

    fn close_block(&mut self, range: Range<usize>, committed: &mut Vec<String>) {
        let src = &self.text[range.clone()];
        let before = self.hold.is_none().then(|| self.state.clone());
        let region = render_region(src, &mut self.state, &self.definitions, false);
        let learned = learn(&mut self.definitions, &region.dependencies);
        match (&mut self.hold, before) {
            (Some(hold), _) => {
                hold.stale |= learned;
                hold.blocks.push(range);
                hold.html.push_str(&region.html);
            }
            (None, Some(_)) if region.dependencies.self_contained() => {
                committed.push(region.html);
            }
            (None, before) => {
                self.hold = Some(Hold {
                    start: range.start,
                    state: before.unwrap_or_default(),
                    blocks: vec![range],
                    html: region.html,
                    stale: false,
                });
            }
        }
    }

    /// Renders the held blocks again after a new link reference definition arrived.
    fn refresh_hold(&mut self) {
        let Some(hold) = self.hold.as_mut().filter(|hold| hold.stale) else {
            return;
        };
        hold.stale = false;
        let mut state = hold.state.clone();
        hold.html.clear();
        for range in &hold.blocks {
            let src = &self.text[range.clone()];
            hold.html
                .push_str(&render_region(src, &mut state, &self.definitions, false).html);
        }
        self.state = state;
    }
}

/// Adds a region's link reference definitions; true when any was new.
fn learn(definitions: &mut Definitions, dependencies: &Dependencies) -> bool {
    let mut learned = false;
    for (label, dest, title) in &dependencies.definitions {
        learned |= definitions.add(label, dest, title);
    }
    learned
}
