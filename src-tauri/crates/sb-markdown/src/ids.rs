//! Element ids the renderer hands out: heading anchors (`md-` plus a slug, unique per
//! document) and footnote numbers. Ids carry the `md-` prefix so a model cannot name an id the
//! app itself uses; footnote definitions are `md-fn--N`, which no heading slug can be (slugs
//! never hold two dashes in a row).
//!
//! The streaming renderer renders the unfinished tail many times against the state left by the
//! finished blocks, so every change can be rolled back to a [`Checkpoint`].

use std::collections::{HashMap, HashSet};

/// Longest slug kept, in characters (an anchor, not a copy of the heading).
const MAX_SLUG_CHARS: usize = 64;

/// The ids handed out so far in one document, in order.
#[derive(Debug, Default, Clone)]
pub(crate) struct DocState {
    ids: HashSet<String>,
    id_log: Vec<String>,
    footnotes: HashMap<String, usize>,
    footnote_log: Vec<String>,
}

/// A point [`DocState::rollback`] returns to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Checkpoint {
    ids: usize,
    footnotes: usize,
}

impl DocState {
    /// The id for a heading with this plain text: `md-slug`, or `md-slug-N` when taken.
    pub(crate) fn heading_id(&mut self, text: &str) -> String {
        let base = format!("md-{}", slug(text));
        let mut id = base.clone();
        let mut n = 0usize;
        while self.ids.contains(&id) {
            n += 1;
            id = format!("{base}-{n}");
        }
        self.ids.insert(id.clone());
        self.id_log.push(id.clone());
        id
    }

    /// The number of a footnote: numbered 1, 2, ... by first mention (reference or definition).
    pub(crate) fn footnote_number(&mut self, label: &str) -> usize {
        let key = label.to_lowercase();
        if let Some(&n) = self.footnotes.get(&key) {
            return n;
        }
        let n = self.footnotes.len() + 1;
        self.footnotes.insert(key.clone(), n);
        self.footnote_log.push(key);
        n
    }

    /// Marks the current state.
    pub(crate) fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            ids: self.id_log.len(),
            footnotes: self.footnote_log.len(),
        }
    }

    /// Forgets everything handed out since `checkpoint`.
    pub(crate) fn rollback(&mut self, checkpoint: Checkpoint) {
        for id in self.id_log.drain(checkpoint.ids.min(self.id_log.len())..) {
            self.ids.remove(&id);
        }
        let start = checkpoint.footnotes.min(self.footnote_log.len());
        for key in self.footnote_log.drain(start..) {
            self.footnotes.remove(&key);
        }
    }
}

/// The id of footnote number `n`'s definition.
pub(crate) fn footnote_id(n: usize) -> String {
    format!("md-fn--{n}")
}

/// Lower-case letters and digits (any script), words joined by single dashes; `section` when
/// nothing is left.
pub(crate) fn slug(text: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    let mut chars = 0usize;
    for c in text.chars() {
        if chars >= MAX_SLUG_CHARS {
            break;
        }
        if c.is_alphanumeric() {
            if dash && !out.is_empty() {
                out.push('-');
                chars += 1;
            }
            dash = false;
            out.extend(c.to_lowercase());
            chars += 1;
        } else if c.is_whitespace() || c == '-' || c == '_' {
            dash = true;
        }
    }
    if out.is_empty() {
        out.push_str("section");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(slug("Hello, World!"), "hello-world");
        assert_eq!(slug("  Step 2 -- run_it  "), "step-2-run-it");
        assert_eq!(slug("安装 指南"), "安装-指南");
        assert_eq!(slug("🎉!!"), "section");
        assert!(!slug("a - - b").contains("--"));
    }

    #[test]
    fn heading_ids_are_unique_and_prefixed() {
        let mut state = DocState::default();
        let ids: Vec<String> = ["Intro", "Intro 1", "Intro", "intro"]
            .iter()
            .map(|h| state.heading_id(h))
            .collect();
        assert_eq!(ids, ["md-intro", "md-intro-1", "md-intro-2", "md-intro-3"]);
    }

    #[test]
    fn rollback_forgets_ids_and_footnotes() {
        let mut state = DocState::default();
        state.heading_id("a");
        let mark = state.checkpoint();
        assert_eq!(state.heading_id("a"), "md-a-1");
        assert_eq!(state.footnote_number("x"), 1);
        state.rollback(mark);
        assert_eq!(state.heading_id("a"), "md-a-1");
        assert_eq!(state.footnote_number("y"), 1);
        assert_eq!(state.footnote_number("Y"), 1);
    }

    #[test]
    fn footnote_ids_cannot_clash_with_headings() {
        let mut state = DocState::default();
        let heading = state.heading_id("fn 1");
        assert_ne!(heading, footnote_id(1));
    }
}
