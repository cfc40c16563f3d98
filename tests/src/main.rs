//! `sb-sim`: runs the provider simulator until Ctrl-C or SIGTERM.
//!
//! `sb-sim [--port N] [--key KEY]... [--model M]... [--tokens-per-second F]`
//!
//! Prints `sb-sim listening on http://127.0.0.1:PORT/v1` on stdout once ready, and one line
//! per request on stderr.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use sb_sim::{Script, SimConfig, Simulator};

const USAGE: &str = "usage: sb-sim [--port N] [--key KEY]... [--model M]... [--tokens-per-second F]

Serves an OpenAI-compatible provider simulator on 127.0.0.1 until Ctrl-C or SIGTERM.
  --port N                 port to listen on (default 0: any free port)
  --key KEY                accepted API key, repeatable (default: any non-empty key)
  --model M                model to list and accept, repeatable (default: the seed models)
  --tokens-per-second F    pace of streamed replies (default: as fast as possible)";

/// What the command line asks for.
#[derive(Debug)]
enum Command {
    Run {
        config: SimConfig,
        tokens_per_second: Option<f64>,
    },
    Help,
}

/// Parses the arguments after the program name; `--flag value` and `--flag=value` both work.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Command, String> {
    let mut config = SimConfig::default();
    let mut tokens_per_second = None;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline_value) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg, None),
        };
        let mut value = || {
            inline_value
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(Command::Help),
            "--port" => {
                let port = value()?;
                config.port = port
                    .parse()
                    .map_err(|_| format!("--port: {port:?} is not a port"))?;
            }
            "--key" => config.api_keys.push(non_empty(&flag, value()?)?),
            "--model" => config.models.push(non_empty(&flag, value()?)?),
            "--tokens-per-second" => {
                let rate = value()?;
                match rate.parse::<f64>() {
                    Ok(tps) if tps.is_finite() && tps > 0.0 => tokens_per_second = Some(tps),
                    _ => {
                        return Err(format!(
                            "--tokens-per-second: {rate:?} is not a positive number"
                        ))
                    }
                }
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Command::Run {
        config,
        tokens_per_second,
    })
}

fn non_empty(flag: &str, value: String) -> Result<String, String> {
    if value.is_empty() {
        Err(format!("{flag} needs a non-empty value"))
    } else {
        Ok(value)
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let (config, tokens_per_second) = match parse_args(std::env::args().skip(1)) {
        Ok(Command::Run {
            config,
            tokens_per_second,
        }) => (config, tokens_per_second),
        Ok(Command::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("sb-sim: {message}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let sim = match Simulator::start(config).await {
        Ok(sim) => sim,
        Err(error) => {
            eprintln!("sb-sim: cannot listen: {error}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(tps) = tokens_per_second {
        sim.set_default_script(Script::echo().tokens_per_second(tps));
    }
    println!("sb-sim listening on {}", sim.base_url());
    // Whoever started us (often a test harness reading a pipe) waits for this line.
    let _ = std::io::stdout().flush();

    let signal = wait_for_signal();
    tokio::pin!(signal);
    let mut logged = 0;
    loop {
        tokio::select! {
            () = &mut signal => break,
            requests = sim.wait_for_requests(logged + 1, Duration::from_secs(3600)) => {
                for request in requests.iter().skip(logged) {
                    let model = request.body.get("model").and_then(|m| m.as_str()).unwrap_or("-");
                    eprintln!("{} {} model={model}", request.method, request.path);
                }
                logged = requests.len();
            }
        }
    }
    sim.shutdown().await;
    ExitCode::SUCCESS
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut terminate) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        }
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Command, String> {
        parse_args(args.iter().map(|a| (*a).to_owned()))
    }

    #[test]
    fn parses_repeated_and_inline_flags() {
        let command = parse(&[
            "--port",
            "8089",
            "--key",
            "k1",
            "--key=k2",
            "--model",
            "gpt-5.1",
            "--tokens-per-second=12.5",
        ]);
        let Ok(Command::Run {
            config,
            tokens_per_second,
        }) = command
        else {
            panic!("valid arguments should parse, got {command:?}");
        };
        assert_eq!(config.port, 8089);
        assert_eq!(
            config.api_keys,
            ["k1", "k2"],
            "--key is repeatable, inline or not"
        );
        assert_eq!(config.models, ["gpt-5.1"]);
        assert_eq!(tokens_per_second, Some(12.5));
    }

    #[test]
    fn defaults_to_a_free_port_and_any_key() {
        let Ok(Command::Run {
            config,
            tokens_per_second,
        }) = parse(&[])
        else {
            panic!("no arguments is a valid command line");
        };
        assert_eq!(config.port, 0, "port 0 lets the OS pick a free port");
        assert!(config.api_keys.is_empty() && config.models.is_empty());
        assert_eq!(tokens_per_second, None);
    }

    #[test]
    fn rejects_bad_arguments() {
        for bad in [
            &["--port", "http"][..],
            &["--port"],
            &["--tokens-per-second", "0"],
            &["--tokens-per-second", "fast"],
            &["--key", ""],
            &["--verbose"],
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(matches!(parse(&["--help"]), Ok(Command::Help)));
    }
}
