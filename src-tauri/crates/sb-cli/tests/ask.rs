//! `sb ask` end to end: the real binary against the provider simulator on 127.0.0.1.

mod support;

use std::time::Duration;

use sb_sim::{error_body, Outcome, Script, SimConfig};
use serde_json::{json, Value};
use support::{simulator, simulator_with, Run, Sb, TempDir, KEY, KEY_VAR};

/// How long to wait for the simulator to record a request that `sb` already sent.
const RECORD_WAIT: Duration = Duration::from_secs(5);

/// A 1×1 PNG, and its base64 (which uses both `+` and `/`).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90, 0x77, 0x53,
    0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0x00,
    0x00, 0x03, 0x01, 0x01, 0x00, 0xc9, 0xfe, 0x92, 0xef, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e,
    0x44, 0xae, 0x42, 0x60, 0x82,
];
const PNG_BASE64: &str =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC";

fn assert_success(run: &Run) {
    assert_eq!(run.code, Some(0), "sb succeeds; stderr: {}", run.stderr);
    assert!(!run.stdout.contains(KEY), "the key never reaches stdout");
    assert!(!run.stderr.contains(KEY), "the key never reaches stderr");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_streams_the_answer_to_stdout_and_reasoning_to_stderr() {
    let sim = simulator().await;
    let answer = "你好，世界！🌏 Streaming works: 猫は🐱です — done ✅";
    let reasoning = "The user greets in 中文; answer kindly 🤔";
    sim.push(Script::reply(answer).reasoning(reasoning).chunk_bytes(1, 3));

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--system", "Be brief."])
        .args(["--param", "temperature=0.2", "Say hello 👋"])
        .run()
        .await;

    assert_success(&run);
    assert_eq!(
        run.stdout,
        format!("{answer}\n"),
        "stdout is exactly the answer and a newline"
    );
    assert!(
        run.stderr.contains(reasoning),
        "reasoning goes to stderr: {}",
        run.stderr
    );
    assert!(
        !run.stdout.contains("中文"),
        "reasoning stays out of stdout"
    );
    assert!(
        !run.stderr.contains('\x1b'),
        "no escape codes when stderr is not a terminal"
    );

    let requests = sim.wait_for_requests(1, RECORD_WAIT).await;
    let request = requests.first().expect("sb sent one request");
    assert_eq!(request.path, "/v1/chat/completions");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str()),
        "the key from the environment variable is the bearer token"
    );
    let body = &request.body;
    assert_eq!(body["model"], "gpt-5.1");
    assert_eq!(body["stream"], true, "the answer is streamed");
    assert_eq!(
        body["temperature"], 0.2,
        "--param temperature reaches the request"
    );
    assert_eq!(
        body["messages"],
        json!([
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Say hello 👋"},
        ]),
        "the system message comes first, then the question"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn responses_api_posts_to_v1_responses() {
    let sim = simulator().await;
    let answer = "Answered over the Responses API ✓";
    sim.push(Script::reply(answer).chunk_bytes(1, 5));

    let run = Sb::ask(&sim.base_url())
        .args(["--api", "responses", "--model", "openai/gpt-5-1-codex-mini"])
        .arg("What API is this?")
        .run()
        .await;

    assert_success(&run);
    assert_eq!(run.stdout, format!("{answer}\n"));
    let requests = sim.wait_for_requests(1, RECORD_WAIT).await;
    let request = requests.first().expect("sb sent one request");
    assert_eq!(
        request.path, "/v1/responses",
        "--api responses picks the endpoint"
    );
    assert_eq!(request.body["model"], "openai/gpt-5-1-codex-mini");
    assert!(
        request.body.get("input").is_some(),
        "a Responses request carries `input`: {}",
        request.body
    );
    assert!(
        request.body.get("messages").is_none(),
        "and no chat `messages`: {}",
        request.body
    );
    sim.shutdown().await;
}

/// The JSON lines of a run, each parsed.
fn json_lines(run: &Run) -> Vec<Value> {
    run.stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect()
}

fn first_index(lines: &[Value], kind: &str) -> usize {
    lines
        .iter()
        .position(|l| l["type"] == kind)
        .unwrap_or_else(|| panic!("a {kind:?} line is present"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_prints_events_in_order_then_a_summary_and_never_the_key() {
    let sim = simulator().await;
    let answer = "JSON 🧾 answer";
    sim.push(
        Script::reply(answer)
            .reasoning("Reasoning first.")
            .usage(12, 34)
            .chunk_bytes(1, 3),
    );

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--format", "json", "Hi"])
        .run()
        .await;

    assert_success(&run);
    assert_eq!(run.stderr, "", "nothing on stderr when all went well");
    let lines = json_lines(&run);
    let (reasoning, text, usage, finish) = (
        first_index(&lines, "reasoning"),
        first_index(&lines, "text"),
        first_index(&lines, "usage"),
        first_index(&lines, "finish"),
    );
    assert!(
        reasoning < text && text < usage && usage < finish,
        "reasoning, text, usage, finish in the order they streamed: {lines:?}"
    );
    let streamed: String = lines
        .iter()
        .filter(|l| l["type"] == "text")
        .map(|l| l["text"].as_str().expect("text lines carry text"))
        .collect();
    assert_eq!(streamed, answer, "the text lines add up to the answer");
    assert_eq!(
        lines[usage]["prompt_tokens"], 12,
        "usage fields sit next to `type`"
    );
    assert_eq!(lines[usage]["completion_tokens"], 34);
    assert_eq!(lines[finish]["reason"], "stop");

    let summary = lines.last().expect("there are lines");
    assert_eq!(summary["type"], "summary", "the summary comes last");
    assert_eq!(summary["text"], answer);
    assert_eq!(summary["reasoning"], "Reasoning first.");
    assert_eq!(summary["usage"]["prompt_tokens"], 12);
    assert_eq!(summary["usage"]["completion_tokens"], 34);
    assert_eq!(summary["finish_reason"], "stop");
    assert_eq!(
        summary["route"],
        json!({"base_url": sim.base_url(), "api": "chat", "model": "gpt-5.1"}),
        "the summary says where the question went"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tool_calls_print_readably_on_stderr_and_as_json_lines() {
    let sim = simulator().await;
    let script = Script::reply("").tool_call("get_weather", r#"{"city":"Paris"}"#);
    sim.push(script.clone());
    sim.push(script);

    let text = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "Weather?"])
        .run()
        .await;
    assert_success(&text);
    assert_eq!(text.stdout, "", "no answer text, so nothing on stdout");
    assert!(
        text.stderr.contains(r#"get_weather({"city":"Paris"})"#),
        "the assembled call is shown on stderr: {}",
        text.stderr
    );

    let json = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--format", "json", "Weather?"])
        .run()
        .await;
    assert_success(&json);
    let lines = json_lines(&json);
    let calls: Vec<&Value> = lines.iter().filter(|l| l["type"] == "tool_call").collect();
    assert!(!calls.is_empty(), "tool_call lines are printed: {lines:?}");
    assert_eq!(calls[0]["index"], 0);
    assert_eq!(
        calls[0]["name"], "get_weather",
        "the first piece names the function"
    );
    let arguments: String = calls
        .iter()
        .map(|c| c["arguments"].as_str().expect("arguments is a string"))
        .collect();
    assert_eq!(
        arguments, r#"{"city":"Paris"}"#,
        "the pieces add up to the arguments"
    );
    let summary = lines.last().expect("there are lines");
    assert_eq!(summary["finish_reason"], "tool_calls");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_prints_the_sanitized_answer() {
    let sim = simulator().await;
    sim.push(Script::reply("**b** and <script>alert(1)</script>").chunk_bytes(1, 3));

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--format", "html", "Render this"])
        .run()
        .await;

    assert_success(&run);
    assert!(
        run.stdout.contains("<strong>b</strong>"),
        "markdown is rendered: {}",
        run.stdout
    );
    assert!(
        run.stdout.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "raw model HTML is shown as text: {}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("<script"),
        "no live script tag: {}",
        run.stdout
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_prompt_is_read_from_stdin_when_absent() {
    let sim = simulator().await;
    sim.push(Script::reply("Got it."));

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1"])
        .stdin("Question from a pipe 🚰\n")
        .run()
        .await;

    assert_success(&run);
    assert_eq!(run.stdout, "Got it.\n");
    let requests = sim.wait_for_requests(1, RECORD_WAIT).await;
    let request = requests.first().expect("sb sent one request");
    assert_eq!(
        request.body["messages"],
        json!([{"role": "user", "content": "Question from a pipe 🚰"}]),
        "stdin is the question, without its final newline"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_is_sent_as_a_png_data_url() {
    let sim = simulator().await;
    sim.push(Script::reply("A green pixel."));
    let dir = TempDir::new();
    let image = dir.file("pixel.png", PNG);

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--image"])
        .args([image.as_os_str(), "What is this?".as_ref()])
        .run()
        .await;

    assert_success(&run);
    let requests = sim.wait_for_requests(1, RECORD_WAIT).await;
    let request = requests.first().expect("sb sent one request");
    let content = &request.body["messages"][0]["content"];
    assert_eq!(content[0], json!({"type": "text", "text": "What is this?"}));
    assert_eq!(
        content[1]["type"], "image_url",
        "the image follows the text: {content}"
    );
    assert_eq!(
        content[1]["image_url"]["url"],
        format!("data:image/png;base64,{PNG_BASE64}"),
        "the file is sent whole as a base64 PNG data URL"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_no_image_is_a_usage_error_naming_it() {
    let sim = simulator().await;
    let dir = TempDir::new();
    let notes = dir.file("notes.txt", b"just some text, not an image");

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--image"])
        .args([notes.as_os_str(), "What is this?".as_ref()])
        .run()
        .await;

    let line = run.single_error_line(2);
    assert!(line.contains("notes.txt"), "the file is named: {line}");
    assert!(sim.requests().is_empty(), "nothing is sent");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_exits_1_with_one_line() {
    let sim = simulator_with(SimConfig {
        api_keys: vec!["the-right-key".into()],
        ..SimConfig::default()
    })
    .await;

    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "Hi"])
        .run()
        .await;

    let line = run.single_error_line(1);
    assert!(
        line.contains("rejected the API key"),
        "says the key was rejected: {line}"
    );
    assert_eq!(run.stdout, "", "no answer");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_echoed_by_the_provider_is_scrubbed() {
    let sim = simulator().await;
    let echo = error_body(
        "invalid_api_key",
        &format!("Incorrect API key provided: {KEY}"),
    );
    sim.push(Script::status(401, echo.clone()));
    sim.push(Script::status(401, echo));

    let text = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "Hi"])
        .run()
        .await;
    let line = text.single_error_line(1);
    assert!(line.contains("***"), "the key is replaced: {line}");

    let json = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--format", "json", "Hi"])
        .run()
        .await;
    json.single_error_line(1);
    assert!(!json.stdout.contains(KEY), "not in the JSON error either");
    let lines = json_lines(&json);
    assert_eq!(lines[0]["type"], "error");
    assert_eq!(lines[0]["code"], "auth");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_provider_exits_1_naming_the_host() {
    // A port that was free a moment ago: nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();

    let run = Sb::ask(&format!("http://127.0.0.1:{port}/v1"))
        .args(["--model", "gpt-5.1", "Hi"])
        .run()
        .await;

    let line = run.single_error_line(1);
    assert!(
        line.contains(&format!("127.0.0.1:{port}")),
        "names the host it could not reach: {line}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_out_of_range_param_exits_2_naming_it_and_its_range() {
    let sim = simulator().await;
    let run = Sb::ask(&sim.base_url())
        .args(["--model", "gpt-5.1", "--param", "temperature=3", "Hi"])
        .run()
        .await;

    let line = run.single_error_line(2);
    assert!(
        line.contains("temperature") && line.contains("between 0 and 2"),
        "names the parameter and its range: {line}"
    );
    assert!(sim.requests().is_empty(), "nothing is sent");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_2_with_one_line() {
    let sim = simulator().await;
    let url = sim.base_url();

    let unset = Sb::new(["ask", "--base-url", &url, "--api-key-env", KEY_VAR])
        .args(["--model", "gpt-5.1", "Hi"])
        .run()
        .await;
    let line = unset.single_error_line(2);
    assert!(line.contains(KEY_VAR) && line.contains("not set"), "{line}");

    let empty = Sb::ask(&url)
        .env(KEY_VAR, "")
        .args(["--model", "gpt-5.1", "Hi"])
        .run()
        .await;
    let line = empty.single_error_line(2);
    assert!(line.contains(KEY_VAR) && line.contains("empty"), "{line}");

    let no_model = Sb::ask(&url).arg("Hi").run().await;
    let line = no_model.single_error_line(2);
    assert!(
        line.contains("--model"),
        "says the model is missing: {line}"
    );

    let no_route = Sb::new(["ask", "Hi"]).run().await;
    let line = no_route.single_error_line(2);
    assert!(
        line.contains("--base-url") && line.contains("--account") && line.contains("--model"),
        "says where a question can go: {line}"
    );

    let no_accounts = Sb::new(["ask", "--model", "gpt-5.1", "Hi"]).run().await;
    let line = no_accounts.single_error_line(2);
    assert!(
        line.contains("No account serves \"gpt-5.1\"")
            && line.contains("sb accounts add")
            && line.contains("--base-url"),
        "a model alone is routed; with no accounts, says how to add one or go direct: {line}"
    );

    let unknown_flag = Sb::ask(&url)
        .args(["--model", "m", "--colour", "Hi"])
        .run()
        .await;
    let line = unknown_flag.single_error_line(2);
    assert!(
        line.contains("--colour") && line.contains("--help"),
        "{line}"
    );

    let empty_stdin = Sb::ask(&url)
        .args(["--model", "gpt-5.1"])
        .stdin("\n")
        .run()
        .await;
    let line = empty_stdin.single_error_line(2);
    assert!(line.contains("empty"), "{line}");

    assert!(sim.requests().is_empty(), "no usage error sends anything");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_and_version() {
    let version = Sb::new(["--version"]).run().await;
    assert_eq!(version.code, Some(0));
    assert_eq!(
        version.stdout.trim(),
        format!("sb {}", env!("CARGO_PKG_VERSION"))
    );

    let help = Sb::new(["ask", "--help"]).run().await;
    assert_eq!(help.code, Some(0), "help is no error");
    for flag in [
        "--base-url",
        "--api-key-env",
        "--model",
        "--param",
        "--image",
        "--format",
    ] {
        assert!(help.stdout.contains(flag), "ask --help documents {flag}");
    }

    let bare = Sb::new(Vec::<String>::new()).run().await;
    assert_eq!(
        bare.code,
        Some(2),
        "sb alone shows the help as a usage error"
    );
    assert!(
        bare.stderr.contains("ask"),
        "and lists the subcommands: {}",
        bare.stderr
    );
}

/// Ctrl-C (SIGINT) mid-answer: what arrived is printed, the connection is closed, exit 130.
#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_c_stops_the_answer_and_exits_130() {
    use std::io::Read as _;

    let sim = simulator().await;
    // About 6 s at 5 tokens per second: long enough that the signal lands mid-answer even on
    // a busy machine; the test itself ends right after the signal.
    let answer = "one two three four five six seven eight nine ten eleven twelve thirteen \
                  fourteen fifteen sixteen seventeen eighteen nineteen twenty twenty-one \
                  twenty-two twenty-three twenty-four twenty-five twenty-six twenty-seven";
    sim.push(Script::reply(answer).tokens_per_second(5.0));
    let sb = Sb::ask(&sim.base_url()).args(["--model", "gpt-5.1", "Count"]);

    let run = tokio::task::spawn_blocking(move || {
        let mut child = sb.command().spawn().expect("the sb binary starts");
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut first = [0u8; 64];
        // The first bytes of the answer mean the turn (and its Ctrl-C handler) is running.
        let n = stdout
            .read(&mut first)
            .expect("sb prints the start of the answer");
        assert!(n > 0, "sb printed something before the signal");
        let killed = std::process::Command::new("kill")
            .args(["-INT", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success(), "SIGINT was delivered");
        let mut rest = Vec::new();
        stdout.read_to_end(&mut rest).expect("the rest of stdout");
        let mut stderr = String::new();
        child
            .stderr
            .take()
            .expect("stderr is piped")
            .read_to_string(&mut stderr)
            .expect("stderr is UTF-8");
        let status = child.wait().expect("sb exits");
        let mut out = first[..n].to_vec();
        out.extend(rest);
        drop(sb);
        Run {
            code: status.code(),
            stdout: String::from_utf8(out).expect("stdout is UTF-8"),
            stderr,
        }
    })
    .await
    .expect("the runner thread does not panic");

    let line = run.single_error_line(130);
    assert!(line.contains("stopped"), "says it was stopped: {line}");
    let partial = run
        .stdout
        .strip_suffix('\n')
        .expect("the partial answer ends with a newline");
    assert!(!partial.is_empty(), "what arrived is printed");
    assert!(
        answer.starts_with(partial) && partial.len() < answer.len(),
        "a strict prefix of the answer: {partial:?}"
    );

    let requests = sim.wait_for_requests(1, RECORD_WAIT).await;
    let request = requests.first().expect("sb sent one request");
    let outcome = request.wait_outcome(RECORD_WAIT).await;
    assert!(
        matches!(outcome, Outcome::ClientDisconnected { .. }),
        "Ctrl-C closes the HTTP connection: {outcome:?}"
    );
    sim.shutdown().await;
}
