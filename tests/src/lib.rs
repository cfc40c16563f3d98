//! `sb_sim`: a simulator of OpenAI-compatible LLM providers for Switchboard's tests.
//!
//! It answers `POST /v1/chat/completions`, `POST /v1/responses` and `GET /v1/models` on
//! 127.0.0.1 like the seed providers (Starrise, AI/ML API, StarMagic): bearer auth, the
//! `{"error":{"code","message"}}` error body, streamed (SSE) or plain JSON replies. Each
//! reply follows a [`Script`], which can also pace the stream, split it at arbitrary byte
//! boundaries, end it with an error, cut the connection or stall. Every request is recorded
//! with the [`Outcome`] of its response, so a test can check that a client closed a stream.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use std::time::Duration;
//! use sb_sim::{Outcome, Script, SimConfig, Simulator};
//!
//! let sim = Simulator::start(SimConfig::default()).await?;
//! sim.push(Script::reply("Hello! 👋").tokens_per_second(20.0));
//! // ... point the client at `sim.base_url()` with any non-empty API key ...
//! let requests = sim.wait_for_requests(1, Duration::from_secs(5)).await;
//! let outcome = requests[0].wait_outcome(Duration::from_secs(5)).await;
//! assert!(matches!(outcome, Outcome::Completed { .. }));
//! sim.shutdown().await;
//! # Ok(())
//! # }
//! ```
#![deny(missing_docs)]

mod body;
pub mod history;
pub mod page;
pub mod proxy;
mod script;
mod server;
mod wire;
pub mod world;

#[cfg(test)]
mod tests;

pub use body::Outcome;
pub use script::{error_body, tokenize, Ending, ReasoningField, Script, STALL_DURATION};
pub use server::{RecordedRequest, SimConfig, Simulator, DEFAULT_MODELS};
