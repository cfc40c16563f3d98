//! The start-up mark: the window says once when its first meaningful paint is on screen (the
//! conversation list is shown), and the app records how long start-up took.
//!
//! The benchmark (`.ci/bench`) launches the app with `SWITCHBOARD_READY_FILE` set and reads the
//! wall-clock time written there; the hello-world floor app (`tests/floor`) writes the same
//! line the same way, so both are measured from spawn to the same kind of event. Without the
//! variable the command only keeps the first figure for the start-up line on stderr.

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

/// Names a file that receives `ready <unix nanoseconds>` when the window first painted.
pub const READY_FILE_ENV: &str = "SWITCHBOARD_READY_FILE";

/// When `run` began: the start of start-up as far as the app can see it.
static STARTED: OnceLock<Instant> = OnceLock::new();
/// Set by the first `app_ready`; later calls (a page reload) change nothing.
static READY: OnceLock<()> = OnceLock::new();

/// Call first thing in `run`.
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

/// The window's first meaningful paint is on screen.
#[tauri::command]
pub fn app_ready() {
    if READY.set(()).is_err() {
        return;
    }
    let wall = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|since| since.as_nanos())
        .unwrap_or_default();
    if let Some(started) = STARTED.get() {
        eprintln!(
            "switchboard: window ready {} ms after start",
            started.elapsed().as_millis()
        );
    }
    if let Some(path) = std::env::var_os(READY_FILE_ENV) {
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| writeln!(file, "ready {wall}"));
        if let Err(error) = written {
            eprintln!("switchboard: could not write the start-up mark: {error}");
        }
    }
}
