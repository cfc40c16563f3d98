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
