//! `sb ask --conversation` and `sb history ...` end to end: the real binary, its SQLite history
//! in a temp data dir, and the provider simulator on 127.0.0.1. Includes the crash test: `sb` is
//! killed with SIGKILL mid-answer, and the history must hold what had arrived.

#[allow(dead_code)] // Some helpers serve the other test files only.
mod support;

use std::io::Read as _;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};
use sb_sim::Script;
use sb_store::{ConversationId, MessageStatus, Role, Store};
use support::{simulator, Run, Sb, TempDir, KEY, KEY_VAR};

fn ask(dir: &Path, base_url: &str, args: &[&str]) -> Sb {
    Sb::in_dir(
        dir,
        ["ask", "--base-url", base_url, "--api-key-env", KEY_VAR],
    )
    .env(KEY_VAR, KEY)
    .args(["--model", "gpt-5.1"])
    .args(args.iter().copied())
}

fn ok(run: &Run) {
    assert_eq!(run.code, Some(0), "sb succeeds; stderr: {}", run.stderr);
}

/// The id `sb ask --conversation new` printed on stderr.
fn conversation_id(run: &Run) -> String {
    let line = run
        .stderr
        .lines()
        .find(|l| l.contains("saved as conversation"))
        .unwrap_or_else(|| panic!("the new conversation's id is printed: {}", run.stderr));
    line.split_whitespace()
        .skip_while(|w| *w != "conversation")
        .nth(1)
        .expect("an id after 'conversation'")
        .trim_end_matches(';')
        .to_owned()
}

fn history_file(dir: &Path) -> std::path::PathBuf {
    dir.join("history.sqlite3")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_conversation_continues_and_can_be_listed_shown_searched_exported_and_imported() {
    let home = TempDir::new();
    let sim = simulator().await;
    let url = sim.base_url();

    sim.push(Script::reply(
        "Kyoto has 1,600 temples. 京都には寺がたくさんあります。",
    ));
    let first = ask(
        home.path(),
        &url,
        &["--conversation", "new", "--system", "Be brief."],
    )
    .arg("Tell me about Kyoto")
    .run()
    .await;
    ok(&first);
    let id = conversation_id(&first);

    sim.push(Script::reply("Spring, for the cherry blossoms."));
    let second = ask(home.path(), &url, &["--conversation", &id])
        .arg("When should I go?")
        .run()
        .await;
    ok(&second);
    assert!(
        !second.stderr.contains("saved as conversation"),
        "continuing says nothing new: {}",
        second.stderr
    );
    let sent = sim.requests().pop().expect("the second request");
    let roles: Vec<(String, String)> = sent.body["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap_or_default().to_owned(),
                m["content"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        roles,
        [
            ("system".to_owned(), "Be brief.".to_owned()),
            ("user".to_owned(), "Tell me about Kyoto".to_owned()),
            (
                "assistant".to_owned(),
                "Kyoto has 1,600 temples. 京都には寺がたくさんあります。".to_owned()
            ),
            ("user".to_owned(), "When should I go?".to_owned()),
        ],
        "the stored conversation is sent before the new question"
    );

    let with_system = ask(home.path(), &url, &["--conversation", &id, "--system", "x"])
        .arg("hi")
        .run()
        .await;
    assert_eq!(with_system.code, Some(2), "{}", with_system.stderr);

    let listed = Sb::in_dir(home.path(), ["history", "list", "--format", "json"])
        .run()
        .await;
    ok(&listed);
    let listed: serde_json::Value = serde_json::from_str(&listed.stdout).expect("JSON");
    assert_eq!(listed[0]["id"], id.as_str());
    assert_eq!(
        listed[0]["title"], "Tell me about Kyoto",
        "titled from the question"
    );

    let shown = Sb::in_dir(home.path(), ["history", "show", &id])
        .run()
        .await;
    ok(&shown);
    assert!(
        shown.stdout.contains("When should I go?") && shown.stdout.contains("cherry blossoms"),
        "the branch is printed: {}",
        shown.stdout
    );

    for (query, expected) in [
        ("blossoms", "blossoms"),
        ("寺", "寺"),
        ("京都には", "京都には"),
    ] {
        let found = Sb::in_dir(home.path(), ["history", "search", query])
            .run()
            .await;
        ok(&found);
        assert!(
            found.stdout.contains(&id) && found.stdout.contains(&format!("**{expected}")),
            "{query:?} finds the message, marked: {}",
            found.stdout
        );
    }

    let exported = home.path().join("export.json");
    let export = Sb::in_dir(home.path(), ["history", "export", "--format", "json", "-o"])
        .arg(exported.as_os_str().to_owned())
        .run()
        .await;
    ok(&export);
    let html = Sb::in_dir(home.path(), ["history", "export", "--format", "html", &id])
        .run()
        .await;
    ok(&html);
    assert!(
        html.stdout.contains("<!DOCTYPE html") || html.stdout.contains("<!doctype html"),
        "a standalone page: {:.200}",
        html.stdout
    );
    assert!(!html.stdout.contains("<script"), "no scripts in the page");

    let elsewhere = TempDir::new();
    let import = Sb::in_dir(elsewhere.path(), ["history", "import"])
        .arg(exported.as_os_str().to_owned())
        .run()
        .await;
    ok(&import);
    assert!(
        import.stdout.contains("Imported 1 conversation"),
        "{}",
        import.stdout
    );
    let shown_there = Sb::in_dir(elsewhere.path(), ["history", "show", "--format", "json"])
        .arg(
            serde_json::from_str::<serde_json::Value>(
                &Sb::in_dir(elsewhere.path(), ["history", "list", "--format", "json"])
                    .run()
                    .await
                    .stdout,
            )
            .expect("JSON")[0]["id"]
                .as_str()
                .expect("an id")
                .to_owned(),
        )
        .run()
        .await;
    ok(&shown_there);
    assert!(
        shown_there.stdout.contains("cherry blossoms"),
        "the import holds the conversation: {}",
        shown_there.stdout
    );

    // A malformed file is refused and leaves the database exactly as it was.
    let before = std::fs::read(history_file(elsewhere.path())).expect("db");
    let bad = elsewhere.file(
        "bad.json",
        br#"{"format": "switchboard", "version": 1, "conversations": [{"id": 3}]}"#,
    );
    let refused = Sb::in_dir(elsewhere.path(), ["history", "import"])
        .arg(bad.as_os_str().to_owned())
        .run()
        .await;
    assert_eq!(refused.code, Some(2), "a usage error: {}", refused.stderr);
    assert!(
        refused.stderr.contains("nothing was changed"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read(history_file(elsewhere.path())).expect("db"),
        before,
        "the database is byte-for-byte unchanged"
    );
}

/// Bytes read from `sb`'s stdout, and when.
type Chunk = (Instant, Vec<u8>);

/// One `sb ask --conversation ID` killed with SIGKILL after `after`: returns the answer text
/// `sb` had printed by one second before the kill.
fn ask_and_kill(dir: &Path, base_url: &str, id: &str, question: &str, after: Duration) -> String {
    let mut child = ask(dir, base_url, &["--conversation", id])
        .arg(question)
        .command()
        .spawn()
        .expect("sb starts");
    let mut stdout = child.stdout.take().expect("stdout");
    let received: Arc<Mutex<Vec<Chunk>>> = Arc::default();
    let reader = {
        let received = received.clone();
        std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(n) = stdout.read(&mut buffer) {
                if n == 0 {
                    break;
                }
                received
                    .lock()
                    .expect("lock")
                    .push((Instant::now(), buffer[..n].to_vec()));
            }
        })
    };
    std::thread::sleep(after);
    let killed_at = Instant::now();
    child.kill().expect("SIGKILL");
    child.wait().expect("reaped");
    reader.join().expect("reader");
    let received = received.lock().expect("lock");
    let early: Vec<u8> = received
        .iter()
        .filter(|(at, _)| *at + Duration::from_secs(1) <= killed_at)
        .flat_map(|(_, bytes)| bytes.iter().copied())
        .collect();
    String::from_utf8_lossy(&early).into_owned()
}

/// The crash test: 20 times, `sb` is killed with SIGKILL at a random point of a streaming
/// answer. After each, the history opens, `PRAGMA integrity_check` says ok, every finished
/// message is unchanged, and the interrupted answer holds at least the text `sb` had printed one
/// second before the kill.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_answer_loses_nothing_that_arrived_a_second_before() {
    let home = TempDir::new();
    let sim = simulator().await;
    let url = sim.base_url();
    sim.push(Script::reply("The first answer, finished."));
    let first = ask(home.path(), &url, &["--conversation", "new"])
        .arg("Start")
        .run()
        .await;
    ok(&first);
    let id = conversation_id(&first);
    let conversation = ConversationId::from(id.as_str());

    let long: String = (0..400).map(|i| format!("word{i} ")).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(20_261_122);
    // Trials whose kill came after text had been printed for a second: the ones that test
    // something beyond "nothing is lost when nothing arrived".
    let mut with_text = 0;
    for trial in 0..20 {
        let finished_before: Vec<(String, String)> = {
            let store = Store::open(history_file(home.path())).expect("the history opens");
            store
                .branch(&conversation)
                .expect("branch")
                .into_iter()
                .map(|t| t.message)
                .filter(|m| m.status != MessageStatus::Streaming)
                .map(|m| (m.id.to_string(), m.content))
                .collect()
        };
        sim.push(
            Script::reply(long.clone())
                .tokens_per_second(60.0)
                .seed(trial),
        );
        let after = Duration::from_millis(rng.random_range(300..3000));
        let dir = home.path().to_owned();
        let base = url.clone();
        let key = id.clone();
        let printed = tokio::task::spawn_blocking(move || {
            ask_and_kill(&dir, &base, &key, &format!("Trial {trial}"), after)
        })
        .await
        .expect("the trial runs");

        let store = Store::open(history_file(home.path())).expect("the history opens after a kill");
        assert!(
            store.integrity_check().expect("integrity check runs"),
            "trial {trial}: PRAGMA integrity_check says ok"
        );
        let branch: Vec<_> = store
            .branch(&conversation)
            .expect("branch")
            .into_iter()
            .map(|t| t.message)
            .collect();
        for (id, content) in &finished_before {
            let still = branch
                .iter()
                .find(|m| m.id.as_str() == id)
                .unwrap_or_else(|| panic!("trial {trial}: finished message {id} is gone"));
            assert_eq!(
                &still.content, content,
                "trial {trial}: message {id} unchanged"
            );
        }
        let question = branch
            .iter()
            .rev()
            .find(|m| m.role == Role::User)
            .expect("the question");
        if question.content != format!("Trial {trial}") {
            // Killed before the question was stored: nothing was printed either.
            assert!(printed.is_empty(), "trial {trial}: printed without storing");
            continue;
        }
        let last = branch.last().expect("a message");
        if last.role == Role::Assistant {
            assert_ne!(
                last.status,
                MessageStatus::Streaming,
                "trial {trial}: reopening marks the cut answer"
            );
            with_text += usize::from(!printed.is_empty());
            assert!(
                last.content.starts_with(printed.trim_end_matches('\n')),
                "trial {trial} (killed after {after:?}): the stored answer ({} bytes) holds what \
                 was printed a second before the kill ({} bytes)",
                last.content.len(),
                printed.len()
            );
        } else {
            assert!(
                printed.is_empty(),
                "trial {trial}: text printed but no answer stored"
            );
        }
    }
    assert!(
        with_text >= 10,
        "most kills should land after text arrived ({with_text} of 20 did)"
    );
}
