//! Thin commands: deserialize, call one core function, map the error. No business logic here.

use tauri::ipc::Channel;
use tauri::State;

use crate::dto::{AccountView, CommandError, NewAccount, SendRequest, StreamEvent};
use crate::state::AppState;

type CommandResult<T> = Result<T, CommandError>;

/// The accounts, without keys.
#[tauri::command]
pub async fn list_accounts(state: State<'_, AppState>) -> CommandResult<Vec<AccountView>> {
    let core = state.core()?;
    // Checking which keys exist talks to the keyring over D-Bus: a blocking call.
    let listed = tokio::task::spawn_blocking(move || core.accounts().list())
        .await
        .map_err(AppState::join_error)??;
    Ok(listed.into_iter().map(AccountView::from).collect())
}

/// Adds an account; its key goes to the OS keyring and is never returned.
#[tauri::command]
pub async fn add_account(
    state: State<'_, AppState>,
    account: NewAccount,
) -> CommandResult<AccountView> {
    let core = state.core()?;
    let added = tokio::task::spawn_blocking(move || core.accounts().add(account.into()))
        .await
        .map_err(AppState::join_error)??;
    Ok(added.into())
}

/// Starts streaming an answer; events flow over `on_event`. Returns the request id for Stop.
#[tauri::command]
pub fn send_message(
    state: State<'_, AppState>,
    request: SendRequest,
    on_event: Channel<StreamEvent>,
) -> CommandResult<String> {
    state.start_turn(request.into(), on_event)
}

/// Stops a streaming answer: aborts its HTTP request. Unknown or finished ids are a no-op.
#[tauri::command]
pub fn stop_message(state: State<'_, AppState>, request_id: String) {
    state.stop_turn(&request_id);
}
