//! The table and the method: raw results to `artifacts/bench/results.json`, the section to
//! `artifacts/bench/section.md`, and the same section between the markers in BENCHMARKS.md.

use std::fmt::Write as _;

use serde_json::{json, Value};

use crate::measure::{mb, percentile, Results, LONG_CONVERSATION, TOKENS_PER_SECOND};
use crate::world::Memory;
use crate::{BenchResult, Options};

pub const BEGIN: &str = "<!-- whole-app:begin -->";
pub const END: &str = "<!-- whole-app:end -->";

/// Median, min and max.
fn spread(values: &[f64]) -> (f64, f64, f64) {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return (f64::NAN, f64::NAN, f64::NAN);
    }
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    (median, sorted[0], sorted[n - 1])
}

/// The start-up marks' medians in the order of the first run's marks: `navigation 402 · …`.
fn timeline(starts: &[&crate::measure::Start]) -> String {
    let Some(first) = starts.iter().find(|s| !s.page.is_empty()) else {
        return "(no marks)".into();
    };
    let parts: Vec<String> = first
        .page
        .iter()
        .map(|(name, _)| {
            let values: Vec<f64> = starts
                .iter()
                .filter_map(|s| s.page.iter().find(|(n, _)| n == name).map(|(_, at)| *at))
                .collect();
            format!("{name} {:.0}", spread(&values).0)
        })
        .collect();
    parts.join(" · ")
}

fn cell(values: &[f64], unit: &str, digits: usize) -> String {
    let (median, min, max) = spread(values);
    let unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {unit}")
    };
    format!("{median:.digits$}{unit} ({min:.digits$} – {max:.digits$})")
}

fn met(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines().find_map(|l| {
                l.strip_prefix("model name")
                    .map(|v| v.trim_start_matches([' ', '\t', ':']).to_owned())
            })
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let load = std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default();
    let webkit = std::process::Command::new("dpkg-query")
        .args(["-W", "-f", "${Version}", "libwebkit2gtk-4.1-0"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let commit = std::process::Command::new("git")
        .args(["describe", "--always", "--dirty"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!("{cores} cores ({cpu}), WebKitGTK {webkit}, Xvfb 1280x800x24, commit {commit}; load average at the end {load}")
}

fn memory_json(m: &Memory) -> Value {
    json!({
        "pss": m.pss, "rss": m.rss,
        "processes": m.processes.iter().map(|(n, p, r)| json!({"name": n, "pss": p, "rss": r})).collect::<Vec<_>>(),
    })
}

fn process_names(memories: &[&Memory]) -> String {
    let mut names: Vec<String> = Vec::new();
    if let Some(m) = memories.first() {
        for (name, _, _) in &m.processes {
            names.push(name.clone());
        }
    }
    names.join(", ")
}

pub fn write(options: &Options, r: &Results) -> BenchResult {
    let starts = |which: &str| -> Vec<&crate::measure::Start> {
        r.starts.iter().filter(|s| s.which == which).collect()
    };
    let (app, floor) = (starts("app"), starts("floor"));
    let ms = |v: &[&crate::measure::Start]| v.iter().map(|s| s.ms).collect::<Vec<_>>();
    let pss = |v: &[&crate::measure::Start]| v.iter().map(|s| mb(s.memory.pss)).collect::<Vec<_>>();
    let rss = |v: &[&crate::measure::Start]| v.iter().map(|s| mb(s.memory.rss)).collect::<Vec<_>>();
    let ratio = |a: &[f64], b: &[f64]| spread(a).0 / spread(b).0;

    let mut t = String::new();
    let _ = writeln!(t, "| figure | Switchboard: median (min – max) | floor: median (min – max) | ratio | goal | met? |");
    let _ = writeln!(t, "|---|---|---|---|---|---|");
    let start_ratio = ratio(&ms(&app), &ms(&floor));
    let _ = writeln!(
        t,
        "| cold start to first meaningful paint (warm page cache), {} runs each | {} | {} | {start_ratio:.2}x | ≤ 1.2x | {} |",
        app.len(),
        cell(&ms(&app), "ms", 0),
        cell(&ms(&floor), "ms", 0),
        met(start_ratio <= 1.2)
    );
    let _ = writeln!(
        t,
        "| … where it went: each mark's median, ms after the spawn (the page's own marks, ui/src/startup.ts) | {} | {} | | | |",
        timeline(&app),
        timeline(&floor)
    );
    for (name, app_v, floor_v) in [
        ("PSS", pss(&app), pss(&floor)),
        ("RSS", rss(&app), rss(&floor)),
    ] {
        let q = ratio(&app_v, &floor_v);
        let _ = writeln!(
            t,
            "| idle memory {SETTLE_TEXT} after start, total {name} of the app and its WebKit processes | {} | {} | {q:.2}x | ≤ 1.3x | {} |",
            cell(&app_v, "MB", 1),
            cell(&floor_v, "MB", 1),
            met(q <= 1.3)
        );
    }
    let driver_floor_pss: Vec<f64> = r.floor_driver_memory.iter().map(|m| mb(m.pss)).collect();
    let driver_floor_rss: Vec<f64> = r.floor_driver_memory.iter().map(|m| mb(m.rss)).collect();
    let driver_start_pss: Vec<f64> = r.app_driver_memory.iter().map(|m| mb(m.0.pss)).collect();
    let driver_start_rss: Vec<f64> = r.app_driver_memory.iter().map(|m| mb(m.0.rss)).collect();
    let open_pss: Vec<f64> = r.app_driver_memory.iter().map(|m| mb(m.1.pss)).collect();
    let open_rss: Vec<f64> = r.app_driver_memory.iter().map(|m| mb(m.1.rss)).collect();
    for (name, start_v, open_v, floor_v) in [
        ("PSS", &driver_start_pss, &open_pss, &driver_floor_pss),
        ("RSS", &driver_start_rss, &open_rss, &driver_floor_rss),
    ] {
        let _ = writeln!(
            t,
            "| idle memory, total {name}, WebDriver session ({} each): at start | {} | {} | {:.2}x | | |",
            start_v.len(),
            cell(start_v, "MB", 1),
            cell(floor_v, "MB", 1),
            ratio(start_v, floor_v)
        );
        let _ = writeln!(
            t,
            "| … {SETTLE_TEXT} after opening a {LONG_CONVERSATION}-message conversation | {} | (floor at start) | {:.2}x | (≤ 1.3x at start) | |",
            cell(open_v, "MB", 1),
            ratio(open_v, floor_v)
        );
    }
    let mut all_delays: Vec<f64> = r
        .streams
        .iter()
        .flat_map(|s| s.delays_ms.iter().copied())
        .collect();
    all_delays.sort_by(f64::total_cmp);
    let per_run = |p: f64| -> Vec<f64> {
        r.streams
            .iter()
            .map(|s| {
                let mut d = s.delays_ms.clone();
                d.sort_by(f64::total_cmp);
                percentile(&d, p)
            })
            .collect()
    };
    let (p50, p99) = (percentile(&all_delays, 50.0), percentile(&all_delays, 99.0));
    let (_, p50_lo, p50_hi) = spread(&per_run(50.0));
    let (_, p99_lo, p99_hi) = spread(&per_run(99.0));
    let unpainted: usize = r.streams.iter().map(|s| s.unpainted).sum();
    let _ = writeln!(
        t,
        "| streaming, chunk leaving the provider to its text painted: p50 ({} tokens in {} answers) | {p50:.1} ms (runs {p50_lo:.1} – {p50_hi:.1}) | | | | |",
        all_delays.len(),
        r.streams.len()
    );
    let _ = writeln!(
        t,
        "| … p99 | {p99:.1} ms (runs {p99_lo:.1} – {p99_hi:.1}; max {:.1}) | | | ≤ 16 ms | {} |",
        all_delays.last().copied().unwrap_or(f64::NAN),
        met(p99 <= 16.0 && unpainted == 0)
    );
    let long: usize = r.streams.iter().map(|s| s.long_frames.len()).sum();
    let frames: usize = r.streams.iter().map(|s| s.frames).sum();
    let max_gap = r.streams.iter().map(|s| s.max_gap_ms).fold(0.0, f64::max);
    let ipc: Vec<f64> = r.streams.iter().map(|s| s.ipc_messages as f64).collect();
    let sent: Vec<f64> = r.streams.iter().map(|s| s.stream_ms).collect();
    let _ = writeln!(
        t,
        "| … IPC messages the page received per answer / time the provider took to send it | {} / {} | | | | |",
        cell(&ipc, "", 0),
        cell(&sent, "ms", 0)
    );
    let _ = writeln!(
        t,
        "| … frames over 50 ms during the streams | {long} of {frames} frames (longest gap {max_gap:.0} ms) | | | 0 | {} |",
        met(long == 0)
    );
    let measured: Vec<&Value> = r
        .ttft
        .iter()
        .filter(|v| v["warmup"] != json!(true))
        .collect();
    let field =
        |name: &str| -> Vec<f64> { measured.iter().filter_map(|v| v[name].as_f64()).collect() };
    let (curl, _, _) = spread(&r.curl_ms);
    let dom = field("domMs");
    let added = spread(&dom).0 - curl;
    let _ = writeln!(
        t,
        "| time to first token: click on Send to the first token's text in the DOM, {} questions, vs curl's first byte | {} | curl {} | added {added:.1} ms | ≤ 5 ms added | {} |",
        dom.len(),
        cell(&dom, "ms", 1),
        cell(&r.curl_ms, "ms", 2),
        met(added <= 5.0)
    );
    let paint = field("paintMs");
    let _ = writeln!(
        t,
        "| … to the end of the frame that shows it | {} | | added {:.1} ms | | |",
        cell(&paint, "ms", 1),
        spread(&paint).0 - curl
    );
    let ipc = field("ipcMs");
    if !ipc.is_empty() {
        let _ = writeln!(
            t,
            "| … to the first text delta reaching the page (IPC) | {} | | added {:.1} ms | | |",
            cell(&ipc, "ms", 1),
            spread(&ipc).0 - curl
        );
    }
    let to_request = field("clickToRequestMs");
    let from_sent = field("firstSentToDomMs");
    let _ = writeln!(
        t,
        "| … of which: click to the request at the provider / first token sent to the DOM | {} / {} | | | | |",
        cell(&to_request, "ms", 1),
        cell(&from_sent, "ms", 1)
    );
    let deb_goal = 8.0 * 1024.0 * 1024.0;
    match &r.deb {
        Some((path, size, built)) => {
            let q = *size as f64 / r.floor_binary_xz as f64;
            let _ = writeln!(
                t,
                "| .deb size (`{}`, built {built}) | {:.2} MiB | {:.2} MiB (floor binary, xz -6; {:.1} MB raw) | {q:.2}x | ≤ 8 MiB | {} |",
                path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
                *size as f64 / 1048576.0,
                r.floor_binary_xz as f64 / 1048576.0,
                mb(r.floor_binary),
                met(*size as f64 <= deb_goal)
            );
        }
        None => {
            let _ = writeln!(
                t,
                "| .deb size | not built (run `.ci/bench --with-deb`, or `.ci/release-check` first) | {:.2} MiB (floor binary, xz -6) | | ≤ 8 MiB | |",
                r.floor_binary_xz as f64 / 1048576.0
            );
        }
    }
    let _ = writeln!(
        t,
        "| release binaries | {:.1} MB | {:.1} MB | {:.2}x | | |",
        mb(r.app_binary),
        mb(r.floor_binary),
        r.app_binary as f64 / r.floor_binary as f64
    );

    let names_app = process_names(&app.iter().map(|s| &s.memory).collect::<Vec<_>>());
    let names_floor = process_names(&floor.iter().map(|s| &s.memory).collect::<Vec<_>>());
    let cost = &r.probe_cost;
    let mut s = String::new();
    let _ = writeln!(s, "{BEGIN}");
    let _ = writeln!(s, "<!-- Written by `.ci/bench` (tests/bench/report.rs); edits between the markers are overwritten. -->");
    let _ = writeln!(s);
    let _ = writeln!(s, "**Command:** `.ci/bench` (add `--with-deb` to build the .deb first; `--runs N` for more cold starts). Run on {}: {} ({:.0} s in all, builds not counted). Raw numbers: `artifacts/bench/results.json`.", r.started, machine(), r.seconds);
    let _ = writeln!(s);
    s.push_str(&t);
    let _ = writeln!(s);
    let _ = writeln!(s, "Ratios are Switchboard's median divided by the floor's (or, for time to first token, the difference to curl's median). Both binaries are release builds with embedded assets (`--features custom-protocol`), run under the same Xvfb with `WEBKIT_DISABLE_COMPOSITING_MODE=1` as the E2E tests.");
    let _ = writeln!(s);
    let _ = writeln!(s, "**The floor:** `tests/floor` (`sb-floor`), a bare Tauri window of the same size with the same kind of CSP and no plugins; its static page waits two animation frames and calls its one command, `app_ready`, which writes the same `ready <ns>` mark to the same `SWITCHBOARD_READY_FILE` as Switchboard's (`src-tauri/src/startup.rs`), whose page calls it two frames after the conversation list is painted.");
    let _ = writeln!(s);
    let _ = writeln!(s, "**Every launch** gets a fresh world: its own HOME, XDG folders and data directory, copied from a template that `sb` seeded once per run (one account on the loopback provider, its key in a gnome-keyring; a 2-message and a {LONG_CONVERSATION}-message conversation), and its own `dbus-run-session` with that keyring unlocked. The floor gets the same world.");
    let _ = writeln!(s);
    let _ = writeln!(s, "**Cold start:** the wall clock just before spawning the binary to the wall clock its window wrote as the ready mark. Warm page cache: each process is new, but its files were read by the discarded warm-up (one per binary) and earlier runs; the app and the floor alternate, and the order flips each round.");
    if !r.app_fonts.is_empty() {
        let _ = writeln!(s);
        let _ = writeln!(s, "**Fonts at first paint:** WebKitGTK sets up each font (size, weight, style, family) the first time it lays text out in it: a fontconfig match, then shaping and glyph caches. The first screen of the WebDriver session above lays out text in {} fonts (the floor: {}): {}.", r.app_fonts.len(), r.floor_fonts.len(), r.app_fonts.iter().map(|f| format!("`{f}`")).collect::<Vec<_>>().join("; "));
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "**Idle memory:** {SETTLE_TEXT} after the ready mark, PSS and RSS from `/proc/PID/smaps_rollup`, summed over the launched process and every process below it (a walk of the process tree by parent id). Counted for Switchboard: {names_app}; for the floor: {names_floor}. PSS shares common pages between processes (the fair total); RSS counts shared libraries once per process. The {LONG_CONVERSATION}-message figure needs a click, so it comes from a WebDriver session (tauri-driver → WebKitWebDriver → the app; the drivers are not below the app, so not counted), which also measures the app and the floor at start the same way: opening shows the conversation's last {LONG_CONVERSATION} messages (median {:.0} ms to the frame after the last one is in the DOM), then {SETTLE_TEXT} of rest.", spread(&r.open_ms).0);
    let _ = writeln!(s);
    let _ = writeln!(s, "**Streaming:** the bench's loopback provider (`tests/bench/provider.rs`) streams a {}-byte answer of plain prose (ASCII words in paragraphs, so markdown shows every non-whitespace character as it is) as {} chat-completion events of one token each (the simulator's tokenizer: a word, or 4 characters of a long one), token k due at (k+1) × {:.1} ms after the headers ({TOKENS_PER_SECOND:.0} tokens per second; tokens that fell due together leave in one write, with `TCP_NODELAY`), and logs the wall clock after each write. `sb_sim` could not do this: its pacing sleeps 1/rate before each token on tokio's 1 ms timer and logs no send times. In the window, a probe runs on every animation frame: it posts a message to itself, which runs once the frame's rendering is done, and there notes the wall clock and how many non-whitespace characters the streaming answer shows. Each token's delay is from its write to the first frame showing the answer's characters up to and including it; the p50 and p99 are over every token of every answer (\"runs\": each answer's own). Long frames are gaps over 50 ms between animation-frame callbacks, from the first token's write to the frame showing the last one. Clock resolution: the page's wall clock counts whole milliseconds. \"Painted\" means the web process finished the frame; the copy to the X window is not included. The probe costs {} ms per frame with its cache and {} ms for a full recount of the final answer ({} blocks); it keeps the window rendering every frame.", r.answer_bytes, r.answer_tokens, 1000.0 / TOKENS_PER_SECOND, fmt_ms(&cost["cached_ms"]), fmt_ms(&cost["fresh_ms"]), cost["blocks"]);
    let _ = writeln!(s);
    let _ = writeln!(s, "**Time to first token:** the same provider answers `bench-ttft` questions at once: headers, the role chunk and the first token in one write. In a WebDriver session, each question is typed in a new chat, then a script notes the time and clicks Send; a MutationObserver notes when the answer's first text is in the DOM, and a message posted from the next animation frame when that frame is done{}. One warm-up question first (it opens the connection to the provider). curl (`-w %{{time_starttransfer}}`: connect, request, first byte) posts the exact body the app sent, {} times (after one warm-up), each a new process and connection. The added time is the app's median minus curl's.", if r.ttft.iter().any(|v| v["hooked"] == json!(true)) { "; a hook on the page's IPC callbacks notes the first text delta's arrival" } else { " (the page's IPC callbacks are not reachable in a release build, so the first event's arrival is not measured separately)" }, r.curl_ms.len());
    let _ = writeln!(s);
    let _ = writeln!(s, "**.deb size:** the newest `target/release/bundle/deb/*.deb` (built by `.ci/release-check`), against the floor's binary compressed with xz as a .deb compresses it.");
    let _ = writeln!(s, "{END}");

    std::fs::write(options.out.join("section.md"), &s)?;
    let raw = json!({
        "started": r.started,
        "seconds": r.seconds,
        "answer": { "bytes": r.answer_bytes, "tokens": r.answer_tokens, "tokens_per_second": TOKENS_PER_SECOND },
        "starts": r.starts.iter().map(|s| json!({"which": s.which, "ms": s.ms, "memory": memory_json(&s.memory), "page": s.page})).collect::<Vec<_>>(),
        "driver_memory": {
            "floor_at_start": r.floor_driver_memory.iter().map(memory_json).collect::<Vec<_>>(),
            "app_at_start": r.app_driver_memory.iter().map(|m| memory_json(&m.0)).collect::<Vec<_>>(),
            "app_after_opening": r.app_driver_memory.iter().map(|m| memory_json(&m.1)).collect::<Vec<_>>(),
            "open_ms": r.open_ms,
        },
        "fonts_at_start": { "app": r.app_fonts, "floor": r.floor_fonts },
        "streams": r.streams.iter().map(|s| json!({
            "delays_ms": s.delays_ms, "unpainted": s.unpainted, "long_frames_ms": s.long_frames,
            "frames": s.frames, "max_gap_ms": s.max_gap_ms, "stream_ms": s.stream_ms,
            "final_count": s.final_count, "expected_count": s.expected_count, "ipc_messages": s.ipc_messages,
        })).collect::<Vec<_>>(),
        "probe_cost": r.probe_cost,
        "ttft_app": r.ttft,
        "ttft_curl_ms": r.curl_ms,
        "deb": r.deb.as_ref().map(|(p, n, built)| json!({"path": p, "bytes": n, "built": built})),
        "app_binary_bytes": r.app_binary,
        "floor_binary_bytes": r.floor_binary,
        "floor_binary_xz_bytes": r.floor_binary_xz,
    });
    std::fs::write(
        options.out.join("results.json"),
        serde_json::to_string_pretty(&raw)?,
    )?;
    eprintln!("\n{t}");
    eprintln!(
        "wrote {} and {}",
        options.out.join("section.md").display(),
        options.out.join("results.json").display()
    );

    if let Some(path) = &options.benchmarks {
        let text = std::fs::read_to_string(path)?;
        let (Some(begin), Some(end)) = (text.find(BEGIN), text.find(END)) else {
            return Err(format!("{} has no {BEGIN} … {END} markers", path.display()).into());
        };
        if end < begin {
            return Err(format!("{}: the markers are out of order", path.display()).into());
        }
        let updated = format!(
            "{}{}{}",
            &text[..begin],
            s.trim_end(),
            &text[end + END.len()..]
        );
        std::fs::write(path, updated)?;
        eprintln!("updated the whole-app section of {}", path.display());
    }
    Ok(())
}

const SETTLE_TEXT: &str = "3 s";

fn fmt_ms(value: &Value) -> String {
    value
        .as_f64()
        .map_or_else(|| "?".into(), |v| format!("{v:.3}"))
}
