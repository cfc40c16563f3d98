//! Runs the built app in a real WebKitGTK window through tauri-driver + WebKitWebDriver.
//!
//! Each [`Session`] gets its own throw-away world: a private D-Bus session with its own unlocked
//! gnome-keyring, its own HOME and data directory, and its own tauri-driver on free ports. The
//! caller provides the X display (`xvfb-run`).

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The smallest PNG: a 1x1 transparent pixel.
pub const PIXEL: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// How long one UI condition may take before the test fails.
pub const UI_TIMEOUT: Duration = Duration::from_secs(20);

fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

fn app_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("SB_APP_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target"));
    target.join("debug").join("switchboard")
}

fn tauri_driver() -> PathBuf {
    if let Some(bin) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(bin);
    }
    let cargo_bin = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .map(|c| c.join("bin").join("tauri-driver"));
    match cargo_bin {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// Where screenshots go (git-ignored).
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("artifacts").join("e2e");
    std::fs::create_dir_all(&dir).expect("create artifacts/e2e");
    dir
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free loopback port")
        .port()
}

/// Runs one WebDriver step with a deadline, so a stuck call fails with its name instead of
/// hanging the suite (fantoccini has no per-command timeout).
pub async fn within<T, E: std::fmt::Display>(
    what: &str,
    step: impl std::future::Future<Output = Result<T, E>>,
) -> TestResult<T> {
    match tokio::time::timeout(UI_TIMEOUT, step).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{what}: {error}").into()),
        Err(_) => Err(format!("{what}: no answer within {UI_TIMEOUT:?}").into()),
    }
}

/// Stands in for the desktop's `xdg-open` (what Tauri's opener runs on Linux): records each
/// URL the app asks the system to open, and opens nothing, so no test can start a browser.
const XDG_OPEN_RECORDER: &str = "#!/bin/sh\nprintf '%s\\n' \"$*\" >> \"$SB_E2E_DIR/opened.txt\"\n";

/// The private session: dbus-run-session -> unlock a fresh keyring -> exec tauri-driver.
const SESSION_SCRIPT: &str = r#"
set -e
printf '%s' "$SB_E2E_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
printf '%s' "$DBUS_SESSION_BUS_ADDRESS" > "$SB_E2E_DIR/bus"
echo $$ > "$SB_E2E_DIR/driver.pid"
exec "$SB_E2E_TAURI_DRIVER" --port "$SB_E2E_PORT" --native-port "$SB_E2E_NATIVE_PORT"
"#;

/// One app launch in its own throw-away environment.
pub struct Session {
    pub client: Client,
    dir: PathBuf,
    session: Child,
}

impl Session {
    pub async fn start(name: &str) -> TestResult<Self> {
        let app = app_binary();
        assert!(
            app.exists(),
            "the app binary {} is missing: build it with `cargo build -p switchboard --features custom-protocol` \
             (or run the README test command)",
            app.display()
        );
        assert!(
            std::env::var_os("DISPLAY").is_some(),
            "E2E tests need an X display: run them under xvfb-run (the README test command does)"
        );
        let dir = std::env::temp_dir().join(format!("sb-e2e-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(dir.join("bin"))?;
        let recorder = dir.join("bin").join("xdg-open");
        std::fs::write(&recorder, XDG_OPEN_RECORDER)?;
        std::fs::set_permissions(
            &recorder,
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )?;
        let path = std::env::join_paths(std::iter::once(dir.join("bin")).chain(
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
        ))?;
        let port = free_port();
        let native_port = free_port();
        let session = private_session(&dir, SESSION_SCRIPT)?
            .env("PATH", path)
            .env("SB_E2E_KEYRING_PASSWORD", "e2e")
            .env("SB_E2E_TAURI_DRIVER", tauri_driver())
            .env("SB_E2E_PORT", port.to_string())
            .env("SB_E2E_NATIVE_PORT", native_port.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("driver.log"))?)
            .spawn()?;
        let mut this = PendingSession {
            dir,
            session: Some(session),
        };
        // tauri-driver listens at once but proxies to WebKitWebDriver, which it starts itself:
        // a session request sent before that one listens is dropped (IncompleteMessage).
        wait_for_port(port, &this.dir).await?;
        wait_for_port(native_port, &this.dir).await?;

        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": app }));
        caps.insert("browserName".into(), json!("wry"));
        let client = ClientBuilder::new(HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await?;
        Ok(Self {
            client,
            dir: this.dir.clone(),
            session: this.session.take().expect("session child"),
        })
    }

    /// The session bus of this app's private world (to ask its Secret Service directly).
    pub fn bus_address(&self) -> TestResult<String> {
        Ok(std::fs::read_to_string(self.dir.join("bus"))?)
    }

    /// Every file under the app's data directory, with its bytes.
    pub fn data_files(&self) -> TestResult<Vec<(PathBuf, Vec<u8>)>> {
        let mut files = Vec::new();
        collect_files(&self.dir.join("data"), &mut files)?;
        Ok(files)
    }

    /// The URLs the app handed to the system's opener so far (see [`XDG_OPEN_RECORDER`]).
    pub fn opened_links(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("opened.txt"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }

    /// Everything the app and its WebDriver wrote to stderr so far (the app's log).
    pub fn log(&self) -> TestResult<String> {
        Ok(String::from_utf8_lossy(&std::fs::read(self.dir.join("driver.log"))?).into_owned())
    }

    /// Waits for the CSS selector to match an element.
    pub async fn wait_for(&self, css: &str) -> TestResult<fantoccini::elements::Element> {
        Ok(self
            .client
            .wait()
            .at_most(UI_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
            .map_err(|e| format!("waiting for `{css}`: {e}"))?)
    }

    /// Polls a JS expression until it returns a truthy value; returns that value.
    pub async fn wait_until(&self, what: &str, js_expression: &str) -> TestResult<Value> {
        let deadline = Instant::now() + UI_TIMEOUT;
        let script = format!("return ({js_expression});");
        loop {
            let value = within(what, self.client.execute(&script, vec![])).await?;
            let truthy = !matches!(&value, Value::Null | Value::Bool(false))
                && value != json!("")
                && value != json!(0);
            if truthy {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out waiting until {what} (`{js_expression}`)").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Saves what the X server shows of the window, as a person would see it. (WebKitWebDriver's
    /// own snapshot can hang when compositing is off, which it must be under Xvfb.)
    pub async fn screenshot(&self, name: &str) -> TestResult<PathBuf> {
        let (width, height) = self.inner_size().await?;
        self.screenshot_sized(name, width, height).await
    }

    /// The page's viewport in CSS pixels (screen pixels at 100% zoom).
    pub async fn inner_size(&self) -> TestResult<(u64, u64)> {
        let size = within(
            "reading the window size",
            self.client
                .execute("return [window.innerWidth, window.innerHeight];", vec![]),
        )
        .await?;
        Ok((
            size[0].as_u64().unwrap_or(1280),
            size[1].as_u64().unwrap_or(800),
        ))
    }

    /// Saves the top-left `width` x `height` screen pixels (for a zoomed page, whose CSS
    /// viewport is smaller than the window).
    pub async fn screenshot_sized(
        &self,
        name: &str,
        width: u64,
        height: u64,
    ) -> TestResult<PathBuf> {
        // Let the last frame reach the X server.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let path = artifacts_dir().join(format!("{name}.png"));
        let status = Command::new("import")
            .args([
                "-window",
                "root",
                "-crop",
                &format!("{width}x{height}+0+0"),
                "+repage",
            ])
            .arg(&path)
            .status()
            .map_err(|e| format!("running ImageMagick's import for {name}: {e}"))?;
        if !status.success() {
            return Err(format!("import could not capture the screen for {name}: {status}").into());
        }
        Ok(path)
    }

    /// Ends the WebDriver session and the private world.
    pub async fn close(mut self) -> TestResult {
        let client = self.client.clone();
        within("closing the WebDriver session", client.close()).await?;
        self.stop();
        Ok(())
    }

    fn stop(&mut self) {
        stop_session(&self.dir, &mut self.session);
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Owns the half-started session until the WebDriver client is connected.
struct PendingSession {
    dir: PathBuf,
    session: Option<Child>,
}

impl Drop for PendingSession {
    fn drop(&mut self) {
        if let Some(mut child) = self.session.take() {
            stop_session(&self.dir, &mut child);
        }
    }
}

/// SIGTERM to tauri-driver (it then stops WebKitWebDriver; SIGKILL would leave that running),
/// then the bus and its keyring go away with dbus-run-session.
fn stop_session(dir: &Path, session: &mut Child) {
    if let Ok(pid) = std::fs::read_to_string(dir.join("driver.pid")) {
        let _ = Command::new("kill").args(["-TERM", pid.trim()]).status();
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = session.try_wait() {
            if std::env::var_os("SB_E2E_KEEP").is_some() {
                eprintln!(
                    "kept the session folder (driver.log, data) at {}",
                    dir.display()
                );
            } else {
                let _ = std::fs::remove_dir_all(dir);
            }
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = session.kill();
    let _ = session.wait();
}

async fn wait_for_port(port: u16, dir: &Path) -> TestResult {
    let deadline = Instant::now() + Duration::from_secs(20);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("driver.log")).unwrap_or_default();
            return Err(format!("the WebDriver did not listen on {port}; its log:\n{log}").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// A private world for one app launch under `dir`: its own HOME, XDG folders, data directory
/// and runtime directory, and a `dbus-run-session` running `script` (so a session bus, a
/// keyring and a single-instance lock of its own). Callers add their own variables and stdio.
pub fn private_session(dir: &Path, script: &str) -> std::io::Result<Command> {
    let home = dir.join("home");
    for sub in [home.as_path(), &dir.join("data"), &dir.join("run")] {
        std::fs::create_dir_all(sub)?;
    }
    set_private(&dir.join("run"))?;
    let mut command = Command::new("dbus-run-session");
    command
        .args(["--", "sh", "-c", script])
        .env("SB_E2E_DIR", dir);
    sb_sim::world::private_world_env(&mut command, dir);
    Ok(command)
}

fn set_private(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
}

fn collect_files(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else {
            out.push((path.clone(), std::fs::read(&path)?));
        }
    }
    Ok(())
}

/// Records every IPC response the page receives in `window.__sbIpcLog`. Tauri delivers each
/// command result and each channel message by looking up a callback in the (debug-exposed)
/// `__TAURI_INTERNALS__.callbacks` map, so wrapping that map's `get` sees all of them. Returns
/// whether the hook took.
pub const IPC_RECORDER: &str = r#"
const callbacks = window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.callbacks;
if (!(callbacks instanceof Map)) { return false; }
if (window.__sbIpcLog) { return true; }
window.__sbIpcLog = [];
const get = callbacks.get.bind(callbacks);
callbacks.get = (id) => {
  const callback = get(id);
  if (!callback) { return callback; }
  return (data) => {
    try { window.__sbIpcLog.push(JSON.stringify(data)); } catch (_) { window.__sbIpcLog.push(String(data)); }
    return callback(data);
  };
};
return callbacks.get !== get;
"#;
