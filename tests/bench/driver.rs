//! A WebDriver session on a release binary in a [`World`]: tauri-driver and WebKitWebDriver on
//! free loopback ports, fantoccini as the client (the E2E harness's way, without its test
//! assertions). Every call has a deadline.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::{json, Value};

use crate::world::{descendants, signal, wait_child, World};
use crate::BenchResult;

/// How long one WebDriver step may take.
pub const STEP_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs one WebDriver step with a deadline.
pub async fn within<T, E: std::fmt::Display>(
    what: &str,
    step: impl std::future::Future<Output = Result<T, E>>,
) -> BenchResult<T> {
    match tokio::time::timeout(STEP_TIMEOUT, step).await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(format!("{what}: {error}").into()),
        Err(_) => Err(format!("{what}: no answer within {STEP_TIMEOUT:?}").into()),
    }
}

fn free_port() -> BenchResult<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// `tauri-driver` from `$TAURI_DRIVER`, else cargo's bin folder, else the PATH.
fn tauri_driver() -> PathBuf {
    if let Some(bin) = std::env::var_os("TAURI_DRIVER") {
        return PathBuf::from(bin);
    }
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    match cargo_home.map(|c| c.join("bin").join("tauri-driver")) {
        Some(path) if path.exists() => path,
        _ => PathBuf::from("tauri-driver"),
    }
}

/// One app launched through WebDriver.
pub struct Driver {
    pub client: Client,
    driver: Child,
    binary: PathBuf,
}

impl std::fmt::Debug for Driver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Driver")
            .field("binary", &self.binary)
            .finish_non_exhaustive()
    }
}

impl Driver {
    /// Starts tauri-driver in `world` and opens a session on `binary`.
    pub async fn start(world: &World, binary: &Path) -> BenchResult<Driver> {
        let port = free_port()?;
        let native_port = free_port()?;
        let mut driver = world
            .command(tauri_driver())
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(world.dir.join("driver.log"))?)
            .spawn()
            .map_err(|e| format!("starting tauri-driver ({}): {e}", tauri_driver().display()))?;
        for p in [port, native_port] {
            let deadline = Instant::now() + Duration::from_secs(20);
            while TcpStream::connect(("127.0.0.1", p)).is_err() {
                if Instant::now() > deadline {
                    signal(driver.id(), "TERM");
                    let _ = wait_child(&mut driver, Duration::from_secs(5));
                    let log =
                        std::fs::read_to_string(world.dir.join("driver.log")).unwrap_or_default();
                    return Err(
                        format!("the WebDriver did not listen on {p}; its log:\n{log}").into(),
                    );
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
        let mut caps = serde_json::Map::new();
        caps.insert("tauri:options".into(), json!({ "application": binary }));
        caps.insert("browserName".into(), json!("wry"));
        let connected = tokio::time::timeout(
            STEP_TIMEOUT,
            ClientBuilder::new(HttpConnector::new())
                .capabilities(caps)
                .connect(&format!("http://127.0.0.1:{port}")),
        )
        .await;
        let client = match connected {
            Ok(Ok(client)) => client,
            other => {
                signal(driver.id(), "TERM");
                let _ = wait_child(&mut driver, Duration::from_secs(10));
                let why = match other {
                    Ok(Err(e)) => e.to_string(),
                    _ => format!("no session within {STEP_TIMEOUT:?}"),
                };
                return Err(
                    format!("opening a WebDriver session on {}: {why}", binary.display()).into(),
                );
            }
        };
        Ok(Driver {
            client,
            driver,
            binary: binary.to_path_buf(),
        })
    }

    /// The pid of the launched app (below WebKitWebDriver, below tauri-driver).
    pub fn app_pid(&self) -> BenchResult<u32> {
        let name: String = self
            .binary
            .file_name()
            .map(|n| n.to_string_lossy().chars().take(15).collect())
            .unwrap_or_default();
        descendants(self.driver.id())
            .into_iter()
            .find(|&pid| crate::world::comm(pid).as_deref() == Some(name.as_str()))
            .ok_or_else(|| format!("no {name} process below tauri-driver").into())
    }

    /// Runs a script; returns its value.
    pub async fn run(&self, what: &str, script: &str) -> BenchResult<Value> {
        within(what, self.client.execute(script, vec![])).await
    }

    /// Runs an async script (it calls `arguments[arguments.length - 1]` with its value).
    pub async fn run_async(&self, what: &str, script: &str) -> BenchResult<Value> {
        within(what, self.client.execute_async(script, vec![])).await
    }

    /// Waits for a CSS selector.
    pub async fn wait_for(&self, css: &str) -> BenchResult<fantoccini::elements::Element> {
        within(
            &format!("waiting for `{css}`"),
            self.client
                .wait()
                .at_most(STEP_TIMEOUT)
                .for_element(Locator::Css(css)),
        )
        .await
    }

    /// Polls a JS expression until it is truthy (or the timeout).
    pub async fn wait_until(
        &self,
        what: &str,
        expression: &str,
        timeout: Duration,
    ) -> BenchResult<Value> {
        let deadline = Instant::now() + timeout;
        let script = format!("return ({expression});");
        loop {
            let value = self.run(what, &script).await?;
            if !matches!(value, Value::Null | Value::Bool(false))
                && value != json!(0)
                && value != json!("")
            {
                return Ok(value);
            }
            if Instant::now() > deadline {
                return Err(format!("timed out after {timeout:?} waiting until {what}").into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Ends the session and the driver.
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_secs(20), self.client.clone().close()).await;
        signal(self.driver.id(), "TERM");
        if !wait_child(&mut self.driver, Duration::from_secs(10)) {
            let _ = self.driver.kill();
            let _ = self.driver.wait();
        }
    }
}
