//! The history commands and their IPC data (mirrors the history part of `ui/src/ipc/types.ts`).
//! Thin: each command calls the store (on the blocking pool: SQLite is blocking) and maps.

use sb_core::router::RouteRecord;
use sb_core::Switchboard;
use sb_store::{
    Conversation, ConversationId, ConversationPatch, ListQuery, MessageId, Role, ThreadMessage,
};
use serde::{Deserialize, Serialize};
use tauri::State;

use crate::dto::{AttemptView, CommandError, RouteView};
use crate::state::AppState;

type CommandResult<T> = Result<T, CommandError>;

/// A conversation in the sidebar.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationSummary {
    pub id: String,
    pub title: String,
    pub pinned: bool,
    pub archived: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

impl From<&Conversation> for ConversationSummary {
    fn from(c: &Conversation) -> Self {
        Self {
            id: c.id.to_string(),
            title: c.title.clone(),
            pinned: c.pinned,
            archived: c.archived,
            created_at: c.created_at,
            updated_at: c.updated_at,
        }
    }
}

/// A route record as stored, with account labels.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredRoute {
    pub served_by: Option<RouteView>,
    pub attempts: Vec<AttemptView>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UsageView {
    pub prompt_tokens: Option<u64>,
    pub completion_tokens: Option<u64>,
    pub total_tokens: Option<u64>,
}

/// One message of the branch shown.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredMessage {
    pub id: String,
    pub parent_id: Option<String>,
    pub role: Role,
    pub content: String,
    /// Attached images as `data:` URLs (user messages).
    pub images: Vec<String>,
    pub html: Option<String>,
    pub reasoning: String,
    /// The reasoning rendered the same way; `None` when there is none.
    pub reasoning_html: Option<String>,
    pub model: Option<String>,
    pub status: sb_store::MessageStatus,
    pub route: Option<StoredRoute>,
    pub api: Option<sb_core::Api>,
    pub usage: Option<UsageView>,
    pub time_to_first_token_ms: Option<u64>,
    pub tokens_per_second: Option<f64>,
    pub finish_reason: Option<String>,
    pub error: Option<CommandError>,
    pub siblings: Vec<String>,
    pub sibling_index: usize,
    pub created_at: i64,
}

/// A conversation opened on its current branch (or its last page).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConversationView {
    pub id: String,
    pub title: String,
    pub pinned: bool,
    pub archived: bool,
    pub system_prompt: Option<String>,
    pub target: Option<serde_json::Value>,
    /// The parameters its last exchange was sent with (`null`: not known, e.g. imported).
    pub params: Option<serde_json::Value>,
    pub total: usize,
    pub start: usize,
    pub messages: Vec<StoredMessage>,
}

/// A search result.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SearchHit {
    pub conversation_id: String,
    pub conversation_title: String,
    pub message_id: Option<String>,
    pub role: Option<Role>,
    pub snippet_html: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportReport {
    pub conversations: usize,
    pub messages: usize,
}

/// A conversation's editable fields.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct PatchDto {
    pub title: Option<String>,
    pub pinned: Option<bool>,
    pub archived: Option<bool>,
    /// Absent: unchanged; `null`: removed.
    #[serde(deserialize_with = "present")]
    pub system_prompt: Option<Option<String>>,
}

/// Tells an absent field (`None`, by `default`) from an explicit `null` (`Some(None)`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Markdown,
    Html,
    Json,
}

fn api_of(api: sb_store::Api) -> sb_core::Api {
    match api {
        sb_store::Api::Chat => sb_core::Api::ChatCompletions,
        sb_store::Api::Responses => sb_core::Api::Responses,
    }
}

fn stored_message(
    item: ThreadMessage,
    label: &dyn Fn(&sb_core::AccountId) -> String,
) -> StoredMessage {
    let m = item.message;
    let route = m
        .route
        .as_deref()
        .and_then(|json| serde_json::from_str::<RouteRecord>(json).ok())
        .map(|record| StoredRoute {
            served_by: record.served_by.as_ref().map(|r| RouteView::new(r, label)),
            attempts: record
                .attempts
                .iter()
                .map(|a| AttemptView {
                    route: RouteView::new(&a.route, label),
                    code: a.code.clone(),
                    outcome: a.outcome.clone(),
                })
                .collect(),
        });
    let html = (m.role == Role::Assistant).then(|| sb_markdown::render(&m.content));
    let reasoning_html = (m.role == Role::Assistant && !m.reasoning.is_empty())
        .then(|| sb_markdown::render(&m.reasoning));
    StoredMessage {
        id: m.id.to_string(),
        parent_id: m.parent_id.as_ref().map(ToString::to_string),
        role: m.role,
        html,
        images: m
            .images
            .iter()
            .map(|image| format!("data:{};base64,{}", image.mime, image.data_base64))
            .collect(),
        content: m.content,
        reasoning: m.reasoning,
        reasoning_html,
        model: m.model,
        status: m.status,
        route,
        api: m.api.map(api_of),
        usage: m.usage.map(|u| UsageView {
            prompt_tokens: u.prompt_tokens,
            completion_tokens: u.completion_tokens,
            total_tokens: u.total_tokens,
        }),
        time_to_first_token_ms: m.time_to_first_token_ms,
        tokens_per_second: m.tokens_per_second,
        finish_reason: m.finish_reason,
        error: m.error.map(|e| CommandError {
            code: e.code,
            message: e.message,
        }),
        siblings: item.siblings.iter().map(ToString::to_string).collect(),
        sibling_index: item.sibling_index,
        created_at: m.created_at,
    }
}

/// The view of a conversation's branch: all of it, or `limit` messages before `before`.
fn view(
    core: &Switchboard,
    id: &ConversationId,
    before: Option<usize>,
    limit: Option<usize>,
) -> Result<ConversationView, sb_core::CoreError> {
    let store = core.history()?;
    let conversation = store.conversation(id)?;
    let page = store.branch_page(id, before, limit.unwrap_or(usize::MAX))?;
    let accounts = core.accounts().clone();
    let label = move |account: &sb_core::AccountId| {
        accounts
            .get(account)
            .map(|a| a.label)
            .unwrap_or_else(|_| "a removed account".to_owned())
    };
    Ok(ConversationView {
        id: conversation.id.to_string(),
        title: conversation.title,
        pinned: conversation.pinned,
        archived: conversation.archived,
        system_prompt: conversation.system_prompt,
        target: conversation
            .target
            .as_deref()
            .and_then(|t| serde_json::from_str(t).ok()),
        params: conversation
            .params
            .as_deref()
            .and_then(|p| serde_json::from_str(p).ok()),
        total: page.total,
        start: page.start,
        messages: page
            .messages
            .into_iter()
            .map(|item| stored_message(item, &label))
            .collect(),
    })
}

async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(Switchboard) -> Result<T, sb_core::CoreError> + Send + 'static,
) -> CommandResult<T> {
    crate::commands::blocking(state, work).await
}

#[tauri::command]
pub async fn list_conversations(
    state: State<'_, AppState>,
    archived: bool,
    limit: usize,
) -> CommandResult<Vec<ConversationSummary>> {
    blocking(&state, move |core| {
        let list = core.history()?.list_conversations(ListQuery {
            archived,
            limit,
            offset: 0,
        })?;
        Ok(list.iter().map(ConversationSummary::from).collect())
    })
    .await
}

#[tauri::command]
pub async fn open_conversation(
    state: State<'_, AppState>,
    id: String,
    limit: Option<usize>,
) -> CommandResult<ConversationView> {
    blocking(&state, move |core| view(&core, &id.into(), None, limit)).await
}

#[tauri::command]
pub async fn load_earlier(
    state: State<'_, AppState>,
    id: String,
    before: usize,
    limit: usize,
) -> CommandResult<ConversationView> {
    blocking(&state, move |core| {
        view(&core, &id.into(), Some(before), Some(limit))
    })
    .await
}

#[tauri::command]
pub async fn switch_branch(
    state: State<'_, AppState>,
    conversation_id: String,
    message_id: String,
) -> CommandResult<ConversationView> {
    change_tree(&state, conversation_id, message_id, |store, id, message| {
        store.switch_branch(id, message).map(drop)
    })
    .await
}

/// Deletes a message with everything below it; returns the conversation as it now shows.
#[tauri::command]
pub async fn delete_message(
    state: State<'_, AppState>,
    conversation_id: String,
    message_id: String,
) -> CommandResult<ConversationView> {
    change_tree(&state, conversation_id, message_id, |store, id, message| {
        store.delete_message(id, message).map(drop)
    })
    .await
}

/// Changes a conversation's tree at one of its messages, then returns the view as it shows.
async fn change_tree(
    state: &AppState,
    conversation_id: String,
    message_id: String,
    change: fn(&sb_store::Store, &ConversationId, &MessageId) -> Result<(), sb_store::StoreError>,
) -> CommandResult<ConversationView> {
    blocking(state, move |core| {
        let id = ConversationId::from(conversation_id);
        change(&*core.history()?, &id, &MessageId::from(message_id))?;
        view(&core, &id, None, None)
    })
    .await
}

#[tauri::command]
pub async fn update_conversation(
    state: State<'_, AppState>,
    id: String,
    patch: PatchDto,
) -> CommandResult<ConversationSummary> {
    blocking(&state, move |core| {
        let updated = core.history()?.update_conversation(
            &id.into(),
            ConversationPatch {
                title: patch.title,
                pinned: patch.pinned,
                archived: patch.archived,
                system_prompt: patch.system_prompt,
                ..ConversationPatch::default()
            },
        )?;
        Ok(ConversationSummary::from(&updated))
    })
    .await
}

#[tauri::command]
pub async fn delete_conversation(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    blocking(&state, move |core| {
        Ok(core.history()?.delete_conversation(&id.into())?)
    })
    .await
}

#[tauri::command]
pub async fn search_history(
    state: State<'_, AppState>,
    query: String,
    limit: usize,
) -> CommandResult<Vec<SearchHit>> {
    blocking(&state, move |core| {
        let hits = core.history()?.search(&query, limit)?;
        Ok(hits
            .into_iter()
            .map(|hit| SearchHit {
                conversation_id: hit.conversation_id.to_string(),
                conversation_title: hit.conversation_title,
                message_id: hit.message_id.map(|m| m.to_string()),
                role: hit.role,
                snippet_html: hit.snippet,
                created_at: hit.created_at,
            })
            .collect())
    })
    .await
}

/// A file name from a title: letters, digits and dashes, at most 60 characters.
fn file_stem(title: &str) -> String {
    let stem: String = title
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    let stem: String = stem.chars().take(60).collect();
    if stem.is_empty() {
        "conversation".to_owned()
    } else {
        stem
    }
}

/// `dir/name.ext`, or `dir/name (2).ext`... when taken: an export never overwrites a file.
fn free_path(dir: &std::path::Path, stem: &str, ext: &str) -> std::path::PathBuf {
    let mut path = dir.join(format!("{stem}.{ext}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem} ({n}).{ext}"));
        n += 1;
    }
    path
}

#[tauri::command]
pub async fn export_history(
    state: State<'_, AppState>,
    id: Option<String>,
    format: ExportFormat,
) -> CommandResult<String> {
    blocking(&state, move |core| {
        let store = core.history()?;
        let (text, stem) = match (&id, format) {
            (None, ExportFormat::Json) => (store.export_json(None)?, "switchboard-history".into()),
            (None, _) => {
                return Err(sb_core::CoreError::InvalidInput(
                    "Export: Markdown and HTML export one conversation; choose it first.".into(),
                ))
            }
            (Some(id), format) => {
                let id = ConversationId::from(id.as_str());
                let title = store.conversation(&id)?.title;
                let text = match format {
                    ExportFormat::Markdown => store.export_markdown(&id)?,
                    ExportFormat::Html => store.export_html(&id)?,
                    ExportFormat::Json => store.export_json(Some(std::slice::from_ref(&id)))?,
                };
                (text, file_stem(&title))
            }
        };
        let ext = match format {
            ExportFormat::Markdown => "md",
            ExportFormat::Html => "html",
            ExportFormat::Json => "json",
        };
        let dir = dirs::download_dir()
            .or_else(dirs::home_dir)
            .ok_or_else(|| {
                sb_core::CoreError::Storage(
                    "Export: there is no Downloads or home folder to write to.".into(),
                )
            })?;
        let path = free_path(&dir, &stem, ext);
        std::fs::write(&path, text).map_err(|e| {
            sb_core::CoreError::Storage(format!("Export: cannot write {}: {e}", path.display()))
        })?;
        Ok(path.display().to_string())
    })
    .await
}

#[tauri::command]
pub async fn import_history(
    state: State<'_, AppState>,
    text: String,
) -> CommandResult<ImportReport> {
    blocking(&state, move |core| {
        let store = core.history()?;
        let chatgpt = text
            .trim_start_matches('\u{feff}')
            .trim_start()
            .starts_with('[');
        let report = if chatgpt {
            store.import_chatgpt(text.as_bytes())?
        } else {
            store.import_json(text.as_bytes())?
        };
        Ok(ImportReport {
            conversations: report.conversations,
            messages: report.messages,
        })
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_names_are_safe_and_never_overwrite() {
        assert_eq!(file_stem("Trip: Kyoto / 京都!"), "Trip-Kyoto-京都");
        assert_eq!(file_stem("../../etc"), "etc");
        assert_eq!(file_stem("  "), "conversation");
        let dir = std::env::temp_dir().join(format!("sb-export-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let first = free_path(&dir, "a", "md");
        std::fs::write(&first, "x").expect("write");
        assert_eq!(free_path(&dir, "a", "md"), dir.join("a (2).md"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
