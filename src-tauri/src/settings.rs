//! App-wide settings in the window: the default proxy (kept by `sb_core::settings`, shared with
//! the CLI) and where the data lives, with a way to show that folder.

use serde::Serialize;
use tauri::State;
use tauri_plugin_opener::OpenerExt;

use crate::commands::{blocking, CommandResult};
use crate::dto::CommandError;
use crate::state::AppState;

/// The settings as the window shows them.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AppSettingsView {
    /// The proxy for accounts without their own; `None`: the system's settings.
    pub default_proxy: Option<String>,
    /// The data directory (accounts, history, settings; keys are in the keyring).
    pub data_dir: String,
}

fn view(core: &sb_core::Switchboard, settings: sb_core::settings::AppSettings) -> AppSettingsView {
    AppSettingsView {
        default_proxy: settings.default_proxy,
        data_dir: core.data_dir().display().to_string(),
    }
}

/// The settings now.
#[tauri::command]
pub async fn get_app_settings(state: State<'_, AppState>) -> CommandResult<AppSettingsView> {
    blocking(&state, |core| Ok(view(&core, core.settings().get()))).await
}

/// Sets the default proxy (`None` or blank: the system's settings); a bad address is refused
/// with the reason and changes nothing. It applies from the next request.
#[tauri::command]
pub async fn set_default_proxy(
    state: State<'_, AppState>,
    proxy: Option<String>,
) -> CommandResult<AppSettingsView> {
    blocking(&state, move |core| {
        let saved = core.settings().set_default_proxy(proxy.as_deref())?;
        Ok(view(&core, saved))
    })
    .await
}

/// Shows the data directory in the system's file manager.
#[tauri::command]
pub async fn open_data_dir(app: tauri::AppHandle, state: State<'_, AppState>) -> CommandResult<()> {
    let dir = state.core()?.data_dir().to_owned();
    app.opener()
        .open_path(dir.display().to_string(), None::<&str>)
        .map_err(|error| CommandError {
            code: "internal".into(),
            message: format!(
                "The system could not open the folder ({error}). It is {}.",
                dir.display()
            ),
        })
}
