//! `sb history ...` and `sb ask --conversation`: the history the app keeps, from the terminal.
//! Reading and writing go through the core's store; this module only formats.

use std::io::{self, Write};
use std::sync::Arc;

use sb_core::history::{place, AnswerRecorder, Placement};
use sb_core::{Message, Role, Switchboard};
use sb_store::{Conversation, ConversationId, ListQuery, MessageId, Store};
use serde_json::json;

use crate::args::{
    ExportFormat, HistoryExportArgs, HistoryImportArgs, HistoryListArgs, HistorySearchArgs,
    HistoryShowArgs, ImportSource, ListFormat,
};
use crate::error::{core_error, CliError};

fn store(switchboard: &Switchboard) -> Result<Arc<Store>, CliError> {
    switchboard.history().map_err(core_error)
}

fn store_error(error: sb_store::StoreError) -> CliError {
    core_error(error.into())
}

fn write_failure(error: &io::Error) -> CliError {
    if error.kind() == io::ErrorKind::BrokenPipe {
        CliError::BrokenPipe
    } else {
        CliError::Failed(format!("cannot write the output: {error}"))
    }
}

/// A conversation's title for a listing ("(untitled)" when it has none yet).
fn title(conversation: &Conversation) -> &str {
    if conversation.title.trim().is_empty() {
        "(untitled)"
    } else {
        &conversation.title
    }
}

/// `sb history list`.
pub fn list(
    switchboard: &Switchboard,
    args: &HistoryListArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let conversations = store(switchboard)?
        .list_conversations(ListQuery {
            archived: args.archived,
            limit: args.limit,
            offset: 0,
        })
        .map_err(store_error)?;
    let mut write = || -> io::Result<()> {
        match args.format {
            ListFormat::Json => {
                let items: Vec<_> = conversations
                    .iter()
                    .map(|c| {
                        json!({
                            "id": c.id.as_str(),
                            "title": c.title,
                            "pinned": c.pinned,
                            "archived": c.archived,
                            "created_at": c.created_at,
                            "updated_at": c.updated_at,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &items)?;
                writeln!(out)?;
            }
            ListFormat::Text => {
                for c in &conversations {
                    let pin = if c.pinned { "📌 " } else { "" };
                    writeln!(
                        out,
                        "{}  {}  {pin}{}",
                        c.id,
                        sb_store::format_utc(c.updated_at),
                        title(c)
                    )?;
                }
            }
        }
        out.flush()
    };
    write().map_err(|e| write_failure(&e))
}

/// `sb history show`: the current branch.
pub fn show(
    switchboard: &Switchboard,
    args: &HistoryShowArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let store = store(switchboard)?;
    let id = ConversationId::from(args.id.trim());
    let text = match args.format {
        ListFormat::Text => store.export_markdown(&id).map_err(store_error)?,
        ListFormat::Json => {
            let conversation = store.conversation(&id).map_err(store_error)?;
            let branch = store.branch(&id).map_err(store_error)?;
            let messages: Vec<_> = branch
                .iter()
                .map(|item| {
                    let m = &item.message;
                    json!({
                        "id": m.id.as_str(),
                        "parent_id": m.parent_id.as_ref().map(MessageId::as_str),
                        "role": m.role,
                        "content": m.content,
                        "reasoning": m.reasoning,
                        "model": m.model,
                        "status": m.status,
                        "finish_reason": m.finish_reason,
                        "branch": { "index": item.sibling_index, "of": item.siblings.len() },
                    })
                })
                .collect();
            let value = json!({
                "id": conversation.id.as_str(),
                "title": conversation.title,
                "system_prompt": conversation.system_prompt,
                "messages": messages,
            });
            serde_json::to_string_pretty(&value)
                .map_err(|e| CliError::Failed(format!("cannot encode the conversation: {e}")))?
        }
    };
    writeln!(out, "{}", text.trim_end())
        .and_then(|()| out.flush())
        .map_err(|e| write_failure(&e))
}

/// A snippet for a terminal: the store's HTML (escaped text with `<mark>` around matches) as
/// plain text with the matches in `**`.
fn plain_snippet(html: &str) -> String {
    html.replace("<mark>", "**")
        .replace("</mark>", "**")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

/// `sb history search`.
pub fn search(
    switchboard: &Switchboard,
    args: &HistorySearchArgs,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), CliError> {
    if args.query.trim().is_empty() {
        return Err(CliError::Usage(
            "the search is empty: give the words to look for".into(),
        ));
    }
    let hits = store(switchboard)?
        .search(&args.query, args.limit)
        .map_err(store_error)?;
    let mut write = || -> io::Result<()> {
        match args.format {
            ListFormat::Json => {
                let items: Vec<_> = hits
                    .iter()
                    .map(|hit| {
                        json!({
                            "conversation_id": hit.conversation_id.as_str(),
                            "conversation_title": hit.conversation_title,
                            "message_id": hit.message_id.as_ref().map(MessageId::as_str),
                            "role": hit.role,
                            "snippet_html": hit.snippet,
                            "created_at": hit.created_at,
                        })
                    })
                    .collect();
                serde_json::to_writer_pretty(&mut *out, &items)?;
                writeln!(out)?;
            }
            ListFormat::Text => {
                for hit in &hits {
                    writeln!(
                        out,
                        "{}  {}\n    {}",
                        hit.conversation_id,
                        hit.conversation_title,
                        plain_snippet(&hit.snippet)
                    )?;
                }
                if hits.is_empty() {
                    writeln!(err, "sb: no message matches {:?}", args.query)?;
                }
            }
        }
        out.flush()
    };
    write().map_err(|e| write_failure(&e))
}

/// `sb history export`.
pub fn export(
    switchboard: &Switchboard,
    args: &HistoryExportArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let store = store(switchboard)?;
    let ids: Vec<ConversationId> = args
        .ids
        .iter()
        .map(|id| ConversationId::from(id.trim()))
        .collect();
    let one = |what: &str| -> Result<&ConversationId, CliError> {
        match ids.as_slice() {
            [id] => Ok(id),
            _ => Err(CliError::Usage(format!(
                "--format {what} exports one conversation: give exactly one ID (JSON exports \
                 several, or all)"
            ))),
        }
    };
    let text = match args.format {
        ExportFormat::Json => store
            .export_json((!ids.is_empty()).then_some(ids.as_slice()))
            .map_err(store_error)?,
        ExportFormat::Markdown => store
            .export_markdown(one("markdown")?)
            .map_err(store_error)?,
        ExportFormat::Html => store.export_html(one("html")?).map_err(store_error)?,
    };
    match &args.output {
        Some(path) => std::fs::write(path, text.as_bytes())
            .map_err(|e| CliError::Failed(format!("cannot write {}: {e}", path.display()))),
        None => out
            .write_all(text.as_bytes())
            .and_then(|()| out.flush())
            .map_err(|e| write_failure(&e)),
    }
}

/// Who wrote an import file, from its first bytes: ChatGPT's export is a JSON array of
/// conversations with a `mapping`; Switchboard's is an object.
fn detect(bytes: &[u8]) -> ImportSource {
    let first = bytes
        .iter()
        .copied()
        .find(|b| !b.is_ascii_whitespace() && *b != 0xEF && *b != 0xBB && *b != 0xBF);
    match first {
        Some(b'[') => ImportSource::Chatgpt,
        _ => ImportSource::Switchboard,
    }
}

/// `sb history import`: all or nothing.
pub fn import(
    switchboard: &Switchboard,
    args: &HistoryImportArgs,
    out: &mut impl Write,
) -> Result<(), CliError> {
    let bytes = std::fs::read(&args.file)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", args.file.display())))?;
    let store = store(switchboard)?;
    let source = args.from.unwrap_or_else(|| detect(&bytes));
    let report = match source {
        ImportSource::Switchboard => store.import_json(&bytes),
        ImportSource::Chatgpt => store.import_chatgpt(&bytes),
    }
    .map_err(|e| {
        CliError::Usage(format!(
            "{} was not imported (nothing was changed): {e}",
            args.file.display()
        ))
    })?;
    writeln!(
        out,
        "Imported {} conversation{} ({} messages) from {}.",
        report.conversations,
        if report.conversations == 1 { "" } else { "s" },
        report.messages,
        args.file.display()
    )
    .and_then(|()| out.flush())
    .map_err(|e| write_failure(&e))
}

/// A question asked within a stored conversation: where the answer goes.
#[derive(Debug)]
pub struct Stored {
    store: Arc<Store>,
    conversation: ConversationId,
    asked: MessageId,
    /// Whether the conversation was started by this question (its id is then printed).
    pub created: bool,
}

impl Stored {
    /// The conversation's id.
    pub fn conversation(&self) -> &ConversationId {
        &self.conversation
    }

    /// Starts recording the answer.
    pub fn recorder(
        &self,
        model: &str,
        api: Option<sb_core::Api>,
    ) -> Result<AnswerRecorder, CliError> {
        AnswerRecorder::start(
            self.store.clone(),
            &self.conversation,
            &self.asked,
            model,
            api,
        )
        .map_err(core_error)
    }
}

/// Opens (or with "new", starts) the conversation `which`, stores the question after its
/// current branch, and replaces `messages` (an optional system message and the question) with
/// what to send: the conversation's system prompt and branch, then the question. A `--system`
/// for an existing conversation is refused: it has its own system prompt.
pub fn begin(
    switchboard: &Switchboard,
    which: &str,
    target: Option<String>,
    messages: &mut Vec<Message>,
) -> Result<Stored, CliError> {
    let store = store(switchboard)?;
    let Some(question) = messages.last().cloned() else {
        return Err(CliError::Usage("the question is empty".into()));
    };
    let system = messages
        .iter()
        .find(|m| m.role == Role::System)
        .map(|m| m.content.clone());
    let placement = if which.trim().eq_ignore_ascii_case("new") {
        Placement {
            system_prompt: system,
            target,
            ..Placement::default()
        }
    } else {
        if system.is_some() {
            return Err(CliError::Usage(
                "--system cannot be used with --conversation ID: the conversation keeps its own \
                 system prompt"
                    .into(),
            ));
        }
        let id = ConversationId::from(which.trim());
        let conversation = store.conversation(&id).map_err(store_error)?;
        Placement {
            conversation: Some(id),
            parent: conversation.current_leaf,
            target,
            ..Placement::default()
        }
    };
    let placed = place(&store, placement, Some(&question)).map_err(core_error)?;
    *messages = placed.messages;
    Ok(Stored {
        store,
        conversation: placed.conversation,
        asked: placed.answer_parent,
        created: placed.created,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snippets_read_as_plain_text_with_marked_matches() {
        assert_eq!(
            plain_snippet("a &lt;b&gt; &amp; <mark>世界</mark>"),
            "a <b> & **世界**"
        );
    }

    #[test]
    fn import_files_are_recognized_by_their_shape() {
        assert_eq!(detect(b"  [{\"mapping\":{}}]"), ImportSource::Chatgpt);
        assert_eq!(detect(b"\xEF\xBB\xBF[]"), ImportSource::Chatgpt);
        assert_eq!(
            detect(b"{\"format\":\"switchboard\"}"),
            ImportSource::Switchboard
        );
    }
}
