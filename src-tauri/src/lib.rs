//! The Switchboard desktop app: builds the Tauri window, holds the state, and registers the
//! thin IPC commands. Everything else lives in the crates under `crates/`.

mod commands;
mod desktop;
mod dto;
mod history;
mod links;
mod settings;
mod startup;
mod state;

use std::sync::Arc;

use sb_core::{CachingStore, KeyringStore, Switchboard};

/// Starts the app.
pub fn run() {
    startup::mark_start();
    // Keys are read from the keyring once per run, then from memory (`CachingStore`): each
    // keyring read is a D-Bus connection and a key exchange.
    let secrets = Arc::new(CachingStore::new(KeyringStore::default()));
    let core = sb_core::data_dir::resolve(None).and_then(|dir| Switchboard::open(&dir, secrets));
    // The keyring (a D-Bus round trip per entry) and the history are read while GTK and WebKit
    // start, not after the page asks for the account and conversation lists.
    if let Ok(core) = &core {
        let core = core.clone();
        let _ = std::thread::Builder::new()
            .name("warm-up".into())
            .spawn(move || core.warm_up());
    }
    let result = tauri::Builder::default()
        // First: a second launch must hand over to the running app before anything else starts.
        .plugin(desktop::single_instance())
        .plugin(desktop::window_state())
        // Used from Rust only (`desktop::notify_answer_finished`); no notification permission.
        .plugin(tauri_plugin_notification::init())
        // The opener is used from Rust only (`links::open_link` checks the scheme first); the
        // window's capability grants none of its commands.
        .plugin(tauri_plugin_opener::init())
        .plugin(links::navigation_guard())
        .manage(state::AppState::new(core))
        .invoke_handler(tauri::generate_handler![
            commands::list_accounts,
            commands::add_account,
            commands::update_account,
            commands::reorder_accounts,
            commands::delete_key,
            commands::remove_account,
            commands::test_account,
            commands::list_presets,
            commands::list_models,
            commands::keyring_status,
            history::list_conversations,
            history::open_conversation,
            history::load_earlier,
            history::switch_branch,
            history::delete_message,
            history::update_conversation,
            history::delete_conversation,
            history::search_history,
            history::export_history,
            history::import_history,
            commands::send_message,
            commands::stop_message,
            commands::frame_shown,
            links::open_link,
            links::load_remote_image,
            startup::app_ready,
            settings::get_app_settings,
            settings::set_default_proxy,
            settings::open_data_dir,
        ])
        .run(tauri::generate_context!());
    if let Err(error) = result {
        eprintln!("Switchboard could not start its window: {error}");
        std::process::exit(1);
    }
}
