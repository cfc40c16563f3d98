//! History fixtures: Switchboard JSON exports the app and `sb` import, for tests and benchmarks
//! that need long conversations without asking a model for every message.

use serde_json::json;

/// A Switchboard JSON export holding one conversation `"{title}-c"` of `n` messages on one
/// branch (`"{title}-m{i}"`: questions and answers in turn, answers with a list, inline code, a
/// Rust fence and Chinese), each answer ending "That is all for part {i}.".
pub fn history_export(title: &str, n: usize) -> String {
    let mut messages = Vec::with_capacity(n);
    let mut parent: Option<String> = None;
    for i in 0..n {
        let id = format!("{title}-m{i}");
        let (role, content) = if i % 2 == 0 {
            ("user", format!("Question {i}: how does part {i} work?"))
        } else {
            (
                "assistant",
                format!(
                    "Part {i} works like this:\n\n1. **first**, it reads the input\n2. then it \
                     writes `output_{i}`\n\n```rust\nfn part_{i}() -> u32 {{ {i} }}\n```\n\n\
                     That is all for part {i}. 这是第{i}部分。"
                ),
            )
        };
        messages.push(json!({
            "id": id, "parent_id": parent, "role": role, "created_at": 1_700_000_000_000_i64 + i as i64,
            "content": content, "reasoning": "", "images": [], "model": "gpt-5.1",
            "status": "complete", "route": null, "api": null, "usage": null,
            "time_to_first_token_ms": null, "tokens_per_second": null, "finish_reason": "stop",
            "error": null,
        }));
        parent = Some(id);
    }
    json!({
        "format": "switchboard-history", "version": 1, "exported_at": 1_700_000_000_000_i64,
        "conversations": [{
            "id": format!("{title}-c"), "title": title, "title_generated": false,
            "created_at": 1_700_000_000_000_i64, "updated_at": 1_700_000_000_000_i64 + n as i64,
            "pinned": false, "archived": false, "system_prompt": null, "target": null,
            "params": null, "current_leaf": parent, "messages": messages,
        }],
    })
    .to_string()
}
