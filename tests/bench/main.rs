//! `sb-bench`: whole-app measurements of the release app against a hello-world Tauri floor
//! (`sb-floor`), built and measured in the same run. Run through `.ci/bench`, which builds
//! everything and provides the X display; see BENCHMARKS.md for the method and the table.
//!
//! ```text
//! sb-bench --app target/release/switchboard --floor target/release/sb-floor --sb target/release/sb
//!          [--runs 10] [--out artifacts/bench] [--benchmarks BENCHMARKS.md] [--deb FILE]
//! ```
//!
//! Nothing here passes or fails on time: bad conditions (no display, a window that does not
//! paint within 60 s) end the run with a message and a non-zero exit.

mod driver;
mod measure;
mod provider;
mod report;
mod world;

use std::path::PathBuf;
use std::process::ExitCode;

/// Every fallible step returns this.
pub type BenchResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const USAGE: &str = "usage: sb-bench --app BIN --floor BIN --sb BIN [--runs N] [--memory-runs N] \
[--stream-runs N] [--ttft-runs N] [--out DIR] [--benchmarks FILE] [--deb FILE]\n\
(--memory-runs, --stream-runs and --ttft-runs 0 skip that step, without --benchmarks)";

/// What the command line asks for.
#[derive(Debug, Clone)]
pub struct Options {
    pub app: PathBuf,
    pub floor: PathBuf,
    pub sb: PathBuf,
    /// Cold starts per binary (one discarded warm-up each comes first).
    pub runs: usize,
    /// WebDriver sessions for the memory after opening a long conversation.
    pub memory_runs: usize,
    /// Streamed 60 KB answers.
    pub stream_runs: usize,
    /// Questions for the time to first token (and as many curl requests).
    pub ttft_runs: usize,
    pub out: PathBuf,
    pub benchmarks: Option<PathBuf>,
    pub deb: Option<PathBuf>,
}

fn parse_args() -> Result<Options, String> {
    let mut args = std::env::args().skip(1);
    let mut options = Options {
        app: PathBuf::new(),
        floor: PathBuf::new(),
        sb: PathBuf::new(),
        runs: 10,
        memory_runs: 3,
        stream_runs: 3,
        ttft_runs: 20,
        out: PathBuf::from("artifacts/bench"),
        benchmarks: None,
        deb: None,
    };
    while let Some(flag) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{flag} needs a value"));
        let number = |v: String| {
            v.parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or(format!("{v:?} is not a positive number"))
        };
        // The other steps may be skipped (0) while investigating one; not for BENCHMARKS.md.
        let count = |v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{v:?} is not a number"))
        };
        match flag.as_str() {
            "--app" => options.app = value()?.into(),
            "--floor" => options.floor = value()?.into(),
            "--sb" => options.sb = value()?.into(),
            "--runs" => options.runs = number(value()?)?,
            "--memory-runs" => options.memory_runs = count(value()?)?,
            "--stream-runs" => options.stream_runs = count(value()?)?,
            "--ttft-runs" => options.ttft_runs = count(value()?)?,
            "--out" => options.out = value()?.into(),
            "--benchmarks" => options.benchmarks = Some(value()?.into()),
            "--deb" => {
                options.deb = Some(value()?.into()).filter(|p: &PathBuf| !p.as_os_str().is_empty())
            }
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    if options.benchmarks.is_some()
        && [options.memory_runs, options.stream_runs, options.ttft_runs].contains(&0)
    {
        return Err(
            "--benchmarks needs every step: --memory-runs, --stream-runs and --ttft-runs above 0"
                .into(),
        );
    }
    for (name, path) in [
        ("--app", &options.app),
        ("--floor", &options.floor),
        ("--sb", &options.sb),
    ] {
        if path.as_os_str().is_empty() {
            return Err(format!("{name} is required\n{USAGE}"));
        }
        if !path.exists() {
            return Err(format!(
                "{name} {} does not exist: build it first (.ci/bench does)",
                path.display()
            ));
        }
    }
    Ok(options)
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(options) => options,
        Err(message) => {
            eprintln!("sb-bench: {message}");
            return ExitCode::from(2);
        }
    };
    if std::env::var_os("DISPLAY").is_none() {
        eprintln!("sb-bench: no X display: run it under xvfb-run (.ci/bench does)");
        return ExitCode::from(2);
    }
    match measure::run(&options).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sb-bench: {error}");
            ExitCode::FAILURE
        }
    }
}
