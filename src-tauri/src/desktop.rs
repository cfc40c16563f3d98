//! Desktop manners: one running instance (a second launch brings the first window forward),
//! a window that reopens where the user left it, and a native notice when a long answer ends
//! while the user looks elsewhere.
//!
//! All three plugins are driven from Rust only: the window's capability grants none of their
//! commands, so the page can neither move the window nor post notifications.
//!
//! # Announcing a finished answer
//!
//! Call [`notify_answer_finished`] once, where an answer ends with `Finished` (not when it was
//! stopped or failed), with the time since the question was sent and the user's setting:
//!
//! ```ignore
//! crate::desktop::notify_answer_finished(
//!     &app,                       // tauri::AppHandle
//!     &conversation_title,        // the notice's title
//!     "The answer is ready.",     // its body: no answer text (see below)
//!     started.elapsed(),          // how long the answer took
//!     settings.notify_when_done,  // the user's choice
//! );
//! ```
//!
//! It returns at once and never fails: the check and the notice run on the blocking pool. Keep
//! the answer's text out of `body`: notification daemons keep a history and lock screens show
//! it. Nothing here logs the title or the body.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tauri_plugin_window_state::StateFlags;

/// The label of the app's one window (tauri.conf.json).
const MAIN_WINDOW: &str = "main";

/// An answer that took at least this long is worth a notice: shorter ones end while the user
/// is still waiting for them.
pub const LONG_ANSWER: Duration = Duration::from_secs(10);

/// Makes a second launch hand over to the running app, which brings its window forward; the
/// second process then exits. Register it before every other plugin, so a second instance
/// stops before the others set anything up.
///
/// On Linux the running app owns the session-bus name `<identifier>.SingleInstance`, so the
/// scope is one D-Bus session (one desktop login). Without a session bus the plugin lets every
/// launch run.
pub fn single_instance<R: Runtime>() -> TauriPlugin<R> {
    // The second launch's arguments and directory are ignored: the app takes none yet.
    tauri_plugin_single_instance::init(|app, _args, _cwd| bring_forward(app))
}

/// Unminimizes, shows and focuses the main window. Each step is tried on its own: a window
/// manager that refuses focus still lets the window be shown.
fn bring_forward<R: Runtime>(app: &AppHandle<R>) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    if let Err(error) = window.unminimize() {
        eprintln!("switchboard: could not unminimize the window for a second launch: {error}");
    }
    if let Err(error) = window.show() {
        eprintln!("switchboard: could not show the window for a second launch: {error}");
    }
    if let Err(error) = window.set_focus() {
        eprintln!("switchboard: could not focus the window for a second launch: {error}");
    }
}

/// Remembers the window's size, position and maximized state in `.window-state.json` in the
/// app's config folder, written when the app exits normally (not when it is killed, SIGTERM
/// included). A saved position is used only when a corner of the window would be on a
/// connected monitor; otherwise the window manager places it.
///
/// Visibility, decorations and full screen are not restored: a window saved hidden would
/// reopen invisible, and the app never changes the other two.
pub fn window_state<R: Runtime>() -> TauriPlugin<R> {
    tauri_plugin_window_state::Builder::new()
        .with_state_flags(StateFlags::SIZE | StateFlags::POSITION | StateFlags::MAXIMIZED)
        .build()
}

/// How the main window is shown right now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WindowPresence {
    /// It has the keyboard focus.
    pub focused: bool,
    /// It is minimized (some platforms still report a minimized window as focused).
    pub minimized: bool,
    /// It is shown at all.
    pub visible: bool,
}

impl WindowPresence {
    /// Whether the user can see the window and is working in it.
    fn in_view(self) -> bool {
        self.focused && self.visible && !self.minimized
    }
}

/// Whether a finished answer deserves a notice: the user asked for them, the answer took
/// at least [`LONG_ANSWER`], and the window is in the background (unfocused, minimized or
/// hidden).
pub fn should_notify(window: WindowPresence, took: Duration, enabled: bool) -> bool {
    enabled && took >= LONG_ANSWER && !window.in_view()
}

/// Shows a native notice that an answer finished, when [`should_notify`] says so. Does
/// nothing when the main window is gone or cannot be asked about (nothing to come back to),
/// and nothing but one line on stderr per run when the system shows no notifications (no
/// notification daemon, as in CI). See the module documentation for how to call it.
pub fn notify_answer_finished<R: Runtime>(
    app: &AppHandle<R>,
    title: &str,
    body: &str,
    took: Duration,
    enabled: bool,
) {
    let app = app.clone();
    let (title, body) = (title.to_owned(), body.to_owned());
    // The window's getters wait for the main thread and asking the notification server is a
    // D-Bus round trip: neither may hold up the caller (an async task or the main thread).
    tauri::async_runtime::spawn_blocking(move || {
        let Some(window) = presence(&app) else {
            return;
        };
        if !should_notify(window, took, enabled) {
            return;
        }
        if let Err(reason) = notifications_available() {
            report_unavailable(&reason);
            return;
        }
        let shown = app.notification().builder().title(title).body(body).show();
        if let Err(error) = shown {
            report_unavailable(&error.to_string());
        }
    });
}

/// The main window's presence, or `None` when it is gone or a query failed.
fn presence<R: Runtime>(app: &AppHandle<R>) -> Option<WindowPresence> {
    let window = app.get_webview_window(MAIN_WINDOW)?;
    Some(WindowPresence {
        focused: window.is_focused().ok()?,
        minimized: window.is_minimized().ok()?,
        visible: window.is_visible().ok()?,
    })
}

/// Linux and the BSDs: asks the notification server for its name. The plugin sends its notices
/// on a background task and drops a failure silently, so without this check a missing daemon
/// would go unnoticed.
#[cfg(all(unix, not(target_os = "macos")))]
fn notifications_available() -> Result<(), String> {
    notify_rust::get_server_information()
        .map(|_| ())
        .map_err(|error| error.to_string())
}

/// macOS and Windows always have a notification centre.
#[cfg(not(all(unix, not(target_os = "macos"))))]
fn notifications_available() -> Result<(), String> {
    Ok(())
}

/// Set once the missing notifications were reported, so a long session logs it once.
static UNAVAILABLE_REPORTED: AtomicBool = AtomicBool::new(false);

fn report_unavailable(reason: &str) {
    if !UNAVAILABLE_REPORTED.swap(true, Ordering::Relaxed) {
        eprintln!(
            "switchboard: desktop notifications are unavailable ({reason}); finished answers \
             are not announced"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IN_VIEW: WindowPresence = WindowPresence {
        focused: true,
        minimized: false,
        visible: true,
    };
    const LONG: Duration = LONG_ANSWER;

    #[test]
    fn a_long_answer_in_the_background_is_announced() {
        let unfocused = WindowPresence {
            focused: false,
            ..IN_VIEW
        };
        let minimized = WindowPresence {
            minimized: true,
            ..IN_VIEW
        };
        let hidden = WindowPresence {
            visible: false,
            ..IN_VIEW
        };
        for window in [unfocused, minimized, hidden] {
            assert!(should_notify(window, LONG, true), "{window:?}");
        }
    }

    #[test]
    fn a_minimized_window_that_still_reports_focus_counts_as_background() {
        let window = WindowPresence {
            focused: true,
            minimized: true,
            visible: true,
        };
        assert!(should_notify(window, Duration::from_secs(60), true));
    }

    #[test]
    fn the_window_in_view_gets_no_notice() {
        assert!(!should_notify(IN_VIEW, Duration::from_secs(600), true));
    }

    #[test]
    fn ten_seconds_is_long_and_just_under_is_not() {
        let background = WindowPresence {
            focused: false,
            ..IN_VIEW
        };
        assert!(should_notify(background, Duration::from_secs(10), true));
        assert!(!should_notify(
            background,
            Duration::from_secs(10) - Duration::from_millis(1),
            true
        ));
        assert!(!should_notify(background, Duration::ZERO, true));
    }

    #[test]
    fn nothing_is_announced_when_the_user_turned_notices_off() {
        let background = WindowPresence {
            focused: false,
            minimized: true,
            visible: false,
        };
        assert!(!should_notify(background, Duration::from_secs(600), false));
    }
}
