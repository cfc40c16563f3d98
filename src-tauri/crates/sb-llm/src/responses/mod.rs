//! Responses API: <https://platform.openai.com/docs/api-reference/responses/create>.
//!
//! [`ResponsesRequest`] writes the request body; [`ResponsesStreamMapper`] maps the streamed
//! events and [`map_response`] a whole response object into [`ChatEvent`](crate::ChatEvent)s.
//! Wire types are lenient where servers differ: events dispatch on their JSON `type` with unknown
//! types ignored, items are keyed by `output_index` (proxies rotate `item_id`), `response.done`
//! counts as a terminal event, `[DONE]` is accepted, and both shapes of the `error` event are read.

mod request;
mod stream;
mod wire;

#[cfg(test)]
mod tests;

pub use request::{
    ContentPart, ImageDetail, Input, InputItem, InputMessage, InputRole, MessageContent,
    ReasoningConfig, ResponsesRequest, Stop, TextConfig, TextFormat, Truncation,
};
pub use stream::{map_response, ResponsesStreamMapper};
