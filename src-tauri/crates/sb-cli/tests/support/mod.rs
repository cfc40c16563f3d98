//! Running the real `sb` binary against the provider simulator.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sb_sim::{SimConfig, Simulator};

/// The variable the tests name with `--api-key-env`.
pub const KEY_VAR: &str = "SB_CLI_TEST_KEY";
/// The key the tests put in it: distinctive, so a leak is easy to spot.
pub const KEY: &str = "sk-test-CLI-9f3b2c7d1e5a-never-print-me";

/// Longest a single `sb` run may take before the test fails instead of hanging.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// A folder under the system temp dir, removed on drop.
#[derive(Debug)]
pub struct TempDir(PathBuf);

impl TempDir {
    /// A new empty folder, unique to this process and call.
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "sb-cli-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&path).expect("the temp dir is writable");
        Self(path)
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }

    /// Writes `bytes` to `name` inside it and returns the file's path.
    pub fn file(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let path = self.0.join(name);
        std::fs::write(&path, bytes).expect("the temp dir is writable");
        path
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A simulator accepting any key.
pub async fn simulator() -> Simulator {
    simulator_with(SimConfig::default()).await
}

/// A simulator with this configuration.
pub async fn simulator_with(config: SimConfig) -> Simulator {
    Simulator::start(config)
        .await
        .expect("the simulator binds 127.0.0.1")
}

/// One `sb` invocation being put together.
#[derive(Debug)]
pub struct Sb {
    args: Vec<OsString>,
    env: Vec<(String, String)>,
    stdin: Option<String>,
    /// The private data dir, when this run has one (`None`: the caller's, see [`Sb::in_dir`]).
    data_dir: Option<TempDir>,
}

/// What an `sb` run left behind.
#[derive(Debug)]
pub struct Run {
    /// Exit status (`None` if killed by a signal).
    pub code: Option<i32>,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// The stderr lines.
    pub fn stderr_lines(&self) -> Vec<&str> {
        self.stderr.lines().collect()
    }

    /// Asserts a failure: this exit status, exactly one stderr line starting with `sb: `, no
    /// panic and no key; returns the line.
    pub fn single_error_line(&self, code: i32) -> &str {
        assert_eq!(
            self.code,
            Some(code),
            "exit status; stderr: {}",
            self.stderr
        );
        let lines = self.stderr_lines();
        assert_eq!(
            lines.len(),
            1,
            "exactly one stderr line, got: {:?}",
            self.stderr
        );
        let line = lines[0];
        assert!(
            line.starts_with("sb: "),
            "the line starts with 'sb: ': {line}"
        );
        assert!(!line.contains("panicked"), "no panic: {line}");
        assert!(!self.stderr.contains(KEY), "the key never appears: {line}");
        line
    }
}

impl Sb {
    /// `sb` with these arguments, a private data dir and no key variable.
    pub fn new<I, S>(args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let data_dir = TempDir::new();
        let mut all: Vec<OsString> = vec!["--data-dir".into(), data_dir.path().into()];
        all.extend(args.into_iter().map(Into::into));
        Self {
            args: all,
            env: Vec::new(),
            stdin: None,
            data_dir: Some(data_dir),
        }
    }

    /// `sb` with these arguments on a data dir the caller keeps (to run several commands on the
    /// same accounts).
    #[allow(dead_code)] // Used by tests/accounts.rs only.
    pub fn in_dir<I, S>(data_dir: &Path, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        let mut all: Vec<OsString> = vec!["--data-dir".into(), data_dir.into()];
        all.extend(args.into_iter().map(Into::into));
        Self {
            args: all,
            env: Vec::new(),
            stdin: None,
            data_dir: None,
        }
    }

    /// `sb ask --base-url <sim> --api-key-env KEY_VAR` with `KEY_VAR=KEY` set.
    pub fn ask(base_url: &str) -> Self {
        Self::new(["ask", "--base-url", base_url, "--api-key-env", KEY_VAR]).env(KEY_VAR, KEY)
    }

    /// Adds arguments.
    pub fn args<I, S>(mut self, args: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<OsString>,
    {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Adds one argument.
    pub fn arg(mut self, arg: impl Into<OsString>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// Sets an environment variable for the run.
    pub fn env(mut self, name: &str, value: &str) -> Self {
        self.env.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Feeds this to stdin (otherwise stdin is empty).
    pub fn stdin(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_owned());
        self
    }

    /// The command, with stdout and stderr piped and a clean environment for `sb`'s variables.
    pub fn command(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_sb"));
        command
            .args(&self.args)
            .env_remove("SWITCHBOARD_DATA_DIR")
            .env_remove(KEY_VAR)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `sb` to the end (off the async workers, so the simulator keeps serving).
    pub async fn run(self) -> Run {
        let task = tokio::task::spawn_blocking(move || {
            let mut child = self.command().spawn().expect("the sb binary starts");
            if let Some(text) = &self.stdin {
                let mut stdin = child.stdin.take().expect("stdin is piped");
                stdin
                    .write_all(text.as_bytes())
                    .expect("sb reads its stdin");
                // Dropping stdin closes it: sb sees the end of the question.
            }
            let output = child.wait_with_output().expect("sb runs to the end");
            // Keep the data dir alive until sb is done with it.
            drop(self.data_dir);
            Run {
                code: output.status.code(),
                stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
                stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
            }
        });
        tokio::time::timeout(RUN_TIMEOUT, task)
            .await
            .expect("sb finishes within the timeout")
            .expect("the runner thread does not panic")
    }
}
