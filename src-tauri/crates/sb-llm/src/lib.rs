//! The OpenAI-compatible wire protocols, framing and errors. Knows nothing of accounts or storage:
//! callers hand in a base URL, a key and a shared `reqwest::Client`.
//!
//! Every protocol maps its wire events into one vocabulary, [`ChatEvent`], with a pure, stateful
//! mapper that does no I/O; [`client`] does the HTTP and drives the mapper.
#![deny(missing_docs)]

pub mod adapt;
pub mod chat_completions;
pub mod client;
pub mod error;
pub mod event;
pub mod mapper;
pub mod models;
pub mod params;
pub mod proxy;
pub mod responses;
pub mod retry;
pub mod sse;

#[cfg(test)]
mod robustness;

pub use client::{
    redirect_policy, stream_answer, stream_chat, stream_responses, AnswerRequest, Api, Endpoint,
    StreamConfig,
};
pub use error::{ErrorKind, LlmError};
pub use event::{ChatEvent, Usage};
pub use mapper::{MappedChunk, StreamMapper};
pub use params::Params;
pub use retry::RetryPolicy;
