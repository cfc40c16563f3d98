//! The one stream vocabulary both wire protocols map into.

use serde::Serialize;

/// Token counts, as far as the provider reported them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: Option<u64>,
    /// Tokens generated (visible output plus reasoning, as the provider counts them).
    pub completion_tokens: Option<u64>,
    /// Total tokens.
    pub total_tokens: Option<u64>,
    /// Of the generated tokens, how many were reasoning.
    pub reasoning_tokens: Option<u64>,
    /// Of the prompt tokens, how many came from the provider's cache.
    pub cached_tokens: Option<u64>,
}

/// One thing that happened in an answer. `choice` is the choice index (0 unless `n > 1`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChatEvent {
    /// Visible answer text.
    TextDelta {
        /// Choice index.
        choice: u32,
        /// The new text.
        text: String,
    },
    /// Reasoning ("thinking") text, shown apart from the answer.
    ReasoningDelta {
        /// Choice index.
        choice: u32,
        /// The new text.
        text: String,
    },
    /// A refusal message from the model, in place of an answer.
    RefusalDelta {
        /// Choice index.
        choice: u32,
        /// The new text.
        text: String,
    },
    /// A piece of a tool (function) call. Pieces with the same `choice` and `index` belong to one
    /// call: `id` and `name` arrive once (usually first), `arguments` is appended.
    ToolCallDelta {
        /// Choice index.
        choice: u32,
        /// Which call of this choice (parallel calls have indexes 0, 1, ...).
        index: u32,
        /// The call id (`call_...`), when this piece carries it.
        id: Option<String>,
        /// The function name, when this piece carries it.
        name: Option<String>,
        /// A piece of the JSON arguments string (may split anywhere).
        arguments: String,
    },
    /// The provider's id for this answer (Responses API: `resp_...`), needed to continue the
    /// conversation with `previous_response_id`.
    ResponseId(String),
    /// Token usage; a later value replaces an earlier one (servers differ in where they put it).
    Usage(Usage),
    /// A choice finished, with the provider's finish reason as given ("stop", "length", ...).
    Finished {
        /// Choice index.
        choice: u32,
        /// The finish reason string, unmodified.
        reason: String,
    },
}
