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

/// Names a file that receives `ready <unix nanoseconds>` when the window first painted, then the
/// page's `page <navigation start> <mark>=<ms>...` line.
const READY_FILE_ENV: &str = "SWITCHBOARD_READY_FILE";

/// The page's first paint is on screen; `page` is its start-up timeline, already as a line.
#[tauri::command]
fn app_ready(page: Option<String>) {
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or_default();
    if let Some(path) = std::env::var_os(READY_FILE_ENV) {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| {
                writeln!(file, "ready {wall}")?;
                match page.filter(|line| plain_page_line(line)) {
                    Some(line) => writeln!(file, "{line}"),
                    None => Ok(()),
                }
            });
        if let Err(error) = written {
            eprintln!("sb-floor: could not write the start-up mark: {error}");
        }
    }
}

/// One line of `page`, names and numbers only.
fn plain_page_line(line: &str) -> bool {
    line.starts_with("page ")
        && line.len() < 1024
        && line
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || " .=-".contains(c))
}

fn main() {
    tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![app_ready])
        .run(tauri::generate_context!())
        .expect("the floor window could not run");
}
