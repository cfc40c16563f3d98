//! Line endings: CommonMark accepts `\n`, `\r\n` and `\r`, but pulldown-cmark does not treat a
//! lone `\r` consistently (a fence's info string runs on past it, for one), which would make
//! block structure depend on where a stream was cut. All text is therefore normalized to `\n`
//! before parsing, the same way for [`crate::render`] and, across pieces, for the stream.

use std::borrow::Cow;

/// Normalizes line endings of text that arrives in pieces (a `\r\n` may be split between two).
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Newlines {
    /// The last piece ended with `\r`: a `\n` starting the next one belongs to it.
    after_cr: bool,
}

impl Newlines {
    /// Appends `piece` to `out` with `\r\n` and `\r` written as `\n`.
    pub(crate) fn push(&mut self, out: &mut String, piece: &str) {
        let mut rest = piece;
        if self.after_cr {
            rest = rest.strip_prefix('\n').unwrap_or(rest);
            self.after_cr = false;
        }
        while let Some(at) = rest.find('\r') {
            out.push_str(&rest[..at]);
            out.push('\n');
            rest = &rest[at + 1..];
            if rest.is_empty() {
                self.after_cr = true;
            }
            rest = rest.strip_prefix('\n').unwrap_or(rest);
        }
        out.push_str(rest);
    }
}

/// `text` with `\r\n` and `\r` written as `\n` (borrowed when there is no `\r`).
pub(crate) fn normalize(text: &str) -> Cow<'_, str> {
    if !text.contains('\r') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    Newlines::default().push(&mut out, text);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_ending_becomes_a_line_feed() {
        assert_eq!(normalize("a\r\nb\rc\nd\r\r\n"), "a\nb\nc\nd\n\n");
        assert!(matches!(normalize("plain\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_crlf_split_between_pieces_is_one_line_ending() {
        let mut newlines = Newlines::default();
        let mut out = String::new();
        for piece in ["a\r", "\nb\r", "\r", "\n", "c\r", "d"] {
            newlines.push(&mut out, piece);
        }
        assert_eq!(out, "a\nb\n\nc\nd");
    }
}
