//! What the window may reach outside itself: links open in the system browser (never in the
//! app window), and remote images come through Rust as `data:` URLs when the user allows them.
//! A navigation guard keeps the window on the app's own pages whatever the page tries.

use tauri::plugin::TauriPlugin;
use tauri_plugin_opener::OpenerExt;

use crate::commands::CommandResult;
use crate::dto::CommandError;

/// Opens a link from an answer in the system's browser or mail client. Only the schemes the
/// renderer keeps live (`http`, `https`, `mailto`) are opened.
#[tauri::command]
pub async fn open_link(app: tauri::AppHandle, url: String) -> CommandResult<()> {
    if !sb_markdown::is_live_link(&url) || url::Url::parse(&url).is_err() {
        return Err(CommandError {
            code: "invalid_input".into(),
            message: "Only web (http, https) and mailto links are opened.".into(),
        });
    }
    app.opener()
        .open_url(url.as_str(), None::<&str>)
        .map_err(|error| CommandError {
            code: "internal".into(),
            message: format!(
                "The system could not open the link ({error}). Copy it and open it yourself."
            ),
        })
}

/// Fetches a remote image the user allowed, as a `data:` URL (the window itself cannot load
/// remote URLs: its CSP forbids it).
#[tauri::command]
pub async fn load_remote_image(url: String) -> CommandResult<String> {
    Ok(sb_core::remote_image::fetch_image(&url).await?)
}

/// Refuses every navigation of a webview away from the app's own pages (a link the page
/// failed to intercept, a form, a script that sets `location`).
pub fn navigation_guard<R: tauri::Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_webview, url| {
            let allowed = is_app_page(url);
            if !allowed {
                eprintln!(
                    "switchboard: refused to navigate the window to {}",
                    url.scheme()
                );
            }
            allowed
        })
        .build()
}

/// The app's own pages: the embedded UI (`tauri://localhost`, or `http://tauri.localhost` on
/// Windows) and, in development, the Vite server.
fn is_app_page(url: &url::Url) -> bool {
    match url.scheme() {
        "tauri" => true,
        "about" => url.path() == "blank",
        "http" | "https" => {
            let host = url.host_str().unwrap_or_default();
            host == "tauri.localhost" || (tauri::is_dev() && host == "localhost")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str) -> bool {
        is_app_page(&url::Url::parse(url).expect(url))
    }

    #[test]
    fn the_window_stays_on_the_apps_pages() {
        assert!(page("tauri://localhost/"));
        assert!(page("tauri://localhost/index.html#x"));
        assert!(page("http://tauri.localhost/"));
        for away in [
            "https://evil.example/",
            "http://127.0.0.1:8080/",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "mailto:a@b.example",
            "about:srcdoc",
        ] {
            assert!(!page(away), "{away} must not replace the app");
        }
    }
}
