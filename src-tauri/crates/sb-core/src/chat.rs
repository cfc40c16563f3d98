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
use crate::catalog::DiscoveredModels;
use crate::error::CoreError;
use crate::pacing::FramePacer;
use crate::router::{Route as RouterRoute, RouteRecord, Router, Strategy};

/// Re-render the growing answer (and send the text that came with it) at most this often when
/// the window reports no frames (see [`FramePacer`]; a window that does gets one render just
/// ahead of each frame instead). Text that arrives after a quiet interval leaves at once; text
/// that arrives sooner waits at most one frame at 60 Hz, so a fast stream costs the window one
/// update per frame, not one per token. Half the interval sent twice as many messages, and the
/// page, busy reading them, showed text later (BENCHMARKS.md, streaming).
pub const RENDER_INTERVAL: Duration = Duration::from_millis(16);

/// Which of an answer's texts a [`Rendered`] update is of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenderedPart {
    /// The answer itself.
    Answer,
    /// The model's reasoning, shown in its own section.
    Reasoning,
}

/// Safe HTML of a growing text, incrementally (see [`sb_markdown::StreamRenderer`]): append
/// `committed` after the blocks committed before, then replace the previous tail with `tail`.
/// The blocks committed over a turn followed by its last tail equal a one-shot
/// [`sb_markdown::render`] of the whole text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// Which text.
    pub part: RenderedPart,
    /// Finished blocks, final.
    pub committed: Vec<String>,
    /// Everything after the committed blocks; replaces the previous tail.
    pub tail: String,
}

/// A text's HTML as the updates built it, for callers that want it whole (tests, a CLI).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenderedPage {
    committed: String,
    tail: String,
}

impl RenderedPage {
    /// Applies the next update.
    pub fn apply(&mut self, update: &Rendered) {
        for block in &update.committed {
            self.committed.push_str(block);
        }
        self.tail.clone_from(&update.tail);
    }

    /// The whole HTML so far.
    pub fn html(&self) -> String {
        format!("{}{}", self.committed, self.tail)
    }
}

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
    /// Safe HTML of the answer or the reasoning, incrementally: at most every
    /// [`RENDER_INTERVAL`] while text arrives, and once more (the final tail) before the final
    /// event.
    Rendered(Rendered),
    /// A parameter was adapted or dropped for the target model; the user should know.
    Notice {
        /// The parameter concerned.
        param: &'static str,
        /// What happened.
        message: String,
    },
    /// The provider's id for this answer (Responses API), to continue from it next turn.
    ResponseId(String),
    /// Which route served a routed turn and why earlier routes did not (sent before the final
    /// event).
    Route(crate::router::RouteRecord),
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

/// A turn for a logical model: any account that serves it may answer.
#[derive(Debug, Clone)]
pub struct RoutedRequest {
    /// The logical model key (e.g. `gpt-5.1-codex-mini`), or an account's own model ID.
    pub model: String,
    /// How to choose among the routes.
    pub strategy: Strategy,
    /// The conversation so far, ending with the user's new message.
    pub messages: Vec<Message>,
    /// Generation parameters.
    pub params: Params,
    /// Ask for a streamed answer.
    pub stream: bool,
}

/// Sends chat requests for accounts.
#[derive(Debug, Clone)]
pub struct ChatService {
    accounts: Arc<Accounts>,
    /// The client for accounts without a proxy of their own or a default one (system proxy
    /// settings apply).
    http: reqwest::Client,
    /// The default proxy, for accounts without their own.
    settings: Arc<crate::settings::Settings>,
    /// Clients for accounts with their own proxy.
    proxied: Arc<ProxiedClients>,
    config: StreamConfig,
    router: Arc<Router>,
    /// Where the protocol choices the router learned are kept between runs, if anywhere.
    protocols_file: Option<std::path::PathBuf>,
    /// The model lists providers gave at connection tests.
    discovered: Arc<DiscoveredModels>,
    /// Per-account concurrency limits.
    slots: Arc<Slots>,
    /// The window's frames, which renders aim at.
    frames: Arc<FramePacer>,
}

/// How an account is doing, as the model picker shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountHealth {
    /// Ready to serve.
    Ok,
    /// Rate-limited or out of credit: skipped until the cooldown ends.
    CoolingDown {
        /// How long it still cools down.
        remaining: Duration,
        /// Why.
        cause: crate::router::CooldownCause,
    },
    /// The provider rejected its key: skipped until the user fixes it.
    NeedsAttention {
        /// The provider's message.
        message: String,
    },
    /// The user disabled it.
    Disabled,
    /// It needs a key and has no usable one.
    NoKey {
        /// What is wrong.
        message: String,
    },
}

/// One HTTP client per proxy configuration (a client's proxy is fixed when it is built).
#[derive(Debug, Default)]
struct ProxiedClients {
    clients: std::sync::Mutex<Vec<ProxiedClient>>,
}

/// A client and the proxy URL and password it was built for.
#[derive(Debug)]
struct ProxiedClient {
    proxy: String,
    password: Option<Secret<String>>,
    client: reqwest::Client,
}

/// Per-account semaphores for the concurrency limit; rebuilt when the limit changes (answers
/// holding a permit of the old one finish normally).
#[derive(Debug, Default)]
struct Slots {
    limits:
        std::sync::Mutex<std::collections::HashMap<AccountId, (u32, Arc<tokio::sync::Semaphore>)>>,
}

impl Slots {
    fn for_account(
        &self,
        account: &crate::account::Account,
    ) -> Option<(u32, Arc<tokio::sync::Semaphore>)> {
        let limit = account.max_concurrent.filter(|n| *n > 0)?;
        let mut limits = self
            .limits
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let slot = limits
            .entry(account.id.clone())
            .or_insert_with(|| (limit, Arc::new(tokio::sync::Semaphore::new(limit as usize))));
        if slot.0 != limit {
            *slot = (limit, Arc::new(tokio::sync::Semaphore::new(limit as usize)));
        }
        Some(slot.clone())
    }
}

/// A client with Switchboard's settings and the given proxy rules.
fn http_client(proxy: sb_llm::proxy::ProxySettings) -> Result<reqwest::Client, CoreError> {
    let builder = reqwest::Client::builder()
        .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(15))
        .redirect(sb_llm::redirect_policy());
    sb_llm::proxy::apply(builder, proxy, sb_llm::proxy::NoProxy::from_env())
        .build()
        .map_err(|e| CoreError::Storage(format!("Cannot start the HTTP client: {e}")))
}

/// The proxies of the standard environment variables; a variable that names no usable proxy
/// is an error that says which, rather than a silent direct connection.
fn system_proxy() -> Result<sb_llm::proxy::ProxySettings, CoreError> {
    sb_llm::proxy::ProxySettings::system()
        .map_err(|e| CoreError::InvalidInput(format!("The system proxy settings: {e}")))
}

/// The protocol choices the router learned (`protocols.json` in the data directory). Derived
/// data: a damaged file is ignored and rewritten, never a reason to refuse to start.
#[derive(serde::Serialize, serde::Deserialize)]
struct ProtocolsFile {
    version: u32,
    protocols: Vec<RouterRoute>,
}

impl ChatService {
    /// A service over `accounts` with one shared HTTP client.
    pub fn new(accounts: Arc<Accounts>) -> Result<Self, CoreError> {
        Ok(Self {
            accounts,
            http: http_client(system_proxy()?)?,
            settings: Arc::default(),
            proxied: Arc::default(),
            config: StreamConfig::default(),
            router: Arc::new(Router::new()),
            protocols_file: None,
            discovered: Arc::new(DiscoveredModels::in_memory()),
            slots: Arc::default(),
            frames: Arc::default(),
        })
    }

    /// The window's frames: the app reports them here ([`FramePacer::shown`]) and every
    /// streaming answer sends its renders just ahead of the next one.
    pub fn frames(&self) -> &FramePacer {
        &self.frames
    }

    /// Takes the default proxy from `settings` (read at every request, so a change applies to
    /// the next one).
    pub fn with_settings(mut self, settings: Arc<crate::settings::Settings>) -> Self {
        self.settings = settings;
        self
    }

    /// Keeps the model lists of connection tests in `path`, loading what is there now.
    pub fn with_discovered_file(mut self, path: std::path::PathBuf) -> Self {
        self.discovered = Arc::new(DiscoveredModels::open(path));
        self
    }

    /// The HTTP client for `account`: its own proxy's, else the default proxy's, else the
    /// shared one.
    async fn http_for(
        &self,
        account: &crate::account::Account,
    ) -> Result<reqwest::Client, CoreError> {
        let (proxy, password, whose) = match account.proxy.clone() {
            Some(proxy) => {
                let accounts = self.accounts.clone();
                let lookup = account.clone();
                let password =
                    tokio::task::spawn_blocking(move || accounts.proxy_password(&lookup))
                        .await
                        .map_err(|e| {
                            CoreError::Storage(format!("The keyring lookup was interrupted: {e}"))
                        })??;
                (proxy, password, format!("Proxy of \"{}\"", account.label))
            }
            None => match self.settings.get().default_proxy {
                Some(proxy) => (proxy, None, "Default proxy".to_owned()),
                None => return Ok(self.http.clone()),
            },
        };
        let mut clients = self
            .proxied
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(built) = clients
            .iter()
            .find(|c| c.proxy == proxy && c.password == password)
        {
            return Ok(built.client.clone());
        }
        let config = sb_llm::proxy::ProxyConfig::parse(&proxy, password.clone())
            .map_err(|e| CoreError::InvalidInput(format!("{whose}: {e}")))?;
        let client = http_client(sb_llm::proxy::ProxySettings::Explicit(config))?;
        // A handful of proxies at most; forget old ones rather than grow without bound.
        if clients.len() >= 32 {
            clients.clear();
        }
        clients.push(ProxiedClient {
            proxy,
            password,
            client: client.clone(),
        });
        Ok(client)
    }

    /// An account's catalog: its preset's models, those added by hand, and the last list its
    /// provider gave.
    pub fn catalog(&self, account: &crate::account::Account) -> Vec<crate::catalog::CatalogEntry> {
        crate::catalog::merge(account, &self.discovered.get(&account.id))
    }

    /// Every model the enabled accounts serve, grouped by logical model, routes in account
    /// (priority) order.
    pub fn model_groups(&self) -> Vec<crate::catalog::ModelGroup> {
        let catalogs: Vec<_> = self
            .accounts
            .all()
            .into_iter()
            .filter(|a| a.enabled)
            .map(|a| {
                let entries = self.catalog(&a);
                (a.id, entries)
            })
            .collect();
        crate::catalog::group(&catalogs)
    }

    /// How an account is doing now (`summary` from [`Accounts::list`], which knows its key).
    pub fn health(&self, summary: &crate::account::AccountSummary) -> AccountHealth {
        let account = &summary.account;
        if !account.enabled {
            return AccountHealth::Disabled;
        }
        if let Some(problem) = &summary.key_problem {
            return AccountHealth::NoKey {
                message: problem.clone(),
            };
        }
        if !summary.has_key && account.key_required() {
            return AccountHealth::NoKey {
                message: "No API key is stored; add it in the account's settings.".into(),
            };
        }
        match self
            .router
            .skip_reason(&account.id, std::time::Instant::now())
        {
            Some(crate::router::SkipReason::CoolingDown { remaining, cause }) => {
                AccountHealth::CoolingDown { remaining, cause }
            }
            Some(crate::router::SkipReason::NeedsAttention { message }) => {
                AccountHealth::NeedsAttention { message }
            }
            None => AccountHealth::Ok,
        }
    }

    /// Forgets what is kept about a removed account (its model list, its health).
    pub fn forget_account(&self, id: &AccountId) {
        self.discovered.set(id, None);
        self.router.clear_attention(id);
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
        turn.pacer = Some(self.frames.clone());
        match self.prepare(&request).await {
            Ok(target) => {
                let Some(_permit) = turn.wait_for_slot(&target, &cancel).await else {
                    turn.end(TurnEvent::Stopped);
                    return turn.outcome;
                };
                let ask = Ask {
                    api: request.api,
                    model: request.model.trim(),
                    messages: &request.messages,
                    params: &request.params,
                    stream: request.stream,
                    previous_response_id: request.previous_response_id.as_deref(),
                };
                let ending = self
                    .stream_to(&mut turn, &target, ask, self.config, &cancel)
                    .await;
                if let Route::Account(id) = &request.route {
                    // A pinned route: the record names it, so every answer says who served it.
                    turn.emit(TurnEvent::Route(RouteRecord {
                        served_by: Some(RouterRoute::new(
                            id.clone(),
                            request.model.trim(),
                            request.api,
                        )),
                        attempts: Vec::new(),
                    }));
                }
                turn.finish(ending);
            }
            Err(error) => turn.end(TurnEvent::Failed {
                code: error.code(),
                message: error.to_string(),
            }),
        }
        turn.outcome
    }

    /// Keeps the router's learned protocol choices in `path`, loading what is there now.
    pub fn with_protocols_file(mut self, path: std::path::PathBuf) -> Self {
        let saved = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<ProtocolsFile>(&bytes).ok());
        if let Some(saved) = saved {
            self.router.restore_protocols(saved.protocols);
        }
        self.protocols_file = Some(path);
        self
    }

    /// Writes the learned protocol choices when they changed; a failure only costs relearning.
    fn save_protocols(&self, before: &[RouterRoute]) {
        let Some(path) = &self.protocols_file else {
            return;
        };
        let protocols = self.router.remembered_protocols();
        if protocols == before {
            return;
        }
        let file = ProtocolsFile {
            version: 1,
            protocols,
        };
        if let Ok(bytes) = serde_json::to_vec_pretty(&file) {
            // Derived data: a failed write is retried with the next change.
            let _ = crate::data_dir::write_atomically(path, &bytes);
        }
    }

    /// The router (account health, remembered protocols).
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// Every way the accounts can serve `model`: each enabled account whose catalog has it, as a
    /// logical model or as a model ID, with that provider's own ID and protocol.
    pub fn routes_for(&self, model: &str) -> Vec<RouterRoute> {
        let mut routes: Vec<RouterRoute> = Vec::new();
        for account in self.accounts.all().into_iter().filter(|a| a.enabled) {
            let known = self
                .catalog(&account)
                .into_iter()
                .find(|entry| crate::catalog::serves(entry, model));
            let Some(entry) = known else {
                continue;
            };
            let route = RouterRoute::new(account.id.clone(), entry.id, entry.api);
            if !routes.contains(&route) {
                routes.push(route);
            }
        }
        routes
    }

    /// Runs a turn for a logical model: tries the routes the router plans, failing over before
    /// the first token (429, 5xx, network, stall, rejected key), switching protocol once when a
    /// provider says the model needs the other one, and never after the answer started. The
    /// final event is preceded by `TurnEvent::Route` saying who answered and why others did not.
    pub async fn run_routed(
        &self,
        request: RoutedRequest,
        cancel: CancellationToken,
        sink: &mut (dyn FnMut(TurnEvent) + Send),
    ) -> TurnOutcome {
        let before = self.router.remembered_protocols();
        let outcome = self.route_turn(request, cancel, sink).await;
        self.save_protocols(&before);
        outcome
    }

    async fn route_turn(
        &self,
        request: RoutedRequest,
        cancel: CancellationToken,
        sink: &mut (dyn FnMut(TurnEvent) + Send),
    ) -> TurnOutcome {
        let mut turn = Turn::new(sink);
        turn.pacer = Some(self.frames.clone());
        let routes = self.routes_for(request.model.trim());
        if routes.is_empty() {
            turn.end(TurnEvent::Failed {
                code: "not_found",
                message: format!(
                    "No account serves {:?}: add an account whose provider offers it, or pick \
                     another model.",
                    request.model
                ),
            });
            return turn.outcome;
        }
        let plan = self
            .router
            .plan(&routes, request.strategy, std::time::Instant::now());
        let mut record = RouteRecord::new(&plan);
        // With another route to go to, waiting out a Retry-After is slower than failing over.
        let config = if plan.order.len() > 1 {
            StreamConfig {
                retry: sb_llm::RetryPolicy::never(),
                ..self.config
            }
        } else {
            self.config
        };
        let mut last_failure: Option<sb_llm::LlmError> = None;
        let planned_routes = plan.order.len();
        'routes: for (index, planned) in plan.order.into_iter().enumerate() {
            let mut route = planned;
            let last = index + 1 == planned_routes;
            loop {
                turn.begin_attempt();
                let ending = match self
                    .attempt(&mut turn, &route, &request, config, &cancel, last)
                    .await
                {
                    Ok(Attempted::Ended(ending)) => ending,
                    Ok(Attempted::Busy { limit }) => {
                        record.busy(&route, limit);
                        turn.discard_attempt();
                        continue 'routes;
                    }
                    Err(error @ CoreError::InvalidInput(_)) => {
                        // A request error would fail at any route.
                        turn.release();
                        turn.emit(TurnEvent::Route(record));
                        turn.end(TurnEvent::Failed {
                            code: error.code(),
                            message: error.to_string(),
                        });
                        return turn.outcome;
                    }
                    Err(error) => {
                        // The account or its key is unusable here: try the next route.
                        record.failed(
                            &route,
                            &crate::router::Decision::Failover {
                                reason: crate::router::FailoverReason::NeedsAttention {
                                    status: None,
                                    message: error.to_string(),
                                },
                            },
                        );
                        turn.discard_attempt();
                        continue 'routes;
                    }
                };
                match ending {
                    Ending::Failed(error) => {
                        let now = std::time::Instant::now();
                        let decision = self.router.on_failure(&route, &error, turn.token_seen, now);
                        record.failed(&route, &decision);
                        match decision {
                            crate::router::Decision::SwitchProtocol { to } => {
                                turn.discard_attempt();
                                route = route.with_api(to);
                            }
                            crate::router::Decision::Failover { .. } => {
                                turn.discard_attempt();
                                last_failure = Some(error);
                                continue 'routes;
                            }
                            crate::router::Decision::Stop { .. } => {
                                turn.release();
                                turn.emit(TurnEvent::Route(record));
                                turn.finish(Ending::Failed(error));
                                return turn.outcome;
                            }
                        }
                    }
                    ending => {
                        if matches!(ending, Ending::Finished(_)) {
                            self.router.on_success(&route, std::time::Instant::now());
                            record.served(&route);
                        }
                        turn.release();
                        turn.emit(TurnEvent::Route(record));
                        turn.finish(ending);
                        return turn.outcome;
                    }
                }
            }
        }
        turn.release();
        turn.emit(TurnEvent::Route(record));
        match last_failure {
            Some(error) => turn.finish(Ending::Failed(error)),
            None => turn.end(TurnEvent::Failed {
                code: "rate_limit",
                message: format!(
                    "No account can serve {:?} right now: every route is cooling down or needs \
                     attention.",
                    request.model
                ),
            }),
        }
        turn.outcome
    }

    /// One attempt on one route; events flow into `turn` (held until the first token).
    async fn attempt(
        &self,
        turn: &mut Turn<'_>,
        route: &RouterRoute,
        request: &RoutedRequest,
        config: StreamConfig,
        cancel: &CancellationToken,
        last: bool,
    ) -> Result<Attempted, CoreError> {
        request.params.validate_for(route.api)?;
        let target = self.target(&route.account_id).await?;
        let _permit = match &target.slot {
            None => None,
            Some((limit, slot)) => match slot.clone().try_acquire_owned() {
                Ok(permit) => Some(permit),
                Err(_) if !last => return Ok(Attempted::Busy { limit: *limit }),
                Err(_) => match turn.wait_for_slot(&target, cancel).await {
                    Some(permit) => permit,
                    None => return Ok(Attempted::Ended(Ending::Stopped)),
                },
            },
        };
        let ask = Ask {
            api: route.api,
            model: &route.model_id,
            messages: &request.messages,
            params: &request.params,
            stream: request.stream,
            previous_response_id: None,
        };
        Ok(Attempted::Ended(
            self.stream_to(turn, &target, ask, config, cancel).await,
        ))
    }

    /// Asks `target` for an answer: adapts the parameters to the model (telling the user what
    /// changed), writes the request the way the account's provider wants it, and streams the
    /// answer into `turn`.
    async fn stream_to(
        &self,
        turn: &mut Turn<'_>,
        target: &Target,
        ask: Ask<'_>,
        config: StreamConfig,
        cancel: &CancellationToken,
    ) -> Ending {
        let adapted = sb_llm::adapt::adapt(
            sb_llm::adapt::provider_for(&target.base_url),
            ask.model,
            ask.params,
        );
        for notice in adapted.notices {
            turn.emit(TurnEvent::Notice {
                param: notice.param,
                message: notice.message,
            });
        }
        let answer = AnswerRequest {
            model: ask.model,
            messages: ask.messages,
            params: &adapted.params,
            chat: ChatOptions {
                token_field: adapted.token_field.unwrap_or(target.chat.token_field),
                ..target.chat
            },
            stream: ask.stream,
            previous_response_id: ask.previous_response_id,
        };
        let endpoint = Endpoint {
            base_url: &target.base_url,
            api_key: &target.key,
            headers: &target.headers,
        };
        let stream = sb_llm::stream_answer(&target.http, endpoint, ask.api, answer, config);
        turn.drive(stream, cancel).await
    }

    /// Tests an account's connection: lists its models with its key and judges the answer.
    pub async fn test_account(
        &self,
        id: &AccountId,
    ) -> Result<crate::catalog::ConnectionReport, CoreError> {
        let account = self.accounts.get(id)?;
        let key = self.account_key(&account).await?;
        let http = self.http_for(&account).await?;
        let report = crate::catalog::test_connection(&http, &account, &key).await;
        if let Some(models) = &report.discovered {
            self.discovered.set(&account.id, Some(models.clone()));
        }
        if report.verdict == crate::catalog::Verdict::Ok {
            // The key works again: plan the account again.
            self.router.clear_attention(&account.id);
        }
        Ok(report)
    }

    /// The key of an account: from the keyring cache's memory at once when it is there, else
    /// read from the keyring off the async workers (a blocking D-Bus call). A thread of the
    /// blocking pool can take milliseconds to start, on every question's way to the provider.
    async fn account_key(
        &self,
        account: &crate::account::Account,
    ) -> Result<Secret<String>, CoreError> {
        if let Some(key) = self.accounts.remembered_key(account) {
            return key;
        }
        let accounts = self.accounts.clone();
        let lookup = account.clone();
        tokio::task::spawn_blocking(move || accounts.key(&lookup))
            .await
            .map_err(|e| CoreError::Storage(format!("The keyring lookup was interrupted: {e}")))?
    }

    /// Checks the request and finds where it goes and with which key.
    async fn prepare(&self, request: &TurnRequest) -> Result<Target, CoreError> {
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
            Route::Direct { base_url, api_key } => Ok(Target {
                base_url: base_url.clone(),
                key: api_key.clone(),
                headers: Vec::new(),
                chat: ChatOptions::default(),
                http: self.http.clone(),
                label: base_url.clone(),
                slot: None,
            }),
            Route::Account(id) => self.target(id).await,
        }
    }

    /// Where an account's requests go: its base URL, key, headers and the preset's request
    /// options. A disabled account serves nothing.
    async fn target(&self, id: &AccountId) -> Result<Target, CoreError> {
        let account = self.accounts.get(id)?;
        if !account.enabled {
            return Err(CoreError::InvalidInput(format!(
                "The account \"{}\" is disabled; enable it in its settings to use it.",
                account.label
            )));
        }
        let key = self.account_key(&account).await?;
        let chat = crate::preset::preset(&account.preset)
            .map(|p| p.chat_options())
            .unwrap_or_default();
        Ok(Target {
            http: self.http_for(&account).await?,
            slot: self.slots.for_account(&account),
            base_url: account.base_url,
            key,
            headers: account.headers,
            chat,
            label: account.label,
        })
    }
}

/// What one request asks of a target.
struct Ask<'a> {
    api: Api,
    model: &'a str,
    messages: &'a [Message],
    params: &'a Params,
    stream: bool,
    previous_response_id: Option<&'a str>,
}

/// Where one request goes and how it is written.
struct Target {
    base_url: String,
    key: Secret<String>,
    headers: Vec<(String, String)>,
    chat: ChatOptions,
    /// The client to send with (the account's proxy).
    http: reqwest::Client,
    /// The account's label, for messages.
    label: String,
    /// The account's concurrency limit and its semaphore, if it has one.
    slot: Option<(u32, Arc<tokio::sync::Semaphore>)>,
}

/// What became of one routed attempt.
enum Attempted {
    /// The account already streams as many answers as its limit allows; try the next route.
    Busy { limit: u32 },
    /// The attempt ran.
    Ended(Ending),
}

/// How one attempt at an answer ended (the caller decides what the user sees).
enum Ending {
    Finished(String),
    Stopped,
    Failed(sb_llm::LlmError),
}

/// One turn in progress: assembles text and decides when to render.
struct Turn<'a> {
    sink: &'a mut (dyn FnMut(TurnEvent) + Send),
    outcome: TurnOutcome,
    finish_reason: Option<String>,
    answer: sb_markdown::StreamRenderer,
    reasoning: sb_markdown::StreamRenderer,
    /// New text arrived since the last render of the answer / the reasoning.
    answer_dirty: bool,
    reasoning_dirty: bool,
    render_due: Option<Instant>,
    /// When the last render left: the next one may leave at the next frame's slot after it, or
    /// without frames [`RENDER_INTERVAL`] after it.
    rendered_at: Option<Instant>,
    /// The window's frames (none in tests that leave it out, and in the CLI it never reports).
    pacer: Option<Arc<FramePacer>>,
    /// Text not yet sent: deltas leave with the next render (or before any other event), so
    /// a fast stream costs the window one message per render, not one per token.
    pending_text: String,
    pending_reasoning: String,
    /// Routed turns hold an attempt's events until its first token, so a route that fails
    /// before answering leaves no trace on screen.
    held: Option<Vec<TurnEvent>>,
    token_seen: bool,
}

impl<'a> Turn<'a> {
    fn new(sink: &'a mut (dyn FnMut(TurnEvent) + Send)) -> Self {
        Self {
            sink,
            outcome: TurnOutcome::default(),
            finish_reason: None,
            answer: sb_markdown::StreamRenderer::new(),
            reasoning: sb_markdown::StreamRenderer::new(),
            answer_dirty: false,
            reasoning_dirty: false,
            render_due: None,
            rendered_at: None,
            pacer: None,
            pending_text: String::new(),
            pending_reasoning: String::new(),
            held: None,
            token_seen: false,
        }
    }

    /// Starts a fresh attempt whose events are held until its first token.
    fn begin_attempt(&mut self) {
        self.outcome = TurnOutcome::default();
        self.finish_reason = None;
        self.answer = sb_markdown::StreamRenderer::new();
        self.reasoning = sb_markdown::StreamRenderer::new();
        self.answer_dirty = false;
        self.reasoning_dirty = false;
        self.render_due = None;
        self.rendered_at = None;
        self.pending_text.clear();
        self.pending_reasoning.clear();
        self.held = Some(Vec::new());
        self.token_seen = false;
    }

    /// Drops what a failed attempt held back.
    fn discard_attempt(&mut self) {
        self.pending_text.clear();
        self.pending_reasoning.clear();
        self.held = Some(Vec::new());
    }

    /// Lets held events through (the attempt answered, or its failure is final).
    fn release(&mut self) {
        for event in self.held.take().unwrap_or_default() {
            (self.sink)(event);
        }
    }

    fn emit(&mut self, event: TurnEvent) {
        // Anything else keeps its place after the text that came before it.
        if !matches!(
            event,
            TurnEvent::TextDelta(_) | TurnEvent::ReasoningDelta(_)
        ) {
            self.flush_text();
        }
        match &mut self.held {
            Some(held) => held.push(event),
            None => (self.sink)(event),
        }
    }

    /// A free slot at `target` (its concurrency limit), waiting for one if needed and saying
    /// so. `Some(None)`: the account has no limit; `None`: cancelled while waiting.
    async fn wait_for_slot(
        &mut self,
        target: &Target,
        cancel: &CancellationToken,
    ) -> Option<Option<tokio::sync::OwnedSemaphorePermit>> {
        let Some((limit, slot)) = &target.slot else {
            return Some(None);
        };
        if let Ok(permit) = slot.clone().try_acquire_owned() {
            return Some(Some(permit));
        }
        // Said at once, even while a routed attempt holds its events: the wait is visible.
        (self.sink)(TurnEvent::Notice {
            param: "max_concurrent",
            message: format!(
                "Waiting for a free slot: \"{}\" already streams {limit} answer{} at once, its \
                 limit.",
                target.label,
                if *limit == 1 { "" } else { "s" }
            ),
        });
        tokio::select! {
            () = cancel.cancelled() => None,
            permit = slot.clone().acquire_owned() => permit.ok().map(Some),
        }
    }

    /// The answer started: from now on nothing is held and no other route may take over.
    fn token(&mut self) {
        self.token_seen = true;
        self.release();
    }

    /// Reads the stream until it ends, is cancelled, or fails; emits no final event.
    async fn drive(
        &mut self,
        stream: impl futures::Stream<Item = Result<ChatEvent, sb_llm::LlmError>>,
        cancel: &CancellationToken,
    ) -> Ending {
        let mut stream = std::pin::pin!(stream);
        loop {
            let render_at = self.render_due;
            tokio::select! {
                biased;
                // Returning drops the stream, which closes the HTTP connection.
                () = cancel.cancelled() => return Ending::Stopped,
                () = sleep_until(render_at), if render_at.is_some() => self.render(),
                item = stream.next() => match item {
                    Some(Ok(event)) => self.apply(event),
                    Some(Err(error)) => return Ending::Failed(error),
                    None => {
                        let reason = self.finish_reason.take().unwrap_or_else(|| "stop".into());
                        return Ending::Finished(reason);
                    }
                },
            }
        }
    }

    fn apply(&mut self, event: ChatEvent) {
        match event {
            // Only the first choice is shown; `n > 1` answers are assembled by the mappers.
            ChatEvent::TextDelta { choice: 0, text }
            | ChatEvent::RefusalDelta { choice: 0, text } => {
                self.token();
                let first = self.outcome.text.is_empty();
                self.outcome.text.push_str(&text);
                self.answer.push(&text);
                self.answer_dirty = true;
                self.pending_text.push_str(&text);
                self.schedule_render(first);
            }
            ChatEvent::ReasoningDelta { choice: 0, text } => {
                self.token();
                let first = self.outcome.reasoning.is_empty();
                self.outcome.reasoning.push_str(&text);
                self.reasoning.push(&text);
                self.reasoning_dirty = true;
                self.pending_reasoning.push_str(&text);
                self.schedule_render(first);
            }
            ChatEvent::Usage(usage) => {
                self.outcome.usage = Some(usage.clone());
                self.emit(TurnEvent::Usage(usage));
            }
            ChatEvent::ToolCallDelta {
                choice: 0,
                index,
                id,
                name,
                arguments,
            } => {
                self.token();
                self.emit(TurnEvent::ToolCallDelta {
                    index,
                    id,
                    name,
                    arguments,
                });
            }
            ChatEvent::ResponseId(id) => {
                self.outcome.response_id = Some(id.clone());
                self.emit(TurnEvent::ResponseId(id));
            }
            ChatEvent::Finished { choice: 0, reason } => self.finish_reason = Some(reason),
            _ => {}
        }
    }

    /// Renders at once when the next slot after the last render has come (the window's next
    /// frame, or without frames [`RENDER_INTERVAL`] after it), and a text's first words always:
    /// time to first token is what the user waits for. Else when that slot comes.
    fn schedule_render(&mut self, first: bool) {
        if !first {
            if self.render_due.is_some() {
                return;
            }
            if let Some(at) = self.rendered_at {
                let now = Instant::now();
                let next = self
                    .pacer
                    .as_ref()
                    .and_then(|pacer| pacer.next_slot(at, now))
                    .unwrap_or(at + RENDER_INTERVAL);
                if now < next {
                    self.render_due = Some(next);
                    return;
                }
            }
        }
        self.render();
    }

    /// Sends the text that arrived since the last render, reasoning first.
    fn flush_text(&mut self) {
        if !self.pending_reasoning.is_empty() {
            let text = std::mem::take(&mut self.pending_reasoning);
            self.emit(TurnEvent::ReasoningDelta(text));
        }
        if !self.pending_text.is_empty() {
            let text = std::mem::take(&mut self.pending_text);
            self.emit(TurnEvent::TextDelta(text));
        }
    }

    /// Renders what changed since the last render: the reasoning first (it is shown above).
    fn render(&mut self) {
        self.flush_text();
        self.render_due = None;
        self.rendered_at = Some(Instant::now());
        if std::mem::take(&mut self.reasoning_dirty) {
            let update = self.reasoning.update();
            self.emit_rendered(RenderedPart::Reasoning, update);
        }
        if std::mem::take(&mut self.answer_dirty) {
            let update = self.answer.update();
            self.emit_rendered(RenderedPart::Answer, update);
        }
    }

    /// The last render of each text that has any: the final tail, equal to a one-shot render
    /// after the committed blocks.
    fn render_final(&mut self) {
        self.flush_text();
        self.render_due = None;
        self.answer_dirty = false;
        self.reasoning_dirty = false;
        for part in [RenderedPart::Reasoning, RenderedPart::Answer] {
            let renderer = match part {
                RenderedPart::Answer => &mut self.answer,
                RenderedPart::Reasoning => &mut self.reasoning,
            };
            if renderer.text().is_empty() {
                continue;
            }
            let update = std::mem::take(renderer).finish();
            self.emit_rendered(part, update);
        }
    }

    fn emit_rendered(&mut self, part: RenderedPart, update: sb_markdown::Update) {
        self.emit(TurnEvent::Rendered(Rendered {
            part,
            committed: update.committed,
            tail: update.tail,
        }));
    }

    /// Reports how the attempt ended as the turn's final event.
    fn finish(&mut self, ending: Ending) {
        let last = match ending {
            Ending::Finished(reason) => TurnEvent::Finished(reason),
            Ending::Stopped => TurnEvent::Stopped,
            Ending::Failed(error) => {
                let error = CoreError::from(error);
                TurnEvent::Failed {
                    code: error.code(),
                    message: error.to_string(),
                }
            }
        };
        self.end(last);
    }

    /// Renders what is pending, then reports the final event.
    fn end(&mut self, last: TurnEvent) {
        self.release();
        self.render_final();
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
        run_stream(stream::iter(events))
    }

    /// Drives one turn over `events` on a paused clock and returns what it emitted.
    fn run_stream(
        events: impl futures::Stream<Item = Result<ChatEvent, sb_llm::LlmError>>,
    ) -> Vec<TurnEvent> {
        run_stream_timed(events)
            .into_iter()
            .map(|(_, e)| e)
            .collect()
    }

    /// Each event with when it was emitted, from the start (tokio's paused clock: exact).
    fn run_stream_timed(
        events: impl futures::Stream<Item = Result<ChatEvent, sb_llm::LlmError>>,
    ) -> Vec<(Duration, TurnEvent)> {
        run_stream_framed(events, None)
    }

    /// [`run_stream_timed`] with a window that reports a frame every `frames` from the start.
    fn run_stream_framed(
        events: impl futures::Stream<Item = Result<ChatEvent, sb_llm::LlmError>>,
        frames: Option<Duration>,
    ) -> Vec<(Duration, TurnEvent)> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .expect("runtime");
        let mut seen = Vec::new();
        runtime.block_on(async {
            let start = Instant::now();
            let mut sink = |e: TurnEvent| seen.push((start.elapsed(), e));
            let mut turn = Turn::new(&mut sink);
            if let Some(period) = frames {
                let pacer = Arc::new(FramePacer::new());
                let window = pacer.clone();
                tokio::spawn(async move {
                    loop {
                        window.shown_at(Instant::now());
                        tokio::time::sleep(period).await;
                    }
                });
                turn.pacer = Some(pacer);
            }
            let ending = turn.drive(events, &CancellationToken::new()).await;
            turn.finish(ending);
        });
        seen
    }

    /// The answer's HTML as the UI would build it from the events.
    fn answer_html(seen: &[TurnEvent]) -> String {
        let mut page = RenderedPage::default();
        for event in seen {
            if let TurnEvent::Rendered(update) = event {
                if update.part == RenderedPart::Answer {
                    page.apply(update);
                }
            }
        }
        page.html()
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
        assert!(
            matches!(&seen[n - 2], TurnEvent::Rendered(r) if r.part == RenderedPart::Answer),
            "the final render comes just before the final event: {seen:?}"
        );
        assert_eq!(answer_html(&seen), "<p><strong>Hi</strong></p>\n");
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
        assert_eq!(answer_html(&seen), "<p>partial</p>\n");
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
            let ending = turn.drive(endless, &cancel).await;
            turn.finish(ending);
        });
        assert_eq!(seen.last(), Some(&TurnEvent::Stopped));
        assert_eq!(answer_html(&seen), "<p>a</p>\n", "text before Stop is kept");
        assert!(
            dropped.load(std::sync::atomic::Ordering::SeqCst),
            "Stop drops the HTTP stream"
        );
    }

    /// Regression (issue 8, streaming benchmark): every token went to the window as its own
    /// message, 2,000 a second at 2,000 tokens/s, and the page fell half a second behind.
    #[test]
    fn a_fast_stream_reaches_the_window_in_one_message_per_render_with_the_first_word_at_once() {
        let pieces: Vec<String> = (0..2_000).map(|i| format!("w{i} ")).collect();
        let expected = pieces.concat();
        // 2,000 tokens a second: one every 0.5 ms, for a second.
        let seen = run_stream(stream::iter(pieces).then(|piece| async move {
            tokio::time::sleep(Duration::from_micros(500)).await;
            text(&piece)
        }));
        let deltas: Vec<&str> = seen
            .iter()
            .filter_map(|e| match e {
                TurnEvent::TextDelta(t) => Some(t.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(deltas.concat(), expected, "no text is lost or reordered");
        assert_eq!(deltas[0], "w0 ", "the first word leaves at once, alone");
        assert!(
            matches!(seen.get(1), Some(TurnEvent::Rendered(_))),
            "and is rendered at once: {:?}",
            seen.get(1)
        );
        let renders = seen
            .iter()
            .filter(|e| matches!(e, TurnEvent::Rendered(_)))
            .count();
        // (Tokio's timer rounds each 0.5 ms sleep up to 1 ms: the stream takes 2 s here.)
        let most = 2_000 / RENDER_INTERVAL.as_millis() as usize + 2;
        assert!(
            deltas.len() <= renders && deltas.len() <= most,
            "one text message per render ({RENDER_INTERVAL:?}), not one per token: {} deltas \
             (at most {most}), {renders} renders",
            deltas.len()
        );
    }

    /// When each render left.
    fn render_times(seen: &[(Duration, TurnEvent)]) -> Vec<Duration> {
        seen.iter()
            .filter(|(_, e)| matches!(e, TurnEvent::Rendered(_)))
            .map(|(at, _)| *at)
            .collect()
    }

    /// Regression (issue 8, streaming benchmark): a render waited a whole interval after the
    /// text that asked for it, even when the window had had nothing for longer; a provider
    /// streaming 30 tokens a second showed every token 16 ms late.
    #[test]
    fn text_after_a_quiet_interval_is_rendered_at_once_and_text_sooner_waits_for_the_interval() {
        let gap = RENDER_INTERVAL * 3;
        let slow = run_stream_timed(stream::iter(0..5).then(move |i| async move {
            tokio::time::sleep(gap).await;
            text(&format!("w{i} "))
        }));
        let renders = render_times(&slow);
        let arrivals: Vec<Duration> = (1..=5).map(|k| gap * k).collect();
        assert!(renders.len() >= 5, "a render per token: {renders:?}");
        assert_eq!(
            renders[..5],
            arrivals[..],
            "each token of a slow stream is rendered when it arrives, not an interval later"
        );

        // Tokens half an interval apart after the first: the next render waits for the interval.
        let half = RENDER_INTERVAL / 2;
        let fast = run_stream_timed(stream::iter(0..3).then(move |i| async move {
            tokio::time::sleep(if i == 0 { gap } else { half }).await;
            text(&format!("w{i} "))
        }));
        let renders = render_times(&fast);
        assert!(renders.len() >= 2, "two renders at least: {renders:?}");
        assert_eq!(renders[0], gap, "the first word at once");
        assert_eq!(
            renders[1],
            gap + RENDER_INTERVAL,
            "the next token, which came sooner, one interval after the first render: {renders:?}"
        );
    }

    /// Regression: every question's key went through the blocking pool, even when the keyring
    /// cache held it, and a pool thread could take milliseconds to start (up to 3.5 ms seen on
    /// the way to the provider; BENCHMARKS.md, time to first token).
    #[test]
    fn a_remembered_key_is_handed_over_without_the_blocking_pool() -> Result<(), CoreError> {
        let dir = std::env::temp_dir().join(format!("sb-core-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).map_err(|e| CoreError::Storage(e.to_string()))?;
        let secrets = Arc::new(crate::CachingStore::new(crate::MemoryStore::default()));
        let accounts = Arc::new(Accounts::open(&dir, secrets)?);
        let account = accounts
            .add(crate::account::NewAccount {
                label: "Sim".into(),
                base_url: "http://127.0.0.1:9/v1".into(),
                api_key: Secret::new("sk-pool-4242".into()),
                model: "m".into(),
                preset: "custom".into(),
                ..crate::account::NewAccount::default()
            })?
            .account;
        let chat = ChatService::new(accounts)?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .max_blocking_threads(1)
            .build()
            .map_err(|e| CoreError::Storage(e.to_string()))?;
        let key = runtime.block_on(async {
            // The pool's only thread stays busy until the key is handed over.
            let (release, wait) = std::sync::mpsc::channel::<()>();
            let busy = tokio::task::spawn_blocking(move || wait.recv());
            let key =
                tokio::time::timeout(Duration::from_secs(10), chat.account_key(&account)).await;
            let _ = release.send(());
            let _ = busy.await;
            key
        });
        let key = key.map_err(|_| {
            CoreError::Storage(
                "the key waited for the blocking pool although it was in memory".into(),
            )
        })??;
        assert_eq!(key.expose(), "sk-pool-4242");
        Ok(())
    }

    /// Regression (issue 8, streaming benchmark): renders left on the core's own 16 ms timer,
    /// unrelated to the window's frames, so a token waited up to a frame for the timer and
    /// then up to a frame for the window (p99 45 ms from provider to screen).
    #[test]
    fn with_a_window_reporting_frames_renders_leave_just_ahead_of_each_frame() {
        let frame = Duration::from_millis(16);
        // Frames start at 0, 16, 32, ... ms; the answer's first token comes at 33 ms, then one
        // every millisecond until 132 ms.
        let seen = run_stream_framed(
            stream::iter(0..100).then(|i| async move {
                let gap = if i == 0 { 33 } else { 1 };
                tokio::time::sleep(Duration::from_millis(gap)).await;
                text(&format!("w{i} "))
            }),
            Some(frame),
        );
        let renders = render_times(&seen);
        let ahead = crate::pacing::SEND_AHEAD;
        assert_eq!(
            renders.first(),
            Some(&Duration::from_millis(33)),
            "the first words at once: {renders:?}"
        );
        assert_eq!(
            renders.last(),
            Some(&Duration::from_millis(132)),
            "the final render when the stream ends: {renders:?}"
        );
        // Between the first and the final render, one per frame, each `ahead` before a frame.
        let paced = &renders[1..renders.len() - 1];
        let slots: Vec<Duration> = (3..=8).map(|k| frame * k - ahead).collect();
        assert_eq!(
            paced,
            &slots[..],
            "one render per frame, {ahead:?} before it starts (frames every {frame:?})"
        );
        assert_eq!(
            answer_html(&seen.into_iter().map(|(_, e)| e).collect::<Vec<_>>()),
            format!(
                "<p>{}</p>\n",
                (0..100)
                    .map(|i| format!("w{i}"))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            "pacing loses no text"
        );
    }

    #[test]
    fn finished_blocks_are_sent_once_and_the_last_page_equals_a_one_shot_render() {
        let answer =
            "# Plan\n\nFirst **step**.\n\n- one\n- two\n\n```rust\nfn main() {}\n```\n\nDone.";
        // One piece per render interval, so every piece is rendered on its own.
        let pieces = answer
            .as_bytes()
            .chunks(5)
            .map(|c| std::str::from_utf8(c).expect("ascii").to_owned())
            .collect::<Vec<_>>();
        let seen = run_stream(stream::iter(pieces).then(|piece| async move {
            tokio::time::sleep(RENDER_INTERVAL * 2).await;
            text(&piece)
        }));
        let updates: Vec<&Rendered> = seen
            .iter()
            .filter_map(|e| match e {
                TurnEvent::Rendered(r) => Some(r),
                _ => None,
            })
            .collect();
        assert!(
            updates.len() > 10,
            "rendered as it streamed: {}",
            updates.len()
        );
        let committed: Vec<&String> = updates.iter().flat_map(|u| &u.committed).collect();
        assert!(
            committed.iter().any(|b| b.starts_with("<h1")),
            "the heading was committed once finished: {committed:?}"
        );
        assert!(
            updates.iter().all(|u| u.tail.len() < 200),
            "each update carries only the unfinished tail"
        );
        assert_eq!(answer_html(&seen), sb_markdown::render(answer));
    }

    #[test]
    fn reasoning_is_rendered_in_its_own_part() {
        let seen = run(vec![
            Ok(ChatEvent::ReasoningDelta {
                choice: 0,
                text: "Think about *this*.".into(),
            }),
            text("Answer."),
        ]);
        let mut reasoning = RenderedPage::default();
        for event in &seen {
            if let TurnEvent::Rendered(r) = event {
                if r.part == RenderedPart::Reasoning {
                    reasoning.apply(r);
                }
            }
        }
        assert_eq!(reasoning.html(), "<p>Think about <em>this</em>.</p>\n");
        assert_eq!(answer_html(&seen), "<p>Answer.</p>\n");
    }
}
