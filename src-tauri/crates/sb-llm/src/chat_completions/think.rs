//! Splits inline reasoning tags out of streamed content: `<think>…</think>` (DeepSeek-R1 and
//! Qwen3 served without a reasoning parser, llama.cpp with `reasoning_format: none`) and Kimi's
//! `◁think▷…◁/think▷`. Tags may be split across chunks, so a possible partial tag at the end of
//! the input is held back until the next piece decides it.

/// Recognised delimiter pairs.
const TAGS: &[(&str, &str)] = &[("<think>", "</think>"), ("◁think▷", "◁/think▷")];

/// One piece of classified content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Piece {
    Reasoning(String),
    Text(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before any visible content: a think block may still open here.
    Start,
    /// Inside a think block closed by `TAGS[i].1`; `started` once its first visible character
    /// was seen (whitespace right after the opening tag is dropped).
    Inside { tag: usize, started: bool },
    /// After the block (or when there was none): everything is answer text.
    Answer { strip_leading_ws: bool },
}

/// The splitter for one choice.
#[derive(Debug, Clone)]
pub(crate) struct ThinkSplitter {
    state: State,
    pending: String,
}

impl Default for ThinkSplitter {
    fn default() -> Self {
        Self {
            state: State::Start,
            pending: String::new(),
        }
    }
}

impl ThinkSplitter {
    /// Classifies the next content delta.
    pub(crate) fn push(&mut self, delta: &str, out: &mut Vec<Piece>) {
        self.pending.push_str(delta);
        loop {
            match self.state {
                State::Start => {
                    let trimmed = self.pending.trim_start();
                    if let Some(i) = TAGS.iter().position(|(open, _)| trimmed.starts_with(open)) {
                        self.pending = trimmed[TAGS[i].0.len()..].to_owned();
                        self.state = State::Inside {
                            tag: i,
                            started: false,
                        };
                        continue;
                    }
                    if trimmed.is_empty() || TAGS.iter().any(|(open, _)| open.starts_with(trimmed))
                    {
                        return; // still undecided: wait for more
                    }
                    self.state = State::Answer {
                        strip_leading_ws: false,
                    };
                }
                State::Inside { tag, started } => {
                    if !started {
                        let trimmed = self.pending.trim_start();
                        if trimmed.is_empty() {
                            self.pending.clear();
                            return;
                        }
                        self.pending = trimmed.to_owned();
                        self.state = State::Inside { tag, started: true };
                    }
                    let close = TAGS[tag].1;
                    if let Some(at) = self.pending.find(close) {
                        let reasoning = self.pending[..at].trim_end().to_owned();
                        let rest = self.pending[at + close.len()..].to_owned();
                        if !reasoning.is_empty() {
                            out.push(Piece::Reasoning(reasoning));
                        }
                        self.pending = rest;
                        self.state = State::Answer {
                            strip_leading_ws: true,
                        };
                        continue;
                    }
                    // Hold back a possible partial closing tag, and trailing whitespace (it is
                    // dropped if the tag follows it).
                    let undecided = partial_suffix(&self.pending, close);
                    let emit_to = self.pending[..self.pending.len() - undecided]
                        .trim_end()
                        .len();
                    let emit: String = self.pending.drain(..emit_to).collect();
                    if !emit.is_empty() {
                        out.push(Piece::Reasoning(emit));
                    }
                    return;
                }
                State::Answer { strip_leading_ws } => {
                    let text = if strip_leading_ws {
                        let trimmed = self.pending.trim_start();
                        if trimmed.is_empty() {
                            self.pending.clear();
                            return; // whitespace after the tag: keep stripping
                        }
                        trimmed.to_owned()
                    } else {
                        std::mem::take(&mut self.pending)
                    };
                    self.pending.clear();
                    self.state = State::Answer {
                        strip_leading_ws: false,
                    };
                    if !text.is_empty() {
                        out.push(Piece::Text(text));
                    }
                    return;
                }
            }
        }
    }

    /// End of content: whatever is held back is flushed as what it most likely is.
    pub(crate) fn finish(&mut self, out: &mut Vec<Piece>) {
        let rest = std::mem::take(&mut self.pending);
        if rest.is_empty() {
            return;
        }
        match self.state {
            State::Inside { .. } => {
                let reasoning = rest.trim_end();
                if !reasoning.is_empty() {
                    out.push(Piece::Reasoning(reasoning.to_owned()));
                }
            }
            State::Start | State::Answer { .. } => {
                let text = if matches!(
                    self.state,
                    State::Answer {
                        strip_leading_ws: true
                    }
                ) {
                    rest.trim_start().to_owned()
                } else {
                    rest
                };
                if !text.is_empty() {
                    out.push(Piece::Text(text));
                }
            }
        }
    }
}

/// How many bytes at the end of `text` could be the beginning of `tag`.
fn partial_suffix(text: &str, tag: &str) -> usize {
    (1..tag.len().min(text.len() + 1))
        .rev()
        .find(|&n| {
            text.is_char_boundary(text.len() - n) && tag.starts_with(&text[text.len() - n..])
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(chunks: &[&str]) -> (String, String) {
        let mut splitter = ThinkSplitter::default();
        let mut out = Vec::new();
        for chunk in chunks {
            splitter.push(chunk, &mut out);
        }
        splitter.finish(&mut out);
        let mut reasoning = String::new();
        let mut text = String::new();
        for piece in out {
            match piece {
                Piece::Reasoning(r) => reasoning.push_str(&r),
                Piece::Text(t) => text.push_str(&t),
            }
        }
        (reasoning, text)
    }

    #[test]
    fn tags_split_across_chunks_at_every_point() {
        let full = "  <think>\nPlan: greet.\n</think>\n\nHi there!";
        for a in 1..full.len() {
            if !full.is_char_boundary(a) {
                continue;
            }
            for b in a..full.len() {
                if !full.is_char_boundary(b) {
                    continue;
                }
                let (r, t) = split(&[&full[..a], &full[a..b], &full[b..]]);
                assert_eq!(
                    (r.as_str(), t.as_str()),
                    ("Plan: greet.", "Hi there!"),
                    "splits {a},{b}"
                );
            }
        }
    }

    #[test]
    fn plain_content_passes_through_untouched() {
        assert_eq!(
            split(&["Hello ", "<b>world</b>"]),
            (String::new(), "Hello <b>world</b>".into())
        );
        assert_eq!(
            split(&["Use <think> tags", " like this"]),
            (String::new(), "Use <think> tags like this".into()),
            "a tag that does not open the content is text"
        );
    }

    #[test]
    fn kimi_delimiters_and_unclosed_block() {
        assert_eq!(
            split(&["◁thi", "nk▷why◁/th", "ink▷ok"]),
            ("why".into(), "ok".into())
        );
        assert_eq!(
            split(&["<think>still thinking"]),
            ("still thinking".into(), String::new()),
            "an answer cut inside the block keeps its reasoning"
        );
    }
}
