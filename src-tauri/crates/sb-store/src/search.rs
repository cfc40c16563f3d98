//! Full-text search: FTS5 with the trigram tokenizer, which indexes every run of three
//! characters, so a substring is found in any script (English, Chinese, Japanese) without a
//! word splitter.
//!
//! The query is split at whitespace into terms that must all occur (case-insensitively).
//! Terms of three or more characters go to the index, each as a quoted FTS5 string (the user's
//! text is never FTS5 syntax, so `"`, `*`, `AND` or `NEAR(` are just characters). Terms of one
//! or two characters cannot be in a trigram index; they are checked with `LIKE` on the rows the
//! index found, or, when every term is short, by scanning messages newest first until enough
//! are found. Conversation titles have their own trigram index and are matched the same way.
//!
//! Hits come newest first (by when they were stored), which the index yields without sorting
//! all matches. Snippets are built here, not by FTS5: the text is HTML-escaped first and the
//! `<mark>` tags added after, so a message can never inject markup into the results.

use rusqlite::{params_from_iter, types::Value};

use crate::conversations::to_sql_len;
use crate::error::{Context as _, StoreError};
use crate::model::{ConversationId, MessageId, Role, SearchHit};
use crate::Store;

/// At most this many terms are used (the rest of a pasted paragraph is ignored).
const MAX_TERMS: usize = 16;
/// A term is cut to this many characters.
const MAX_TERM_CHARS: usize = 200;
/// At most this many hits are returned, whatever the caller asks.
const MAX_HITS: usize = 500;
/// Characters of context shown before the first match.
const SNIPPET_BEFORE: usize = 40;
/// Characters a snippet shows in all.
const SNIPPET_CHARS: usize = 200;

impl Store {
    /// Messages and titles containing every whitespace-separated term of `query`, newest first,
    /// at most `limit` (titles first). An empty query finds nothing.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>, StoreError> {
        let terms = terms(query);
        let limit = limit.min(MAX_HITS);
        if terms.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        self.read("searching", |tx| {
            let mut hits = title_hits(tx, &terms, limit)?;
            let remaining = limit - hits.len();
            if remaining > 0 {
                hits.extend(message_hits(tx, &terms, remaining)?);
            }
            Ok(hits)
        })
    }
}

/// The search terms of a query: split at whitespace, control characters dropped, duplicates
/// (ignoring case) dropped, at most [`MAX_TERMS`] of at most [`MAX_TERM_CHARS`] characters.
pub(crate) fn terms(query: &str) -> Vec<String> {
    let mut terms: Vec<String> = Vec::new();
    for raw in query.split_whitespace() {
        let term: String = raw
            .chars()
            .filter(|c| !c.is_control())
            .take(MAX_TERM_CHARS)
            .collect();
        if term.is_empty() || terms.iter().any(|t| fold(t) == fold(&term)) {
            continue;
        }
        terms.push(term);
        if terms.len() == MAX_TERMS {
            break;
        }
    }
    terms
}

/// Whether the trigram index can find this term (three characters or more).
fn indexable(term: &str) -> bool {
    term.chars().nth(2).is_some()
}

/// An FTS5 query that means "all these strings", with no FTS5 syntax from the user: each term
/// is a double-quoted string with its quotes doubled.
pub(crate) fn fts_query<'a>(terms: impl Iterator<Item = &'a str>) -> String {
    terms
        .map(|t| format!("\"{}\"", t.replace('"', "\"\"")))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// A `LIKE` pattern (with `ESCAPE '\'`) for text containing `term`.
pub(crate) fn like_pattern(term: &str) -> String {
    let mut pattern = String::with_capacity(term.len() + 2);
    pattern.push('%');
    for c in term.chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

fn title_hits(
    tx: &rusqlite::Transaction<'_>,
    terms: &[String],
    limit: usize,
) -> Result<Vec<SearchHit>, StoreError> {
    let (long, short): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| indexable(t));
    let mut values: Vec<Value> = Vec::new();
    let sql = if long.is_empty() {
        let likes = vec!["c.title LIKE ? ESCAPE '\\'"; short.len()].join(" AND ");
        format!(
            "SELECT c.id, c.title, c.updated_at FROM conversations c WHERE {likes} \
             ORDER BY c.updated_at DESC LIMIT ?"
        )
    } else {
        values.push(Value::Text(fts_query(long.iter().map(|t| t.as_str()))));
        let likes = " AND c.title LIKE ? ESCAPE '\\'".repeat(short.len());
        format!(
            "SELECT c.id, c.title, c.updated_at FROM conversations_fts \
             JOIN conversations c ON c.seq = conversations_fts.rowid \
             WHERE conversations_fts MATCH ?{likes} ORDER BY c.updated_at DESC LIMIT ?"
        )
    };
    values.extend(short.iter().map(|t| Value::Text(like_pattern(t))));
    values.push(Value::Integer(to_sql_len(limit)));
    let mut statement = tx.prepare_cached(&sql).during("searching titles")?;
    let rows = statement
        .query_map(params_from_iter(values), |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get(2)?))
        })
        .during("searching titles")?;
    let mut hits = Vec::new();
    for row in rows {
        let (id, title, updated_at) = row.during("searching titles")?;
        hits.push(SearchHit {
            conversation_id: ConversationId::from(id),
            snippet: snippet(&title, terms),
            conversation_title: title,
            message_id: None,
            role: None,
            created_at: updated_at,
        });
    }
    Ok(hits)
}

fn message_hits(
    tx: &rusqlite::Transaction<'_>,
    terms: &[String],
    limit: usize,
) -> Result<Vec<SearchHit>, StoreError> {
    let (long, short): (Vec<&String>, Vec<&String>) = terms.iter().partition(|t| indexable(t));
    let mut values: Vec<Value> = Vec::new();
    let likes = " AND m.content LIKE ? ESCAPE '\\'".repeat(short.len());
    let sql = if long.is_empty() {
        format!(
            "SELECT m.id, m.conversation_id, c.title, m.role, m.content, m.created_at \
             FROM messages m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.status <> 'streaming'{likes} ORDER BY m.seq DESC LIMIT ?"
        )
    } else {
        values.push(Value::Text(fts_query(long.iter().map(|t| t.as_str()))));
        format!(
            "SELECT m.id, m.conversation_id, c.title, m.role, m.content, m.created_at \
             FROM messages_fts JOIN messages m ON m.seq = messages_fts.rowid \
             JOIN conversations c ON c.id = m.conversation_id \
             WHERE messages_fts MATCH ?{likes} ORDER BY messages_fts.rowid DESC LIMIT ?"
        )
    };
    values.extend(short.iter().map(|t| Value::Text(like_pattern(t))));
    values.push(Value::Integer(to_sql_len(limit)));
    let mut statement = tx.prepare_cached(&sql).during("searching messages")?;
    let rows = statement
        .query_map(params_from_iter(values), |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, i64>(5)?,
            ))
        })
        .during("searching messages")?;
    let mut hits = Vec::new();
    for row in rows {
        let (id, conversation_id, title, role, content, created_at) =
            row.during("searching messages")?;
        hits.push(SearchHit {
            conversation_id: ConversationId::from(conversation_id),
            conversation_title: title,
            message_id: Some(MessageId::from(id)),
            role: role.parse::<Role>().ok(),
            snippet: snippet(&content, terms),
            created_at,
        });
    }
    Ok(hits)
}

/// Lower case, one character for one (so positions in the folded text are positions in the
/// original).
fn fold_char(c: char) -> char {
    let mut lower = c.to_lowercase();
    match (lower.next(), lower.next()) {
        (Some(l), None) => l,
        _ => c,
    }
}

fn fold(text: &str) -> Vec<char> {
    text.chars().map(fold_char).collect()
}

/// An excerpt of `text` around the first match of any term, as HTML: escaped, whitespace runs
/// shown as one space, every match wrapped in `<mark>`, `…` where text was cut.
pub(crate) fn snippet(text: &str, terms: &[String]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let folded: Vec<char> = chars.iter().copied().map(fold_char).collect();
    let needles: Vec<Vec<char>> = terms.iter().map(|t| fold(t)).collect();

    // Matches as [start, end) char ranges, left to right, longest first, not overlapping.
    let mut marks: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        let longest = needles
            .iter()
            .filter(|n| !n.is_empty() && folded[i..].starts_with(n))
            .map(Vec::len)
            .max();
        match longest {
            Some(len) => {
                marks.push((i, i + len));
                i += len;
            }
            None => i += 1,
        }
    }

    let first = marks.first().map_or(0, |m| m.0);
    let start = first.saturating_sub(SNIPPET_BEFORE);
    let end = (start + SNIPPET_CHARS).min(chars.len()).max(
        // Never cut the first match.
        marks.first().map_or(0, |m| m.1),
    );
    let mut html = String::new();
    if start > 0 {
        html.push('…');
    }
    let mut in_space = false;
    let mut marks = marks.iter().peekable();
    let mut index = start;
    while index < end {
        while marks.peek().is_some_and(|m| m.1 <= index) {
            marks.next();
        }
        if let Some(&&(mark_start, mark_end)) = marks.peek() {
            if mark_start <= index {
                // A match (possibly begun before the window): marked as one piece.
                let piece: String = chars[index..mark_end.min(end)].iter().collect();
                html.push_str("<mark>");
                escape_into(&mut html, &piece);
                html.push_str("</mark>");
                in_space = false;
                index = mark_end.min(end);
                continue;
            }
        }
        let c = chars[index];
        if c.is_whitespace() {
            if !in_space {
                html.push(' ');
            }
            in_space = true;
        } else {
            let mut buf = [0u8; 4];
            escape_into(&mut html, c.encode_utf8(&mut buf));
            in_space = false;
        }
        index += 1;
    }
    if end < chars.len() {
        html.push('…');
    }
    html
}

/// Appends `text` with `& < > " '` escaped.
pub(crate) fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

/// `text` with `& < > " '` escaped.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    escape_into(&mut out, text);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(words: &[&str]) -> Vec<String> {
        words.iter().map(|w| (*w).to_owned()).collect()
    }

    #[test]
    fn terms_are_split_deduplicated_and_bounded() {
        assert_eq!(
            terms("  Hello   hello WORLD\u{0}  "),
            t(&["Hello", "WORLD"])
        );
        assert!(terms("   ").is_empty());
        assert_eq!(terms(&"x ".repeat(100)), t(&["x"]));
        let many: String = (0..40).map(|i| format!("w{i} ")).collect();
        assert_eq!(terms(&many).len(), MAX_TERMS);
    }

    #[test]
    fn fts_query_quotes_everything() {
        assert_eq!(
            fts_query(["a\"b", "NEAR("].into_iter()),
            "\"a\"\"b\" AND \"NEAR(\""
        );
    }

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern("50%_a\\"), "%50\\%\\_a\\\\%");
    }

    #[test]
    fn snippet_escapes_before_marking() {
        let html = snippet("say <b>hi</b> & <script>x</script>", &t(&["<script>"]));
        assert_eq!(
            html,
            "say &lt;b&gt;hi&lt;/b&gt; &amp; <mark>&lt;script&gt;</mark>x&lt;/script&gt;"
        );
    }

    #[test]
    fn snippet_marks_every_match_case_insensitively_and_cuts_long_text() {
        let text = format!(
            "{} Rust and RUST\n\n and rust {}",
            "a".repeat(100),
            "b".repeat(300)
        );
        let html = snippet(&text, &t(&["rust"]));
        assert!(html.starts_with('…') && html.ends_with('…'), "{html}");
        assert_eq!(html.matches("<mark>").count(), 3, "{html}");
        assert!(
            html.contains("<mark>Rust</mark> and <mark>RUST</mark> and"),
            "{html}"
        );
    }

    #[test]
    fn snippet_handles_cjk_and_a_match_longer_than_the_window() {
        assert_eq!(
            snippet("你好世界！", &t(&["世界"])),
            "你好<mark>世界</mark>！"
        );
        let long = "x".repeat(500);
        let html = snippet(&long, &t(&[&long]));
        assert_eq!(html, format!("<mark>{long}</mark>"));
    }
}
