//! A new conversation's title, written by the model that gave its first answer.
//!
//! Until then the title is the question's first words, marked as generated; the model's title
//! replaces it only while the user has not renamed the conversation (the store checks that in
//! the same write). The request is small and not streamed, over the route that answered (its
//! account, model and protocol), so it costs the user one short call to a provider they chose.

use std::time::Duration;

use sb_llm::chat_completions::{Message, Role};
use sb_store::{ConversationId, Store};
use tokio_util::sync::CancellationToken;

use crate::chat::{ChatService, Route, TurnEvent, TurnRequest};
use crate::error::CoreError;
use crate::router::Route as RouterRoute;

/// How the request that asks for a title begins (tests and the simulator recognise it).
pub const TITLE_REQUEST: &str = "Name this conversation.";

/// Longest title kept, in characters.
pub const MAX_TITLE_CHARS: usize = 60;

/// How much of the question and of the answer the model sees.
const EXCERPT_CHARS: usize = 1_500;

/// A title request that takes longer is abandoned (the first words stay the title).
const TITLE_TIMEOUT: Duration = Duration::from_secs(30);

const INSTRUCTIONS: &str = "You write titles for chat conversations. Reply with the title only: \
     at most six words, in the language of the conversation, no quotes, no final punctuation.";

/// The request that asks `route`'s model to name a conversation from its first exchange.
pub fn title_request(route: &RouterRoute, question: &str, answer: &str) -> TurnRequest {
    let prompt = format!(
        "{TITLE_REQUEST}\n\nUser: {}\n\nAssistant: {}",
        excerpt(question),
        excerpt(answer)
    );
    TurnRequest {
        route: Route::Account(route.account_id.clone()),
        api: route.api,
        model: route.model_id.clone(),
        messages: vec![
            Message::text(Role::System, INSTRUCTIONS),
            Message::text(Role::User, &prompt),
        ],
        params: sb_llm::Params::default(),
        stream: false,
        previous_response_id: None,
    }
}

/// Asks for a title and stores it unless the user named the conversation meanwhile. Returns
/// the stored title; `None` when the model gave nothing usable or the user's title stays.
pub async fn generate_title(
    chat: &ChatService,
    store: &Store,
    conversation: &ConversationId,
    route: &RouterRoute,
    question: &str,
    answer: &str,
) -> Result<Option<String>, CoreError> {
    let cancel = CancellationToken::new();
    let mut failure = None;
    let mut sink = |event: TurnEvent| {
        if let TurnEvent::Failed { message, .. } = event {
            failure = Some(message);
        }
    };
    let request = title_request(route, question, answer);
    let outcome = tokio::time::timeout(
        TITLE_TIMEOUT,
        chat.run_turn(request, cancel.clone(), &mut sink),
    )
    .await;
    let Ok(outcome) = outcome else {
        cancel.cancel();
        return Ok(None);
    };
    if let Some(message) = failure {
        return Err(CoreError::InvalidInput(format!(
            "The model could not name the conversation: {message}"
        )));
    }
    let Some(title) = clean_title(&outcome.text) else {
        return Ok(None);
    };
    Ok(store
        .set_generated_title(conversation, &title)?
        .then_some(title))
}

/// The first `EXCERPT_CHARS` characters, marked when cut.
fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(EXCERPT_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// A title from what the model wrote: its first non-empty line without markdown, quotes, a
/// `Title:` label or final punctuation, white space collapsed, at most [`MAX_TITLE_CHARS`].
pub fn clean_title(text: &str) -> Option<String> {
    const QUOTES: &[char] = &[
        '"', '\'', '`', '“', '”', '‘', '’', '「', '」', '『', '』', '《', '》', '«', '»',
    ];
    const FINAL: &[char] = &[
        '.', '。', '!', '！', '?', '？', ':', '：', ',', '，', ';', '；',
    ];
    let line = text.lines().map(str::trim).find(|l| !l.is_empty())?;
    let mut line = line.trim_start_matches(['#', '*', '-', '>', ' ']).trim();
    for label in ["title:", "title：", "标题：", "标题:", "タイトル："] {
        if line
            .get(..label.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(label))
        {
            line = line[label.len()..].trim();
        }
    }
    let line = line
        .trim_matches(|c: char| QUOTES.contains(&c) || c == '*' || c == '_')
        .trim()
        .trim_end_matches(FINAL)
        .trim_matches(|c: char| QUOTES.contains(&c))
        .trim();
    let words: Vec<&str> = line.split_whitespace().collect();
    let title: String = words.join(" ").chars().take(MAX_TITLE_CHARS).collect();
    let title = title.trim().to_owned();
    (!title.is_empty()).then_some(title)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn titles_lose_quotes_labels_markdown_and_final_punctuation() {
        let cases = [
            ("Rust lifetimes explained", "Rust lifetimes explained"),
            ("\"Rust lifetimes explained.\"", "Rust lifetimes explained"),
            ("**Title:** Packing for Kyoto", "Packing for Kyoto"),
            ("# Packing   for\tKyoto\n\nMore text", "Packing for Kyoto"),
            ("\n\n  「京都旅行の準備」。\n", "京都旅行の準備"),
            ("标题：周末去杭州", "周末去杭州"),
        ];
        for (raw, want) in cases {
            assert_eq!(clean_title(raw).as_deref(), Some(want), "{raw:?}");
        }
    }

    #[test]
    fn empty_or_punctuation_only_answers_give_no_title() {
        for raw in ["", "   \n\n", "\"\"", "。"] {
            assert_eq!(clean_title(raw), None, "{raw:?}");
        }
    }

    #[test]
    fn long_titles_are_cut_at_a_character_boundary() {
        let title = clean_title(&"长".repeat(200)).expect("a title");
        assert_eq!(title.chars().count(), MAX_TITLE_CHARS);
    }

    #[test]
    fn the_request_names_the_route_and_carries_short_excerpts() {
        let route = RouterRoute::new(
            crate::AccountId::from("acc".to_owned()),
            "gpt-5.1",
            sb_llm::Api::Responses,
        );
        let request = title_request(&route, &"q".repeat(5_000), "Short answer.");
        assert!(matches!(&request.route, Route::Account(id) if id.as_str() == "acc"));
        assert_eq!(request.model, "gpt-5.1");
        assert_eq!(request.api, sb_llm::Api::Responses);
        assert!(!request.stream, "one small JSON answer, not a stream");
        let prompt = &request.messages[1].content;
        assert!(prompt.starts_with(TITLE_REQUEST), "{prompt:.80}");
        assert!(
            prompt.contains("…") && prompt.len() < 2_000,
            "the question is cut"
        );
        assert!(prompt.ends_with("Assistant: Short answer."));
    }
}
