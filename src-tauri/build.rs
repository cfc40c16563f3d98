//! Declares the app's own commands so Tauri generates one permission per command; the main
//! window's capability (capabilities/default.json) then allows exactly these and nothing else.

const COMMANDS: &[&str] = &[
    "list_accounts",
    "add_account",
    "update_account",
    "reorder_accounts",
    "delete_key",
    "remove_account",
    "test_account",
    "list_presets",
    "list_models",
    "keyring_status",
    "list_conversations",
    "open_conversation",
    "load_earlier",
    "switch_branch",
    "delete_message",
    "update_conversation",
    "delete_conversation",
    "search_history",
    "export_history",
    "import_history",
    "send_message",
    "stop_message",
    "frame_shown",
    "open_link",
    "load_remote_image",
    "app_ready",
    "get_app_settings",
    "set_default_proxy",
    "open_data_dir",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
