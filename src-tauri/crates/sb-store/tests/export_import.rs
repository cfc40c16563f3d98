//! Export and import: our format round trip, markdown and HTML, the ChatGPT export, and
//! malformed files that must change nothing.

mod common;

use common::{hash_files, tick, TempDir, TestResult};
use sb_store::{
    AnswerEnd, AnswerStart, Api, ConversationId, ConversationPatch, Image, MessageError,
    MessageStatus, NewConversation, NewMessage, Role, Store, StoreError, Usage,
};

/// Two conversations with branches and every kind of field; returns the first one's id.
fn populate(store: &Store) -> Result<ConversationId, StoreError> {
    let c = store.create_conversation(NewConversation {
        title: Some("Rust <lifetimes> & you".into()),
        system_prompt: Some("Answer in one paragraph.".into()),
        target: Some(r#"{ "logical": "gpt-5",  "strategy": "priority" }"#.into()),
        params: Some(r#"{"temperature":0.7,"max_tokens":1000}"#.into()),
    })?;
    store.update_conversation(
        &c.id,
        ConversationPatch {
            pinned: Some(true),
            ..Default::default()
        },
    )?;
    let mut question = NewMessage::user("Explain lifetimes. <script>alert(1)</script>");
    question.images = vec![Image {
        mime: "image/png".into(),
        data_base64: "iVBORw0KGgo=".into(),
    }];
    let q = store.add_message(&c.id, None, question)?;
    tick();
    let failed = store.start_answer(
        &c.id,
        Some(&q.id),
        AnswerStart {
            model: Some("gpt-5".into()),
            route: Some(r#"{"account":"A"}"#.into()),
            api: Some(Api::Chat),
        },
    )?;
    store.save_progress(&failed, "Lifetimes are", "")?;
    store.finish_answer(
        &failed,
        AnswerEnd {
            status: MessageStatus::Error,
            error: Some(MessageError {
                code: "rate_limit".into(),
                message: "Too many requests at api.a.example".into(),
            }),
            ..AnswerEnd::default()
        },
    )?;
    tick();
    let good = store.start_answer(
        &c.id,
        Some(&q.id),
        AnswerStart {
            model: Some("gpt-5".into()),
            route: Some(r#"{"account":"B"}"#.into()),
            api: Some(Api::Responses),
        },
    )?;
    store.save_progress(&good, "**Lifetimes** name how long a borrow lives.\n\n```rust\nfn f<'a>(x: &'a str) -> &'a str { x }\n```", "The user wants a short answer.")?;
    store.finish_answer(
        &good,
        AnswerEnd {
            status: MessageStatus::Complete,
            finish_reason: Some("stop".into()),
            usage: Some(Usage {
                prompt_tokens: Some(20),
                completion_tokens: Some(40),
                total_tokens: Some(60),
                reasoning_tokens: Some(8),
                cached_tokens: Some(0),
            }),
            route: None,
            api: None,
            ttft_ms: Some(350),
            tokens_per_second: Some(61.25),
            error: None,
        },
    )?;
    tick();
    let other = store.create_conversation(NewConversation::default())?;
    store.set_generated_title(&other.id, "Greetings")?;
    let hi = store.add_message(&other.id, None, NewMessage::user("你好"))?;
    let stopped = store.start_answer(&other.id, Some(&hi.id), AnswerStart::default())?;
    store.save_progress(&stopped, "你好！有什么", "")?;
    store.finish_answer(
        &stopped,
        AnswerEnd {
            status: MessageStatus::Stopped,
            ..AnswerEnd::default()
        },
    )?;
    store.update_conversation(
        &other.id,
        ConversationPatch {
            archived: Some(true),
            ..Default::default()
        },
    )?;
    Ok(c.id)
}

fn conversations_of(export: &str) -> Result<serde_json::Value, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(export)?;
    Ok(value["conversations"].take())
}

#[test]
fn json_export_and_import_round_trip_every_branch_and_field() -> TestResult {
    // Arrange
    let source = Store::open_in_memory()?;
    let first = populate(&source)?;
    let exported = source.export_json(None)?;

    // Act
    let target = Store::open_in_memory()?;
    let report = target.import_json(exported.as_bytes())?;
    let again = target.export_json(None)?;

    // Assert
    assert_eq!(
        (report.conversations, report.messages, report.renamed),
        (2, 5, 0)
    );
    assert_eq!(conversations_of(&again)?, conversations_of(&exported)?);
    assert_eq!(target.branch(&first)?, source.branch(&first)?);
    let value: serde_json::Value = serde_json::from_str(&exported)?;
    assert_eq!(value["format"], "switchboard-history");
    assert_eq!(value["version"], 1);
    let conversation = &value["conversations"][0];
    assert_eq!(
        conversation["target"]["strategy"], "priority",
        "caller JSON embedded as JSON"
    );
    assert_eq!(
        conversation["messages"].as_array().map(Vec::len),
        Some(3),
        "both answers"
    );
    assert_eq!(conversation["messages"][1]["error"]["code"], "rate_limit");
    assert_eq!(conversation["messages"][2]["usage"]["reasoning_tokens"], 8);
    assert_eq!(conversation["messages"][2]["route"]["account"], "B");
    assert_eq!(
        conversation["messages"][0]["images"][0]["mime"],
        "image/png"
    );
    // Search works on imported text.
    assert_eq!(target.search("borrow lives", 5)?.len(), 1);
    Ok(())
}

#[test]
fn importing_into_the_same_history_gives_new_ids() -> TestResult {
    let store = Store::open_in_memory()?;
    let first = populate(&store)?;
    let exported = store.export_json(Some(std::slice::from_ref(&first)))?;

    let report = store.import_json(exported.as_bytes())?;

    assert_eq!(
        (report.conversations, report.messages, report.renamed),
        (1, 3, 1)
    );
    let all = conversations_of(&store.export_json(None)?)?;
    let all = all.as_array().ok_or("array")?;
    assert_eq!(all.len(), 3);
    let copy = all
        .iter()
        .find(|c| c["id"] != first.as_str() && c["pinned"] == true)
        .ok_or("copy")?;
    let copy_id = ConversationId::from(copy["id"].as_str().ok_or("id")?);
    let original = store.branch(&first)?;
    let copied = store.branch(&copy_id)?;
    assert_eq!(copied.len(), original.len());
    for (a, b) in original.iter().zip(&copied) {
        assert_ne!(a.message.id, b.message.id);
        assert_eq!(a.message.content, b.message.content);
        assert_eq!(a.sibling_index, b.sibling_index);
        assert_eq!(a.siblings.len(), b.siblings.len());
    }
    assert!(store.integrity_check()?);
    Ok(())
}

#[test]
fn markdown_export_shows_the_current_branch_readably() -> TestResult {
    let store = Store::open_in_memory()?;
    let first = populate(&store)?;

    let markdown = store.export_markdown(&first)?;

    assert!(
        markdown.starts_with("# Rust <lifetimes> & you\n"),
        "{markdown}"
    );
    assert!(markdown.contains("> Answer in one paragraph."));
    assert!(markdown.contains("### You\n\nExplain lifetimes."));
    assert!(markdown.contains("### Assistant (gpt-5)"));
    assert!(markdown.contains("**Lifetimes** name how long"));
    assert!(markdown.contains("> The user wants a short answer."));
    assert!(markdown.contains("![image 1](data:image/png;base64,iVBORw0KGgo=)"));
    assert!(
        !markdown.contains("Lifetimes are"),
        "the failed sibling is on another branch"
    );
    Ok(())
}

#[test]
fn html_export_is_sanitized_and_standalone() -> TestResult {
    let store = Store::open_in_memory()?;
    let first = populate(&store)?;

    let html = store.export_html(&first)?;

    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:;"
    ));
    assert!(
        !html.to_lowercase().contains("<script"),
        "no script of ours or the user's"
    );
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(html.contains("<title>Rust &lt;lifetimes&gt; &amp; you</title>"));
    assert!(
        html.contains("<strong>Lifetimes</strong>"),
        "answers rendered as markdown"
    );
    assert!(
        html.contains("<pre><code class=\"language-rust\" data-lang=\"rust\">"),
        "code keeps its language for the label"
    );
    assert!(
        html.contains("<span class=\"tok-keyword\">"),
        "code is highlighted, and the page styles the token classes"
    );
    assert!(html.contains("<style>") && html.contains(".tok-keyword,"));
    assert!(html.contains("<img alt=\"image 1\" src=\"data:image/png;base64,iVBORw0KGgo=\">"));
    assert!(!html.contains("Lifetimes are"));
    Ok(())
}

#[test]
fn stopped_answers_are_marked_in_exports() -> TestResult {
    let store = Store::open_in_memory()?;
    populate(&store)?;
    let archived = store.list_conversations(sb_store::ListQuery {
        archived: true,
        ..Default::default()
    })?;
    let id = &archived[0].id;

    let markdown = store.export_markdown(id)?;

    assert!(markdown.starts_with("# Greetings"));
    assert!(
        markdown.contains("你好！有什么\n\n*Stopped by the user.*"),
        "{markdown}"
    );
    Ok(())
}

const CHATGPT: &[u8] = include_bytes!("fixtures/chatgpt-conversations.json");

#[test]
fn a_chatgpt_export_is_imported_with_every_branch() -> TestResult {
    // Act
    let store = Store::open_in_memory()?;
    let report = store.import_chatgpt(CHATGPT)?;

    // Assert: 7 of 10 nodes with messages kept (hidden system, tool call, tool output left out).
    assert_eq!(
        (report.conversations, report.messages, report.skipped),
        (2, 9, 3)
    );
    let main = store.list_conversations(sb_store::ListQuery::default())?;
    assert_eq!(main.len(), 1);
    let paris = &main[0];
    assert_eq!(paris.title, "Paris trip");
    assert!(!paris.title_generated);
    assert_eq!(paris.created_at, 1_714_000_000_125);
    assert_eq!(paris.updated_at, 1_714_000_300_500);

    let branch = store.branch(&paris.id)?;
    let texts: Vec<&str> = branch.iter().map(|m| m.message.content.as_str()).collect();
    assert_eq!(
        texts,
        vec![
            "What should I see in Paris?",
            "The **Louvre** and the Eiffel Tower.",
            "How long is the queue here?",
            "Usually about an hour; book a time slot.",
        ],
        "the branch ChatGPT showed (current_node), tool steps left out"
    );
    assert_eq!(
        branch[0].message.parent_id, None,
        "the hidden system root is gone"
    );
    assert_eq!(branch[0].message.created_at, 1_714_000_010_000);
    assert_eq!(branch[1].siblings.len(), 2, "a regenerated answer");
    assert_eq!(branch[1].sibling_index, 0);
    assert_eq!(branch[1].message.model.as_deref(), Some("gpt-4o"));
    assert_eq!(branch[1].message.finish_reason.as_deref(), Some("stop"));
    assert_eq!(branch[2].siblings.len(), 2, "an edited question");
    assert_eq!(
        branch[3].message.parent_id.as_ref(),
        Some(&branch[2].message.id),
        "attached past the tool steps"
    );
    assert_eq!(branch[3].message.role, Role::Assistant);

    // The edited question's branch, with the unfinished answer.
    let leaf = store.switch_branch(&paris.id, &branch[2].siblings[1])?;
    let unfinished = store.message(&leaf)?;
    assert_eq!(unfinished.content, "No, the Louvre is closed on Tuesd");
    assert_eq!(unfinished.status, MessageStatus::Interrupted);

    let archived = store.list_conversations(sb_store::ListQuery {
        archived: true,
        ..Default::default()
    })?;
    assert_eq!(archived.len(), 1);
    assert_eq!(archived[0].title, "翻訳");
    assert_eq!(archived[0].created_at, 1_714_100_000_000);
    assert_eq!(store.branch(&archived[0].id)?.len(), 2);
    let hits = store.search("世界", 10)?;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].conversation_title, "翻訳");
    Ok(())
}

/// A file-backed history with content, for the unchanged-file checks.
fn history_file(dir: &TempDir) -> Result<(Store, std::path::PathBuf), StoreError> {
    let path = dir.file("history.sqlite");
    let store = Store::open(&path)?;
    populate(&store)?;
    Ok((store, path))
}

/// Runs an import on the open store (as the app would) and checks that it is refused with a
/// message naming `expected`, and that the file's bytes did not change.
fn assert_refused(
    store: &Store,
    path: &std::path::Path,
    import: impl FnOnce(&Store) -> Result<sb_store::ImportReport, StoreError>,
    expected: &[&str],
) {
    let before = hash_files(path);
    match import(store) {
        Err(StoreError::Import(message)) => {
            for needle in expected {
                assert!(message.contains(needle), "{needle:?} not in {message:?}");
            }
        }
        other => panic!("expected an import error, got {other:?}"),
    }
    assert_eq!(hash_files(path), before);
}

#[test]
fn malformed_files_are_refused_and_change_nothing() -> TestResult {
    // Arrange
    let dir = TempDir::new("malformed");
    let (store, path) = history_file(&dir)?;
    let before = hash_files(&path);
    let good = store.export_json(None)?;
    let mut value: serde_json::Value = serde_json::from_str(&good)?;

    let mut missing_parent = value.clone();
    missing_parent["conversations"][1]["messages"][1]["parent_id"] = "xyz".into();
    let mut looping = value.clone();
    let first_id = looping["conversations"][1]["messages"][0]["id"].clone();
    let second_id = looping["conversations"][1]["messages"][1]["id"].clone();
    looping["conversations"][1]["messages"][0]["parent_id"] = second_id;
    looping["conversations"][1]["messages"][1]["parent_id"] = first_id;
    let mut duplicate = value.clone();
    let id = duplicate["conversations"][0]["messages"][0]["id"].clone();
    duplicate["conversations"][0]["messages"][1]["id"] = id;
    let mut bad_leaf = value.clone();
    bad_leaf["conversations"][0]["current_leaf"] = "nowhere".into();
    let mut bad_role = value.clone();
    bad_role["conversations"][0]["messages"][0]["role"] = "wizard".into();
    let mut bad_image = value.clone();
    bad_image["conversations"][0]["messages"][0]["images"][0]["mime"] = "text/html".into();
    value["version"] = 2.into();
    let newer = value;
    let text = |v: &serde_json::Value| v.to_string();

    // Act and assert: each refused, naming what and where; the file unchanged after each.
    assert_refused(
        &store,
        &path,
        |s| s.import_json(b"{not json"),
        &["not valid JSON", "line 1"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(b"[]"),
        &["not a Switchboard export"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(br#"{"format":"other","version":1,"conversations":[]}"#),
        &["\"other\""],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&newer).as_bytes()),
        &["version 2", "newer Switchboard"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&missing_parent).as_bytes()),
        &["conversation 2", "parent xyz does not exist"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&looping).as_bytes()),
        &["conversation 2", "loop"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&duplicate).as_bytes()),
        &["conversation 1 (\"Rust <lifetimes> & you\")", "used twice"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&bad_leaf).as_bytes()),
        &["current_leaf nowhere"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&bad_role).as_bytes()),
        &["wizard", "line"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_json(text(&bad_image).as_bytes()),
        &["image 1", "text/html"],
    );
    assert_eq!(hash_files(&path), before);
    Ok(())
}

#[test]
fn malformed_chatgpt_files_are_refused_and_change_nothing() -> TestResult {
    let dir = TempDir::new("malformed-chatgpt");
    let (store, path) = history_file(&dir)?;
    let before = hash_files(&path);
    let fixture: serde_json::Value = serde_json::from_slice(CHATGPT)?;

    let mut missing_parent = fixture.clone();
    missing_parent[1]["mapping"]["c"]["parent"] = "xyz".into();
    let mut missing_child = fixture.clone();
    missing_child[0]["mapping"]["user-1"]["children"][0] = "ghost".into();
    let mut looping = fixture.clone();
    looping[1]["mapping"]["a"]["parent"] = "c".into();
    let mut bad_current = fixture.clone();
    bad_current[0]["current_node"] = "gone".into();
    let mut bad_time = fixture.clone();
    bad_time[1]["mapping"]["b"]["message"]["create_time"] = (-5.0).into();
    let mut no_mapping = fixture.clone();
    if let Some(object) = no_mapping[1].as_object_mut() {
        object.remove("mapping");
    }
    let text = |v: &serde_json::Value| v.to_string();

    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(b"[{\"title\": "),
        &["not valid JSON"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(br#"{"conversations": []}"#),
        &["not a ChatGPT conversations.json"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(text(&missing_parent).as_bytes()),
        &["conversation 2 (\"翻訳\"), node c: parent xyz does not exist"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(text(&missing_child).as_bytes()),
        &["conversation 1 (\"Paris trip\"), node user-1: child ghost does not exist"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(text(&looping).as_bytes()),
        &["conversation 2", "loop"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(text(&bad_current).as_bytes()),
        &["current_node gone does not exist"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(text(&bad_time).as_bytes()),
        &["node b: create_time -5 is not a time"],
    );
    assert_refused(
        &store,
        &path,
        |s| s.import_chatgpt(text(&no_mapping).as_bytes()),
        &["conversation 2", "no \"mapping\""],
    );
    assert_eq!(hash_files(&path), before);
    assert_eq!(
        store
            .list_conversations(sb_store::ListQuery::default())?
            .len(),
        1
    );
    Ok(())
}
