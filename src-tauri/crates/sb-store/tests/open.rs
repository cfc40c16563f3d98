//! Opening a history: migrations, refusing files that must not be touched, crash recovery.

mod common;

use common::{hash_files, TempDir, TestResult};
use rusqlite::Connection;
use sb_store::{AnswerStart, MessageStatus, NewConversation, NewMessage, Store, StoreError};

/// Makes a history with one conversation and closes it, leaving a single file (no WAL).
fn make_history(path: &std::path::Path) -> TestResult {
    let store = Store::open(path)?;
    let conversation = store.create_conversation(NewConversation::default())?;
    let mut parent = None;
    for i in 0..200 {
        let message = store.add_message(
            &conversation.id,
            parent.as_ref(),
            NewMessage::user(format!(
                "message {i} with some text to fill pages {}",
                "x".repeat(300)
            )),
        )?;
        parent = Some(message.id);
    }
    drop(store);
    // One file, so the test's bytes are the whole database.
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "DELETE")?;
    Ok(())
}

#[test]
fn migrations_build_the_schema_from_an_empty_folder() -> TestResult {
    // Arrange
    let dir = TempDir::new("migrate");
    let path = dir.file("nested/history.sqlite");

    // Act
    let store = Store::open(&path)?;
    store.create_conversation(NewConversation::default())?;
    drop(store);
    let reopened = Store::open(&path)?;

    // Assert
    assert!(reopened.integrity_check()?);
    let conn = Connection::open(&path)?;
    let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    let mode: String = conn.pragma_query_value(None, "journal_mode", |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE name IN ('conversations', 'messages', 'messages_fts')",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(version, 1);
    assert_eq!(mode, "wal");
    assert_eq!(tables, 3);
    Ok(())
}

#[test]
fn an_empty_file_becomes_a_history() -> TestResult {
    let dir = TempDir::new("empty");
    let path = dir.file("history.sqlite");
    std::fs::write(&path, b"")?;

    let store = Store::open(&path)?;

    assert!(store.integrity_check()?);
    Ok(())
}

#[test]
fn a_file_from_a_newer_version_is_refused_and_left_unchanged() -> TestResult {
    // Arrange
    let dir = TempDir::new("newer");
    let path = dir.file("history.sqlite");
    make_history(&path)?;
    Connection::open(&path)?.pragma_update(None, "user_version", 99)?;
    let before = hash_files(&path);

    // Act
    let result = Store::open(&path);

    // Assert
    let Err(error) = result else {
        panic!("a newer file must be refused")
    };
    assert!(
        matches!(
            error,
            StoreError::NewerVersion {
                found: 99,
                supported: 1,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("newer Switchboard"), "{error}");
    assert!(error.to_string().contains("not changed"), "{error}");
    assert_eq!(hash_files(&path), before);
    Ok(())
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_unchanged() -> TestResult {
    let dir = TempDir::new("notdb");
    let path = dir.file("history.sqlite");
    std::fs::write(&path, "these are my notes, not a database\n".repeat(200))?;
    let before = hash_files(&path);

    let result = Store::open(&path);

    let Err(error) = result else {
        panic!("a text file must be refused")
    };
    assert!(matches!(error, StoreError::Damaged { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("not a SQLite database"), "{message}");
    assert!(message.contains("Move it out of the way"), "{message}");
    assert_eq!(hash_files(&path), before);
    Ok(())
}

#[test]
fn another_programs_database_is_refused_and_left_unchanged() -> TestResult {
    let dir = TempDir::new("foreign");
    let path = dir.file("history.sqlite");
    Connection::open(&path)?.execute_batch("CREATE TABLE bookmarks (url TEXT);")?;
    let before = hash_files(&path);

    let result = Store::open(&path);

    let Err(error) = result else {
        panic!("another program's file must be refused")
    };
    assert!(error.to_string().contains("another program"), "{error}");
    assert_eq!(hash_files(&path), before);
    Ok(())
}

#[test]
fn a_damaged_database_is_refused_and_left_unchanged() -> TestResult {
    // Arrange: a real history with one page of its messages overwritten.
    let dir = TempDir::new("damaged");
    let path = dir.file("history.sqlite");
    make_history(&path)?;
    let (page_size, page_number): (i64, i64) = {
        let conn = Connection::open(&path)?;
        let size = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        let number = conn.query_row(
            "SELECT pageno FROM dbstat WHERE name = 'messages' AND pagetype = 'leaf' \
             ORDER BY pageno LIMIT 1 OFFSET 3",
            [],
            |r| r.get(0),
        )?;
        (size, number)
    };
    let mut bytes = std::fs::read(&path)?;
    let (page_size, page_number) = (usize::try_from(page_size)?, usize::try_from(page_number)?);
    let start = (page_number - 1) * page_size;
    bytes[start..start + page_size].fill(0xA5);
    std::fs::write(&path, &bytes)?;
    let before = hash_files(&path);

    // Act
    let result = Store::open(&path);

    // Assert
    let Err(error) = result else {
        panic!("a damaged file must be refused")
    };
    assert!(matches!(error, StoreError::Damaged { .. }), "{error}");
    assert!(error.to_string().contains("quick_check"), "{error}");
    assert_eq!(error.code(), "history_damaged");
    assert!(
        error.to_string().contains("Move it out of the way"),
        "{error}"
    );
    assert_eq!(hash_files(&path), before);
    Ok(())
}

#[test]
fn answers_left_streaming_by_a_crash_are_interrupted_with_their_text() -> TestResult {
    // Arrange: an answer mid-stream when the process goes away.
    let dir = TempDir::new("crash");
    let path = dir.file("history.sqlite");
    let store = Store::open(&path)?;
    let conversation = store.create_conversation(NewConversation::default())?;
    let question = store.add_message(
        &conversation.id,
        None,
        NewMessage::user("Why is the sky blue?"),
    )?;
    let answer = store.start_answer(
        &conversation.id,
        Some(&question.id),
        AnswerStart {
            model: Some("gpt-5".into()),
            ..AnswerStart::default()
        },
    )?;
    store.save_progress(&answer, "Rayleigh scattering makes", "thinking")?;
    assert!(
        store.search("Rayleigh", 10)?.is_empty(),
        "streaming text is not indexed yet"
    );
    drop(store);

    // Act
    let store = Store::open(&path)?;

    // Assert
    let message = store.message(&answer)?;
    assert_eq!(message.status, MessageStatus::Interrupted);
    assert_eq!(message.content, "Rayleigh scattering makes");
    assert_eq!(message.reasoning, "thinking");
    assert_eq!(
        store.search("Rayleigh", 10)?.len(),
        1,
        "indexed once it ended"
    );
    Ok(())
}

#[test]
fn a_live_answer_marked_interrupted_by_another_process_streams_on() -> TestResult {
    let dir = TempDir::new("second-process");
    let path = dir.file("history.sqlite");
    let app = Store::open(&path)?;
    let conversation = app.create_conversation(NewConversation::default())?;
    let answer = app.start_answer(&conversation.id, None, AnswerStart::default())?;
    app.save_progress(&answer, "first", "")?;

    // A second process (the command line) opens the same file meanwhile.
    let cli = Store::open(&path)?;
    assert_eq!(cli.message(&answer)?.status, MessageStatus::Interrupted);

    app.save_progress(&answer, "first second", "")?;
    assert_eq!(app.message(&answer)?.status, MessageStatus::Streaming);
    let done = app.finish_answer(&answer, sb_store::AnswerEnd::default())?;
    assert_eq!(done.status, MessageStatus::Complete);
    assert_eq!(cli.message(&answer)?.content, "first second");
    Ok(())
}

/// Copies the database and whichever of its -wal and -shm files exist, as a crash (or
/// `kill -9`) would leave them, while `store` is still open.
fn crash_copy(from: &std::path::Path, to: &std::path::Path, with_shm: bool) -> TestResult {
    for suffix in ["", "-wal", "-shm"] {
        if suffix == "-shm" && !with_shm {
            continue;
        }
        let source = format!("{}{suffix}", from.display());
        if std::path::Path::new(&source).exists() {
            std::fs::copy(&source, format!("{}{suffix}", to.display()))?;
        }
    }
    Ok(())
}

#[test]
fn a_history_copied_mid_answer_opens_with_the_answer_interrupted() -> TestResult {
    // Arrange: the files as they are on disk while an answer streams (the app never closed).
    let dir = TempDir::new("kill9");
    let path = dir.file("history.sqlite");
    let store = Store::open(&path)?;
    let conversation = store.create_conversation(NewConversation::default())?;
    let question =
        store.add_message(&conversation.id, None, NewMessage::user("Tell me a story"))?;
    let answer =
        store.start_answer(&conversation.id, Some(&question.id), AnswerStart::default())?;
    store.save_progress(&answer, "Once upon a time", "")?;
    assert!(std::path::Path::new(&format!("{}-wal", path.display())).exists());

    for with_shm in [true, false] {
        let copy = dir.file(&format!("copy-{with_shm}.sqlite"));
        crash_copy(&path, &copy, with_shm)?;

        // Act
        let reopened = Store::open(&copy)?;

        // Assert
        let message = reopened.message(&answer)?;
        assert_eq!(
            message.status,
            MessageStatus::Interrupted,
            "shm copied: {with_shm}"
        );
        assert_eq!(message.content, "Once upon a time");
        assert_eq!(reopened.branch(&conversation.id)?.len(), 2);
        assert!(reopened.integrity_check()?);
    }
    drop(store);
    Ok(())
}
