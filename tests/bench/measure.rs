//! The measurements, in the order the run makes them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::driver::Driver;
use crate::provider::{Plan, Provider, STREAM_PREFIX, TTFT_PREFIX};
use crate::world::{stop_tree, tree_memory, Memory, World};
use crate::{BenchResult, Options};

/// The accepted API key.
const KEY: &str = "sk-bench-0000";
/// Pause between the ready mark (or an opened conversation) and a memory reading.
const SETTLE: Duration = Duration::from_secs(3);
/// How long a window may take to paint.
const PAINT_TIMEOUT: Duration = Duration::from_secs(60);
/// Tokens per second of the streamed answer.
pub const TOKENS_PER_SECOND: f64 = 2000.0;
/// About how long the streamed answer is.
pub const ANSWER_BYTES: usize = 60_000;
/// Messages in the long conversation.
pub const LONG_CONVERSATION: usize = 200;

/// One cold start.
#[derive(Debug, Clone)]
pub struct Start {
    pub which: &'static str,
    pub ms: f64,
    pub memory: Memory,
    /// The page's start-up marks, ms after the spawn (`World::page_marks`).
    pub page: Vec<(String, f64)>,
}

/// Everything measured, raw.
#[derive(Debug, Default)]
pub struct Results {
    pub starts: Vec<Start>,
    /// WebDriver sessions: floor at start; app at start and after opening the long conversation.
    pub floor_driver_memory: Vec<Memory>,
    pub app_driver_memory: Vec<(Memory, Memory)>,
    pub open_ms: Vec<f64>,
    /// The fonts each first screen lays out text in (`sb_sim::page::FONTS_IN_USE`), from the
    /// first WebDriver session of each.
    pub app_fonts: Vec<String>,
    pub floor_fonts: Vec<String>,
    /// Per streamed answer: each token's delay to paint (ms), rAF gaps over 50 ms, frames.
    pub streams: Vec<StreamRun>,
    pub probe_cost: Value,
    pub ttft: Vec<Value>,
    pub curl_ms: Vec<f64>,
    pub answer_bytes: usize,
    pub answer_tokens: usize,
    pub deb: Option<(PathBuf, u64, String)>,
    pub app_binary: u64,
    pub floor_binary: u64,
    pub floor_binary_xz: u64,
    pub started: String,
    pub seconds: f64,
}

/// One streamed answer.
#[derive(Debug, Clone, Default)]
pub struct StreamRun {
    pub delays_ms: Vec<f64>,
    pub unpainted: usize,
    pub long_frames: Vec<f64>,
    pub frames: usize,
    pub max_gap_ms: f64,
    pub stream_ms: f64,
    pub final_count: u64,
    pub expected_count: u64,
    /// IPC messages the page received from the click on Send to the end of the answer.
    pub ipc_messages: u64,
}

pub async fn run(options: &Options) -> BenchResult {
    let begun = Instant::now();
    std::fs::create_dir_all(&options.out)?;
    let scratch = std::env::temp_dir().join(format!("sb-bench-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = run_in(options, &scratch, begun).await;
    if std::env::var_os("SB_BENCH_KEEP").is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    result
}

async fn run_in(options: &Options, scratch: &Path, begun: Instant) -> BenchResult {
    let answer = long_answer(ANSWER_BYTES);
    let tokens: Vec<String> = sb_sim::tokenize(&answer)
        .into_iter()
        .map(str::to_owned)
        .collect();
    let provider = Provider::start(
        KEY,
        Plan {
            tokens: tokens.clone(),
            interval: Duration::from_secs_f64(1.0 / TOKENS_PER_SECOND),
        },
    )?;
    let mut results = Results {
        answer_bytes: answer.len(),
        answer_tokens: tokens.len(),
        started: iso_now(),
        ..Results::default()
    };
    say(&format!(
        "seeding the template world (an account on {}, a {LONG_CONVERSATION}-message conversation)",
        provider.base_url()
    ));
    let template = seed(options, scratch, &provider)?;

    say(&format!(
        "cold starts: {} each, alternating, after one discarded warm-up each",
        options.runs
    ));
    for round in 0..=options.runs {
        let order: [(&'static str, &Path); 2] = if round % 2 == 0 {
            [("app", &options.app), ("floor", &options.floor)]
        } else {
            [("floor", &options.floor), ("app", &options.app)]
        };
        for (which, binary) in order {
            let start = cold_start(
                which,
                binary,
                &scratch.join(format!("start-{which}-{round}")),
                &template,
            )?;
            eprintln!(
                "  {which:5} run {round:2}: ready after {:7.1} ms, PSS {:6.1} MB, RSS {:6.1} MB{}",
                start.ms,
                mb(start.memory.pss),
                mb(start.memory.rss),
                if round == 0 {
                    " (warm-up, discarded)"
                } else {
                    ""
                }
            );
            if round > 0 {
                results.starts.push(start);
            }
        }
    }

    say(&format!("memory after opening the {LONG_CONVERSATION}-message conversation: {} WebDriver sessions each", options.memory_runs));
    for run in 0..options.memory_runs {
        let (floor, floor_fonts) = floor_driver_memory(
            options,
            &scratch.join(format!("mem-floor-{run}")),
            &template,
        )
        .await?;
        results.floor_fonts = floor_fonts;
        eprintln!(
            "  floor at start: PSS {:.1} MB, RSS {:.1} MB",
            mb(floor.pss),
            mb(floor.rss)
        );
        results.floor_driver_memory.push(floor);
        let (start, open, ms, app_fonts) =
            app_open_memory(options, &scratch.join(format!("mem-app-{run}")), &template).await?;
        if run == 0 {
            eprintln!(
                "  fonts at start: app {app_fonts:?}; floor {:?}",
                results.floor_fonts
            );
        }
        results.app_fonts = app_fonts;
        eprintln!(
            "  app at start: PSS {:.1} MB, RSS {:.1} MB; opened in {ms:.0} ms, then PSS {:.1} MB, RSS {:.1} MB",
            mb(start.pss),
            mb(start.rss),
            mb(open.pss),
            mb(open.rss)
        );
        results.app_driver_memory.push((start, open));
        results.open_ms.push(ms);
    }

    say(&format!(
        "streaming: {} answers of {} bytes ({} tokens) at {TOKENS_PER_SECOND} tokens/s",
        options.stream_runs,
        answer.len(),
        tokens.len()
    ));
    for run in 0..options.stream_runs {
        let (stream, cost) = stream_run(
            options,
            &scratch.join(format!("stream-{run}")),
            &template,
            &provider,
            run,
        )
        .await?;
        let mut sorted = stream.delays_ms.clone();
        sorted.sort_by(f64::total_cmp);
        eprintln!(
            "  run {run}: p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms over {} tokens ({} never seen); {} frames, {} over 50 ms (longest gap {:.0} ms); final count {}/{}; {} IPC messages; sent in {:.0} ms",
            percentile(&sorted, 50.0),
            percentile(&sorted, 99.0),
            sorted.last().copied().unwrap_or(0.0),
            sorted.len(),
            stream.unpainted,
            stream.frames,
            stream.long_frames.len(),
            stream.max_gap_ms,
            stream.final_count,
            stream.expected_count,
            stream.ipc_messages,
            stream.stream_ms
        );
        results.streams.push(stream);
        results.probe_cost = cost;
    }

    if options.ttft_runs > 0 {
        say(&format!(
            "time to first token: {} questions in the app (after one warm-up), {} curl requests",
            options.ttft_runs, options.ttft_runs
        ));
        results.ttft = ttft_app(options, &scratch.join("ttft"), &template, &provider).await?;
        let body = provider
            .logs()
            .into_iter()
            .find(|l| l.kind == "ttft")
            .map(|l| l.body)
            .ok_or("the app sent no time-to-first-token request")?;
        results.curl_ms = ttft_curl(&provider, &body, options.ttft_runs, scratch)?;
    }

    results.app_binary = std::fs::metadata(&options.app)?.len();
    results.floor_binary = std::fs::metadata(&options.floor)?.len();
    results.floor_binary_xz = xz_size(&options.floor)?;
    if let Some(deb) = &options.deb {
        let built = std::process::Command::new("date")
            .args(["-u", "+%Y-%m-%d %H:%M UTC", "-r"])
            .arg(deb)
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
            .unwrap_or_default();
        results.deb = Some((deb.clone(), std::fs::metadata(deb)?.len(), built));
    }
    results.seconds = begun.elapsed().as_secs_f64();
    crate::report::write(options, &results)?;
    Ok(())
}

fn say(message: &str) {
    eprintln!("\x1b[1m--> {message}\x1b[0m");
}

pub fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_000_000.0
}

fn iso_now() -> String {
    std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

/// The value at percentile `p` of sorted values (nearest rank).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

/// A long answer of plain prose (ASCII letters, spaces, commas and full stops in paragraphs):
/// markdown shows it as it is, so its non-whitespace characters can be counted the same in
/// the source and in the window.
fn long_answer(bytes: usize) -> String {
    const WORDS: &[&str] = &[
        "the",
        "stream",
        "renderer",
        "window",
        "paints",
        "every",
        "frame",
        "while",
        "tokens",
        "arrive",
        "from",
        "provider",
        "quickly",
        "and",
        "answer",
        "grows",
        "longer",
        "with",
        "each",
        "paragraph",
        "reader",
        "sees",
        "text",
        "appear",
        "smoothly",
        "without",
        "waiting",
        "for",
        "whole",
        "response",
        "careful",
        "layout",
        "keeps",
        "scrolling",
        "steady",
        "model",
        "writes",
        "about",
        "history",
        "search",
        "accounts",
        "keyring",
        "simple",
        "measure",
        "latency",
        "budget",
        "under",
        "sixteen",
        "milliseconds",
        "is",
        "a",
        "of",
        "to",
        "in",
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    let mut out = String::new();
    while out.len() < bytes {
        for sentence in 0..(4 + next(3)) {
            let words = 8 + next(10);
            for w in 0..words {
                let word = WORDS[next(WORDS.len())];
                if w == 0 {
                    let mut chars = word.chars();
                    if let Some(first) = chars.next() {
                        out.extend(first.to_uppercase());
                        out.push_str(chars.as_str());
                    }
                } else {
                    out.push(' ');
                    out.push_str(word);
                    if w + 1 < words && next(7) == 0 {
                        out.push(',');
                    }
                }
            }
            out.push('.');
            if sentence < 3 {
                out.push(' ');
            }
        }
        out = out.trim_end().to_owned();
        out.push_str("\n\n");
    }
    out.push_str("That is the end of the answer.");
    out
}

/// The template every launch copies: an account on the loopback provider (its key in the
/// world's keyring) and two stored conversations, 2 and 200 messages, written by `sb`.
fn seed(options: &Options, scratch: &Path, provider: &Provider) -> BenchResult<PathBuf> {
    let dir = scratch.join("template");
    let mut world = World::new(&dir, None)?;
    world.keep = true;
    let sb = |args: &[&str], stdin: Option<&str>| -> BenchResult {
        let mut command = world.command(&options.sb);
        command
            .args(args)
            .stdin(if stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
            std::io::Write::write_all(&mut input, text.as_bytes())?;
        }
        let output = child.wait_with_output()?;
        if !output.status.success() {
            return Err(format!(
                "sb {}: {}{}",
                args.join(" "),
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(())
    };
    let base_url = provider.base_url();
    sb(
        &[
            "accounts",
            "add",
            "--provider",
            "custom",
            "--label",
            "Bench",
            "--base-url",
            &base_url,
            "--model",
            crate::provider::MODEL,
        ],
        Some(KEY),
    )?;
    for (title, n) in [("small", 2), ("big", LONG_CONVERSATION)] {
        let file = scratch.join(format!("{title}.json"));
        std::fs::write(&file, sb_sim::history::history_export(title, n))?;
        sb(&["history", "import", &file.to_string_lossy()], None)?;
    }
    drop(world);
    Ok(dir)
}

/// Spawns `binary` in a fresh world, waits for its ready mark, lets it settle and reads the
/// memory of its process tree.
fn cold_start(
    which: &'static str,
    binary: &Path,
    dir: &Path,
    template: &Path,
) -> BenchResult<Start> {
    let world = World::new(dir, Some(template))?;
    let log = std::fs::File::create(dir.join("app.log"))?;
    let mut command = world.command(binary);
    command
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    let before = SystemTime::now().duration_since(UNIX_EPOCH)?.as_nanos() as i128;
    let mut child = command
        .spawn()
        .map_err(|e| format!("launching {}: {e}", binary.display()))?;
    let deadline = Instant::now() + PAINT_TIMEOUT;
    let ready = loop {
        if let Some(ready) = world.ready_mark() {
            break ready;
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(dir.join("app.log")).unwrap_or_default();
            return Err(format!(
                "{} exited ({status}) before it painted; its log:\n{log}",
                binary.display()
            )
            .into());
        }
        if Instant::now() > deadline {
            stop_tree(&mut child);
            let log = std::fs::read_to_string(dir.join("app.log")).unwrap_or_default();
            return Err(format!(
                "{} did not paint within {PAINT_TIMEOUT:?}; its log:\n{log}",
                binary.display()
            )
            .into());
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    // The page line follows the ready line in the same call; give it a moment if it lags.
    let mut page = world.page_marks(before);
    for _ in 0..50 {
        if !page.is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
        page = world.page_marks(before);
    }
    std::thread::sleep(SETTLE);
    let memory = tree_memory(child.id());
    stop_tree(&mut child);
    drop(world);
    Ok(Start {
        which,
        ms: (ready - before) as f64 / 1e6,
        memory,
        page,
    })
}

/// The fonts the window lays out text in now (`sb_sim::page::FONTS_IN_USE`).
async fn fonts_in_use(driver: &Driver) -> BenchResult<Vec<String>> {
    let fonts = driver
        .run("listing the fonts in use", sb_sim::page::FONTS_IN_USE)
        .await?;
    serde_json::from_value(fonts.clone())
        .map_err(|e| format!("the font list is not a list of strings ({e}): {fonts}").into())
}

async fn floor_driver_memory(
    options: &Options,
    dir: &Path,
    template: &Path,
) -> BenchResult<(Memory, Vec<String>)> {
    let world = World::new(dir, Some(template))?;
    let driver = Driver::start(&world, &options.floor).await?;
    let measured = async {
        driver.wait_for("h1").await?;
        driver
            .wait_until(
                "the floor painted",
                "window.__TAURI_INTERNALS__ !== undefined",
                PAINT_TIMEOUT,
            )
            .await?;
        tokio::time::sleep(SETTLE).await;
        let memory = tree_memory(driver.app_pid()?);
        Ok::<_, Box<dyn std::error::Error>>((memory, fonts_in_use(&driver).await?))
    }
    .await;
    driver.close().await;
    measured
}

/// Memory at start, then after opening the long conversation (and how long opening took).
async fn app_open_memory(
    options: &Options,
    dir: &Path,
    template: &Path,
) -> BenchResult<(Memory, Memory, f64, Vec<String>)> {
    let world = World::new(dir, Some(template))?;
    let driver = Driver::start(&world, &options.app).await?;
    let measured = async {
        driver
            .wait_for("#conversation-list .conversation[data-conversation-id='big-c']")
            .await?;
        tokio::time::sleep(SETTLE).await;
        let pid = driver.app_pid()?;
        let start = tree_memory(pid);
        let fonts = fonts_in_use(&driver).await?;
        let last = format!("That is all for part {}", LONG_CONVERSATION - 1);
        let script = sb_sim::page::open_conversation_ms("big-c", &last, 25_000);
        let ms = driver.run_async("opening the long conversation", &script).await?;
        let Some(ms) = ms.as_f64() else {
            return Err(format!(
                "the {LONG_CONVERSATION}-message conversation did not show its last message within 25 s: {ms}"
            )
            .into());
        };
        tokio::time::sleep(SETTLE).await;
        let open = tree_memory(pid);
        Ok::<_, Box<dyn std::error::Error>>((start, open, ms, fonts))
    }
    .await;
    driver.close().await;
    measured
}

/// Records, for every animation frame, when the frame's rendering had finished (the first task
/// after it: the frame's rAF callbacks, style, layout and paint in the web process are done)
/// and how many non-whitespace characters the streaming answer shows; and every gap between
/// frames over 50 ms. Committed blocks never change, so their count is cached per element:
/// per frame only the unfinished tail (or the plain text shown before the first render) is
/// read.
const PROBE: &str = r#"
if (window.__sbProbe) { window.__sbProbe.stop = true; }
const probe = { frames: [], gaps: [], stop: false, content: null, cache: new WeakMap() };
window.__sbProbe = probe;
const nonWs = (s) => { let n = 0; for (let i = 0; i < s.length; i++) { if (s.charCodeAt(i) > 32) n++; } return n; };
probe.count = () => {
  if (!probe.content || !probe.content.isConnected) {
    const all = document.querySelectorAll('.message.assistant .content');
    probe.content = all.length ? all[all.length - 1] : null;
    if (!probe.content) return 0;
  }
  const kids = probe.content.children;
  const last = kids.length - 1;
  let n = 0;
  for (let i = 0; i <= last; i++) {
    const child = kids[i];
    if (i === last || child.classList.contains('plain')) { n += nonWs(child.textContent); continue; }
    let c = probe.cache.get(child);
    if (c === undefined) { c = nonWs(child.textContent); probe.cache.set(child, c); }
    n += c;
  }
  return n;
};
// How many IPC messages (command results and channel messages) reach the page: a count only.
probe.ipc = 0;
const callbacks = window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.callbacks;
if (callbacks instanceof Map && !window.__sbProbeHooked) {
  window.__sbProbeHooked = true;
  const get = callbacks.get.bind(callbacks);
  callbacks.get = (id) => {
    const callback = get(id);
    if (!callback) { return callback; }
    return (data) => { if (window.__sbProbe) window.__sbProbe.ipc++; return callback(data); };
  };
}
const channel = new MessageChannel();
channel.port1.onmessage = () => { probe.frames.push([Date.now(), probe.count()]); };
let previous = null;
const tick = (ts) => {
  if (probe.stop) return;
  if (previous !== null && ts - previous > 50) probe.gaps.push([Date.now(), ts - previous]);
  previous = ts;
  channel.port2.postMessage(0);
  requestAnimationFrame(tick);
};
requestAnimationFrame(tick);
return true;
"#;

/// Streams the long answer into a fresh session's window once and maps every token to the
/// first frame that shows it.
async fn stream_run(
    options: &Options,
    dir: &Path,
    template: &Path,
    provider: &Provider,
    run: usize,
) -> BenchResult<(StreamRun, Value)> {
    let world = World::new(dir, Some(template))?;
    let driver = Driver::start(&world, &options.app).await?;
    let measured = async {
        driver.wait_for("#conversation-list .conversation").await?;
        let composer = driver.wait_for("#composer").await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        composer
            .send_keys(&format!("{STREAM_PREFIX} {run}: a long answer, please"))
            .await?;
        driver.run("installing the frame probe", PROBE).await?;
        driver.run("sending", "document.querySelector('#send').click(); return true;").await?;
        let before = provider.logs().iter().filter(|l| l.kind == "stream").count();
        let deadline = Instant::now() + Duration::from_secs(120);
        while provider.logs().iter().filter(|l| l.kind == "stream").count() <= before {
            if Instant::now() > deadline {
                return Err("the streamed answer did not finish within 120 s".into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let log = provider
            .logs()
            .into_iter()
            .filter(|l| l.kind == "stream")
            .nth(before)
            .ok_or("no stream log")?;
        let expected = log.tokens.last().map_or(0, |t| t.1) as u64;
        // Wait for the page to show the whole answer (or give up after 30 s and count what
        // never showed).
        let _ = driver
            .wait_until(
                "the whole answer is shown",
                &format!("window.__sbProbe.frames.length > 0 && window.__sbProbe.frames[window.__sbProbe.frames.length - 1][1] >= {expected}"),
                Duration::from_secs(30),
            )
            .await;
        tokio::time::sleep(Duration::from_millis(500)).await;
        let data = driver
            .run(
                "reading the probe",
                "const p = window.__sbProbe; p.stop = true;
                 const content = p.content;
                 const cost = (rounds, fresh) => {
                   const t0 = performance.now();
                   for (let i = 0; i < rounds; i++) { if (fresh) p.cache = new WeakMap(); p.count(); }
                   return (performance.now() - t0) / rounds;
                 };
                 return { frames: p.frames, gaps: p.gaps, ipc: p.ipc,
                          blocks: content ? content.children.length : 0,
                          cachedMs: cost(2000, false), freshMs: cost(50, true) };",
            )
            .await?;
        Ok::<_, Box<dyn std::error::Error>>((log, expected, data))
    }
    .await;
    driver.close().await;
    let (log, expected, data) = measured?;
    let frames: Vec<(i64, u64)> = data["frames"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|f| Some((f[0].as_i64()?, f[1].as_u64()?)))
                .collect()
        })
        .unwrap_or_default();
    let mut stream = StreamRun {
        expected_count: expected,
        ipc_messages: data["ipc"].as_u64().unwrap_or(0),
        final_count: frames.last().map_or(0, |f| f.1),
        ..StreamRun::default()
    };
    let first_sent = log.tokens.first().map_or(0, |t| t.0);
    let last_sent = log.tokens.last().map_or(0, |t| t.0);
    stream.stream_ms = (last_sent - first_sent) as f64 / 1000.0;
    let mut frame = 0;
    let mut last_paint_ms = 0;
    for &(sent_us, count) in &log.tokens {
        while frame < frames.len() && frames[frame].1 < count as u64 {
            frame += 1;
        }
        match frames.get(frame) {
            Some(&(painted_ms, _)) => {
                stream
                    .delays_ms
                    .push((painted_ms * 1000 - sent_us) as f64 / 1000.0);
                last_paint_ms = painted_ms;
            }
            None => stream.unpainted += 1,
        }
    }
    let window = (first_sent / 1000)..=last_paint_ms.max(last_sent / 1000);
    stream.frames = frames.iter().filter(|f| window.contains(&f.0)).count();
    for gap in data["gaps"].as_array().into_iter().flatten() {
        let (at, ms) = (gap[0].as_i64().unwrap_or(0), gap[1].as_f64().unwrap_or(0.0));
        // A gap is reported at its end: it belongs to the stream if it ended inside it.
        if window.contains(&at) {
            stream.long_frames.push(ms);
        }
    }
    stream.max_gap_ms = frames
        .windows(2)
        .filter(|w| window.contains(&w[1].0))
        .map(|w| (w[1].0 - w[0].0) as f64)
        .fold(0.0, f64::max);
    let cost = json!({ "blocks": data["blocks"], "cached_ms": data["cachedMs"], "fresh_ms": data["freshMs"] });
    Ok((stream, cost))
}

/// Hooks the page's IPC callbacks (as the E2E tests' recorder does) to note when the first
/// text delta of the next answer reaches the page; false if the map is not reachable.
const IPC_HOOK: &str = r#"
const callbacks = window.__TAURI_INTERNALS__ && window.__TAURI_INTERNALS__.callbacks;
if (!(callbacks instanceof Map)) { return false; }
if (window.__sbIpc) { return true; }
window.__sbIpc = { first: null };
const get = callbacks.get.bind(callbacks);
callbacks.get = (id) => {
  const callback = get(id);
  if (!callback) { return callback; }
  return (data) => {
    if (window.__sbIpc.first === null) {
      try { if (JSON.stringify(data).includes('"textDelta"')) window.__sbIpc.first = performance.now(); } catch (_) {}
    }
    return callback(data);
  };
};
return true;
"#;

/// Sends short questions in new chats; for each: from the click on Send (in the page) to the
/// first text delta reaching the page, to the first token's text in the DOM and to the end of
/// the frame that shows it; plus when the provider got the request and sent the first token.
async fn ttft_app(
    options: &Options,
    dir: &Path,
    template: &Path,
    provider: &Provider,
) -> BenchResult<Vec<Value>> {
    let world = World::new(dir, Some(template))?;
    let driver = Driver::start(&world, &options.app).await?;
    let measured = async {
        driver.wait_for("#conversation-list .conversation").await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let hooked = driver.run("hooking IPC", IPC_HOOK).await?.as_bool().unwrap_or(false);
        let mut out = Vec::new();
        for i in 0..=options.ttft_runs {
            if i > 0 {
                driver.wait_for("#new-chat").await?.click().await?;
                driver
                    .wait_until(
                        "a new chat is shown",
                        "document.querySelectorAll('.message.assistant').length === 0",
                        Duration::from_secs(20),
                    )
                    .await?;
            }
            let composer = driver.wait_for("#composer").await?;
            composer.send_keys(&format!("{TTFT_PREFIX} {i}: hello")).await?;
            tokio::time::sleep(Duration::from_millis(300)).await;
            let answered_before = provider.logs().iter().filter(|l| l.kind == "ttft").count();
            let page = driver
                .run_async(
                    "timing the first token",
                    "const done = arguments[arguments.length - 1];
                     if (window.__sbIpc) window.__sbIpc.first = null;
                     const result = {};
                     const limit = setTimeout(() => done({ timeout: true }), 20000);
                     let t0 = 0;
                     const observer = new MutationObserver(() => {
                       const all = document.querySelectorAll('.message.assistant .content');
                       const last = all[all.length - 1];
                       if (result.domMs === undefined && last && /\\S/.test(last.textContent)) {
                         result.domMs = performance.now() - t0;
                         result.domWall = Date.now();
                         observer.disconnect();
                         requestAnimationFrame(() => {
                           const channel = new MessageChannel();
                           channel.port1.onmessage = () => {
                             result.paintMs = performance.now() - t0;
                             if (window.__sbIpc && window.__sbIpc.first !== null) result.ipcMs = window.__sbIpc.first - t0;
                             clearTimeout(limit);
                             done(result);
                           };
                           channel.port2.postMessage(0);
                         });
                       }
                     });
                     observer.observe(document.body, { childList: true, subtree: true, characterData: true });
                     result.clickWall = Date.now();
                     t0 = performance.now();
                     document.querySelector('#send').click();",
                )
                .await?;
            if page.get("timeout").is_some() {
                return Err("the first token did not show within 20 s".into());
            }
            // Let the answer and the title request finish before the next question.
            provider.wait_for("ttft", answered_before + 1, Duration::from_secs(20))?;
            driver
                .wait_until(
                    "the answer ends",
                    "(() => { const m = [...document.querySelectorAll('.message.assistant')].pop(); return m && m.dataset.status !== 'streaming'; })()",
                    Duration::from_secs(20),
                )
                .await?;
            tokio::time::sleep(Duration::from_millis(500)).await;
            let log = provider
                .logs()
                .into_iter()
                .filter(|l| l.kind == "ttft")
                .nth(answered_before)
                .ok_or("no log of the question")?;
            let click_us = page["clickWall"].as_i64().unwrap_or(0) * 1000;
            let first_sent = log.tokens.first().map_or(0, |t| t.0);
            let mut row = page.clone();
            row["warmup"] = json!(i == 0);
            row["hooked"] = json!(hooked);
            row["clickToRequestMs"] = json!((log.received_us - click_us) as f64 / 1000.0);
            row["requestToFirstSentMs"] = json!((first_sent - log.received_us) as f64 / 1000.0);
            row["firstSentToDomMs"] = json!((page["domWall"].as_i64().unwrap_or(0) * 1000 - first_sent) as f64 / 1000.0);
            eprintln!(
                "  question {i:2}{}: first text in the DOM {} ms, painted {} ms, first IPC event {} ms (request reached the provider {:.1} ms after the click)",
                if i == 0 { " (warm-up)" } else { "" },
                row["domMs"],
                row["paintMs"],
                row.get("ipcMs").cloned().unwrap_or(Value::Null),
                row["clickToRequestMs"].as_f64().unwrap_or(f64::NAN)
            );
            out.push(row);
        }
        Ok::<_, Box<dyn std::error::Error>>(out)
    }
    .await;
    driver.close().await;
    measured
}

/// curl's time to the first response byte for the same request body, each a new process and
/// connection (the provider sends the headers, the role chunk and the first token in one write).
fn ttft_curl(
    provider: &Provider,
    body: &str,
    runs: usize,
    scratch: &Path,
) -> BenchResult<Vec<f64>> {
    let file = scratch.join("ttft-body.json");
    std::fs::write(&file, body)?;
    let url = format!("{}/chat/completions", provider.base_url());
    let mut out = Vec::new();
    for i in 0..=runs {
        let output = std::process::Command::new("curl")
            .args([
                "-s",
                "-o",
                "/dev/null",
                "--max-time",
                "20",
                "-w",
                "%{time_starttransfer}",
                "-H",
                "Expect:",
            ])
            .args(["-H", "content-type: application/json"])
            .args(["-H", &format!("authorization: Bearer {KEY}")])
            .arg("--data-binary")
            .arg(format!("@{}", file.display()))
            .arg(&url)
            .output()
            .map_err(|e| format!("running curl: {e}"))?;
        let text = String::from_utf8_lossy(&output.stdout);
        let seconds: f64 = text.trim().parse().map_err(|_| {
            format!(
                "curl printed {text:?} ({})",
                String::from_utf8_lossy(&output.stderr)
            )
        })?;
        if !output.status.success() || seconds <= 0.0 {
            return Err(format!("curl failed: {}", String::from_utf8_lossy(&output.stderr)).into());
        }
        if i > 0 {
            out.push(seconds * 1000.0);
        }
    }
    let served: Vec<String> = provider
        .logs()
        .iter()
        .filter(|l| l.kind == "ttft")
        .rev()
        .take(out.len())
        .map(|l| {
            format!(
                "{:.2}",
                (l.tokens.first().map_or(0, |t| t.0) - l.received_us) as f64 / 1000.0
            )
        })
        .collect();
    eprintln!("  curl: {out:.2?} ms (provider: request read to first token written {served:?} ms)");
    Ok(out)
}

/// The binary compressed as a .deb compresses it (xz).
fn xz_size(path: &Path) -> BenchResult<u64> {
    let output = std::process::Command::new("xz")
        .args(["-6", "-c"])
        .arg(path)
        .output()
        .map_err(|e| format!("running xz: {e}"))?;
    Ok(output.stdout.len() as u64)
}
