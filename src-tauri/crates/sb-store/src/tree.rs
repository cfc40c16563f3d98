//! The message tree: the branch being shown, a window of it, and switching branches.

use rusqlite::{params, OptionalExtension as _, Transaction};

use crate::conversations::{load_conversation, to_sql_len};
use crate::error::{Context as _, StoreError};
use crate::model::{BranchPage, ConversationId, Message, MessageId, ThreadMessage};
use crate::rows::{message_from_row, now_ms, MESSAGE_COLUMNS, MESSAGE_COLUMN_COUNT};
use crate::Store;

impl Store {
    /// The branch being shown, from the first message to the current leaf, each message with
    /// its siblings. Reads the whole branch: for long conversations use [`Store::branch_page`].
    pub fn branch(
        &self,
        conversation_id: &ConversationId,
    ) -> Result<Vec<ThreadMessage>, StoreError> {
        Ok(self
            .branch_page(conversation_id, None, usize::MAX)?
            .messages)
    }

    /// Up to `limit` messages of the branch being shown, ending just before branch index
    /// `before` (`None`: the end, i.e. the last screen), plus the branch's length.
    ///
    /// A virtualized list opens with `branch_page(id, None, 50)`, sizes its scrollbar from
    /// `total`, and loads older screens with `before: Some(page.start)` as the user scrolls up.
    /// Only the messages returned are read in full; reaching index `i` walks the parent links
    /// (ids only) from the leaf, so the last screen costs the same in a conversation of any
    /// length.
    pub fn branch_page(
        &self,
        conversation_id: &ConversationId,
        before: Option<usize>,
        limit: usize,
    ) -> Result<BranchPage, StoreError> {
        self.read("reading a branch", |tx| {
            let conversation = load_conversation(tx, conversation_id)?;
            let Some(leaf) = conversation.current_leaf else {
                return Ok(BranchPage {
                    total: 0,
                    start: 0,
                    messages: Vec::new(),
                });
            };
            let leaf_depth: i64 = tx
                .prepare_cached("SELECT depth FROM messages WHERE id = ?1")
                .and_then(|mut s| s.query_row([leaf.as_str()], |r| r.get(0)).optional())
                .during("reading a branch")?
                .ok_or_else(|| StoreError::MessageNotFound(leaf.clone()))?;
            let total = usize::try_from(leaf_depth).unwrap_or(0) + 1;
            let end = before.map_or(total, |b| b.min(total));
            let start = end.saturating_sub(limit);
            let messages = window(tx, &leaf, start, end)?;
            let mut thread = Vec::with_capacity(messages.len());
            for (offset, message) in messages.into_iter().enumerate() {
                let siblings = siblings(tx, &message)?;
                let sibling_index = siblings.iter().position(|s| *s == message.id).unwrap_or(0);
                thread.push(ThreadMessage {
                    index: start + offset,
                    message,
                    siblings,
                    sibling_index,
                });
            }
            Ok(BranchPage {
                total,
                start,
                messages: thread,
            })
        })
    }

    /// Shows the branch through `message_id`: it and its ancestors, then down to the most
    /// recently created leaf below it (where the user was last in that part of the tree).
    /// Returns the new current leaf.
    pub fn switch_branch(
        &self,
        conversation_id: &ConversationId,
        message_id: &MessageId,
    ) -> Result<MessageId, StoreError> {
        self.write("switching branches", |tx| {
            check_owner(tx, conversation_id, message_id, "switching branches")?;
            let leaf = latest_leaf_below(tx, message_id)?;
            tx.prepare_cached("UPDATE conversations SET current_leaf = ?2 WHERE id = ?1")
                .and_then(|mut s| s.execute(params![conversation_id.as_str(), leaf.as_str()]))
                .during("switching branches")?;
            Ok(leaf)
        })
    }
}

impl Store {
    /// Deletes a message and everything below it (the answers to it and the branches that
    /// follow). When the branch being shown went with it, the conversation shows the most
    /// recent remaining branch through the message's parent instead (the parent itself when
    /// nothing else follows it). Refused while an answer in that part is still being written.
    /// Returns the new current leaf (`None`: the conversation has no messages left).
    pub fn delete_message(
        &self,
        conversation_id: &ConversationId,
        message_id: &MessageId,
    ) -> Result<Option<MessageId>, StoreError> {
        const DOING: &str = "deleting a message";
        self.write(DOING, |tx| {
            let parent = check_owner(tx, conversation_id, message_id, DOING)?;
            let streaming: bool = tx
                .prepare_cached(
                    "WITH RECURSIVE below (id, status) AS ( \
                         SELECT id, status FROM messages WHERE id = ?1 \
                         UNION ALL \
                         SELECT c.id, c.status FROM messages c JOIN below ON c.parent_id = below.id \
                     ) \
                     SELECT EXISTS (SELECT 1 FROM below WHERE status = 'streaming')",
                )
                .and_then(|mut s| s.query_row([message_id.as_str()], |r| r.get(0)))
                .during(DOING)?;
            if streaming {
                return Err(StoreError::InvalidInput(
                    "An answer below this message is still being written: stop it or let it \
                     finish, then delete."
                        .into(),
                ));
            }
            // Children go with their parent (ON DELETE CASCADE); the search triggers fire for
            // each of them.
            tx.prepare_cached("DELETE FROM messages WHERE id = ?1")
                .and_then(|mut s| s.execute([message_id.as_str()]))
                .during(DOING)?;
            let current: Option<String> = tx
                .prepare_cached(
                    "SELECT current_leaf FROM conversations c WHERE id = ?1 \
                     AND EXISTS (SELECT 1 FROM messages m WHERE m.id = c.current_leaf)",
                )
                .and_then(|mut s| s.query_row([conversation_id.as_str()], |r| r.get(0)))
                .optional()
                .during(DOING)?
                .flatten();
            let leaf = match (current, parent) {
                (Some(current), _) => Some(MessageId::from(current)),
                (None, Some(parent)) => Some(latest_leaf_below(tx, &parent)?),
                (None, None) => latest_root_leaf(tx, conversation_id)?,
            };
            tx.prepare_cached(
                "UPDATE conversations SET current_leaf = ?2, updated_at = ?3 WHERE id = ?1",
            )
            .and_then(|mut s| {
                s.execute(params![
                    conversation_id.as_str(),
                    leaf.as_ref().map(MessageId::as_str),
                    now_ms()
                ])
            })
            .during(DOING)?;
            Ok(leaf)
        })
    }
}

/// Checks that `message_id` is in `conversation_id`; returns the message's parent.
fn check_owner(
    tx: &Transaction<'_>,
    conversation_id: &ConversationId,
    message_id: &MessageId,
    doing: &'static str,
) -> Result<Option<MessageId>, StoreError> {
    load_conversation(tx, conversation_id)?;
    let (owner, parent): (String, Option<String>) = tx
        .prepare_cached("SELECT conversation_id, parent_id FROM messages WHERE id = ?1")
        .and_then(|mut s| {
            s.query_row([message_id.as_str()], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
        .during(doing)?
        .ok_or_else(|| StoreError::MessageNotFound(message_id.clone()))?;
    if owner != conversation_id.as_str() {
        return Err(StoreError::InvalidInput(format!(
            "The message {message_id} belongs to another conversation."
        )));
    }
    Ok(parent.map(MessageId::from))
}

/// The most recently created leaf of the most recent root (`None`: no messages).
fn latest_root_leaf(
    tx: &Transaction<'_>,
    conversation_id: &ConversationId,
) -> Result<Option<MessageId>, StoreError> {
    let root: Option<String> = tx
        .prepare_cached(
            "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id IS NULL \
             ORDER BY created_at DESC, seq DESC LIMIT 1",
        )
        .and_then(|mut s| s.query_row([conversation_id.as_str()], |r| r.get(0)))
        .optional()
        .during("deleting a message")?;
    root.map(|root| latest_leaf_below(tx, &MessageId::from(root)))
        .transpose()
}

/// The messages at branch indexes `start..end` of the branch ending at `leaf`, in order.
/// Walks up from the leaf by `parent_id` and stops at depth `start`.
fn window(
    tx: &Transaction<'_>,
    leaf: &MessageId,
    start: usize,
    end: usize,
) -> Result<Vec<Message>, StoreError> {
    if start >= end {
        return Ok(Vec::new());
    }
    let sql = format!(
        "WITH RECURSIVE up (seq, parent_id, depth) AS ( \
             SELECT seq, parent_id, depth FROM messages WHERE id = ?1 \
             UNION ALL \
             SELECT p.seq, p.parent_id, p.depth FROM messages p JOIN up ON p.id = up.parent_id \
             WHERE up.depth > ?2 \
         ) \
         SELECT {MESSAGE_COLUMNS}, up.depth FROM up JOIN messages m ON m.seq = up.seq \
         WHERE up.depth < ?3 ORDER BY up.depth"
    );
    let mut statement = tx.prepare_cached(&sql).during("reading a branch")?;
    let rows = statement
        .query_map(
            params![leaf.as_str(), to_sql_len(start), to_sql_len(end)],
            |row| {
                let depth: i64 = row.get(MESSAGE_COLUMN_COUNT)?;
                Ok((message_from_row(row)?, depth))
            },
        )
        .during("reading a branch")?;
    let mut messages = Vec::with_capacity(end - start);
    for row in rows {
        let (message, depth) = row.during("reading a branch")?;
        // A gap in the depths would mean a broken tree; say so rather than mislabel indexes.
        if usize::try_from(depth).ok() != Some(start + messages.len()) {
            return Err(StoreError::Inconsistent(format!(
                "message {} is at depth {depth} of its branch, expected {}",
                message.id,
                start + messages.len()
            )));
        }
        messages.push(message);
    }
    Ok(messages)
}

/// The message and its siblings (same parent, same conversation), oldest first.
fn siblings(tx: &Transaction<'_>, message: &Message) -> Result<Vec<MessageId>, StoreError> {
    let mut statement = tx
        .prepare_cached(
            "SELECT id FROM messages WHERE conversation_id = ?1 AND parent_id IS ?2 \
             ORDER BY created_at, seq",
        )
        .during("reading siblings")?;
    let rows = statement
        .query_map(
            params![
                message.conversation_id.as_str(),
                message.parent_id.as_ref().map(|p| p.as_str())
            ],
            |r| r.get::<_, String>(0),
        )
        .during("reading siblings")?;
    rows.map(|r| r.map(MessageId::from))
        .collect::<rusqlite::Result<Vec<_>>>()
        .during("reading siblings")
}

/// The most recently created leaf in the subtree of `id` (itself when it has no children).
pub(crate) fn latest_leaf_below(
    tx: &Transaction<'_>,
    id: &MessageId,
) -> Result<MessageId, StoreError> {
    let leaf: Option<String> = tx
        .prepare_cached(
            "WITH RECURSIVE below (id, seq, created_at) AS ( \
                 SELECT id, seq, created_at FROM messages WHERE id = ?1 \
                 UNION ALL \
                 SELECT c.id, c.seq, c.created_at FROM messages c JOIN below ON c.parent_id = below.id \
             ) \
             SELECT id FROM below \
             WHERE NOT EXISTS (SELECT 1 FROM messages c WHERE c.parent_id = below.id) \
             ORDER BY created_at DESC, seq DESC LIMIT 1",
        )
        .and_then(|mut s| s.query_row([id.as_str()], |r| r.get(0)).optional())
        .during("finding the latest leaf")?;
    leaf.map(MessageId::from)
        .ok_or_else(|| StoreError::MessageNotFound(id.clone()))
}
