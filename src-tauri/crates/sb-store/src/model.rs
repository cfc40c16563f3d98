//! The domain types of the history: conversations, messages and what the store is asked to do
//! with them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// A new random id (UUID v4).
            pub(crate) fn generate() -> Self {
                Self(uuid::Uuid::new_v4().to_string())
            }

            /// The id as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

id_type!(
    /// A conversation's id: a UUID as text.
    ConversationId
);
id_type!(
    /// A message's id: a UUID as text, unique across the whole history.
    MessageId
);

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Instructions for the model.
    System,
    /// The person.
    User,
    /// The model.
    Assistant,
}

/// Where an answer is in its life. Only `streaming` changes later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// Written in full (every user message; an answer that finished).
    #[default]
    Complete,
    /// An answer still arriving.
    Streaming,
    /// An answer whose stream ended without finishing (the app quit or crashed); its text so far
    /// is kept.
    Interrupted,
    /// An answer the user stopped.
    Stopped,
    /// An answer that failed; see its error.
    Error,
}

/// The wire protocol an answer came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Api {
    /// `/chat/completions`.
    Chat,
    /// `/responses`.
    Responses,
}

/// Text names of the enums, as stored in the database and the export.
macro_rules! text_enum {
    ($name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        impl $name {
            /// The stored name.
            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $text,)+
                }
            }
        }

        impl FromStr for $name {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    other => Err(format!(
                        concat!("{:?} is not a ", $what, " (expected one of: ", $($text, " ",)+ ")"),
                        other
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

text_enum!(Role, "role", { System => "system", User => "user", Assistant => "assistant" });
text_enum!(MessageStatus, "message status", {
    Complete => "complete",
    Streaming => "streaming",
    Interrupted => "interrupted",
    Stopped => "stopped",
    Error => "error",
});
text_enum!(Api, "protocol", { Chat => "chat", Responses => "responses" });

/// An image attached to a message, kept inline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Image {
    /// Its type, `image/png`, `image/jpeg`...
    pub mime: String,
    /// The image bytes in standard base64.
    pub data_base64: String,
}

/// Token counts reported by the provider; each is absent when it did not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Usage {
    /// Tokens in the prompt.
    #[serde(default)]
    pub prompt_tokens: Option<u64>,
    /// Tokens generated (visible output plus reasoning).
    #[serde(default)]
    pub completion_tokens: Option<u64>,
    /// Total tokens.
    #[serde(default)]
    pub total_tokens: Option<u64>,
    /// Of the generated tokens, how many were reasoning.
    #[serde(default)]
    pub reasoning_tokens: Option<u64>,
    /// Of the prompt tokens, how many came from the provider's cache.
    #[serde(default)]
    pub cached_tokens: Option<u64>,
}

impl Usage {
    /// Whether no count is known.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// Why an answer failed, as the core classified it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageError {
    /// The stable error code the UI acts on (`rate_limit`, `auth`, ...).
    pub code: String,
    /// What failed and what to do, for the person.
    pub message: String,
}

/// A conversation, without its messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    /// Its id.
    pub id: ConversationId,
    /// Its title; empty until the user or a title generator gives one.
    pub title: String,
    /// The title was generated, so a better generated one may replace it. A title the user set
    /// is never replaced by a generated one.
    pub title_generated: bool,
    /// When it was created (unix milliseconds).
    pub created_at: i64,
    /// The last message activity (unix milliseconds): the list is ordered by it. Renaming,
    /// pinning or archiving does not change it.
    pub updated_at: i64,
    /// Shown at the top of the list.
    pub pinned: bool,
    /// Hidden from the main list.
    pub archived: bool,
    /// Instructions sent before the messages, if any.
    pub system_prompt: Option<String>,
    /// Where its answers go (a logical model or a pinned route), as JSON chosen by the caller.
    pub target: Option<String>,
    /// Request parameters, as JSON chosen by the caller.
    pub params: Option<String>,
    /// The last message of the branch being shown; `None` while it has no messages.
    pub current_leaf: Option<MessageId>,
}

/// A conversation to create.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct NewConversation {
    /// A title the user gave; `None` (or empty) leaves it to a generated title.
    pub title: Option<String>,
    /// Instructions sent before the messages.
    pub system_prompt: Option<String>,
    /// Where its answers go, as JSON text (stored as given; must be valid JSON).
    pub target: Option<String>,
    /// Request parameters, as JSON text (must be valid JSON).
    pub params: Option<String>,
}

/// Changes to a conversation. `None` leaves a field as it is; for the optional fields,
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConversationPatch {
    /// A title set by the user: never replaced by a generated one (an empty title is).
    pub title: Option<String>,
    /// Pin or unpin.
    pub pinned: Option<bool>,
    /// Archive or restore.
    pub archived: Option<bool>,
    /// Instructions sent before the messages.
    pub system_prompt: Option<Option<String>>,
    /// Where its answers go (JSON text).
    pub target: Option<Option<String>>,
    /// Request parameters (JSON text).
    pub params: Option<Option<String>>,
}

/// Which conversations to list, and which page of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListQuery {
    /// `false`: the main list; `true`: the archive.
    pub archived: bool,
    /// At most this many.
    pub limit: usize,
    /// Skip this many first.
    pub offset: usize,
}

impl Default for ListQuery {
    fn default() -> Self {
        Self {
            archived: false,
            limit: 100,
            offset: 0,
        }
    }
}

/// One message of a conversation's tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    /// Its id.
    pub id: MessageId,
    /// The conversation it belongs to.
    pub conversation_id: ConversationId,
    /// The message it answers or follows; `None` for a first message.
    pub parent_id: Option<MessageId>,
    /// Who wrote it.
    pub role: Role,
    /// When it was created (unix milliseconds).
    pub created_at: i64,
    /// Its text (markdown for answers).
    pub content: String,
    /// The model's reasoning text, if it showed any.
    pub reasoning: String,
    /// Attached images.
    pub images: Vec<Image>,
    /// The model that wrote it (answers) or was asked (user messages), if known.
    pub model: Option<String>,
    /// Where it is in its life.
    pub status: MessageStatus,
    /// The route that served the answer, as JSON chosen by the caller.
    pub route: Option<String>,
    /// The protocol the answer came through.
    pub api: Option<Api>,
    /// Token counts.
    pub usage: Option<Usage>,
    /// Milliseconds from sending to the first token.
    pub time_to_first_token_ms: Option<u64>,
    /// Generation speed.
    pub tokens_per_second: Option<f64>,
    /// The provider's finish reason (`stop`, `length`, ...).
    pub finish_reason: Option<String>,
    /// Why the answer failed.
    pub error: Option<MessageError>,
}

/// A message to add as written (a user message, a system message, or a whole answer from
/// somewhere that does not stream).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// Who wrote it.
    pub role: Role,
    /// Its text.
    pub content: String,
    /// Reasoning text, if any.
    pub reasoning: String,
    /// Attached images.
    pub images: Vec<Image>,
    /// The model it was written by or for.
    pub model: Option<String>,
}

impl NewMessage {
    /// A user message with text only.
    pub fn user(content: impl Into<String>) -> Self {
        Self {
            role: Role::User,
            content: content.into(),
            reasoning: String::new(),
            images: Vec::new(),
            model: None,
        }
    }
}

/// An answer about to stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AnswerStart {
    /// The model asked.
    pub model: Option<String>,
    /// The route chosen so far (JSON text); may change when the answer ends.
    pub route: Option<String>,
    /// The protocol chosen so far.
    pub api: Option<Api>,
}

/// How an answer ended. `route` and `api` left `None` keep what [`AnswerStart`] said.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AnswerEnd {
    /// Any status but `streaming`.
    pub status: MessageStatus,
    /// The provider's finish reason.
    pub finish_reason: Option<String>,
    /// Token counts.
    pub usage: Option<Usage>,
    /// The route that served it in the end (JSON text).
    pub route: Option<String>,
    /// The protocol it came through in the end.
    pub api: Option<Api>,
    /// Milliseconds from sending to the first token.
    pub ttft_ms: Option<u64>,
    /// Generation speed.
    pub tokens_per_second: Option<f64>,
    /// Why it failed (with status `error`).
    pub error: Option<MessageError>,
}

/// A message as shown in a branch: where it sits and which alternatives it has.
#[derive(Debug, Clone, PartialEq)]
pub struct ThreadMessage {
    /// The message.
    pub message: Message,
    /// Its position in the branch (0: the first message).
    pub index: usize,
    /// It and its siblings (the messages with the same parent), oldest first: the versions a
    /// UI can switch between ("2/3").
    pub siblings: Vec<MessageId>,
    /// Its own position in `siblings`.
    pub sibling_index: usize,
}

/// A window of the current branch, for a list that shows only what is on screen.
#[derive(Debug, Clone, PartialEq)]
pub struct BranchPage {
    /// How many messages the whole branch has (the scroll height).
    pub total: usize,
    /// The branch index of the first message in `messages`.
    pub start: usize,
    /// Messages `start..start + messages.len()` of the branch, in order.
    pub messages: Vec<ThreadMessage>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The conversation.
    pub conversation_id: ConversationId,
    /// Its title.
    pub conversation_title: String,
    /// The matching message; `None` when the title matched.
    pub message_id: Option<MessageId>,
    /// Who wrote the matching message; `None` when the title matched.
    pub role: Option<Role>,
    /// A short excerpt as HTML: the text escaped, each match in `<mark>…</mark>`.
    pub snippet: String,
    /// When the message was written (for a title: the conversation's last activity).
    pub created_at: i64,
}

/// What an import added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ImportReport {
    /// Conversations added.
    pub conversations: usize,
    /// Messages added.
    pub messages: usize,
    /// Conversations that got new ids because theirs (or their messages') were taken.
    pub renamed: usize,
    /// Entries of the source left out (ChatGPT: hidden system messages, tool calls and their
    /// output, empty messages).
    pub skipped: usize,
}
