//! Declares the floor's one command, as the app declares its own, so the window's capability
//! allows exactly that command (the same IPC permission check as the app's).

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(&["app_ready"]));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
