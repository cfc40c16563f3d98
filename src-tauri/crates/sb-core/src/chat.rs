//! The chat service: one answer ("turn") from request to last token, rendered as it grows, and
//! cancellable at any point. Cancelling drops the HTTP stream, which closes the connection.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use sb_llm::chat_completions::{ChatOptions, Message, Role};
use sb_llm::{AnswerRequest, Api, ChatEvent, Endpoint, Params, StreamConfig, Usage};
use sb_secrets::Secret;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::account::{AccountId, Accounts};
use crate::error::CoreError;

/// Re-render the growing answer at most this often: fast enough to look live (under two frames
/// at 60 Hz would be wasted work), slow enough that a fast stream does not flood the UI.
pub const RENDER_INTERVAL: Duration = Duration::from_millis(33);

/// Where a turn is sent.
#[derive(Debug, Clone)]
pub enum Route {
    /// A stored account (its key comes from the keyring).
    Account(AccountId),
    /// A base URL and key given directly (`sb ask --base-url URL --api-key-env VAR`).
    Direct {
        /// The provider's base URL.
        base_url: String,
        /// The key for that base URL.
        api_key: Secret<String>,
    },
}

/// What the user asked for.
#[derive(Debug, Clone)]
pub struct TurnRequest {
    /// Where to send it.
    pub route: Route,
    /// Which wire protocol to speak.
    pub api: Api,
    /// The model ID at that account.
    pub model: String,
    /// The conversation so far, ending with the user's new message.
    pub messages: Vec<Message>,
    /// Generation parameters (checked before anything is sent).
    pub params: Params,
    /// Ask for a streamed answer; `false` asks for one JSON body (some servers cannot stream).
    pub stream: bool,
    /// Responses API: continue from this stored response; `messages` then holds only the new
    /// user message.
    pub previous_response_id: Option<String>,
}

/// What happened during a turn, in order. Exactly one of `Finished`, `Stopped` or `Failed`
/// comes last.
#[derive(Debug, Clone, PartialEq)]
pub enum TurnEvent {
    /// New answer text.
    TextDelta(String),
    /// New reasoning text.
    ReasoningDelta(String),
    /// Safe HTML of the whole answer so far.
    Rendered(String),
    /// A parameter was adapted or dropped for the target model; the user should know.
    Notice {
        /// The parameter concerned.
        param: &'static str,
        /// What happened.
        message: String,
    },
    /// The provider's id for this answer (Responses API), to continue from it next turn.
    ResponseId(String),
    /// A piece of a tool call the model wants made (see `ChatEvent::ToolCallDelta`).
    ToolCallDelta {
        /// Which call (0, 1, ... for parallel calls).
        index: u32,
        /// The call id, when this piece carries it.
        id: Option<String>,
        /// The function name, when this piece carries it (replaces an earlier value).
        name: Option<String>,
        /// A piece of the JSON arguments.
        arguments: String,
    },
    /// Token usage (the latest report replaces earlier ones).
    Usage(Usage),
    /// The provider finished the answer, with its finish reason.
    Finished(String),
    /// The turn was cancelled; the HTTP request is closed.
    Stopped,
    /// The turn failed; text received before stays valid.
    Failed {
        /// Stable error code (see [`CoreError::code`]).
        code: &'static str,
        /// Readable message.
        message: String,
    },
}

/// The assembled result of a turn, for callers that want it whole (CLI, tests, persistence).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TurnOutcome {
    /// Answer text.
    pub text: String,
    /// Reasoning text.
    pub reasoning: String,
    /// Last usage reported.
    pub usage: Option<Usage>,
    /// The provider's id for the answer (Responses API), to continue from it.
    pub response_id: Option<String>,
    /// The final event (`Finished`, `Stopped` or `Failed`).
    pub end: Option<TurnEvent>,
}

/// Sends chat requests for accounts.
#[derive(Debug, Clone)]
pub struct ChatService {
    accounts: Arc<Accounts>,
    http: reqwest::Client,
    config: StreamConfig,
}

impl ChatService {
    /// A service over `accounts` with one shared HTTP client.
    pub fn new(accounts: Arc<Accounts>) -> Result<Self, CoreError> {
        let http = reqwest::Client::builder()
            .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(15))
            .redirect(sb_llm::redirect_policy())
            .build()
            .map_err(|e| CoreError::Storage(format!("Cannot start the HTTP client: {e}")))?;
        Ok(Self {
            accounts,
            http,
            config: StreamConfig::default(),
        })
    }

    /// The same service with other stream timing (tests shorten the idle timeout).
    pub fn with_config(mut self, config: StreamConfig) -> Self {
        self.config = config;
        self
    }

    /// Runs one turn, reporting every [`TurnEvent`] to `sink` as it happens, until the answer
    /// finishes, fails, or `cancel` fires.
    pub async fn run_turn(
        &self,
        request: TurnRequest,
        cancel: CancellationToken,
        sink: &mut (dyn FnMut(TurnEvent) + Send),
    ) -> TurnOutcome {
        let mut turn = Turn::new(sink);
        match self.prepare(&request).await {
            Ok((base_url, key)) => {
                let endpoint = Endpoint {
                    base_url: &base_url,
                    api_key: &key,
                };
                let model = request.model.trim();
                let adapted = sb_llm::adapt::adapt(
                    sb_llm::adapt::provider_for(&base_url),
                    model,
                    &request.params,
                );
                for notice in adapted.notices {
                    (turn.sink)(TurnEvent::Notice {
                        param: notice.param,
                        message: notice.message,
                    });
                }
                let answer = AnswerRequest {
                    model,
                    messages: &request.messages,
                    params: &adapted.params,
                    chat: ChatOptions {
                        token_field: adapted.token_field.unwrap_or_default(),
                        ..ChatOptions::default()
                    },
                    stream: request.stream,
                    previous_response_id: request.previous_response_id.as_deref(),
                };
                let stream =
                    sb_llm::stream_answer(&self.http, endpoint, request.api, answer, self.config);
                turn.drive(stream, cancel).await;
            }
            Err(error) => turn.end(TurnEvent::Failed {
                code: error.code(),
                message: error.to_string(),
            }),
        }
        turn.outcome
    }

    /// Tests an account's connection: lists its models with its key and judges the answer.
    pub async fn test_account(
        &self,
        id: &AccountId,
    ) -> Result<crate::catalog::ConnectionReport, CoreError> {
        let account = self.accounts.get(id)?;
        let key = self.account_key(&account).await?;
        Ok(crate::catalog::test_connection(&self.http, &account, &key).await)
    }

    /// The key of an account, read from the keyring off the async workers (a blocking D-Bus call).
    async fn account_key(
        &self,
        account: &crate::account::Account,
    ) -> Result<Secret<String>, CoreError> {
        let accounts = self.accounts.clone();
        let lookup = account.clone();
        tokio::task::spawn_blocking(move || accounts.key(&lookup))
            .await
            .map_err(|e| CoreError::Storage(format!("The keyring lookup was interrupted: {e}")))?
    }

    /// Checks the request and finds where it goes and with which key.
    async fn prepare(&self, request: &TurnRequest) -> Result<(String, Secret<String>), CoreError> {
        if request.model.trim().is_empty() {
            return Err(CoreError::InvalidInput(
                "Model: choose the model to ask.".into(),
            ));
        }
        match request.messages.last() {
            Some(last) if last.role == Role::User && !last.content.trim().is_empty() => {}
            _ => {
                return Err(CoreError::InvalidInput(
                    "Message: type something to send.".into(),
                ))
            }
        }
        request.params.validate_for(request.api)?;
        if request.previous_response_id.is_some() && request.api != Api::Responses {
            return Err(CoreError::InvalidInput(
                "Continuing from a stored response works only with the Responses API.".into(),
            ));
        }
        match &request.route {
            Route::Direct { base_url, api_key } => Ok((base_url.clone(), api_key.clone())),
            Route::Account(id) => {
                let account = self.accounts.get(id)?;
                let key = self.account_key(&account).await?;
                Ok((account.base_url, key))
            }
        }
    }
}

/// One turn in progress: assembles text and decides when to render.
struct Turn<'a> {
    sink: &'a mut (dyn FnMut(TurnEvent) + Send),
    outcome: TurnOutcome,
    finish_reason: Option<String>,
    rendered_len: usize,
    render_due: Option<Instant>,
}

impl<'a> Turn<'a> {
    fn new(sink: &'a mut (dyn FnMut(TurnEvent) + Send)) -> Self {
        Self {
            sink,
            outcome: TurnOutcome::default(),
            finish_reason: None,
            rendered_len: 0,
            render_due: None,
        }
    }

    async fn drive(
        &mut self,
        stream: impl futures::Stream<Item = Result<ChatEvent, sb_llm::LlmError>>,
        cancel: CancellationToken,
    ) {
        let mut stream = std::pin::pin!(stream);
        loop {
            let render_at = self.render_due;
            tokio::select! {
                biased;
                () = cancel.cancelled() => {
                    // Leaving the loop drops the stream, which closes the HTTP connection.
                    self.end(TurnEvent::Stopped);
                    return;
                }
                () = sleep_until(render_at), if render_at.is_some() => self.render(),
                item = stream.next() => match item {
                    Some(Ok(event)) => self.apply(event),
                    Some(Err(error)) => {
                        let error = CoreError::from(error);
                        self.end(TurnEvent::Failed { code: error.code(), message: error.to_string() });
                        return;
                    }
                    None => {
                        let reason = self.finish_reason.take().unwrap_or_else(|| "stop".into());
                        self.end(TurnEvent::Finished(reason));
                        return;
                    }
                },
            }
        }
    }

    fn apply(&mut self, event: ChatEvent) {
        match event {
            // This slice shows one choice; `n > 1` arrives with the full protocol work.
            ChatEvent::TextDelta { choice: 0, text }
            | ChatEvent::RefusalDelta { choice: 0, text } => {
                self.outcome.text.push_str(&text);
                (self.sink)(TurnEvent::TextDelta(text));
                let now = Instant::now();
                self.render_due.get_or_insert(now + RENDER_INTERVAL);
            }
            ChatEvent::ReasoningDelta { choice: 0, text } => {
                self.outcome.reasoning.push_str(&text);
                (self.sink)(TurnEvent::ReasoningDelta(text));
            }
            ChatEvent::Usage(usage) => {
                self.outcome.usage = Some(usage.clone());
                (self.sink)(TurnEvent::Usage(usage));
            }
            ChatEvent::ToolCallDelta {
                choice: 0,
                index,
                id,
                name,
                arguments,
            } => (self.sink)(TurnEvent::ToolCallDelta {
                index,
                id,
                name,
                arguments,
            }),
            ChatEvent::ResponseId(id) => {
                self.outcome.response_id = Some(id.clone());
                (self.sink)(TurnEvent::ResponseId(id));
            }
            ChatEvent::Finished { choice: 0, reason } => self.finish_reason = Some(reason),
            // Only the first choice is shown; `n > 1` answers are assembled by the mappers.
            _ => {}
        }
    }

    fn render(&mut self) {
        self.render_due = None;
        if self.rendered_len != self.outcome.text.len() {
            self.rendered_len = self.outcome.text.len();
            (self.sink)(TurnEvent::Rendered(sb_markdown::render(&self.outcome.text)));
        }
    }

    /// Renders what is pending, then reports the final event.
    fn end(&mut self, last: TurnEvent) {
        self.render();
        (self.sink)(last.clone());
        self.outcome.end = Some(last);
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(deadline) = deadline {
        tokio::time::sleep_until(deadline).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::stream;

    fn run(events: Vec<Result<ChatEvent, sb_llm::LlmError>>) -> Vec<TurnEvent> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let mut seen = Vec::new();
        let mut sink = |e: TurnEvent| seen.push(e);
        runtime.block_on(async {
            let mut turn = Turn::new(&mut sink);
            turn.drive(stream::iter(events), CancellationToken::new())
                .await;
        });
        seen
    }

    fn text(t: &str) -> Result<ChatEvent, sb_llm::LlmError> {
        Ok(ChatEvent::TextDelta {
            choice: 0,
            text: t.into(),
        })
    }

    #[test]
    fn final_render_comes_before_finished() {
        let seen = run(vec![
            text("**Hi"),
            text("**"),
            Ok(ChatEvent::Finished {
                choice: 0,
                reason: "length".into(),
            }),
        ]);
        let n = seen.len();
        assert_eq!(
            seen[n - 2],
            TurnEvent::Rendered("<p><strong>Hi</strong></p>\n".into())
        );
        assert_eq!(
            seen[n - 1],
            TurnEvent::Finished("length".into()),
            "the provider's reason is kept"
        );
    }

    #[test]
    fn failure_keeps_the_partial_text_rendered() {
        let seen = run(vec![
            text("partial"),
            Err(sb_llm::LlmError::new(sb_llm::ErrorKind::Server, "boom")),
        ]);
        assert!(seen.contains(&TurnEvent::Rendered("<p>partial</p>\n".into())));
        assert!(matches!(
            seen.last(),
            Some(TurnEvent::Failed { code: "server", .. })
        ));
    }

    #[test]
    fn cancel_ends_with_stopped_and_drops_the_stream() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let dropped = Arc::new(std::sync::atomic::AtomicBool::new(false));
        struct Flag(Arc<std::sync::atomic::AtomicBool>);
        impl Drop for Flag {
            fn drop(&mut self) {
                self.0.store(true, std::sync::atomic::Ordering::SeqCst);
            }
        }
        let flag = Flag(dropped.clone());
        let endless = stream::once(async { text("a") })
            .chain(stream::pending())
            .map(move |e| {
                let _keep = &flag;
                e
            });
        let mut seen = Vec::new();
        let mut sink = |e: TurnEvent| seen.push(e);
        let cancel = CancellationToken::new();
        runtime.block_on(async {
            let mut turn = Turn::new(&mut sink);
            let trigger = cancel.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(50)).await;
                trigger.cancel();
            });
            turn.drive(endless, cancel).await;
        });
        assert_eq!(seen.last(), Some(&TurnEvent::Stopped));
        assert!(
            seen.contains(&TurnEvent::Rendered("<p>a</p>\n".into())),
            "text before Stop is kept"
        );
        assert!(
            dropped.load(std::sync::atomic::Ordering::SeqCst),
            "Stop drops the HTTP stream"
        );
    }
}
