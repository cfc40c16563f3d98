//! Conversations: create, read, list, change, delete.

use rusqlite::{params, OptionalExtension as _, Transaction};

use crate::error::{Context as _, StoreError};
use crate::model::{Conversation, ConversationId, ConversationPatch, ListQuery, NewConversation};
use crate::rows::{check_json, conversation_from_row, now_ms, CONVERSATION_COLUMNS};
use crate::Store;

impl Store {
    /// Creates an empty conversation.
    pub fn create_conversation(&self, new: NewConversation) -> Result<Conversation, StoreError> {
        check_json("Target", new.target.as_deref())?;
        check_json("Parameters", new.params.as_deref())?;
        let now = now_ms();
        let conversation = Conversation {
            id: ConversationId::generate(),
            title: new.title.map(|t| t.trim().to_owned()).unwrap_or_default(),
            title_generated: false,
            created_at: now,
            updated_at: now,
            pinned: false,
            archived: false,
            system_prompt: new.system_prompt,
            target: new.target,
            params: new.params,
            current_leaf: None,
        };
        self.write("creating a conversation", |tx| {
            insert_conversation(tx, &conversation)?;
            Ok(())
        })?;
        Ok(conversation)
    }

    /// One conversation.
    pub fn conversation(&self, id: &ConversationId) -> Result<Conversation, StoreError> {
        self.read("reading a conversation", |tx| load_conversation(tx, id))
    }

    /// A page of the main list or the archive: pinned first, then the most recent activity.
    pub fn list_conversations(&self, query: ListQuery) -> Result<Vec<Conversation>, StoreError> {
        self.read("listing conversations", |tx| {
            let sql = format!(
                "SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE archived = ?1 \
                 ORDER BY pinned DESC, updated_at DESC, id LIMIT ?2 OFFSET ?3"
            );
            let mut statement = tx.prepare_cached(&sql).during("listing conversations")?;
            let rows = statement
                .query_map(
                    params![
                        query.archived,
                        to_sql_len(query.limit),
                        to_sql_len(query.offset)
                    ],
                    conversation_from_row,
                )
                .during("listing conversations")?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .during("listing conversations")
        })
    }

    /// Changes what the patch sets. A title set here is the user's: generated titles never
    /// replace it (unless it is empty).
    pub fn update_conversation(
        &self,
        id: &ConversationId,
        patch: ConversationPatch,
    ) -> Result<Conversation, StoreError> {
        if let Some(Some(target)) = &patch.target {
            check_json("Target", Some(target))?;
        }
        if let Some(Some(params)) = &patch.params {
            check_json("Parameters", Some(params))?;
        }
        self.write("changing a conversation", |tx| {
            let mut conversation = load_conversation(tx, id)?;
            if let Some(title) = patch.title {
                conversation.title = title.trim().to_owned();
                conversation.title_generated = false;
            }
            if let Some(pinned) = patch.pinned {
                conversation.pinned = pinned;
            }
            if let Some(archived) = patch.archived {
                conversation.archived = archived;
            }
            if let Some(system_prompt) = patch.system_prompt {
                conversation.system_prompt = system_prompt;
            }
            if let Some(target) = patch.target {
                conversation.target = target;
            }
            if let Some(params) = patch.params {
                conversation.params = params;
            }
            tx.execute(
                "UPDATE conversations SET title = ?2, title_generated = ?3, pinned = ?4, \
                 archived = ?5, system_prompt = ?6, target = ?7, params = ?8 WHERE id = ?1",
                params![
                    conversation.id.as_str(),
                    conversation.title,
                    conversation.title_generated,
                    conversation.pinned,
                    conversation.archived,
                    conversation.system_prompt,
                    conversation.target,
                    conversation.params,
                ],
            )
            .during("changing a conversation")?;
            Ok(conversation)
        })
    }

    /// Sets a generated title, unless the user set one. Returns whether it was set.
    pub fn set_generated_title(
        &self,
        id: &ConversationId,
        title: &str,
    ) -> Result<bool, StoreError> {
        let title = title.trim();
        if title.is_empty() {
            return Ok(false);
        }
        self.write("setting a generated title", |tx| {
            let changed = tx
                .execute(
                    "UPDATE conversations SET title = ?2, title_generated = 1 \
                     WHERE id = ?1 AND (title_generated = 1 OR title = '')",
                    params![id.as_str(), title],
                )
                .during("setting a generated title")?;
            if changed == 0 {
                load_conversation(tx, id)?; // not found, or the user's title stays
            }
            Ok(changed > 0)
        })
    }

    /// Deletes a conversation with all its messages.
    pub fn delete_conversation(&self, id: &ConversationId) -> Result<(), StoreError> {
        self.write("deleting a conversation", |tx| {
            let deleted = tx
                .execute("DELETE FROM conversations WHERE id = ?1", [id.as_str()])
                .during("deleting a conversation")?;
            if deleted == 0 {
                return Err(StoreError::ConversationNotFound(id.clone()));
            }
            Ok(())
        })
    }
}

/// Inserts a conversation row as it is.
pub(crate) fn insert_conversation(
    tx: &Transaction<'_>,
    conversation: &Conversation,
) -> Result<(), StoreError> {
    tx.prepare_cached(
        "INSERT INTO conversations (id, title, title_generated, created_at, updated_at, pinned, \
         archived, system_prompt, target, params, current_leaf) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .and_then(|mut statement| {
        statement.execute(params![
            conversation.id.as_str(),
            conversation.title,
            conversation.title_generated,
            conversation.created_at,
            conversation.updated_at,
            conversation.pinned,
            conversation.archived,
            conversation.system_prompt,
            conversation.target,
            conversation.params,
            conversation.current_leaf.as_ref().map(|id| id.as_str()),
        ])
    })
    .during("saving a conversation")?;
    Ok(())
}

/// One conversation, or [`StoreError::ConversationNotFound`].
pub(crate) fn load_conversation(
    tx: &Transaction<'_>,
    id: &ConversationId,
) -> Result<Conversation, StoreError> {
    let sql = format!("SELECT {CONVERSATION_COLUMNS} FROM conversations WHERE id = ?1");
    tx.prepare_cached(&sql)
        .and_then(|mut s| s.query_row([id.as_str()], conversation_from_row).optional())
        .during("reading a conversation")?
        .ok_or_else(|| StoreError::ConversationNotFound(id.clone()))
}

/// A length or offset as SQLite takes it (`usize::MAX`: no limit).
pub(crate) fn to_sql_len(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
