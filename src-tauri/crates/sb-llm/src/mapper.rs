//! What every wire protocol's stream mapper provides: pure, stateful translation of SSE data
//! payloads into [`ChatEvent`]s, with no I/O, so each is tested on fixtures byte for byte and the
//! HTTP client is written once for all protocols.

use crate::error::LlmError;
use crate::event::ChatEvent;

/// What one payload (or the end of the stream) produced: events, and possibly an error after them.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct MappedChunk {
    /// Events, in order.
    pub events: Vec<ChatEvent>,
    /// An error the payload carried, after its events. It ends the stream.
    pub error: Option<LlmError>,
}

/// A protocol's stream mapper.
pub trait StreamMapper: Send + 'static {
    /// Maps one SSE data payload (the joined `data:` lines; `event:` names are not needed because
    /// the JSON `type` is authoritative). An error ends the stream; the events decoded before it
    /// are still returned.
    fn map(&mut self, data: &str) -> MappedChunk;

    /// Whether the stream reached its end marker (`[DONE]`, a terminal event, or an error): the
    /// caller stops reading.
    fn is_done(&self) -> bool;

    /// Called once at end of input: flushes anything held back (such as a possible partial
    /// `<think>` tag) and reports a stream that ended before the answer was complete.
    fn finish(&mut self) -> MappedChunk;
}
