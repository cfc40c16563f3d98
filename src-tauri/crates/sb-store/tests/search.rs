//! Search in English, Chinese and Japanese, short queries, and queries meant to break things.

mod common;

use common::{tick, TestResult};
use sb_store::{
    AnswerEnd, AnswerStart, ConversationId, ConversationPatch, MessageId, NewConversation,
    NewMessage, Role, SearchHit, Store,
};

struct Fixture {
    store: Store,
    english: MessageId,
    chinese: MessageId,
    japanese: MessageId,
    hostile: MessageId,
    percent: MessageId,
    trip: ConversationId,
}

fn fixture() -> Result<Fixture, Box<dyn std::error::Error>> {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation::default())?;
    let english = store
        .add_message(
            &c.id,
            None,
            NewMessage::user("The quick brown fox jumps over the lazy dog."),
        )?
        .id;
    tick();
    let chinese = store
        .add_message(
            &c.id,
            Some(&english),
            NewMessage::user("你好世界！今天天气很好，我们去公园散步吧。"),
        )?
        .id;
    tick();
    let answer = store.start_answer(&c.id, Some(&chinese), AnswerStart::default())?;
    store.save_progress(
        &answer,
        "東京の天気は晴れです。明日は雨が降るでしょう。",
        "",
    )?;
    store.finish_answer(&answer, AnswerEnd::default())?;
    let japanese = answer;
    tick();
    let hostile = store
        .add_message(
            &c.id,
            Some(&japanese),
            NewMessage::user(
                r#"Try <script>alert("x")</script> AND NEAR( * "quoted" 'single' & more"#,
            ),
        )?
        .id;
    tick();
    let percent = store
        .add_message(
            &c.id,
            Some(&hostile),
            NewMessage::user("I am 100% sure_of_it"),
        )?
        .id;
    let trip = store.create_conversation(NewConversation {
        title: Some("Trip to Kyoto 京都".into()),
        ..Default::default()
    })?;
    store.add_message(&trip.id, None, NewMessage::user("Nothing matching here"))?;
    Ok(Fixture {
        store,
        english,
        chinese,
        japanese,
        hostile,
        percent,
        trip: trip.id,
    })
}

fn message_ids(hits: &[SearchHit]) -> Vec<MessageId> {
    hits.iter().filter_map(|h| h.message_id.clone()).collect()
}

#[test]
fn english_words_are_found_case_insensitively() -> TestResult {
    let f = fixture()?;

    let hits = f.store.search("BROWN fox", 10)?;

    assert_eq!(message_ids(&hits), vec![f.english.clone()]);
    assert_eq!(hits[0].role, Some(Role::User));
    assert!(
        hits[0]
            .snippet
            .contains("<mark>brown</mark> <mark>fox</mark>"),
        "{}",
        hits[0].snippet
    );
    assert!(
        f.store.search("brown cat", 10)?.is_empty(),
        "every term must match"
    );
    Ok(())
}

#[test]
fn chinese_is_found_with_long_and_short_queries() -> TestResult {
    let f = fixture()?;

    let three = f.store.search("天气很", 10)?;
    let two = f.store.search("世界", 10)?;
    let one = f.store.search("园", 10)?;
    let mixed = f.store.search("世界 公园散步", 10)?;

    for hits in [&three, &two, &one, &mixed] {
        assert_eq!(message_ids(hits), vec![f.chinese.clone()]);
    }
    assert!(
        two[0].snippet.contains("你好<mark>世界</mark>！"),
        "{}",
        two[0].snippet
    );
    assert!(
        one[0].snippet.contains("<mark>园</mark>"),
        "{}",
        one[0].snippet
    );
    Ok(())
}

#[test]
fn japanese_is_found_with_long_and_short_queries() -> TestResult {
    let f = fixture()?;

    let long = f.store.search("天気は晴れ", 10)?;
    let short = f.store.search("東京", 10)?;
    let kana = f.store.search("でしょう", 10)?;

    for hits in [&long, &short, &kana] {
        assert_eq!(message_ids(hits), vec![f.japanese.clone()]);
    }
    assert_eq!(long[0].role, Some(Role::Assistant));
    assert!(
        short[0].snippet.starts_with("<mark>東京</mark>の天気"),
        "{}",
        short[0].snippet
    );
    Ok(())
}

#[test]
fn a_two_character_chinese_query_finds_only_what_contains_it() -> TestResult {
    let f = fixture()?;
    let c = f.store.create_conversation(NewConversation::default())?;
    f.store
        .add_message(&c.id, None, NewMessage::user("世上无难事"))?;

    let hits = f.store.search("世界", 10)?;

    assert_eq!(message_ids(&hits), vec![f.chinese.clone()]);
    assert_eq!(message_ids(&f.store.search("世", 10)?).len(), 2);
    Ok(())
}

#[test]
fn hostile_queries_never_fail_and_snippets_stay_escaped() -> TestResult {
    let f = fixture()?;
    let queries = [
        "\"",
        "*",
        "AND",
        "NEAR(",
        "<script>",
        "\"quoted\"",
        "'single'",
        "&",
        "OR",
        "NOT x",
        "a:b",
        "^start",
        "(",
        ")",
        "-",
        "+",
        "{col}",
        "\u{0}",
        "NEAR(a b, 3)",
        "\"unbalanced",
        "%",
        "_",
        "\\",
        "''",
        "🙂",
    ];

    for query in queries {
        let hits = f.store.search(query, 10)?;
        for hit in &hits {
            let without_marks = hit.snippet.replace("<mark>", "").replace("</mark>", "");
            assert!(
                !without_marks.contains('<') && !without_marks.contains('>'),
                "query {query:?}: unescaped markup in {}",
                hit.snippet
            );
            assert!(
                !without_marks.contains('"'),
                "query {query:?}: {}",
                hit.snippet
            );
        }
    }

    let script = f.store.search("<script>", 10)?;
    assert_eq!(message_ids(&script), vec![f.hostile.clone()]);
    assert!(
        script[0]
            .snippet
            .contains("<mark>&lt;script&gt;</mark>alert(&quot;x&quot;)&lt;/script&gt;"),
        "{}",
        script[0].snippet
    );
    assert_eq!(
        message_ids(&f.store.search("NEAR(", 10)?),
        vec![f.hostile.clone()]
    );
    assert_eq!(
        message_ids(&f.store.search("\"quoted\"", 10)?),
        vec![f.hostile.clone()]
    );
    assert_eq!(
        message_ids(&f.store.search("*", 10)?),
        vec![f.hostile.clone()]
    );
    assert_eq!(
        message_ids(&f.store.search("\"", 10)?),
        vec![f.hostile.clone()]
    );
    let and = message_ids(&f.store.search("AND", 10)?);
    assert!(
        and.contains(&f.hostile),
        "AND is a word here, not an operator"
    );
    Ok(())
}

#[test]
fn like_wildcards_in_a_query_are_literal() -> TestResult {
    let f = fixture()?;

    assert_eq!(
        message_ids(&f.store.search("%", 10)?),
        vec![f.percent.clone()]
    );
    assert_eq!(
        message_ids(&f.store.search("_", 10)?),
        vec![f.percent.clone()]
    );
    assert_eq!(
        message_ids(&f.store.search("0% s", 10)?),
        vec![f.percent.clone()]
    );
    Ok(())
}

#[test]
fn titles_match_too_and_come_first() -> TestResult {
    let f = fixture()?;

    let hits = f.store.search("kyoto", 10)?;
    let cjk = f.store.search("京都", 10)?;

    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].conversation_id, f.trip);
    assert_eq!(hits[0].message_id, None);
    assert_eq!(hits[0].snippet, "Trip to <mark>Kyoto</mark> 京都");
    assert_eq!(cjk[0].conversation_id, f.trip);
    Ok(())
}

#[test]
fn hits_name_their_conversation_and_come_newest_first() -> TestResult {
    let f = fixture()?;
    f.store.update_conversation(
        &f.store.message(&f.english)?.conversation_id,
        ConversationPatch {
            title: Some("Animals".into()),
            ..Default::default()
        },
    )?;

    let hits = f.store.search("the", 10)?;

    assert_eq!(message_ids(&hits), vec![f.english.clone()]);
    assert_eq!(hits[0].conversation_title, "Animals");
    let both = f.store.search("o", 10)?;
    let ids = message_ids(&both);
    assert!(ids.len() >= 2);
    let positions: Vec<_> = [&f.hostile, &f.english]
        .iter()
        .map(|id| ids.iter().position(|i| i == *id))
        .collect();
    assert!(positions[0] < positions[1], "newest first: {ids:?}");
    Ok(())
}

#[test]
fn empty_queries_and_zero_limits_find_nothing() -> TestResult {
    let f = fixture()?;
    assert!(f.store.search("", 10)?.is_empty());
    assert!(f.store.search("   \n\t ", 10)?.is_empty());
    assert!(f.store.search("brown", 0)?.is_empty());
    assert_eq!(f.store.search("o", 1)?.len(), 1);
    let _ = f.chinese;
    Ok(())
}

#[test]
fn a_very_long_query_is_cut_not_refused() -> TestResult {
    let f = fixture()?;
    let long = "brown ".repeat(1_000) + &"x".repeat(10_000);
    let hits = f.store.search(&long, 10)?;
    assert!(hits.is_empty(), "the long term does not occur");
    Ok(())
}

#[test]
fn the_title_index_follows_renames_and_deletes() -> TestResult {
    let store = Store::open_in_memory()?;
    let c = store.create_conversation(NewConversation {
        title: Some("Gardening notes".into()),
        ..Default::default()
    })?;
    store.create_conversation(NewConversation {
        title: Some("Cooking".into()),
        ..Default::default()
    })?;
    assert_eq!(store.search("garden", 10)?.len(), 1);

    store.update_conversation(
        &c.id,
        ConversationPatch {
            title: Some("Balcony plants 阳台".into()),
            ..Default::default()
        },
    )?;
    let old = store.search("garden", 10)?;
    let new = store.search("balcony", 10)?;
    let cjk = store.search("阳台", 10)?;
    store.set_generated_title(&store.search("cooking", 10)?[0].conversation_id, "ignored")?;
    store.delete_conversation(&c.id)?;
    let gone = store.search("balcony", 10)?;

    assert!(old.is_empty());
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].snippet, "<mark>Balcony</mark> plants 阳台");
    assert_eq!(cjk.len(), 1);
    assert!(gone.is_empty());
    assert!(store.integrity_check()?);
    Ok(())
}
