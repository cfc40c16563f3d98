//! The start-up mark: the window says once when its first meaningful paint is on screen (the
//! conversation list is shown), and how its time went; the app records how long start-up took.
//!
//! The benchmark (`.ci/bench`) launches the app with `SWITCHBOARD_READY_FILE` set and reads the
//! wall-clock time written there; the hello-world floor app (`tests/floor`) writes the same
//! lines the same way, so both are measured from spawn to the same kind of event. Without the
//! variable the command only prints the start-up line on stderr.

use std::io::Write;
use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

/// Names a file that receives `ready <unix nanoseconds>` when the window first painted, then
/// `page <navigation start, unix ms> <mark>=<ms after it>...` (the page's own timeline).
pub const READY_FILE_ENV: &str = "SWITCHBOARD_READY_FILE";

/// When `run` began: the start of start-up as far as the app can see it (both clocks).
static STARTED: OnceLock<(Instant, SystemTime)> = OnceLock::new();
/// Set by the first `app_ready`; later calls (a page reload) change nothing.
static READY: OnceLock<()> = OnceLock::new();

/// The page's start-up (ui/src/startup.ts).
#[derive(Debug, Deserialize)]
pub struct StartupTimeline {
    /// When navigation began, ms since the Unix epoch.
    origin: f64,
    /// Named moments in order, ms after `origin`.
    marks: Vec<(String, f64)>,
}

impl StartupTimeline {
    /// `page <origin> name=ms ...`, names reduced to `[a-z0-9-]` (they come from the page).
    fn line(&self) -> String {
        let mut line = format!("page {:.1}", self.origin);
        for (name, at) in self.marks.iter().take(32) {
            let name: String = name
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
                .take(32)
                .collect();
            if !name.is_empty() && at.is_finite() {
                line.push_str(&format!(" {name}={at:.1}"));
            }
        }
        line
    }
}

/// Call first thing in `run`.
pub fn mark_start() {
    STARTED.get_or_init(|| (Instant::now(), SystemTime::now()));
}

fn unix_ms(time: SystemTime) -> f64 {
    time.duration_since(UNIX_EPOCH)
        .map(|since| since.as_secs_f64() * 1000.0)
        .unwrap_or_default()
}

/// The window's first meaningful paint is on screen.
#[tauri::command]
pub fn app_ready(timeline: Option<StartupTimeline>) {
    if READY.set(()).is_err() {
        return;
    }
    let now = SystemTime::now();
    let page = timeline.as_ref().map(StartupTimeline::line);
    if let Some((started, started_wall)) = STARTED.get() {
        let navigation = timeline
            .as_ref()
            .map(|t| {
                format!(
                    "; the page began {:.0} ms after start: {}",
                    t.origin - unix_ms(*started_wall),
                    page.as_deref().unwrap_or_default()
                )
            })
            .unwrap_or_default();
        eprintln!(
            "switchboard: window ready {} ms after start{navigation}",
            started.elapsed().as_millis()
        );
    }
    if let Some(path) = std::env::var_os(READY_FILE_ENV) {
        let wall = now
            .duration_since(UNIX_EPOCH)
            .map(|since| since.as_nanos())
            .unwrap_or_default();
        let written = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut file| {
                writeln!(file, "ready {wall}")?;
                match &page {
                    Some(page) => writeln!(file, "{page}"),
                    None => Ok(()),
                }
            });
        if let Err(error) = written {
            eprintln!("switchboard: could not write the start-up mark: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_line_keeps_names_plain_and_skips_what_is_not_a_time() {
        let timeline = StartupTimeline {
            origin: 1_700_000_000_123.4,
            marks: vec![
                ("document".into(), 12.34),
                ("li st\nready 1".into(), 40.0),
                ("nan".into(), f64::NAN),
                ("painted".into(), 300.06),
            ],
        };
        assert_eq!(
            timeline.line(),
            "page 1700000000123.4 document=12.3 listready1=40.0 painted=300.1",
            "a mark's name must not break the line format the benchmark parses"
        );
    }
}
