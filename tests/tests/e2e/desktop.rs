//! Desktop manners of the real app, without WebDriver: a second launch hands over to the running
//! app and exits while the first keeps running. Two private D-Bus sessions (as every E2E
//! [`crate::harness::Session`] has) run at once, so the test also shows that the single-instance
//! lock is per session bus and one test's app never swallows another's.
//!
//! Closing the window (which writes `.window-state.json`) needs a window manager that Xvfb does
//! not have, so the remembered window is checked by hand (see ARCHITECTURE.md).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::harness::{private_session, TestResult};

/// How long a second launch may take to hand over and exit.
const HANDOVER_LIMIT: Duration = Duration::from_secs(5);

/// Inside the private session: start the app, wait until it owns its single-instance name
/// (the plugin takes it before the window opens), launch a second copy, and report as
/// `key=value` lines what happened to both.
const HANDOVER_SCRIPT: &str = r#"
set -u
printf '%s' e2e | gnome-keyring-daemon --unlock --components=secrets >/dev/null
"$SB_APP" >"$SB_E2E_DIR/first.log" 2>&1 &
first=$!
owned() {
  dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.NameHasOwner string:dev.switchboard.app.SingleInstance 2>/dev/null \
    | grep -q 'boolean true'
}
tries=0
until owned; do
  if ! kill -0 "$first" 2>/dev/null; then echo "first=exited-before-owning-the-name"; exit 0; fi
  tries=$((tries + 1))
  if [ "$tries" -ge 400 ]; then echo "first=never-owned-the-name"; kill "$first"; exit 0; fi
  sleep 0.05
done
started=$(date +%s%N)
timeout 20 "$SB_APP" >"$SB_E2E_DIR/second.log" 2>&1
echo "second=$?"
echo "second_ms=$(( ($(date +%s%N) - started) / 1000000 ))"
# The first answered the hand-over before the second exited; give a crash in it a moment.
sleep 0.3
if kill -0 "$first" 2>/dev/null; then echo "first=running"; else echo "first=exited"; fi
kill -TERM "$first" 2>/dev/null
wait "$first" 2>/dev/null
exit 0
"#;

#[test]
fn a_second_launch_hands_over_and_exits_in_each_private_session() -> TestResult {
    let app = app_binary();
    assert!(
        app.exists(),
        "the app binary {} is missing: build it with `cargo build -p switchboard --features custom-protocol`",
        app.display()
    );
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "E2E tests need an X display: run them under xvfb-run (the README test command does)"
    );

    let worlds = [World::start("one", &app)?, World::start("two", &app)?];
    let mut failures = Vec::new();
    for world in worlds {
        let report = world.finish()?;
        let second_ms: u64 = report
            .get("second_ms")
            .and_then(|ms| ms.parse().ok())
            .unwrap_or(u64::MAX);
        let ok = report.get("first").map(String::as_str) == Some("running")
            && report.get("second").map(String::as_str) == Some("0")
            && Duration::from_millis(second_ms) < HANDOVER_LIMIT;
        if !ok {
            failures.push(format!("{:?}\n{}", report.values, report.logs));
        }
    }
    assert!(
        failures.is_empty(),
        "in each session the second launch exits 0 within {HANDOVER_LIMIT:?} and the first keeps running:\n{}",
        failures.join("\n")
    );
    Ok(())
}

/// The app the harness drives (`SB_APP_BIN`, else the workspace's debug build).
fn app_binary() -> PathBuf {
    if let Some(bin) = std::env::var_os("SB_APP_BIN") {
        return PathBuf::from(bin);
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug").join("switchboard")
}

/// One private session (its own bus, HOME, XDG dirs and data dir) running [`HANDOVER_SCRIPT`].
struct World {
    dir: PathBuf,
    child: Child,
}

/// What [`HANDOVER_SCRIPT`] printed, with both apps' logs for the failure message.
struct Report {
    values: HashMap<String, String>,
    logs: String,
}

impl Report {
    fn get(&self, key: &str) -> Option<&String> {
        self.values.get(key)
    }
}

impl World {
    fn start(name: &str, app: &Path) -> TestResult<Self> {
        let dir =
            std::env::temp_dir().join(format!("sb-e2e-desktop-{name}-{}", uuid::Uuid::new_v4()));
        let child = private_session(&dir, HANDOVER_SCRIPT)?
            .env("SB_APP", app)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(dir.join("session.log"))?)
            .spawn()?;
        Ok(Self { dir, child })
    }

    /// Waits for the script (bounded), then reads its report and removes the world.
    fn finish(mut self) -> TestResult<Report> {
        let deadline = Instant::now() + Duration::from_secs(60);
        while self.child.try_wait()?.is_none() {
            if Instant::now() > deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                return Err(format!("the session in {} did not finish", self.dir.display()).into());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let mut stdout = String::new();
        if let Some(mut out) = self.child.stdout.take() {
            std::io::Read::read_to_string(&mut out, &mut stdout)?;
        }
        let values = stdout
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect();
        let logs = ["first.log", "second.log", "session.log"]
            .iter()
            .map(|file| {
                let text = std::fs::read_to_string(self.dir.join(file)).unwrap_or_default();
                format!("--- {file}:\n{text}")
            })
            .collect::<Vec<_>>()
            .join("\n");
        if std::env::var_os("SB_E2E_KEEP").is_none() {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
        Ok(Report { values, logs })
    }
}

impl Drop for World {
    /// A test that fails before [`World::finish`] still ends its session.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
