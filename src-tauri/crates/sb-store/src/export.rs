//! Export: our own JSON format (every branch, every field), and the branch being shown as
//! markdown or as a standalone HTML page.
//!
//! The JSON format is described on [`Store::export_json`].

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::conversations::load_conversation;
use crate::error::{Context as _, StoreError};
use crate::model::{
    Api, Conversation, ConversationId, Image, Message, MessageError, MessageStatus, Role,
    ThreadMessage, Usage,
};
use crate::rows::{
    conversation_from_row, message_from_row, now_ms, CONVERSATION_COLUMNS, MESSAGE_COLUMNS,
};
use crate::search::escape;
use crate::Store;

/// The `format` field of a Switchboard export.
pub const EXPORT_FORMAT: &str = "switchboard-history";
/// The newest export `version` this build writes and reads.
pub const EXPORT_VERSION: u32 = 1;

/// A whole export file.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct HistoryFile {
    pub format: String,
    pub version: u32,
    #[serde(default)]
    pub exported_at: i64,
    pub conversations: Vec<ConversationRecord>,
}

/// One conversation with every message of every branch.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct ConversationRecord {
    pub id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub title_generated: bool,
    pub created_at: i64,
    pub updated_at: i64,
    #[serde(default)]
    pub pinned: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub system_prompt: Option<String>,
    #[serde(default)]
    pub target: Option<Box<RawValue>>,
    #[serde(default)]
    pub params: Option<Box<RawValue>>,
    #[serde(default)]
    pub current_leaf: Option<String>,
    pub messages: Vec<MessageRecord>,
}

/// One message with every field.
#[derive(Debug, Serialize, Deserialize)]
pub(crate) struct MessageRecord {
    pub id: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    pub role: Role,
    pub created_at: i64,
    #[serde(default)]
    pub content: String,
    #[serde(default)]
    pub reasoning: String,
    #[serde(default)]
    pub images: Vec<Image>,
    #[serde(default)]
    pub model: Option<String>,
    pub status: MessageStatus,
    #[serde(default)]
    pub route: Option<Box<RawValue>>,
    #[serde(default)]
    pub api: Option<Api>,
    #[serde(default)]
    pub usage: Option<Usage>,
    #[serde(default)]
    pub time_to_first_token_ms: Option<u64>,
    #[serde(default)]
    pub tokens_per_second: Option<f64>,
    #[serde(default)]
    pub finish_reason: Option<String>,
    #[serde(default)]
    pub error: Option<MessageError>,
}

impl Store {
    /// The conversations `ids` (all when `None`, oldest first) in Switchboard's own JSON format:
    /// every branch, every field. [`Store::import_json`] reads it back.
    ///
    /// The JSON format (`format: "switchboard-history"`, `version: 1`):
    ///
    /// ```json
    /// { "format": "switchboard-history", "version": 1, "exported_at": 1767225600000,
    ///   "conversations": [ {
    ///     "id": "…", "title": "…", "title_generated": false, "created_at": 0, "updated_at": 0,
    ///     "pinned": false, "archived": false, "system_prompt": null,
    ///     "target": {…} | null, "params": {…} | null, "current_leaf": "message id" | null,
    ///     "messages": [ {
    ///       "id": "…", "parent_id": "…" | null, "role": "user", "created_at": 0,
    ///       "content": "…", "reasoning": "", "images": [{"mime": "image/png", "data_base64": "…"}],
    ///       "model": "…" | null, "status": "complete", "route": {…} | null, "api": "chat" | null,
    ///       "usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3,
    ///                 "reasoning_tokens": null, "cached_tokens": null} | null,
    ///       "time_to_first_token_ms": 120 | null, "tokens_per_second": 55.5 | null,
    ///       "finish_reason": "stop" | null, "error": {"code": "…", "message": "…"} | null
    ///     } ] } ] }
    /// ```
    ///
    /// Times are unix milliseconds. Messages are listed parents first. `target`, `params` and
    /// `route` are the caller's JSON, embedded as written.
    pub fn export_json(&self, ids: Option<&[ConversationId]>) -> Result<String, StoreError> {
        let file = self.read("exporting", |tx| {
            let conversations = match ids {
                Some(ids) => ids
                    .iter()
                    .map(|id| load_conversation(tx, id))
                    .collect::<Result<Vec<_>, _>>()?,
                None => {
                    let sql = format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM conversations ORDER BY created_at, id"
                    );
                    let mut statement = tx.prepare(&sql).during("exporting")?;
                    let rows = statement
                        .query_map([], conversation_from_row)
                        .during("exporting")?;
                    rows.collect::<rusqlite::Result<Vec<_>>>()
                        .during("exporting")?
                }
            };
            let sql = format!(
                "SELECT {MESSAGE_COLUMNS} FROM messages m WHERE m.conversation_id = ?1 ORDER BY m.seq"
            );
            let mut statement = tx.prepare(&sql).during("exporting")?;
            let mut records = Vec::with_capacity(conversations.len());
            for conversation in conversations {
                let messages = statement
                    .query_map([conversation.id.as_str()], message_from_row)
                    .during("exporting")?
                    .collect::<rusqlite::Result<Vec<_>>>()
                    .during("exporting")?;
                records.push(conversation_record(conversation, messages));
            }
            Ok(HistoryFile {
                format: EXPORT_FORMAT.to_owned(),
                version: EXPORT_VERSION,
                exported_at: now_ms(),
                conversations: records,
            })
        })?;
        serde_json::to_string_pretty(&file)
            .map_err(|e| StoreError::InvalidInput(format!("The export cannot be encoded: {e}")))
    }

    /// The branch being shown as readable markdown.
    pub fn export_markdown(&self, id: &ConversationId) -> Result<String, StoreError> {
        let conversation = self.conversation(id)?;
        let branch = self.branch(id)?;
        Ok(markdown(&conversation, &branch))
    }

    /// The branch being shown as a standalone HTML page: answers rendered by
    /// [`sb_markdown::render`] as in the app, everything else escaped, a strict
    /// Content-Security-Policy (no scripts, no remote content) and no script of its own.
    pub fn export_html(&self, id: &ConversationId) -> Result<String, StoreError> {
        let conversation = self.conversation(id)?;
        let branch = self.branch(id)?;
        Ok(html(&conversation, &branch))
    }
}

/// The caller's JSON embedded as written (it was checked when stored); text that is somehow
/// not JSON is kept as a JSON string rather than lost.
fn raw(text: Option<String>) -> Option<Box<RawValue>> {
    let text = text?;
    RawValue::from_string(text.clone())
        .or_else(|_| {
            serde_json::to_string(&text)
                .map_err(|e| e.to_string())
                .and_then(|s| RawValue::from_string(s).map_err(|e| e.to_string()))
        })
        .ok()
}

fn conversation_record(conversation: Conversation, messages: Vec<Message>) -> ConversationRecord {
    ConversationRecord {
        id: conversation.id.as_str().to_owned(),
        title: conversation.title,
        title_generated: conversation.title_generated,
        created_at: conversation.created_at,
        updated_at: conversation.updated_at,
        pinned: conversation.pinned,
        archived: conversation.archived,
        system_prompt: conversation.system_prompt,
        target: raw(conversation.target),
        params: raw(conversation.params),
        current_leaf: conversation.current_leaf.map(|l| l.as_str().to_owned()),
        messages: messages.into_iter().map(message_record).collect(),
    }
}

fn message_record(message: Message) -> MessageRecord {
    MessageRecord {
        id: message.id.as_str().to_owned(),
        parent_id: message.parent_id.map(|p| p.as_str().to_owned()),
        role: message.role,
        created_at: message.created_at,
        content: message.content,
        reasoning: message.reasoning,
        images: message.images,
        model: message.model,
        status: message.status,
        route: raw(message.route),
        api: message.api,
        usage: message.usage,
        time_to_first_token_ms: message.time_to_first_token_ms,
        tokens_per_second: message.tokens_per_second,
        finish_reason: message.finish_reason,
        error: message.error,
    }
}

/// The title shown for a conversation.
fn display_title(conversation: &Conversation) -> &str {
    if conversation.title.is_empty() {
        "Untitled conversation"
    } else {
        &conversation.title
    }
}

/// Who wrote a message, for a heading.
fn author(message: &Message) -> String {
    let who = match message.role {
        Role::System => "System",
        Role::User => "You",
        Role::Assistant => "Assistant",
    };
    match (&message.role, &message.model) {
        (Role::Assistant, Some(model)) => format!("{who} ({model})"),
        _ => who.to_owned(),
    }
}

/// A sentence for an answer that did not complete.
fn status_note(message: &Message) -> Option<String> {
    match message.status {
        MessageStatus::Complete => None,
        MessageStatus::Streaming => Some("Still being written when exported.".into()),
        MessageStatus::Interrupted => Some("Interrupted: the answer did not finish.".into()),
        MessageStatus::Stopped => Some("Stopped by the user.".into()),
        MessageStatus::Error => Some(match &message.error {
            Some(error) => format!("Failed ({}): {}", error.code, error.message),
            None => "Failed.".into(),
        }),
    }
}

/// Each line of `text` prefixed with `> `.
fn quoted(text: &str) -> String {
    text.lines()
        .map(|line| format!("> {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The branch as markdown.
pub(crate) fn markdown(conversation: &Conversation, branch: &[ThreadMessage]) -> String {
    let mut out = format!(
        "# {}\n\nCreated {} · exported from Switchboard\n",
        display_title(conversation).replace('\n', " "),
        format_utc(conversation.created_at)
    );
    if let Some(prompt) = conversation
        .system_prompt
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        out.push_str(&format!("\n**System prompt**\n\n{}\n", quoted(prompt)));
    }
    for item in branch {
        let message = &item.message;
        out.push_str(&format!("\n---\n\n### {}\n\n", author(message)));
        if !message.reasoning.is_empty() {
            out.push_str(&format!(
                "> **Reasoning**\n>\n{}\n\n",
                quoted(&message.reasoning)
            ));
        }
        out.push_str(message.content.trim_end());
        out.push('\n');
        for (n, image) in message.images.iter().enumerate() {
            out.push_str(&format!(
                "\n![image {}](data:{};base64,{})\n",
                n + 1,
                image.mime,
                image.data_base64
            ));
        }
        if let Some(note) = status_note(message) {
            out.push_str(&format!("\n*{note}*\n"));
        }
    }
    out
}

/// The page's style: inline (allowed by the policy), no external resources.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:48rem;margin:2rem auto;\
padding:0 1rem;color:#1d1d1f;background:#fff}header.page p{color:#666}\
article{border-top:1px solid #ddd;padding:1rem 0}article h2{font-size:.9rem;color:#555;margin:0 0 .5rem}\
.plain{white-space:pre-wrap}.note{color:#a15c00;font-style:italic}\
details{color:#555;margin-bottom:.5rem}pre{overflow:auto;background:#f5f5f7;padding:.75rem}\
code{font-family:ui-monospace,monospace}img{max-width:100%}table{border-collapse:collapse}\
td,th{border:1px solid #ccc;padding:.25rem .5rem}\
.tok-keyword,.tok-tag{color:#a626a4}.tok-string,.tok-inserted{color:#50a14f}\
.tok-comment{color:#8a8a8a;font-style:italic}.tok-number,.tok-literal{color:#986801}\
.tok-type,.tok-attr{color:#c18401}.tok-function,.tok-property{color:#4078f2}.tok-deleted{color:#e45649}\
@media (prefers-color-scheme:dark){body{color:#eee;background:#1c1c1e}pre{background:#2c2c2e}}";

/// Nothing loads or runs: no scripts, no remote fetches, images only inline, no forms, no
/// base URL changes.
pub(crate) const CSP: &str = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; \
     base-uri 'none'; form-action 'none'";

/// The branch as a standalone HTML page.
pub(crate) fn html(conversation: &Conversation, branch: &[ThreadMessage]) -> String {
    let title = escape(display_title(conversation));
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{title}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header class=\"page\"><h1>{title}</h1><p>Created {} · exported from Switchboard</p></header>\n",
        format_utc(conversation.created_at)
    );
    if let Some(prompt) = conversation
        .system_prompt
        .as_deref()
        .filter(|p| !p.is_empty())
    {
        out.push_str(&format!(
            "<details class=\"system\"><summary>System prompt</summary><div class=\"plain\">{}</div></details>\n",
            escape(prompt)
        ));
    }
    for item in branch {
        let message = &item.message;
        out.push_str(&format!(
            "<article class=\"message {}\">\n<h2>{}</h2>\n",
            message.role.as_str(),
            escape(&author(message))
        ));
        if !message.reasoning.is_empty() {
            out.push_str(&format!(
                "<details class=\"reasoning\"><summary>Reasoning</summary><div class=\"plain\">{}</div></details>\n",
                escape(&message.reasoning)
            ));
        }
        match message.role {
            // Answers are markdown, rendered as the app renders them (model HTML escaped,
            // unsafe links dropped).
            Role::Assistant => {
                out.push_str("<div class=\"content\">");
                out.push_str(&sb_markdown::render(&message.content));
                out.push_str("</div>\n");
            }
            // People's messages are shown as typed, as in the app.
            Role::User | Role::System => out.push_str(&format!(
                "<div class=\"content plain\">{}</div>\n",
                escape(&message.content)
            )),
        }
        for (n, image) in message.images.iter().enumerate() {
            out.push_str(&format!(
                "<img alt=\"image {}\" src=\"data:{};base64,{}\">\n",
                n + 1,
                escape(&image.mime),
                escape(&image.data_base64)
            ));
        }
        if let Some(note) = status_note(message) {
            out.push_str(&format!("<p class=\"note\">{}</p>\n", escape(&note)));
        }
        out.push_str("</article>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// `YYYY-MM-DD HH:MM UTC` for unix milliseconds (proleptic Gregorian calendar).
pub fn format_utc(ms: i64) -> String {
    let seconds = ms.div_euclid(1000);
    let days = seconds.div_euclid(86_400);
    let of_day = seconds.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        of_day / 3600,
        of_day % 3600 / 60
    )
}

/// The date of a day count since 1970-01-01 (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_formatted_in_utc() {
        assert_eq!(format_utc(0), "1970-01-01 00:00 UTC");
        assert_eq!(format_utc(951_782_400_000), "2000-02-29 00:00 UTC");
        assert_eq!(format_utc(1_767_225_599_000), "2025-12-31 23:59 UTC");
        assert_eq!(format_utc(-86_400_000), "1969-12-31 00:00 UTC");
    }
}
