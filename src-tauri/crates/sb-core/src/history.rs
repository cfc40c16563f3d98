//! Conversations in the history store: the messages a stored branch sends, and an answer
//! recorded as it streams, so a crash or `kill -9` loses at most the last moments of it.
//!
//! The store (`sb-store`) knows nothing of providers; this module maps the chat service's
//! [`TurnEvent`]s onto it. [`AnswerRecorder`] writes the whole answer so far at most every
//! [`FLUSH_INTERVAL`] (each write replaces the last, so a lost write costs nothing), and the end
//! of the answer (status, usage, route, speed) once.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sb_llm::chat_completions::{Message, Role};
use sb_store::{
    AnswerEnd, AnswerStart, ConversationId, MessageError, MessageId, MessageStatus, Store,
};

use crate::chat::TurnEvent;
use crate::error::CoreError;
use crate::router::RouteRecord;

/// How fast an answer came, as the history keeps it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AnswerTiming {
    /// From sending the request to the first token of text or reasoning.
    pub ttft_ms: Option<u64>,
    /// Completion tokens (as the provider counted them) per second after the first token.
    pub tokens_per_second: Option<f64>,
}

/// How often a streaming answer is written: often enough that a crash loses under a second of
/// text, rarely enough that a fast stream costs a handful of small writes per second.
pub const FLUSH_INTERVAL: Duration = Duration::from_millis(250);

/// The history store's file in the data directory.
pub const FILE_NAME: &str = "history.sqlite3";

impl From<sb_store::StoreError> for CoreError {
    fn from(error: sb_store::StoreError) -> Self {
        // The front ends know the core's codes; the store's own become the nearest of those.
        let code = match error.code() {
            "not_found" => "not_found",
            "invalid_input" | "import" => "invalid_input",
            _ => "internal",
        };
        Self::History {
            code,
            message: error.to_string(),
        }
    }
}

/// Where a new exchange goes in the history.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// The conversation; `None` starts one.
    pub conversation: Option<ConversationId>,
    /// The message the new one follows (`None`: the start of the conversation). Editing a
    /// message places the edit after the edited message's parent: a sibling branch.
    pub parent: Option<MessageId>,
    /// No new question: a new answer (a sibling of earlier ones) to `parent`, a user message.
    pub regenerate: bool,
    /// A new conversation's system prompt.
    pub system_prompt: Option<String>,
    /// A new (or continued) conversation's target, as the front end writes it (JSON).
    pub target: Option<String>,
    /// The parameters this exchange is sent with, as the front end writes them (JSON): kept
    /// with the conversation, the latest replacing earlier ones.
    pub params: Option<String>,
}

/// An exchange placed in the history, ready to send.
#[derive(Debug, Clone)]
pub struct Placed {
    /// The conversation (new or given).
    pub conversation: ConversationId,
    /// Whether this exchange started it.
    pub created: bool,
    /// The stored question (`None` when regenerating).
    pub question: Option<MessageId>,
    /// The message the answer follows.
    pub answer_parent: MessageId,
    /// What to send: the system prompt, the branch up to the question, and the question.
    pub messages: Vec<Message>,
}

/// Stores the question `question` (unless regenerating; its images too, when they are `data:`
/// URLs) where `placement` says and builds the messages to send from the stored branch, so an
/// edit or a regeneration sends exactly the history of its own branch.
pub fn place(
    store: &Store,
    placement: Placement,
    question: Option<&Message>,
) -> Result<Placed, CoreError> {
    let images = question
        .map(|q| {
            q.images
                .iter()
                .filter_map(|url| stored_image(url))
                .collect()
        })
        .unwrap_or_default();
    let question = question.map(|q| q.content.trim()).filter(|q| !q.is_empty());
    let (conversation, created) = match &placement.conversation {
        Some(id) => (store.conversation(id)?.id, false),
        None => {
            let Some(text) = question else {
                return Err(CoreError::InvalidInput(
                    "Message: type something to start the conversation.".into(),
                ));
            };
            let conversation = store.create_conversation(sb_store::NewConversation {
                system_prompt: placement
                    .system_prompt
                    .clone()
                    .filter(|s| !s.trim().is_empty()),
                target: placement.target.clone(),
                params: placement.params.clone(),
                ..sb_store::NewConversation::default()
            })?;
            // A first title from the question (a generated title may replace it later).
            let words: Vec<&str> = text.split_whitespace().collect();
            let excerpt: String = words.join(" ").chars().take(60).collect();
            store.set_generated_title(&conversation.id, &excerpt)?;
            (conversation.id, true)
        }
    };
    if !created && (placement.target.is_some() || placement.params.is_some()) {
        store.update_conversation(
            &conversation,
            sb_store::ConversationPatch {
                target: placement.target.clone().map(Some),
                params: placement.params.clone().map(Some),
                ..sb_store::ConversationPatch::default()
            },
        )?;
    }
    // The branch through the parent, cut after it: the history this exchange continues.
    let mut history = Vec::new();
    if let Some(parent) = &placement.parent {
        store.switch_branch(&conversation, parent)?;
        for item in store.branch(&conversation)? {
            let is_parent = &item.message.id == parent;
            history.push(item.message);
            if is_parent {
                break;
            }
        }
    }
    let (question_id, answer_parent) = if placement.regenerate {
        let parent = history
            .last()
            .filter(|m| m.role == sb_store::Role::User)
            .ok_or_else(|| {
                CoreError::InvalidInput(
                    "Regenerate: choose the question whose answer to write again.".into(),
                )
            })?;
        (None, parent.id.clone())
    } else {
        let Some(text) = question else {
            return Err(CoreError::InvalidInput(
                "Message: type something to send.".into(),
            ));
        };
        let stored = store.add_message(
            &conversation,
            placement.parent.as_ref(),
            sb_store::NewMessage {
                images,
                ..sb_store::NewMessage::user(text)
            },
        )?;
        history.push(stored.clone());
        (Some(stored.id.clone()), stored.id)
    };
    let system = store.conversation(&conversation)?.system_prompt;
    let mut messages: Vec<Message> = system
        .filter(|s| !s.trim().is_empty())
        .map(|s| Message::text(Role::System, s))
        .into_iter()
        .collect();
    messages.extend(history.iter().filter_map(to_message));
    Ok(Placed {
        conversation,
        created,
        question: question_id,
        answer_parent,
        messages,
    })
}

/// A stored message as the wire sends it; `None` for one without text (an answer that failed
/// before saying anything).
fn to_message(message: &sb_store::Message) -> Option<Message> {
    if message.content.trim().is_empty() && message.images.is_empty() {
        return None;
    }
    let role = match message.role {
        sb_store::Role::System => Role::System,
        sb_store::Role::User => Role::User,
        sb_store::Role::Assistant => Role::Assistant,
    };
    Some(Message {
        role,
        content: message.content.clone(),
        images: message
            .images
            .iter()
            .map(|image| format!("data:{};base64,{}", image.mime, image.data_base64))
            .collect(),
    })
}

/// An image of a question as the history keeps it: only `data:` URLs carry their bytes (a
/// remote URL would have to be fetched again, and may be gone).
fn stored_image(url: &str) -> Option<sb_store::Image> {
    let (mime, data) = url.strip_prefix("data:")?.split_once(";base64,")?;
    Some(sb_store::Image {
        mime: mime.to_owned(),
        data_base64: data.to_owned(),
    })
}

/// The store's name for a protocol.
pub fn store_api(api: sb_llm::Api) -> sb_store::Api {
    match api {
        sb_llm::Api::ChatCompletions => sb_store::Api::Chat,
        sb_llm::Api::Responses => sb_store::Api::Responses,
    }
}

/// Records one answer in the store while it streams. Feed it every event with
/// [`AnswerRecorder::observe`]; the final event (`Finished`, `Stopped` or `Failed`) writes the end.
#[derive(Debug)]
pub struct AnswerRecorder {
    store: Arc<Store>,
    id: MessageId,
    text: String,
    reasoning: String,
    usage: Option<sb_llm::Usage>,
    route: Option<RouteRecord>,
    api: Option<sb_llm::Api>,
    started: Instant,
    first_token: Option<Instant>,
    /// Time to first token and speed, once the answer ended.
    timing: Option<AnswerTiming>,
    last_flush: Instant,
    dirty: bool,
    ended: bool,
    /// The first write that failed, reported at the end (the answer itself goes on).
    failure: Option<CoreError>,
}

impl AnswerRecorder {
    /// Starts recording an answer to the message `parent` of `conversation`.
    pub fn start(
        store: Arc<Store>,
        conversation: &ConversationId,
        parent: &MessageId,
        model: &str,
        api: Option<sb_llm::Api>,
    ) -> Result<Self, CoreError> {
        let id = store.start_answer(
            conversation,
            Some(parent),
            AnswerStart {
                model: Some(model.to_owned()),
                route: None,
                api: api.map(store_api),
            },
        )?;
        let now = Instant::now();
        Ok(Self {
            store,
            id,
            text: String::new(),
            reasoning: String::new(),
            usage: None,
            route: None,
            api,
            started: now,
            first_token: None,
            timing: None,
            last_flush: now,
            dirty: false,
            ended: false,
            failure: None,
        })
    }

    /// The stored answer's id.
    pub fn id(&self) -> &MessageId {
        &self.id
    }

    /// Takes one event of the turn, writing progress when [`FLUSH_INTERVAL`] has passed.
    pub fn observe(&mut self, event: &TurnEvent) {
        self.observe_at(event, Instant::now());
    }

    fn observe_at(&mut self, event: &TurnEvent, now: Instant) {
        if self.ended {
            return;
        }
        match event {
            TurnEvent::TextDelta(text) => {
                self.first_token.get_or_insert(now);
                self.text.push_str(text);
                self.dirty = true;
            }
            TurnEvent::ReasoningDelta(text) => {
                self.first_token.get_or_insert(now);
                self.reasoning.push_str(text);
                self.dirty = true;
            }
            TurnEvent::Usage(usage) => self.usage = Some(usage.clone()),
            TurnEvent::Route(record) => {
                self.api = record.served_by.as_ref().map(|r| r.api).or(self.api);
                self.route = Some(record.clone());
            }
            TurnEvent::Finished(reason) => {
                self.end(MessageStatus::Complete, Some(reason.clone()), None, now)
            }
            TurnEvent::Stopped => self.end(MessageStatus::Stopped, None, None, now),
            TurnEvent::Failed { code, message } => {
                let error = MessageError {
                    code: (*code).to_owned(),
                    message: message.clone(),
                };
                self.end(MessageStatus::Error, None, Some(error), now)
            }
            TurnEvent::Rendered(_)
            | TurnEvent::Notice { .. }
            | TurnEvent::ResponseId(_)
            | TurnEvent::ToolCallDelta { .. } => {}
        }
        if self.dirty && !self.ended && now.duration_since(self.last_flush) >= FLUSH_INTERVAL {
            self.flush(now);
        }
    }

    fn flush(&mut self, now: Instant) {
        self.last_flush = now;
        self.dirty = false;
        if let Err(error) = self
            .store
            .save_progress(&self.id, &self.text, &self.reasoning)
        {
            self.failure.get_or_insert(error.into());
        }
    }

    fn end(
        &mut self,
        status: MessageStatus,
        finish_reason: Option<String>,
        error: Option<MessageError>,
        now: Instant,
    ) {
        self.flush(now);
        self.ended = true;
        let ttft = self.first_token.map(|t| t.duration_since(self.started));
        let completion = self.usage.as_ref().and_then(|u| u.completion_tokens);
        let tokens_per_second = match (self.first_token, completion) {
            (Some(first), Some(tokens)) if tokens > 0 => {
                let seconds = now.duration_since(first).as_secs_f64();
                (seconds > 0.0).then(|| tokens as f64 / seconds)
            }
            _ => None,
        };
        let ttft_ms = ttft.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        self.timing = Some(AnswerTiming {
            ttft_ms,
            tokens_per_second,
        });
        let end = AnswerEnd {
            status,
            finish_reason,
            usage: self.usage.as_ref().map(|u| sb_store::Usage {
                prompt_tokens: u.prompt_tokens,
                completion_tokens: u.completion_tokens,
                total_tokens: u.total_tokens,
                reasoning_tokens: u.reasoning_tokens,
                cached_tokens: u.cached_tokens,
            }),
            route: self
                .route
                .as_ref()
                .and_then(|r| serde_json::to_string(r).ok()),
            api: self.api.map(store_api),
            ttft_ms,
            tokens_per_second,
            error,
        };
        if let Err(error) = self.store.finish_answer(&self.id, end) {
            self.failure.get_or_insert(error.into());
        }
    }

    /// The answer's time to first token and speed as stored, once it ended.
    pub fn timing(&self) -> Option<AnswerTiming> {
        self.timing
    }

    /// Whether the answer was recorded without a failed write; the first failure otherwise.
    pub fn result(self) -> Result<MessageId, CoreError> {
        match self.failure {
            Some(error) => Err(error),
            None => Ok(self.id),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use sb_store::{NewConversation, NewMessage};

    fn conversation(store: &Store) -> (ConversationId, MessageId) {
        let conversation = store
            .create_conversation(NewConversation {
                system_prompt: Some("Be brief.".into()),
                ..NewConversation::default()
            })
            .expect("conversation");
        let asked = store
            .add_message(&conversation.id, None, NewMessage::user("hello"))
            .expect("message");
        (conversation.id, asked.id)
    }

    #[test]
    fn progress_is_written_at_most_every_flush_interval_and_the_end_once() {
        let store = Arc::new(Store::open_in_memory().expect("store"));
        let (conversation, asked) = conversation(&store);
        let mut recorder = AnswerRecorder::start(
            store.clone(),
            &conversation,
            &asked,
            "gpt-5.1",
            Some(sb_llm::Api::ChatCompletions),
        )
        .expect("start");
        let t0 = recorder.started;
        recorder.observe_at(&TurnEvent::TextDelta("Hel".into()), t0);
        let stored = |store: &Store, id: &MessageId| store.message(id).expect("message");
        assert_eq!(
            stored(&store, recorder.id()).content,
            "",
            "not written before the interval"
        );
        recorder.observe_at(
            &TurnEvent::TextDelta("lo".into()),
            t0 + FLUSH_INTERVAL + Duration::from_millis(1),
        );
        let progress = stored(&store, recorder.id());
        assert_eq!(
            (progress.content.as_str(), progress.status),
            ("Hello", MessageStatus::Streaming),
            "the whole text so far, still streaming"
        );
        recorder.observe_at(
            &TurnEvent::TextDelta(" world".into()),
            t0 + FLUSH_INTERVAL * 2,
        );
        recorder.observe_at(
            &TurnEvent::Usage(sb_llm::Usage {
                completion_tokens: Some(10),
                ..sb_llm::Usage::default()
            }),
            t0 + FLUSH_INTERVAL * 2,
        );
        recorder.observe_at(
            &TurnEvent::Finished("stop".into()),
            t0 + Duration::from_secs(2),
        );
        let timing = recorder.timing().expect("known once the answer ended");
        let id = recorder.result().expect("recorded");
        let done = stored(&store, &id);
        assert_eq!(
            (timing.ttft_ms, timing.tokens_per_second),
            (done.time_to_first_token_ms, done.tokens_per_second),
            "the window is told what the history keeps"
        );
        assert_eq!(
            done.content, "Hello world",
            "the end writes what was pending"
        );
        assert_eq!(done.status, MessageStatus::Complete);
        assert_eq!(done.finish_reason.as_deref(), Some("stop"));
        assert_eq!(done.time_to_first_token_ms, Some(0));
        let speed = done.tokens_per_second.expect("a speed");
        assert!((speed - 5.0).abs() < 0.01, "10 tokens in 2 s: {speed}");
    }

    #[test]
    fn a_failure_keeps_the_text_and_the_error() {
        let store = Arc::new(Store::open_in_memory().expect("store"));
        let (conversation, asked) = conversation(&store);
        let mut recorder =
            AnswerRecorder::start(store.clone(), &conversation, &asked, "m", None).expect("start");
        recorder.observe(&TurnEvent::TextDelta("partial".into()));
        recorder.observe(&TurnEvent::Failed {
            code: "network",
            message: "The connection failed.".into(),
        });
        recorder.observe(&TurnEvent::TextDelta("ignored after the end".into()));
        let id = recorder.result().expect("recorded");
        let failed = store.message(&id).expect("message");
        assert_eq!(failed.content, "partial");
        assert_eq!(failed.status, MessageStatus::Error);
        assert_eq!(failed.error.map(|e| e.code).as_deref(), Some("network"));
    }

    #[test]
    fn placing_an_edit_or_a_regeneration_sends_only_its_own_branch() {
        let store = Store::open_in_memory().expect("store");
        let first = place(
            &store,
            Placement {
                system_prompt: Some("Be brief.".into()),
                ..Placement::default()
            },
            Some(&Message::text(Role::User, "  What is   Rust? ")),
        )
        .expect("a new conversation");
        assert!(first.created);
        assert_eq!(
            store.conversation(&first.conversation).expect("c").title,
            "What is Rust?",
            "titled from the question until a better title comes"
        );
        let answer = store
            .start_answer(
                &first.conversation,
                Some(&first.answer_parent),
                AnswerStart::default(),
            )
            .expect("answer");
        store
            .save_progress(&answer, "A language.", "")
            .expect("progress");
        store
            .finish_answer(
                &answer,
                AnswerEnd {
                    status: MessageStatus::Complete,
                    ..AnswerEnd::default()
                },
            )
            .expect("finish");
        let texts = |placed: &Placed| -> Vec<(Role, String)> {
            placed
                .messages
                .iter()
                .map(|m| (m.role, m.content.clone()))
                .collect()
        };

        let next = place(
            &store,
            Placement {
                conversation: Some(first.conversation.clone()),
                parent: Some(answer.clone()),
                ..Placement::default()
            },
            Some(&Message {
                role: Role::User,
                content: "And Go?".into(),
                images: vec!["data:image/png;base64,iVBORw0KGgo=".into()],
            }),
        )
        .expect("a follow-up");
        assert_eq!(
            texts(&next),
            [
                (Role::System, "Be brief.".to_owned()),
                (Role::User, "What is   Rust?".to_owned()),
                (Role::Assistant, "A language.".to_owned()),
                (Role::User, "And Go?".to_owned()),
            ]
        );
        assert_eq!(
            next.messages.last().map(|m| m.images.clone()),
            Some(vec!["data:image/png;base64,iVBORw0KGgo=".to_owned()]),
            "the question's image is stored and sent as a data URL"
        );

        // Editing the first question: a sibling of it, sent without the old answer.
        let edit = place(
            &store,
            Placement {
                conversation: Some(first.conversation.clone()),
                parent: None,
                ..Placement::default()
            },
            Some(&Message::text(Role::User, "What is Zig?")),
        )
        .expect("an edit");
        assert_eq!(
            texts(&edit),
            [
                (Role::System, "Be brief.".to_owned()),
                (Role::User, "What is Zig?".to_owned())
            ]
        );
        let branch = store.branch(&first.conversation).expect("branch");
        assert_eq!(branch.len(), 1, "the edit's branch is shown");
        assert_eq!(
            branch[0].siblings.len(),
            2,
            "two versions of the first question"
        );

        // Regenerating the first answer: back on the first branch, no new question.
        let again = place(
            &store,
            Placement {
                conversation: Some(first.conversation.clone()),
                parent: Some(first.answer_parent.clone()),
                regenerate: true,
                ..Placement::default()
            },
            None,
        )
        .expect("a regeneration");
        assert_eq!(again.question, None);
        assert_eq!(again.answer_parent, first.answer_parent);
        assert_eq!(
            texts(&again),
            [
                (Role::System, "Be brief.".to_owned()),
                (Role::User, "What is   Rust?".to_owned())
            ]
        );
        let refused = place(
            &store,
            Placement {
                conversation: Some(first.conversation.clone()),
                parent: Some(answer),
                regenerate: true,
                ..Placement::default()
            },
            None,
        );
        assert!(
            matches!(refused, Err(CoreError::InvalidInput(_))),
            "an answer is regenerated from its question"
        );
    }

    #[test]
    fn a_conversation_keeps_the_target_and_parameters_of_its_latest_exchange() {
        let store = Store::open_in_memory().expect("store");
        let first = place(
            &store,
            Placement {
                target: Some(r#"{"type":"logical","model":"gpt-5.1"}"#.into()),
                params: Some(r#"{"temperature":0.2}"#.into()),
                ..Placement::default()
            },
            Some(&Message::text(Role::User, "Hi")),
        )
        .expect("a new conversation");
        let stored = store.conversation(&first.conversation).expect("c");
        assert_eq!(stored.params.as_deref(), Some(r#"{"temperature":0.2}"#));
        place(
            &store,
            Placement {
                conversation: Some(first.conversation.clone()),
                parent: Some(first.answer_parent.clone()),
                params: Some(r#"{"maxTokens":64}"#.into()),
                ..Placement::default()
            },
            Some(&Message::text(Role::User, "Again")),
        )
        .expect("a follow-up");
        let stored = store.conversation(&first.conversation).expect("c");
        assert_eq!(
            stored.params.as_deref(),
            Some(r#"{"maxTokens":64}"#),
            "the latest parameters replace the earlier ones"
        );
        assert_eq!(
            stored.target.as_deref(),
            Some(r#"{"type":"logical","model":"gpt-5.1"}"#),
            "an exchange without a target leaves the stored one"
        );
    }
}
