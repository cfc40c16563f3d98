//! Conversations, answers and the message tree.

mod common;

use common::{tick, TestResult};
use sb_store::{
    AnswerEnd, AnswerStart, Api, ConversationPatch, ListQuery, MessageError, MessageId,
    MessageStatus, NewConversation, NewMessage, Role, Store, StoreError, Usage,
};

fn ids(branch: &[sb_store::ThreadMessage]) -> Vec<MessageId> {
    branch.iter().map(|m| m.message.id.clone()).collect()
}

/// Starts and completes an answer under `parent`.
fn answer(
    store: &Store,
    conversation: &sb_store::ConversationId,
    parent: &MessageId,
    text: &str,
) -> Result<MessageId, StoreError> {
    let id = store.start_answer(conversation, Some(parent), AnswerStart::default())?;
    store.save_progress(&id, text, "")?;
    store.finish_answer(&id, AnswerEnd::default())?;
    Ok(id)
}

#[test]
fn editing_a_user_message_adds_a_sibling_and_switching_back_restores_the_old_branch() -> TestResult
{
    // Arrange
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let u1 = store.add_message(&c.id, None, NewMessage::user("What is 2+2?"))?;
    tick();
    let a1 = answer(&store, &c.id, &u1.id, "4")?;
    tick();
    let u2 = store.add_message(&c.id, Some(&a1), NewMessage::user("And 3+3?"))?;
    tick();
    let a2 = answer(&store, &c.id, &u2.id, "6")?;
    tick();

    // Act: edit the second question and send it again.
    let u2b = store.add_message(&c.id, Some(&a1), NewMessage::user("And 3*3?"))?;
    tick();
    let a2b = answer(&store, &c.id, &u2b.id, "9")?;

    // Assert
    let branch = store.branch(&c.id)?;
    assert_eq!(
        ids(&branch),
        vec![u1.id.clone(), a1.clone(), u2b.id.clone(), a2b.clone()]
    );
    assert_eq!(branch[2].siblings, vec![u2.id.clone(), u2b.id.clone()]);
    assert_eq!(branch[2].sibling_index, 1);
    assert_eq!(branch[0].siblings, vec![u1.id.clone()]);
    assert_eq!(
        branch.iter().map(|m| m.index).collect::<Vec<_>>(),
        vec![0, 1, 2, 3]
    );

    // Switching to the old question shows its answer again.
    let leaf = store.switch_branch(&c.id, &u2.id)?;
    assert_eq!(leaf, a2);
    let branch = store.branch(&c.id)?;
    assert_eq!(ids(&branch), vec![u1.id, a1, u2.id, a2]);
    assert_eq!(branch[2].sibling_index, 0);
    Ok(())
}

#[test]
fn regenerating_an_answer_adds_a_sibling_answer() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let u1 = store.add_message(&c.id, None, NewMessage::user("Name a colour"))?;
    tick();
    let a1 = answer(&store, &c.id, &u1.id, "red")?;
    tick();

    let a2 = answer(&store, &c.id, &u1.id, "blue")?;

    let branch = store.branch(&c.id)?;
    assert_eq!(ids(&branch), vec![u1.id.clone(), a2.clone()]);
    assert_eq!(branch[1].siblings, vec![a1, a2]);
    assert_eq!(branch[1].sibling_index, 1);
    assert_eq!(branch[1].message.content, "blue");
    Ok(())
}

#[test]
fn switch_branch_descends_to_the_most_recent_leaf_below() -> TestResult {
    // u1 ─┬─ a1 ── u2 ── a2   (a2 newest)
    //     └─ a1b              (newer than a1, older than a2)
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let u1 = store.add_message(&c.id, None, NewMessage::user("q1"))?;
    tick();
    let a1 = answer(&store, &c.id, &u1.id, "a1")?;
    tick();
    let a1b = answer(&store, &c.id, &u1.id, "a1b")?;
    tick();
    store.switch_branch(&c.id, &a1)?;
    let u2 = store.add_message(&c.id, Some(&a1), NewMessage::user("q2"))?;
    tick();
    let a2 = answer(&store, &c.id, &u2.id, "a2")?;
    store.switch_branch(&c.id, &a1b)?;

    let from_root = store.switch_branch(&c.id, &u1.id)?;
    assert_eq!(
        from_root, a2,
        "the newest leaf anywhere below, not the newest child"
    );
    assert_eq!(store.conversation(&c.id)?.current_leaf, Some(a2.clone()));
    assert_eq!(store.switch_branch(&c.id, &a1b)?, a1b);
    assert_eq!(store.switch_branch(&c.id, &a1)?, a2);
    Ok(())
}

#[test]
fn branch_pages_walk_back_from_the_end() -> TestResult {
    // Arrange: 120 messages in one branch, one regenerated answer at index 61.
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let mut parent: Option<MessageId> = None;
    for i in 0..120 {
        let m = store.add_message(&c.id, parent.as_ref(), NewMessage::user(format!("m{i}")))?;
        if i == 61 {
            // an older sibling, so index 61 shows "2/2"
            let p = parent.clone();
            let newer = store.add_message(&c.id, p.as_ref(), NewMessage::user("m61 again"))?;
            parent = Some(newer.id);
            continue;
        }
        parent = Some(m.id);
    }
    let whole = store.branch(&c.id)?;
    assert_eq!(whole.len(), 120);

    // Act
    let last = store.branch_page(&c.id, None, 50)?;
    let middle = store.branch_page(&c.id, Some(last.start), 50)?;
    let first = store.branch_page(&c.id, Some(middle.start), 50)?;
    let beyond = store.branch_page(&c.id, Some(10_000), 5)?;
    let empty = store.branch_page(&c.id, Some(0), 50)?;

    // Assert
    assert_eq!((last.total, last.start, last.messages.len()), (120, 70, 50));
    assert_eq!((middle.start, middle.messages.len()), (20, 50));
    assert_eq!((first.start, first.messages.len()), (0, 20));
    assert_eq!(last.messages, whole[70..].to_vec());
    assert_eq!(middle.messages, whole[20..70].to_vec());
    assert_eq!(first.messages, whole[..20].to_vec());
    assert_eq!(beyond.start, 115);
    assert!(empty.messages.is_empty());
    assert_eq!(middle.messages[41].index, 61);
    assert_eq!(middle.messages[41].siblings.len(), 2);
    assert_eq!(middle.messages[41].sibling_index, 1);
    assert_eq!(middle.messages[41].message.content, "m61 again");
    Ok(())
}

#[test]
fn an_empty_conversation_has_an_empty_branch() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let page = store.branch_page(&c.id, None, 50)?;
    assert_eq!((page.total, page.start, page.messages.len()), (0, 0, 0));
    assert!(store.branch(&c.id)?.is_empty());
    Ok(())
}

#[test]
fn a_parent_must_belong_to_the_conversation() -> TestResult {
    let store = Store::open_in_memory()?;
    let first = store.create_conversation(NewConversation::default())?;
    let other = store.create_conversation(NewConversation::default())?;
    let m = store.add_message(&first.id, None, NewMessage::user("hello"))?;

    let foreign = store.add_message(&other.id, Some(&m.id), NewMessage::user("reply"));
    let unknown = store.add_message(
        &other.id,
        Some(&MessageId::from("nope")),
        NewMessage::user("x"),
    );
    let no_conversation = store.add_message(&"missing".into(), None, NewMessage::user("x"));

    assert!(
        matches!(foreign, Err(StoreError::InvalidInput(_))),
        "{foreign:?}"
    );
    assert!(
        matches!(unknown, Err(StoreError::MessageNotFound(_))),
        "{unknown:?}"
    );
    assert!(matches!(
        no_conversation,
        Err(StoreError::ConversationNotFound(_))
    ));
    assert!(store.branch(&other.id)?.is_empty(), "nothing was added");
    Ok(())
}

#[test]
fn an_answer_streams_then_ends_once_with_every_field() -> TestResult {
    // Arrange
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let q = store.add_message(&c.id, None, NewMessage::user("hi"))?;
    let id = store.start_answer(
        &c.id,
        Some(&q.id),
        AnswerStart {
            model: Some("gpt-5".into()),
            route: Some(r#"{"account":"a1"}"#.into()),
            api: Some(Api::Chat),
        },
    )?;
    assert_eq!(store.conversation(&c.id)?.current_leaf, Some(id.clone()));

    // Act
    store.save_progress(&id, "Hel", "")?;
    store.save_progress(&id, "Hello", "greeting")?;
    store.save_progress(&id, "Hello", "greeting")?; // idempotent
    let done = store.finish_answer(
        &id,
        AnswerEnd {
            status: MessageStatus::Complete,
            finish_reason: Some("stop".into()),
            usage: Some(Usage {
                prompt_tokens: Some(10),
                completion_tokens: Some(2),
                total_tokens: Some(12),
                ..Usage::default()
            }),
            route: None,
            api: Some(Api::Responses),
            ttft_ms: Some(180),
            tokens_per_second: Some(42.5),
            error: None,
        },
    )?;

    // Assert
    assert_eq!(done.content, "Hello");
    assert_eq!(done.reasoning, "greeting");
    assert_eq!(done.role, Role::Assistant);
    assert_eq!(
        done.route.as_deref(),
        Some(r#"{"account":"a1"}"#),
        "kept from the start"
    );
    assert_eq!(done.api, Some(Api::Responses));
    assert_eq!(done.usage.and_then(|u| u.total_tokens), Some(12));
    assert_eq!(done.time_to_first_token_ms, Some(180));
    assert_eq!(done.tokens_per_second, Some(42.5));
    assert_eq!(done.finish_reason.as_deref(), Some("stop"));
    assert_eq!(store.message(&id)?, done);

    let late = store.save_progress(&id, "Hello again", "");
    assert!(matches!(
        late,
        Err(StoreError::NotStreaming {
            status: MessageStatus::Complete,
            ..
        })
    ));
    let twice = store.finish_answer(&id, AnswerEnd::default());
    assert!(matches!(twice, Err(StoreError::NotStreaming { .. })));
    assert_eq!(store.message(&id)?.content, "Hello");
    Ok(())
}

#[test]
fn a_failed_answer_keeps_its_partial_text_and_error() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let id = store.start_answer(&c.id, None, AnswerStart::default())?;
    store.save_progress(&id, "partial", "")?;

    let streaming = store.finish_answer(
        &id,
        AnswerEnd {
            status: MessageStatus::Streaming,
            ..AnswerEnd::default()
        },
    );
    let failed = store.finish_answer(
        &id,
        AnswerEnd {
            status: MessageStatus::Error,
            error: Some(MessageError {
                code: "network".into(),
                message: "The connection to api.example.com dropped.".into(),
            }),
            ..AnswerEnd::default()
        },
    )?;

    assert!(matches!(streaming, Err(StoreError::InvalidInput(_))));
    assert_eq!(failed.status, MessageStatus::Error);
    assert_eq!(failed.content, "partial");
    assert_eq!(failed.error.map(|e| e.code), Some("network".to_owned()));
    Ok(())
}

#[test]
fn conversations_list_pinned_first_then_by_activity() -> TestResult {
    let store = Store::open_in_memory()?;
    let old = store.create_conversation(NewConversation::default())?;
    tick();
    let pinned = store.create_conversation(NewConversation::default())?;
    tick();
    let archived = store.create_conversation(NewConversation::default())?;
    tick();
    let recent = store.create_conversation(NewConversation::default())?;
    tick();
    store.add_message(&old.id, None, NewMessage::user("bump"))?;
    store.update_conversation(
        &pinned.id,
        ConversationPatch {
            pinned: Some(true),
            ..Default::default()
        },
    )?;
    store.update_conversation(
        &archived.id,
        ConversationPatch {
            archived: Some(true),
            ..Default::default()
        },
    )?;

    let main = store.list_conversations(ListQuery::default())?;
    let archive = store.list_conversations(ListQuery {
        archived: true,
        ..ListQuery::default()
    })?;
    let second_page = store.list_conversations(ListQuery {
        archived: false,
        limit: 2,
        offset: 1,
    })?;

    let main_ids: Vec<_> = main.iter().map(|c| c.id.clone()).collect();
    assert_eq!(main_ids, vec![pinned.id, old.id.clone(), recent.id.clone()]);
    assert_eq!(
        archive.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![archived.id]
    );
    assert_eq!(
        second_page.iter().map(|c| c.id.clone()).collect::<Vec<_>>(),
        vec![old.id, recent.id]
    );
    Ok(())
}

#[test]
fn a_user_title_is_never_replaced_by_a_generated_one() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;

    assert!(store.set_generated_title(&c.id, "Colours")?);
    assert!(
        store.set_generated_title(&c.id, "Favourite colours")?,
        "a better generated title"
    );
    let renamed = store.update_conversation(
        &c.id,
        ConversationPatch {
            title: Some("Mine".into()),
            ..Default::default()
        },
    )?;
    let replaced = store.set_generated_title(&c.id, "Generated again")?;

    assert!(!renamed.title_generated);
    assert!(!replaced);
    assert_eq!(store.conversation(&c.id)?.title, "Mine");
    let unknown = store.set_generated_title(&"nope".into(), "x");
    assert!(matches!(unknown, Err(StoreError::ConversationNotFound(_))));
    Ok(())
}

#[test]
fn conversation_fields_change_and_clear() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation {
        title: Some("  Plans  ".into()),
        system_prompt: Some("Be brief.".into()),
        target: Some(r#"{"logical":"gpt-5"}"#.into()),
        params: Some(r#"{"temperature":0.2}"#.into()),
    })?;
    assert_eq!(c.title, "Plans");

    let changed = store.update_conversation(
        &c.id,
        ConversationPatch {
            system_prompt: Some(None),
            target: Some(Some(r#"{"account":"x","model":"m"}"#.into())),
            ..Default::default()
        },
    )?;
    let bad = store.update_conversation(
        &c.id,
        ConversationPatch {
            params: Some(Some("{not json".into())),
            ..Default::default()
        },
    );

    assert_eq!(changed.system_prompt, None);
    assert_eq!(
        changed.target.as_deref(),
        Some(r#"{"account":"x","model":"m"}"#)
    );
    assert_eq!(changed.params.as_deref(), Some(r#"{"temperature":0.2}"#));
    assert!(
        matches!(bad, Err(StoreError::InvalidInput(ref m)) if m.contains("Parameters")),
        "{bad:?}"
    );
    assert_eq!(store.conversation(&c.id)?, changed);
    Ok(())
}

#[test]
fn deleting_a_conversation_deletes_its_messages_and_their_index() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let keep = store.create_conversation(NewConversation::default())?;
    let q = store.add_message(&c.id, None, NewMessage::user("ephemeral words"))?;
    let a = answer(&store, &c.id, &q.id, "ephemeral answer")?;
    store.add_message(&keep.id, None, NewMessage::user("ephemeral but kept"))?;

    store.delete_conversation(&c.id)?;

    assert!(matches!(
        store.message(&q.id),
        Err(StoreError::MessageNotFound(_))
    ));
    assert!(matches!(
        store.message(&a),
        Err(StoreError::MessageNotFound(_))
    ));
    assert!(matches!(
        store.conversation(&c.id),
        Err(StoreError::ConversationNotFound(_))
    ));
    let hits = store.search("ephemeral", 10)?;
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].conversation_id, keep.id);
    assert!(matches!(
        store.delete_conversation(&c.id),
        Err(StoreError::ConversationNotFound(_))
    ));
    assert!(store.integrity_check()?);
    Ok(())
}

#[test]
fn images_are_kept_and_checked() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let image = sb_store::Image {
        mime: "image/png".into(),
        data_base64: "iVBORw0KGgo=".into(),
    };
    let mut new = NewMessage::user("look");
    new.images = vec![image.clone()];
    let m = store.add_message(&c.id, None, new.clone())?;
    new.images[0].mime = "text/html".into();
    let bad = store.add_message(&c.id, None, new);

    assert_eq!(store.message(&m.id)?.images, vec![image]);
    assert!(matches!(bad, Err(StoreError::InvalidInput(_))));
    Ok(())
}

#[test]
fn deleting_a_message_takes_its_subtree_and_shows_the_branch_that_remains() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let u1 = store.add_message(&c.id, None, NewMessage::user("Name a colour"))?;
    tick();
    let red = answer(&store, &c.id, &u1.id, "red vermilion")?;
    tick();
    let follow = store.add_message(&c.id, Some(&red), NewMessage::user("Why vermilion?"))?;
    tick();
    let why = answer(&store, &c.id, &follow.id, "cinnabar pigment")?;
    tick();
    let blue = answer(&store, &c.id, &u1.id, "blue cobalt")?;
    tick();
    store.switch_branch(&c.id, &red)?;
    assert_eq!(
        ids(&store.branch(&c.id)?),
        vec![u1.id.clone(), red.clone(), follow.id.clone(), why.clone()]
    );

    // Deleting the shown answer takes its follow-up too and shows the other answer.
    let leaf = store.delete_message(&c.id, &red)?;
    assert_eq!(
        leaf,
        Some(blue.clone()),
        "the remaining sibling's branch is shown"
    );
    let branch = store.branch(&c.id)?;
    assert_eq!(ids(&branch), vec![u1.id.clone(), blue.clone()]);
    assert_eq!(
        branch[1].siblings,
        vec![blue.clone()],
        "the deleted sibling is gone"
    );
    for gone in [&red, &follow.id, &why] {
        assert!(
            matches!(store.message(gone), Err(StoreError::MessageNotFound(_))),
            "{gone} was below the deleted message"
        );
    }
    assert!(
        store.search("cinnabar", 10)?.is_empty() && store.search("vermilion", 10)?.is_empty(),
        "deleted text leaves the search index"
    );
    assert_eq!(
        store.search("cobalt", 10)?.len(),
        1,
        "the rest is still found"
    );
    assert!(store.integrity_check()?, "the index and the tables agree");

    // Deleting what is not shown leaves the shown branch alone.
    tick();
    let green = answer(&store, &c.id, &u1.id, "green")?;
    store.switch_branch(&c.id, &blue)?;
    assert_eq!(store.delete_message(&c.id, &green)?, Some(blue.clone()));

    // Deleting the last answer shows its question; deleting the question empties it.
    assert_eq!(store.delete_message(&c.id, &blue)?, Some(u1.id.clone()));
    assert_eq!(store.delete_message(&c.id, &u1.id)?, None);
    assert!(store.branch(&c.id)?.is_empty());
    Ok(())
}

#[test]
fn a_message_is_not_deleted_while_an_answer_below_it_streams_or_from_another_conversation(
) -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let other = store.create_conversation(NewConversation::default())?;
    let u1 = store.add_message(&c.id, None, NewMessage::user("Hi"))?;
    let streaming = store.start_answer(&c.id, Some(&u1.id), AnswerStart::default())?;
    let refused = store.delete_message(&c.id, &u1.id);
    assert!(
        matches!(&refused, Err(StoreError::InvalidInput(m)) if m.contains("still being written")),
        "{refused:?}"
    );
    store.finish_answer(&streaming, AnswerEnd::default())?;
    assert!(matches!(
        store.delete_message(&other.id, &u1.id),
        Err(StoreError::InvalidInput(_))
    ));
    assert!(matches!(
        store.delete_message(&c.id, &MessageId::from("nope".to_owned())),
        Err(StoreError::MessageNotFound(_))
    ));
    assert!(store.message(&u1.id).is_ok(), "nothing was deleted");
    Ok(())
}
