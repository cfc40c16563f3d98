//! Writers at once: threads sharing one store, and two stores (two connections, like the app
//! and the command line) on one file.

mod common;

use std::sync::Arc;

use common::{TempDir, TestResult};
use sb_store::{AnswerEnd, AnswerStart, ListQuery, MessageId, NewConversation, NewMessage, Store};

const TURNS: usize = 100;

/// One conversation of `TURNS` question/answer pairs, each answer streamed in three saves.
fn chat(store: &Store, word: &str) -> Result<(), sb_store::StoreError> {
    let c = store.create_conversation(NewConversation::default())?;
    let mut parent: Option<MessageId> = None;
    for i in 0..TURNS {
        let q = store.add_message(
            &c.id,
            parent.as_ref(),
            NewMessage::user(format!("{word} question {i}")),
        )?;
        let a = store.start_answer(&c.id, Some(&q.id), AnswerStart::default())?;
        store.save_progress(&a, word, "")?;
        store.save_progress(&a, &format!("{word} answer"), "")?;
        store.save_progress(&a, &format!("{word} answer {i}"), "")?;
        store.finish_answer(&a, AnswerEnd::default())?;
        store.search(word, 5)?;
        parent = Some(a);
    }
    Ok(())
}

fn check(store: &Store) -> TestResult {
    assert!(store.integrity_check()?);
    let conversations = store.list_conversations(ListQuery::default())?;
    assert_eq!(conversations.len(), 2);
    for c in conversations {
        assert_eq!(store.branch(&c.id)?.len(), TURNS * 2);
    }
    assert_eq!(store.search("alpha answer", 500)?.len(), TURNS);
    assert_eq!(store.search("bravo answer", 500)?.len(), TURNS);
    Ok(())
}

#[test]
fn two_threads_share_one_store() -> TestResult {
    let dir = TempDir::new("threads");
    let store = Arc::new(Store::open(dir.file("history.sqlite"))?);

    let handles: Vec<_> = ["alpha", "bravo"]
        .into_iter()
        .map(|word| {
            let store = Arc::clone(&store);
            std::thread::spawn(move || chat(&store, word))
        })
        .collect();
    for handle in handles {
        handle.join().map_err(|_| "a writer panicked")??;
    }

    check(&store)
}

#[test]
fn two_connections_write_the_same_file() -> TestResult {
    let dir = TempDir::new("connections");
    let path = dir.file("history.sqlite");
    let first = Store::open(&path)?;
    let second = Store::open(&path)?;

    std::thread::scope(|scope| -> TestResult {
        let a = scope.spawn(|| chat(&first, "alpha"));
        let b = scope.spawn(|| chat(&second, "bravo"));
        a.join().map_err(|_| "a writer panicked")??;
        b.join().map_err(|_| "a writer panicked")??;
        Ok(())
    })?;

    // Both connections must see the other's writes, the integrity check included (FTS5 caches
    // its index structure per connection).
    check(&first)?;
    check(&second)?;
    check(&Store::open(&path)?)
}
