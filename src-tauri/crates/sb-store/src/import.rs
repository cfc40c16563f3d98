//! Import: a whole file is parsed and checked before anything is written, then written in one
//! transaction. A malformed file is refused with what is wrong and where, and the database is
//! left exactly as it was.

use std::collections::{HashMap, HashSet};

use rusqlite::{OptionalExtension as _, Transaction};
use serde::Deserialize;

use crate::conversations::insert_conversation;
use crate::error::{Context as _, StoreError};
use crate::export::{
    ConversationRecord, HistoryFile, MessageRecord, EXPORT_FORMAT, EXPORT_VERSION,
};
use crate::messages::insert_message;
use crate::model::{Conversation, ConversationId, ImportReport, Message, MessageId, MessageStatus};
use crate::rows::{check_images, speed};
use crate::Store;

/// A conversation checked and ready to write: messages parents first, each with its depth.
#[derive(Debug)]
pub(crate) struct Planned {
    pub conversation: Conversation,
    pub messages: Vec<(Message, i64)>,
}

impl Store {
    /// Imports a Switchboard export ([`Store::export_json`]): every conversation, every branch.
    /// Conversations whose id (or any of whose message ids) is already taken get new ids.
    pub fn import_json(&self, bytes: &[u8]) -> Result<ImportReport, StoreError> {
        let file = parse_history(bytes)?;
        let planned = file
            .conversations
            .into_iter()
            .enumerate()
            .map(|(n, record)| plan(n + 1, record))
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::Import)?;
        self.write_import(planned, 0)
    }

    /// Imports `conversations.json` from a ChatGPT data export: every branch of every
    /// conversation. Hidden system messages, tool calls and tool output are left out (their
    /// children attach to the nearest message kept); images, which the file only references,
    /// are left out too.
    pub fn import_chatgpt(&self, bytes: &[u8]) -> Result<ImportReport, StoreError> {
        let (records, skipped) = crate::chatgpt::convert(bytes).map_err(StoreError::Import)?;
        let planned = records
            .into_iter()
            .enumerate()
            .map(|(n, record)| plan(n + 1, record))
            .collect::<Result<Vec<_>, _>>()
            .map_err(StoreError::Import)?;
        self.write_import(planned, skipped)
    }

    /// Writes checked conversations in one transaction, giving new ids where ids are taken.
    fn write_import(
        &self,
        planned: Vec<Planned>,
        skipped: usize,
    ) -> Result<ImportReport, StoreError> {
        self.write("importing", |tx| {
            let mut report = ImportReport {
                skipped,
                ..ImportReport::default()
            };
            let mut used_conversations: HashSet<String> = HashSet::new();
            let mut used_messages: HashSet<String> = HashSet::new();
            for planned in planned {
                let taken = is_taken(tx, &used_conversations, &used_messages, &planned)?;
                let planned = if taken {
                    report.renamed += 1;
                    with_new_ids(planned)
                } else {
                    planned
                };
                used_conversations.insert(planned.conversation.id.as_str().to_owned());
                insert_conversation(tx, &planned.conversation)?;
                for (message, depth) in &planned.messages {
                    used_messages.insert(message.id.as_str().to_owned());
                    insert_message(tx, message, *depth)?;
                }
                report.conversations += 1;
                report.messages += planned.messages.len();
            }
            Ok(report)
        })
    }
}

/// Reads an export file, refusing other formats and newer versions with a clear message.
fn parse_history(bytes: &[u8]) -> Result<HistoryFile, StoreError> {
    #[derive(Deserialize)]
    struct Header {
        format: Option<String>,
        version: Option<u32>,
    }
    let header: Header = match serde_json::from_slice(bytes) {
        Ok(header) => header,
        Err(e) if e.is_syntax() || e.is_eof() => {
            return Err(StoreError::Import(format!(
                "the file is not valid JSON ({e})."
            )))
        }
        Err(_) => {
            return Err(StoreError::Import(
                "this is not a Switchboard export (expected an object with \"format\": \
                 \"switchboard-history\"; a ChatGPT export is imported with the ChatGPT import)."
                    .into(),
            ))
        }
    };
    if header.format.as_deref() != Some(EXPORT_FORMAT) {
        return Err(StoreError::Import(format!(
            "this is not a Switchboard export (\"format\" is {:?}, expected \"{EXPORT_FORMAT}\").",
            header.format.unwrap_or_default()
        )));
    }
    match header.version {
        Some(v) if v > EXPORT_VERSION => {
            return Err(StoreError::Import(format!(
                "the file is export version {v}, written by a newer Switchboard (this one reads up \
                 to version {EXPORT_VERSION}); update Switchboard to import it."
            )))
        }
        Some(_) => {}
        None => return Err(StoreError::Import("the file has no \"version\".".into())),
    }
    serde_json::from_slice(bytes)
        .map_err(|e| StoreError::Import(format!("the file does not have the expected shape: {e}.")))
}

/// Checks one conversation of an import and orders its messages parents first. `n` is its
/// 1-based position in the file, for messages.
pub(crate) fn plan(n: usize, record: ConversationRecord) -> Result<Planned, String> {
    let place = if record.title.is_empty() {
        format!("conversation {n} (id {:?})", record.id)
    } else {
        format!("conversation {n} ({:?})", record.title)
    };
    if record.id.trim().is_empty() {
        return Err(format!("{place}: the id is empty."));
    }
    let mut index: HashMap<&str, usize> = HashMap::with_capacity(record.messages.len());
    for (i, message) in record.messages.iter().enumerate() {
        if message.id.trim().is_empty() {
            return Err(format!("{place}, message {}: the id is empty.", i + 1));
        }
        if index.insert(message.id.as_str(), i).is_some() {
            return Err(format!(
                "{place}, message {}: the id is used twice.",
                message.id
            ));
        }
        check_images(&message.images)
            .map_err(|e| format!("{place}, message {}: {e}.", message.id))?;
    }
    let order =
        parents_first(&record.messages, &index).map_err(|e| format!("{place}, message {e}"))?;
    let leaf = match &record.current_leaf {
        Some(leaf) if !index.contains_key(leaf.as_str()) => {
            return Err(format!(
                "{place}: current_leaf {leaf} is not one of its messages."
            ))
        }
        Some(leaf) => Some(MessageId::from(leaf.as_str())),
        None => latest_leaf(&record.messages),
    };

    let id = ConversationId::from(record.id.as_str());
    let conversation = Conversation {
        id: id.clone(),
        title: record.title,
        title_generated: record.title_generated,
        created_at: record.created_at,
        updated_at: record.updated_at,
        pinned: record.pinned,
        archived: record.archived,
        system_prompt: record.system_prompt,
        target: record.target.map(|r| r.get().to_owned()),
        params: record.params.map(|r| r.get().to_owned()),
        current_leaf: leaf,
    };
    let mut slots: Vec<Option<MessageRecord>> = record.messages.into_iter().map(Some).collect();
    let mut depths: HashMap<String, i64> = HashMap::with_capacity(slots.len());
    let mut messages = Vec::with_capacity(slots.len());
    for i in order {
        let Some(m) = slots.get_mut(i).and_then(Option::take) else {
            continue;
        };
        let depth = match &m.parent_id {
            Some(parent) => depths.get(parent).copied().unwrap_or(0) + 1,
            None => 0,
        };
        depths.insert(m.id.clone(), depth);
        let status = match m.status {
            // Nothing is streaming into an imported file.
            MessageStatus::Streaming => MessageStatus::Interrupted,
            other => other,
        };
        messages.push((
            Message {
                id: MessageId::from(m.id),
                conversation_id: id.clone(),
                parent_id: m.parent_id.map(MessageId::from),
                role: m.role,
                created_at: m.created_at,
                content: m.content,
                reasoning: m.reasoning,
                images: m.images,
                model: m.model,
                status,
                route: m.route.map(|r| r.get().to_owned()),
                api: m.api,
                usage: m.usage.filter(|u| !u.is_empty()),
                time_to_first_token_ms: m.time_to_first_token_ms,
                tokens_per_second: speed(m.tokens_per_second),
                finish_reason: m.finish_reason,
                error: m.error,
            },
            depth,
        ));
    }
    Ok(Planned {
        conversation,
        messages,
    })
}

/// Message positions ordered so each parent comes before its children, keeping the file's
/// order where it already does. Errors (prefixed by the message id) for a parent that is not in
/// the conversation and for parent links that loop.
fn parents_first(
    messages: &[MessageRecord],
    index: &HashMap<&str, usize>,
) -> Result<Vec<usize>, String> {
    let mut parents: Vec<Option<usize>> = Vec::with_capacity(messages.len());
    for message in messages {
        parents.push(match &message.parent_id {
            None => None,
            Some(parent) => Some(*index.get(parent.as_str()).ok_or_else(|| {
                format!(
                    "{}: parent {parent} does not exist in this conversation.",
                    message.id
                )
            })?),
        });
    }
    // File order; a message that comes before its parent waits for it and follows it out.
    let mut emitted = vec![false; messages.len()];
    let mut waiting: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut order = Vec::with_capacity(messages.len());
    for (i, parent) in parents.iter().enumerate() {
        if let Some(p) = parent.filter(|p| !emitted[*p]) {
            waiting.entry(p).or_default().push(i);
            continue;
        }
        let mut stack = vec![i];
        while let Some(next) = stack.pop() {
            emitted[next] = true;
            order.push(next);
            if let Some(kids) = waiting.remove(&next) {
                stack.extend(kids.into_iter().rev());
            }
        }
    }
    if let Some(stuck) = emitted.iter().position(|done| !done) {
        return Err(format!(
            "{}: its parent links loop (it is never reached from a first message).",
            messages[stuck].id
        ));
    }
    Ok(order)
}

/// The most recently created message without children, for a conversation that names no
/// current leaf.
fn latest_leaf(messages: &[MessageRecord]) -> Option<MessageId> {
    let parents: HashSet<&str> = messages
        .iter()
        .filter_map(|m| m.parent_id.as_deref())
        .collect();
    messages
        .iter()
        .enumerate()
        .filter(|(_, m)| !parents.contains(m.id.as_str()))
        .max_by_key(|(i, m)| (m.created_at, *i))
        .map(|(_, m)| MessageId::from(m.id.as_str()))
}

/// Whether a conversation's id or any of its message ids is already in the database or earlier
/// in this import.
fn is_taken(
    tx: &Transaction<'_>,
    used_conversations: &HashSet<String>,
    used_messages: &HashSet<String>,
    planned: &Planned,
) -> Result<bool, StoreError> {
    let id = planned.conversation.id.as_str();
    if used_conversations.contains(id) {
        return Ok(true);
    }
    let exists = tx
        .prepare_cached("SELECT 1 FROM conversations WHERE id = ?1")
        .and_then(|mut s| s.query_row([id], |_| Ok(())).optional())
        .during("checking imported ids")?;
    if exists.is_some() {
        return Ok(true);
    }
    let mut statement = tx
        .prepare_cached("SELECT 1 FROM messages WHERE id = ?1")
        .during("checking imported ids")?;
    for (message, _) in &planned.messages {
        if used_messages.contains(message.id.as_str()) {
            return Ok(true);
        }
        let exists = statement
            .query_row([message.id.as_str()], |_| Ok(()))
            .optional()
            .during("checking imported ids")?;
        if exists.is_some() {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The same conversation under fresh ids (links between its messages kept).
fn with_new_ids(mut planned: Planned) -> Planned {
    let new_id = ConversationId::generate();
    let mut map: HashMap<MessageId, MessageId> = HashMap::with_capacity(planned.messages.len());
    for (message, _) in &mut planned.messages {
        let fresh = MessageId::generate();
        map.insert(message.id.clone(), fresh.clone());
        message.id = fresh;
        message.conversation_id = new_id.clone();
        // Parents come first, so the parent's new id is known.
        message.parent_id = message.parent_id.take().and_then(|p| map.get(&p).cloned());
    }
    planned.conversation.current_leaf = planned
        .conversation
        .current_leaf
        .take()
        .and_then(|l| map.get(&l).cloned());
    planned.conversation.id = new_id;
    planned
}
