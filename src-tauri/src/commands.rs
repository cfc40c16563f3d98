//! Thin commands: deserialize, call one core function, map the error. No business logic here.
//! Commands that touch the keyring (a blocking D-Bus call) run on the blocking pool.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{
    AccountUpdate, AccountView, CommandError, ConnectionReportView, KeyringStatus, ModelGroupView,
    NewAccount, PresetView, SendRequest, StreamEvent,
};
use crate::state::AppState;

pub(crate) type CommandResult<T> = Result<T, CommandError>;

/// Runs `work` with the core on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    state: &AppState,
    work: impl FnOnce(sb_core::Switchboard) -> Result<T, sb_core::CoreError> + Send + 'static,
) -> CommandResult<T> {
    let core = state.core()?;
    Ok(tokio::task::spawn_blocking(move || work(core))
        .await
        .map_err(AppState::join_error)??)
}

/// The accounts, without keys, with their health.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> CommandResult<Vec<AccountView>> {
    blocking(&state, |core| {
        Ok(core
            .accounts()
            .list()?
            .into_iter()
            .map(|summary| {
                let health = core.chat().health(&summary);
                AccountView::new(summary, &health)
            })
            .collect())
    })
    .await
}

/// Adds an account; its key goes to the OS keyring and is never returned.
#[tauri::command]
pub async fn add_account(
    state: State<'_, AppState>,
    account: NewAccount,
) -> CommandResult<AccountView> {
    blocking(&state, move |core| {
        let summary = core.accounts().add(account.into())?;
        let health = core.chat().health(&summary);
        Ok(AccountView::new(summary, &health))
    })
    .await
}

/// Changes an account's settings; a new key or proxy password replaces the stored one.
#[tauri::command]
pub async fn update_account(
    state: State<'_, AppState>,
    id: String,
    update: AccountUpdate,
) -> CommandResult<AccountView> {
    blocking(&state, move |core| {
        let id = sb_core::AccountId::from(id);
        let had_key = update
            .api_key
            .as_ref()
            .is_some_and(|k| !k.trim().is_empty());
        let summary = core.accounts().update(&id, update.into())?;
        if had_key {
            // A new key: whatever the provider said about the old one no longer holds.
            core.chat().router().clear_attention(&id);
        }
        let health = core.chat().health(&summary);
        Ok(AccountView::new(summary, &health))
    })
    .await
}

/// Puts the accounts in this order: the priority order of routing. Returns the new list.
#[tauri::command]
pub async fn reorder_accounts(
    state: State<'_, AppState>,
    ids: Vec<String>,
) -> CommandResult<Vec<AccountView>> {
    blocking(&state, move |core| {
        let order: Vec<sb_core::AccountId> = ids.into_iter().map(Into::into).collect();
        core.accounts().reorder(&order)?;
        Ok(core
            .accounts()
            .list()?
            .into_iter()
            .map(|summary| {
                let health = core.chat().health(&summary);
                AccountView::new(summary, &health)
            })
            .collect())
    })
    .await
}

/// Deletes an account's key; the account stays.
#[tauri::command]
pub async fn delete_key(state: State<'_, AppState>, id: String) -> CommandResult<AccountView> {
    blocking(&state, move |core| {
        let id = sb_core::AccountId::from(id);
        core.accounts().delete_key(&id)?;
        let summary = core
            .accounts()
            .list()?
            .into_iter()
            .find(|s| s.account.id == id)
            .ok_or_else(|| sb_core::CoreError::UnknownAccount(id.to_string()))?;
        let health = core.chat().health(&summary);
        Ok(AccountView::new(summary, &health))
    })
    .await
}

/// Removes an account and its keyring entries.
#[tauri::command]
pub async fn remove_account(state: State<'_, AppState>, id: String) -> CommandResult<()> {
    blocking(&state, move |core| {
        let id = sb_core::AccountId::from(id);
        core.accounts().remove(&id)?;
        core.chat().forget_account(&id);
        Ok(())
    })
    .await
}

/// Tests an account's connection and keeps the model list it gets.
#[tauri::command]
pub async fn test_account(
    state: State<'_, AppState>,
    id: String,
) -> CommandResult<ConnectionReportView> {
    let core = state.core()?;
    let report = core.chat().test_account(&id.into()).await?;
    Ok(report.into())
}

/// The provider presets.
#[tauri::command]
pub fn list_presets() -> Vec<PresetView> {
    sb_core::preset::presets()
        .iter()
        .map(PresetView::from)
        .collect()
}

/// The model picker: models grouped by logical model, with each route's account health.
#[tauri::command]
pub async fn list_models(state: State<'_, AppState>) -> CommandResult<Vec<ModelGroupView>> {
    blocking(&state, |core| crate::state::model_groups(&core)).await
}

/// Whether the OS keyring can be used, and if not, what to do.
#[tauri::command]
pub async fn keyring_status(state: State<'_, AppState>) -> CommandResult<KeyringStatus> {
    blocking(&state, |core| {
        Ok(match core.accounts().check_keyring() {
            Ok(()) => KeyringStatus {
                available: true,
                message: None,
            },
            Err(error) => KeyringStatus {
                available: false,
                message: Some(error.to_string()),
            },
        })
    })
    .await
}

/// Starts streaming an answer; events flow over `on_event`. Returns the request id for Stop.
#[tauri::command]
pub fn send_message(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    request: SendRequest,
    on_event: Channel<StreamEvent>,
) -> CommandResult<String> {
    request.check()?;
    state.start_turn(request.into(), on_event, app)
}

/// The window applied rendered markdown in a frame that started at `started_at` (ms since the
/// Unix epoch, the page's clock): streaming answers send their next renders just ahead of the
/// next frames (sb-core's `pacing`). On the async runtime, so a busy main thread does not age
/// the report; a nonsense time is ignored.
#[tauri::command(async)]
pub fn frame_shown(state: State<'_, AppState>, started_at: f64) {
    let Ok(core) = state.core() else {
        return;
    };
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64() * 1000.0);
    let ago_ms = now - started_at;
    // A frame is reported within milliseconds; anything else is not a frame of this window.
    if ago_ms.is_finite() && (0.0..1000.0).contains(&ago_ms) {
        core.chat()
            .frames()
            .shown(std::time::Duration::from_secs_f64(ago_ms / 1000.0));
    }
}

/// Stops a streaming answer: aborts its HTTP request. Unknown or finished ids are a no-op.
#[tauri::command]
pub fn stop_message(state: State<'_, AppState>, request_id: String) {
    state.stop_turn(&request_id);
}
