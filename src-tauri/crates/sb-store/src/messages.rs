//! Messages: adding them to the tree, and an answer's life (start, progress, end).

use rusqlite::{params, OptionalExtension as _, Transaction};

use crate::conversations::load_conversation;
use crate::error::{Context as _, StoreError};
use crate::model::{
    AnswerEnd, AnswerStart, ConversationId, Message, MessageId, MessageStatus, NewMessage, Role,
};
use crate::rows::{
    check_images, check_json, message_from_row, now_ms, speed, sql_count, MESSAGE_COLUMNS,
};
use crate::Store;

impl Store {
    /// Adds a written message under `parent_id` (`None`: a first message, or a new version of
    /// the first message) and shows its branch. The parent must belong to the conversation.
    ///
    /// Editing a message and sending it again is adding a sibling: the same parent as the
    /// message edited.
    pub fn add_message(
        &self,
        conversation_id: &ConversationId,
        parent_id: Option<&MessageId>,
        new: NewMessage,
    ) -> Result<Message, StoreError> {
        check_images(&new.images).map_err(StoreError::InvalidInput)?;
        let message = Message {
            id: MessageId::generate(),
            conversation_id: conversation_id.clone(),
            parent_id: parent_id.cloned(),
            role: new.role,
            created_at: now_ms(),
            content: new.content,
            reasoning: new.reasoning,
            images: new.images,
            model: new.model,
            status: MessageStatus::Complete,
            route: None,
            api: None,
            usage: None,
            time_to_first_token_ms: None,
            tokens_per_second: None,
            finish_reason: None,
            error: None,
        };
        self.write("adding a message", |tx| {
            append(tx, &message)?;
            Ok(())
        })?;
        Ok(message)
    }

    /// Starts an answer under `parent_id` with status `streaming` and empty text, and shows its
    /// branch. Regenerating an answer is starting a sibling: the same parent as the old answer.
    pub fn start_answer(
        &self,
        conversation_id: &ConversationId,
        parent_id: Option<&MessageId>,
        start: AnswerStart,
    ) -> Result<MessageId, StoreError> {
        check_json("Route", start.route.as_deref())?;
        let message = Message {
            id: MessageId::generate(),
            conversation_id: conversation_id.clone(),
            parent_id: parent_id.cloned(),
            role: Role::Assistant,
            created_at: now_ms(),
            content: String::new(),
            reasoning: String::new(),
            images: Vec::new(),
            model: start.model,
            status: MessageStatus::Streaming,
            route: start.route,
            api: start.api,
            usage: None,
            time_to_first_token_ms: None,
            tokens_per_second: None,
            finish_reason: None,
            error: None,
        };
        self.write("starting an answer", |tx| {
            append(tx, &message)?;
            Ok(())
        })?;
        Ok(message.id)
    }

    /// Saves an answer's whole text and reasoning so far (idempotent: call it every few hundred
    /// ms while streaming). An answer marked `interrupted` because another process opened the
    /// file meanwhile is `streaming` again: only its writer saves progress.
    pub fn save_progress(
        &self,
        id: &MessageId,
        text: &str,
        reasoning: &str,
    ) -> Result<(), StoreError> {
        self.write("saving an answer's progress", |tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE messages SET content = ?2, reasoning = ?3, status = 'streaming' \
                     WHERE id = ?1 AND status IN ('streaming', 'interrupted')",
                )
                .and_then(|mut s| s.execute(params![id.as_str(), text, reasoning]))
                .during("saving an answer's progress")?;
            if changed == 0 {
                return Err(not_streaming(tx, id)?);
            }
            Ok(())
        })
    }

    /// Ends an answer (its text is what [`Store::save_progress`] saved last). Any status but
    /// `streaming`; `route` and `api` left `None` keep what the start said.
    pub fn finish_answer(&self, id: &MessageId, end: AnswerEnd) -> Result<Message, StoreError> {
        if end.status == MessageStatus::Streaming {
            return Err(StoreError::InvalidInput(
                "An answer cannot end as streaming; use complete, interrupted, stopped or error."
                    .into(),
            ));
        }
        check_json("Route", end.route.as_deref())?;
        let usage = end.usage.unwrap_or_default();
        let (error_code, error_message) = match end.error {
            Some(error) => (Some(error.code), Some(error.message)),
            None => (None, None),
        };
        self.write("ending an answer", |tx| {
            let changed = tx
                .prepare_cached(
                    "UPDATE messages SET status = ?2, finish_reason = ?3, \
                     prompt_tokens = ?4, completion_tokens = ?5, total_tokens = ?6, \
                     reasoning_tokens = ?7, cached_tokens = ?8, \
                     route = coalesce(?9, route), api = coalesce(?10, api), \
                     ttft_ms = ?11, tokens_per_second = ?12, error_code = ?13, error_message = ?14 \
                     WHERE id = ?1 AND status IN ('streaming', 'interrupted')",
                )
                .and_then(|mut s| {
                    s.execute(params![
                        id.as_str(),
                        end.status.as_str(),
                        end.finish_reason,
                        sql_count(usage.prompt_tokens),
                        sql_count(usage.completion_tokens),
                        sql_count(usage.total_tokens),
                        sql_count(usage.reasoning_tokens),
                        sql_count(usage.cached_tokens),
                        end.route,
                        end.api.map(|a| a.as_str()),
                        sql_count(end.ttft_ms),
                        speed(end.tokens_per_second),
                        error_code,
                        error_message,
                    ])
                })
                .during("ending an answer")?;
            if changed == 0 {
                return Err(not_streaming(tx, id)?);
            }
            let message = load_message(tx, id)?;
            touch(tx, &message.conversation_id)?;
            Ok(message)
        })
    }

    /// One message.
    pub fn message(&self, id: &MessageId) -> Result<Message, StoreError> {
        self.read("reading a message", |tx| load_message(tx, id))
    }
}

/// Inserts a new message of an existing conversation under a parent of the same conversation,
/// and makes it the conversation's current leaf.
fn append(tx: &Transaction<'_>, message: &Message) -> Result<(), StoreError> {
    load_conversation(tx, &message.conversation_id)?;
    let depth = match &message.parent_id {
        None => 0,
        Some(parent) => {
            let (conversation, depth): (String, i64) = tx
                .prepare_cached("SELECT conversation_id, depth FROM messages WHERE id = ?1")
                .and_then(|mut s| {
                    s.query_row([parent.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                        .optional()
                })
                .during("finding the parent message")?
                .ok_or_else(|| StoreError::MessageNotFound(parent.clone()))?;
            if conversation != message.conversation_id.as_str() {
                return Err(StoreError::InvalidInput(format!(
                    "The message {parent} belongs to another conversation; a reply must stay \
                     in the conversation of the message it answers."
                )));
            }
            depth + 1
        }
    };
    insert_message(tx, message, depth)?;
    tx.prepare_cached("UPDATE conversations SET current_leaf = ?2, updated_at = ?3 WHERE id = ?1")
        .and_then(|mut s| {
            s.execute(params![
                message.conversation_id.as_str(),
                message.id.as_str(),
                message.created_at
            ])
        })
        .during("showing the new message")?;
    Ok(())
}

/// Inserts a message row as it is, at `depth` in its branch.
pub(crate) fn insert_message(
    tx: &Transaction<'_>,
    message: &Message,
    depth: i64,
) -> Result<(), StoreError> {
    let images = serde_json::to_string(&message.images)
        .map_err(|e| StoreError::InvalidInput(format!("Images cannot be encoded: {e}")))?;
    let usage = message.usage.unwrap_or_default();
    let (error_code, error_message) = match &message.error {
        Some(error) => (Some(error.code.as_str()), Some(error.message.as_str())),
        None => (None, None),
    };
    tx.prepare_cached(
        "INSERT INTO messages (id, conversation_id, parent_id, depth, role, created_at, content, \
         reasoning, images, model, status, route, api, prompt_tokens, completion_tokens, \
         total_tokens, reasoning_tokens, cached_tokens, ttft_ms, tokens_per_second, \
         finish_reason, error_code, error_message) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, \
         ?18, ?19, ?20, ?21, ?22, ?23)",
    )
    .and_then(|mut s| {
        s.execute(params![
            message.id.as_str(),
            message.conversation_id.as_str(),
            message.parent_id.as_ref().map(|p| p.as_str()),
            depth,
            message.role.as_str(),
            message.created_at,
            message.content,
            message.reasoning,
            images,
            message.model,
            message.status.as_str(),
            message.route,
            message.api.map(|a| a.as_str()),
            sql_count(usage.prompt_tokens),
            sql_count(usage.completion_tokens),
            sql_count(usage.total_tokens),
            sql_count(usage.reasoning_tokens),
            sql_count(usage.cached_tokens),
            sql_count(message.time_to_first_token_ms),
            speed(message.tokens_per_second),
            message.finish_reason,
            error_code,
            error_message,
        ])
    })
    .during("saving a message")?;
    Ok(())
}

/// One message, or [`StoreError::MessageNotFound`].
pub(crate) fn load_message(tx: &Transaction<'_>, id: &MessageId) -> Result<Message, StoreError> {
    let sql = format!("SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.id = ?1");
    tx.prepare_cached(&sql)
        .and_then(|mut s| s.query_row([id.as_str()], message_from_row).optional())
        .during("reading a message")?
        .ok_or_else(|| StoreError::MessageNotFound(id.clone()))
}

/// The error for a progress or end saved to an answer that is not streaming.
fn not_streaming(tx: &Transaction<'_>, id: &MessageId) -> Result<StoreError, StoreError> {
    let message = load_message(tx, id)?;
    Ok(StoreError::NotStreaming {
        id: id.clone(),
        status: message.status,
    })
}

/// Records activity in a conversation (its place in the list).
fn touch(tx: &Transaction<'_>, id: &ConversationId) -> Result<(), StoreError> {
    tx.prepare_cached("UPDATE conversations SET updated_at = max(updated_at, ?2) WHERE id = ?1")
        .and_then(|mut s| s.execute(params![id.as_str(), now_ms()]))
        .during("recording activity")?;
    Ok(())
}
