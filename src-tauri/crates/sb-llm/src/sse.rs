//! Server-sent events framing, following the WHATWG rules that the official SDKs follow
//! (<https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation>).
//!
//! Bytes are buffered across network reads and decoded as UTF-8 only once a line is complete,
//! because a multi-byte character can be split between two reads. CRLF, LF and a bare CR all end
//! a line, including a CR at the end of one read followed by an LF at the start of the next.

/// The longest line accepted (4 MiB). A longer line fails with [`SseError::LineTooLong`] instead
/// of growing the buffer without bound: no legitimate event is that large, and a broken or
/// hostile server must not make the app hold unbounded memory.
pub const MAX_LINE_BYTES: usize = 4 * 1024 * 1024;

/// The largest event payload accepted (all `data:` lines of one event together, 8 MiB).
pub const MAX_EVENT_BYTES: usize = 8 * 1024 * 1024;

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SseEvent {
    /// The `event:` field, if any.
    pub event: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// Why a stream could not be framed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SseError {
    /// A line grew past [`MAX_LINE_BYTES`] without a terminator.
    #[error(
        "the server sent a line longer than {limit} bytes; refusing it to keep memory bounded"
    )]
    LineTooLong {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// One event's data grew past [`MAX_EVENT_BYTES`].
    #[error(
        "the server sent an event larger than {limit} bytes; refusing it to keep memory bounded"
    )]
    EventTooLarge {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// A complete line was not valid UTF-8.
    #[error("the server sent a line that is not valid UTF-8")]
    InvalidUtf8,
}

/// Incremental SSE decoder: feed it reads with [`SseDecoder::push`], then call
/// [`SseDecoder::finish`] at end of stream.
#[derive(Debug, Default)]
pub struct SseDecoder {
    line: Vec<u8>,
    /// The previous read ended in CR, so an LF at the start of the next read is part of it.
    skip_lf: bool,
    event: Option<String>,
    data: String,
    has_data: bool,
}

impl SseDecoder {
    /// A fresh decoder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds one network read; returns the events it completed, in order.
    pub fn push(&mut self, mut bytes: &[u8]) -> Result<Vec<SseEvent>, SseError> {
        let mut out = Vec::new();
        if self.skip_lf {
            if let Some(rest) = bytes.strip_prefix(b"\n") {
                bytes = rest;
            }
            if !bytes.is_empty() {
                self.skip_lf = false;
            }
        }
        while let Some(pos) = bytes.iter().position(|&b| b == b'\n' || b == b'\r') {
            let (head, tail) = bytes.split_at(pos);
            self.extend_line(head)?;
            let line = std::mem::take(&mut self.line);
            if let Some(event) = self.process_line(&line)? {
                out.push(event);
            }
            let was_cr = tail[0] == b'\r';
            bytes = &tail[1..];
            if was_cr {
                match bytes.first() {
                    Some(b'\n') => bytes = &bytes[1..],
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
        }
        self.extend_line(bytes)?;
        Ok(out)
    }

    /// Ends the stream. A final event that was not closed by a blank line is still dispatched
    /// (lenient: sloppy servers leave out the last blank line); callers decide whether its
    /// payload is usable.
    pub fn finish(&mut self) -> Result<Option<SseEvent>, SseError> {
        if !self.line.is_empty() {
            let line = std::mem::take(&mut self.line);
            if let Some(event) = self.process_line(&line)? {
                return Ok(Some(event));
            }
        }
        Ok(self.dispatch())
    }

    fn extend_line(&mut self, bytes: &[u8]) -> Result<(), SseError> {
        if self.line.len() + bytes.len() > MAX_LINE_BYTES {
            self.line = Vec::new();
            return Err(SseError::LineTooLong {
                limit: MAX_LINE_BYTES,
            });
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn process_line(&mut self, line: &[u8]) -> Result<Option<SseEvent>, SseError> {
        if line.is_empty() {
            return Ok(self.dispatch());
        }
        if line[0] == b':' {
            return Ok(None); // comment / keep-alive
        }
        let line = std::str::from_utf8(line).map_err(|_| SseError::InvalidUtf8)?;
        let (name, value) = match line.split_once(':') {
            Some((name, value)) => (name, value.strip_prefix(' ').unwrap_or(value)),
            None => (line, ""),
        };
        match name {
            "data" => {
                if self.data.len() + value.len() + 1 > MAX_EVENT_BYTES {
                    self.data = String::new();
                    self.has_data = false;
                    return Err(SseError::EventTooLarge {
                        limit: MAX_EVENT_BYTES,
                    });
                }
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = Some(value.to_owned()),
            _ => {} // id, retry and unknown fields do not matter to an LLM client
        }
        Ok(None)
    }

    fn dispatch(&mut self) -> Option<SseEvent> {
        let event = self.event.take();
        if !self.has_data {
            return None;
        }
        self.has_data = false;
        Some(SseEvent {
            event,
            data: std::mem::take(&mut self.data),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn decode_all(chunks: &[&[u8]]) -> Result<Vec<SseEvent>, SseError> {
        let mut decoder = SseDecoder::new();
        let mut events = Vec::new();
        for chunk in chunks {
            events.extend(decoder.push(chunk)?);
        }
        events.extend(decoder.finish()?);
        Ok(events)
    }

    fn data(events: &[SseEvent]) -> Vec<&str> {
        events.iter().map(|e| e.data.as_str()).collect()
    }

    #[test]
    fn lf_crlf_and_bare_cr_all_end_lines() -> Result<(), SseError> {
        let events = decode_all(&[b"data: a\n\ndata: b\r\n\r\ndata: c\r\rdata:d\n\n"])?;
        assert_eq!(data(&events), ["a", "b", "c", "d"]);
        Ok(())
    }

    #[test]
    fn cr_at_end_of_read_and_lf_at_start_of_next_is_one_terminator() -> Result<(), SseError> {
        // Were the split CRLF counted twice, "x" would be dispatched early and "y" would be a
        // separate event instead of a second data line of the same event.
        let events = decode_all(&[b"data: x\r", b"\ndata: y\r", b"\n\r", b"\n"])?;
        assert_eq!(data(&events), ["x\ny"]);
        Ok(())
    }

    #[test]
    fn comments_event_names_and_multiline_data() -> Result<(), SseError> {
        let events = decode_all(&[
            b": OPENROUTER PROCESSING\n\nevent: response.output_text.delta\ndata: 1\ndata: 2\nid: 7\nretry: 10\n\n: keep-alive\n\n",
        ])?;
        assert_eq!(
            events,
            [SseEvent {
                event: Some("response.output_text.delta".into()),
                data: "1\n2".into()
            }]
        );
        Ok(())
    }

    #[test]
    fn bare_data_line_is_an_empty_data_line() -> Result<(), SseError> {
        let events = decode_all(&[b"data\ndata: x\n\n"])?;
        assert_eq!(data(&events), ["\nx"]);
        Ok(())
    }

    #[test]
    fn unterminated_last_event_is_dispatched_at_eof() -> Result<(), SseError> {
        let events = decode_all(&[b"data: {\"a\":1}\n\ndata: {\"b\":2}"])?;
        assert_eq!(data(&events), ["{\"a\":1}", "{\"b\":2}"]);
        Ok(())
    }

    #[test]
    fn utf8_split_inside_a_character_survives_every_split_point() -> Result<(), SseError> {
        let text = "data: 你好🌍, ünïcödé\n\n".as_bytes();
        for split in 0..=text.len() {
            let events = decode_all(&[&text[..split], &text[split..]])?;
            assert_eq!(
                data(&events),
                ["你好🌍, ünïcödé"],
                "split at byte {split} must not break the characters"
            );
        }
        Ok(())
    }

    #[test]
    fn random_chunkings_give_the_same_events() -> Result<(), SseError> {
        let stream =
            "data: one\r\n\r\n: c\n\nevent: e\ndata: 二\ndata: 🌍\r\rdata:x\n\n".as_bytes();
        let expected = decode_all(&[stream])?;
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for _ in 0..500 {
            let mut chunks = Vec::new();
            let mut rest = stream;
            while !rest.is_empty() {
                let n = rng.random_range(1..=rest.len().min(6));
                let (a, b) = rest.split_at(n);
                chunks.push(a);
                rest = b;
            }
            assert_eq!(decode_all(&chunks)?, expected, "chunking {chunks:?}");
        }
        Ok(())
    }

    #[test]
    fn overlong_line_is_refused_with_bounded_memory() {
        let mut decoder = SseDecoder::new();
        let piece = vec![b'a'; 1024 * 1024];
        let mut result = decoder.push(b"data: ");
        for _ in 0..10 {
            result = decoder.push(&piece);
            if result.is_err() {
                break;
            }
        }
        assert_eq!(
            result,
            Err(SseError::LineTooLong {
                limit: MAX_LINE_BYTES
            }),
            "a 10 MB line must fail past the documented limit"
        );
        assert!(
            decoder.line.capacity() <= MAX_LINE_BYTES,
            "the buffer is released"
        );
    }

    #[test]
    fn invalid_utf8_line_is_an_error() {
        assert_eq!(
            decode_all(&[b"data: \xff\xfe\n\n"]),
            Err(SseError::InvalidUtf8)
        );
    }
}
