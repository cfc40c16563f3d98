//! Reading `conversations.json` from a ChatGPT data export into our export records.
//!
//! The file is an array of conversations; each has a `mapping` from node id to
//! `{message, parent, children}` (a tree, every branch kept) and `current_node`, the end of the
//! branch that was shown. Times are float seconds. Nodes without a message (the root), system
//! messages marked hidden, tool calls (`recipient` other than `all`), tool output (role
//! `tool`) and nodes with no text (reasoning recaps, context notes) are left out; their
//! children attach to the nearest ancestor kept.

use std::collections::{BTreeMap, HashMap};

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::export::{ConversationRecord, MessageRecord};
use crate::model::{ConversationId, MessageId, MessageStatus, Role};

#[derive(Debug, Deserialize)]
struct GptConversation {
    title: Option<String>,
    create_time: Option<f64>,
    update_time: Option<f64>,
    mapping: Option<BTreeMap<String, GptNode>>,
    current_node: Option<String>,
    is_archived: Option<bool>,
}

#[derive(Debug, Deserialize)]
struct GptNode {
    message: Option<GptMessage>,
    parent: Option<String>,
    #[serde(default)]
    children: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct GptMessage {
    author: Option<GptAuthor>,
    create_time: Option<f64>,
    content: Option<GptContent>,
    status: Option<String>,
    metadata: Option<GptMetadata>,
    recipient: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GptAuthor {
    role: Option<String>,
}

#[derive(Debug, Deserialize)]
struct GptContent {
    content_type: Option<String>,
    parts: Option<Vec<GptPart>>,
    text: Option<String>,
}

/// A content part: text, or something else (an image pointer, audio...) that is left out.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum GptPart {
    Text(String),
    Other(IgnoredAny),
}

#[derive(Debug, Deserialize)]
struct GptMetadata {
    model_slug: Option<String>,
    is_visually_hidden_from_conversation: Option<bool>,
    finish_details: Option<GptFinish>,
}

#[derive(Debug, Deserialize)]
struct GptFinish {
    #[serde(rename = "type")]
    kind: Option<String>,
}

/// Converts the file to export records with fresh ids. Returns them and how many nodes with a
/// message were left out; or what is wrong and where.
pub(crate) fn convert(bytes: &[u8]) -> Result<(Vec<ConversationRecord>, usize), String> {
    let conversations: Vec<GptConversation> = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_syntax() || e.is_eof() {
            format!("the file is not valid JSON ({e}).")
        } else {
            format!(
                "this is not a ChatGPT conversations.json (expected an array of conversations \
                 with a \"mapping\"): {e}."
            )
        }
    })?;
    let mut records = Vec::with_capacity(conversations.len());
    let mut skipped = 0;
    for (i, conversation) in conversations.into_iter().enumerate() {
        let (record, left_out) = convert_one(i + 1, conversation)?;
        records.push(record);
        skipped += left_out;
    }
    Ok((records, skipped))
}

/// A node whose parent links loop, if any (each node is walked once).
fn find_loop(mapping: &BTreeMap<String, GptNode>) -> Option<&str> {
    // 1: on the path being walked; 2: known to reach a root.
    let mut state: HashMap<&str, u8> = HashMap::with_capacity(mapping.len());
    for start in mapping.keys() {
        let mut path = Vec::new();
        let mut cursor = Some(start.as_str());
        while let Some(id) = cursor {
            match state.get(id) {
                Some(2) => break,
                Some(_) => return Some(id),
                None => {
                    state.insert(id, 1);
                    path.push(id);
                    cursor = mapping.get(id).and_then(|n| n.parent.as_deref());
                }
            }
        }
        for id in path {
            state.insert(id, 2);
        }
    }
    None
}

/// Unix milliseconds from float seconds; `None` when absent, an error when not a time.
fn millis(place: &str, field: &str, seconds: Option<f64>) -> Result<Option<i64>, String> {
    match seconds {
        None => Ok(None),
        // Up to the year 5000: anything later is not a ChatGPT time.
        Some(s) if s.is_finite() && (0.0..=95_617_584_000.0).contains(&s) => {
            Ok(Some((s * 1000.0).round() as i64))
        }
        Some(s) => Err(format!("{place}: {field} {s} is not a time.")),
    }
}

/// The text a node shows, or `None` when it shows none.
fn text_of(message: &GptMessage) -> Option<String> {
    let content = message.content.as_ref()?;
    let text = match content.content_type.as_deref() {
        Some("text" | "multimodal_text") | None => content
            .parts
            .as_ref()?
            .iter()
            .filter_map(|part| match part {
                GptPart::Text(text) if !text.trim().is_empty() => Some(text.as_str()),
                _ => None,
            })
            .collect::<Vec<_>>()
            .join("\n\n"),
        Some("code") => content.text.clone()?,
        // Reasoning recaps, browsing displays, context notes, tool output...
        Some(_) => return None,
    };
    (!text.trim().is_empty()).then_some(text)
}

/// What a node becomes: a message record (with the ChatGPT fields read), or nothing.
fn kept(message: &GptMessage) -> Option<(Role, String)> {
    let metadata = message.metadata.as_ref();
    if metadata.and_then(|m| m.is_visually_hidden_from_conversation) == Some(true) {
        return None;
    }
    if message.recipient.as_deref().is_some_and(|r| r != "all") {
        return None; // a call to a tool, not text for the person
    }
    let role = match message.author.as_ref()?.role.as_deref()? {
        "user" => Role::User,
        "assistant" => Role::Assistant,
        "system" => Role::System,
        _ => return None, // tool output
    };
    Some((role, text_of(message)?))
}

fn status_of(status: Option<&str>) -> MessageStatus {
    match status {
        Some("in_progress") => MessageStatus::Interrupted,
        Some("finished_partial_completion") => MessageStatus::Stopped,
        _ => MessageStatus::Complete,
    }
}

fn convert_one(
    n: usize,
    conversation: GptConversation,
) -> Result<(ConversationRecord, usize), String> {
    let title = conversation.title.clone().unwrap_or_default();
    let place = if title.is_empty() {
        format!("conversation {n}")
    } else {
        format!("conversation {n} ({title:?})")
    };
    let mapping = conversation
        .mapping
        .ok_or_else(|| format!("{place}: there is no \"mapping\" of messages."))?;

    // The tree must hold together before anything is read from it.
    for (id, node) in &mapping {
        if let Some(parent) = &node.parent {
            if !mapping.contains_key(parent) {
                return Err(format!(
                    "{place}, node {id}: parent {parent} does not exist."
                ));
            }
        }
    }
    for (id, node) in &mapping {
        for child in &node.children {
            match mapping.get(child) {
                None => return Err(format!("{place}, node {id}: child {child} does not exist.")),
                Some(c) if c.parent.as_deref() != Some(id.as_str()) => {
                    return Err(format!(
                        "{place}, node {id}: child {child} names {} as its parent.",
                        c.parent.as_deref().unwrap_or("no node")
                    ))
                }
                Some(_) => {}
            }
        }
    }
    if let Some(id) = find_loop(&mapping) {
        return Err(format!("{place}, node {id}: its parent links loop."));
    }
    if let Some(current) = &conversation.current_node {
        if !mapping.contains_key(current) {
            return Err(format!("{place}: current_node {current} does not exist."));
        }
    }
    let created_at = millis(&place, "create_time", conversation.create_time)?;
    let updated_at = millis(&place, "update_time", conversation.update_time)?;

    // Which nodes become messages, and the nearest kept ancestor of every node.
    let mut keep: HashMap<&str, (Role, String)> = HashMap::new();
    let mut skipped = 0;
    for (id, node) in &mapping {
        if let Some(message) = &node.message {
            match kept(message) {
                Some(k) => {
                    keep.insert(id.as_str(), k);
                }
                None => skipped += 1,
            }
        }
    }
    let mut kept_parent: HashMap<&str, Option<&str>> = HashMap::new();
    for id in mapping.keys() {
        // Walk up to the nearest kept ancestor (there are no loops: checked above).
        let mut cursor = mapping.get(id).and_then(|n| n.parent.as_deref());
        while let Some(c) = cursor.filter(|c| !keep.contains_key(c)) {
            cursor = mapping.get(c).and_then(|n| n.parent.as_deref());
        }
        kept_parent.insert(id.as_str(), cursor);
    }

    let ids: HashMap<&str, String> = keep
        .keys()
        .map(|k| (*k, MessageId::generate().as_str().to_owned()))
        .collect();
    let fallback_time = created_at.unwrap_or(0);
    let mut messages: Vec<(i64, &str, MessageRecord)> = Vec::with_capacity(keep.len());
    for (id, (role, text)) in &keep {
        let node_place = format!("{place}, node {id}");
        let Some(message) = mapping.get(*id).and_then(|n| n.message.as_ref()) else {
            continue;
        };
        let time = millis(&node_place, "create_time", message.create_time)?;
        let metadata = message.metadata.as_ref();
        let parent = kept_parent.get(id).copied().flatten();
        messages.push((
            time.unwrap_or(fallback_time),
            id,
            MessageRecord {
                id: ids.get(id).cloned().unwrap_or_default(),
                parent_id: parent.and_then(|p| ids.get(p).cloned()),
                role: *role,
                created_at: time.unwrap_or(fallback_time),
                content: text.clone(),
                reasoning: String::new(),
                images: Vec::new(),
                model: metadata
                    .and_then(|m| m.model_slug.clone())
                    .filter(|_| *role == Role::Assistant),
                status: status_of(message.status.as_deref()),
                route: None,
                api: None,
                usage: None,
                time_to_first_token_ms: None,
                tokens_per_second: None,
                finish_reason: metadata
                    .and_then(|m| m.finish_details.as_ref())
                    .and_then(|f| f.kind.clone()),
                error: None,
            },
        ));
    }
    // Oldest first (then by node id, for a stable order); the import orders parents first.
    messages.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));

    let current_leaf = conversation.current_node.as_deref().and_then(|current| {
        if keep.contains_key(current) {
            Some(current)
        } else {
            kept_parent.get(current).copied().flatten()
        }
    });
    let latest = messages.iter().map(|m| m.0).max();
    Ok((
        ConversationRecord {
            id: ConversationId::generate().as_str().to_owned(),
            title,
            title_generated: false,
            created_at: created_at.or(messages.first().map(|m| m.0)).unwrap_or(0),
            updated_at: updated_at.or(latest).or(created_at).unwrap_or(0),
            pinned: false,
            archived: conversation.is_archived.unwrap_or(false),
            system_prompt: None,
            target: None,
            params: None,
            current_leaf: current_leaf.and_then(|c| ids.get(c).cloned()),
            messages: messages.into_iter().map(|(_, _, m)| m).collect(),
        },
        skipped,
    ))
}
