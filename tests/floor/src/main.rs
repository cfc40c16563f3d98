//! `sb-floor`: the hello-world floor of Switchboard's whole-app benchmark (`.ci/bench`).
//!
//! A bare Tauri window with a static page and no plugins. The page paints, waits two animation
//! frames and calls `app_ready`, which appends `ready <unix nanoseconds>` to the file named by
//! `SWITCHBOARD_READY_FILE`: the same mark, written the same way, as Switchboard's own
//! (`src-tauri/src/startup.rs`), so both are measured from spawn to the same kind of event.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Names a file that receives `ready <unix nanoseconds>` when the window first painted.
const READY_FILE_ENV: &str = "SWITCHBOARD_READY_FILE";

/// The page's first paint is on screen.
#[tauri::command]
fn app_ready() {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or_default();
    if let Some(path) = std::env::var_os(READY_FILE_ENV) {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "ready {wall}"));
        if let Err(error) = written {
            eprintln!("sb-floor: could not write the start-up mark: {error}");
        }
    }
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_ready])
        .run(tauri::generate_context!())
        .expect("the floor window could not run");
}
