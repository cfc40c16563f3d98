//! Reading rows into domain types, and checking values before they are written.

use std::str::FromStr;

use rusqlite::types::Type;
use rusqlite::Row;

use crate::error::StoreError;
use crate::model::{Conversation, Image, Message, MessageError, Usage};

/// The conversation columns, in the order [`conversation_from_row`] reads them.
pub(crate) const CONVERSATION_COLUMNS: &str = "id, title, title_generated, created_at, \
     updated_at, pinned, archived, system_prompt, target, params, current_leaf";

/// Reads a row selected with [`CONVERSATION_COLUMNS`].
pub(crate) fn conversation_from_row(row: &Row<'_>) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        id: row.get::<_, String>(0)?.into(),
        title: row.get(1)?,
        title_generated: row.get(2)?,
        created_at: row.get(3)?,
        updated_at: row.get(4)?,
        pinned: row.get(5)?,
        archived: row.get(6)?,
        system_prompt: row.get(7)?,
        target: row.get(8)?,
        params: row.get(9)?,
        current_leaf: row.get::<_, Option<String>>(10)?.map(Into::into),
    })
}

/// The message columns (of `messages m`), in the order [`message_from_row`] reads them.
pub(crate) const MESSAGE_COLUMNS: &str = "m.id, m.conversation_id, m.parent_id, m.role, \
     m.created_at, m.content, m.reasoning, m.images, m.model, m.status, m.route, m.api, \
     m.prompt_tokens, m.completion_tokens, m.total_tokens, m.reasoning_tokens, m.cached_tokens, \
     m.ttft_ms, m.tokens_per_second, m.finish_reason, m.error_code, m.error_message";

/// How many columns [`MESSAGE_COLUMNS`] has.
pub(crate) const MESSAGE_COLUMN_COUNT: usize = 22;

/// Reads a row selected with [`MESSAGE_COLUMNS`] first.
pub(crate) fn message_from_row(row: &Row<'_>) -> rusqlite::Result<Message> {
    let images: String = row.get(7)?;
    let images: Vec<Image> = serde_json::from_str(&images)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, Type::Text, Box::new(e)))?;
    let usage = Usage {
        prompt_tokens: count(row, 12)?,
        completion_tokens: count(row, 13)?,
        total_tokens: count(row, 14)?,
        reasoning_tokens: count(row, 15)?,
        cached_tokens: count(row, 16)?,
    };
    let error = match (
        row.get::<_, Option<String>>(20)?,
        row.get::<_, Option<String>>(21)?,
    ) {
        (None, None) => None,
        (code, message) => Some(MessageError {
            code: code.unwrap_or_default(),
            message: message.unwrap_or_default(),
        }),
    };
    Ok(Message {
        id: row.get::<_, String>(0)?.into(),
        conversation_id: row.get::<_, String>(1)?.into(),
        parent_id: row.get::<_, Option<String>>(2)?.map(Into::into),
        role: parsed(row, 3)?,
        created_at: row.get(4)?,
        content: row.get(5)?,
        reasoning: row.get(6)?,
        images,
        model: row.get(8)?,
        status: parsed(row, 9)?,
        route: row.get(10)?,
        api: row
            .get::<_, Option<String>>(11)?
            .map(|s| parse_text(11, &s))
            .transpose()?,
        usage: (!usage.is_empty()).then_some(usage),
        time_to_first_token_ms: count(row, 17)?,
        tokens_per_second: row.get(18)?,
        finish_reason: row.get(19)?,
        error,
    })
}

/// A non-negative count column.
fn count(row: &Row<'_>, index: usize) -> rusqlite::Result<Option<u64>> {
    Ok(row
        .get::<_, Option<i64>>(index)?
        .map(|n| u64::try_from(n).unwrap_or(0)))
}

/// A text column holding one of our enums.
fn parsed<T: FromStr<Err = String>>(row: &Row<'_>, index: usize) -> rusqlite::Result<T> {
    parse_text(index, &row.get::<_, String>(index)?)
}

fn parse_text<T: FromStr<Err = String>>(index: usize, text: &str) -> rusqlite::Result<T> {
    text.parse()
        .map_err(|e: String| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, e.into()))
}

/// A count as SQLite stores it (saturating: no token count reaches 2^63).
pub(crate) fn sql_count(n: Option<u64>) -> Option<i64> {
    n.map(|n| i64::try_from(n).unwrap_or(i64::MAX))
}

/// Checks that the caller's opaque JSON is JSON (so an export can embed it as is).
pub(crate) fn check_json(field: &str, value: Option<&str>) -> Result<(), StoreError> {
    match value {
        Some(text) => serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map(|_| ())
            .map_err(|e| StoreError::InvalidInput(format!("{field}: not valid JSON ({e})."))),
        None => Ok(()),
    }
}

/// Checks attached images: an `image/...` type of plain characters and standard base64 data,
/// so neither can break out of the markdown or HTML an export writes them into.
pub(crate) fn check_images(images: &[Image]) -> Result<(), String> {
    for (n, image) in images.iter().enumerate() {
        let subtype_ok = image.mime.strip_prefix("image/").is_some_and(|subtype| {
            !subtype.is_empty()
                && subtype
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        });
        if !subtype_ok {
            return Err(format!(
                "image {}: {:?} is not an image type (expected e.g. image/png)",
                n + 1,
                image.mime
            ));
        }
        let data_ok = image
            .data_base64
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b));
        if !data_ok {
            return Err(format!("image {}: the data is not standard base64", n + 1));
        }
    }
    Ok(())
}

/// Generation speed as stored: finite and not negative, else unknown.
pub(crate) fn speed(value: Option<f64>) -> Option<f64> {
    value.filter(|v| v.is_finite() && *v >= 0.0)
}

/// The current time in unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn column_count_matches_the_list() {
        assert_eq!(MESSAGE_COLUMNS.split(',').count(), MESSAGE_COLUMN_COUNT);
    }

    #[test]
    fn images_that_could_break_out_are_refused() {
        let image = |mime: &str, data: &str| Image {
            mime: mime.into(),
            data_base64: data.into(),
        };
        assert!(check_images(&[image("image/png", "iVBORw0KGgo=")]).is_ok());
        assert!(check_images(&[image("image/svg+xml", "PHN2Zz4=")]).is_ok());
        assert!(check_images(&[image("text/html", "PGI+")]).is_err());
        assert!(check_images(&[image("image/png)", "AA==")]).is_err());
        assert!(check_images(&[image("image/png", "AA==\")<script>")]).is_err());
    }
}
