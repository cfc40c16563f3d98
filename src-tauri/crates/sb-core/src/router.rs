//! The router: which [`Route`] (account, provider model ID, protocol) serves a turn, in which
//! order the routes are tried, and what to do when one fails before the answer starts.
//!
//! Pure and deterministic: no I/O, no clock of its own (every call takes `now`), no async. The
//! caller drives it:
//!
//! 1. [`Router::plan`] orders the routes by a [`Strategy`], applies each route's remembered
//!    protocol, and lists the routes to skip now (cooling down, or the account needs attention).
//! 2. The caller tries the routes in order. On an error it asks [`Router::on_failure`], which
//!    answers [`Decision::Failover`] (try the next route), [`Decision::SwitchProtocol`] (retry this
//!    route once over the other protocol) or [`Decision::Stop`] (show the error).
//! 3. On an answer it calls [`Router::on_success`].
//! 4. A [`RouteRecord`] built along the way says which route answered and why the others did
//!    not; it is saved with the message and shown on it.
//!
//! The rules, with their numbers:
//!
//! - Nothing is failed over once the first token was seen: the user has seen text, and a second
//!   route would start the answer again ([`StopReason::AnswerStarted`]).
//! - 429 rate limit: the account cools down for the provider's `Retry-After`, capped at
//!   [`MAX_RATE_LIMIT_COOLDOWN`] (10 min); without one, for a backoff of
//!   [`RATE_LIMIT_BACKOFF`] (30 s) doubling with each consecutive limit up to the same cap
//!   (30 s, 1 min, 2 min, 4 min, 8 min, 10 min). A success resets the doubling.
//! - Out of credit (402, `insufficient_quota`): the account cools down for [`QUOTA_COOLDOWN`]
//!   (1 h; waiting does not refill it, but the user may top up, and an hour keeps the account
//!   from being asked again on every message). Another account may have credit: fail over.
//! - 401/403: the account needs attention (the provider's message is kept) until
//!   [`Router::clear_attention`]; fail over. A 403 that is the provider's moderation refusing the
//!   prompt (OpenRouter, protocol.md §4.1) is not the key's fault: it stops instead.
//! - 5xx, network failure, stall, an answer that ended or was garbled before its first token:
//!   fail over with no cooldown (sb-llm has already retried these, and a cooldown would leave a
//!   single-route setup unusable after one blip). The account is only *demoted* for
//!   [`FAILURE_DEMOTION`] (60 s): tried after the healthy routes, never skipped.
//! - 404 model not found: fail over. Model IDs are per provider (protocol.md §6 quirk 10), so a
//!   model unknown at one account may be served by another. No cooldown: the account is fine.
//! - 400/422 bad request and the content filter: stop, any provider would refuse the same
//!   request — except a protocol mismatch (the provider says the model works only with the other
//!   endpoint, recognised from `data/protocol_mismatch.json`, see [`is_protocol_mismatch`]).
//!   That switches protocol once for the (account, model) and remembers it; if the switched
//!   protocol also answers with a mismatch, the router fails over instead of flipping back.
//!
//! Every account's state lives in memory only; [`Router::remembered_protocols`] and
//! [`Router::restore_protocols`] let the caller keep the protocol choices across restarts.

use std::collections::HashMap;
use std::fmt;
use std::sync::{LazyLock, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use sb_llm::{Api, ErrorKind, LlmError};
use serde::{Deserialize, Serialize};

use crate::account::AccountId;

/// First cooldown after a 429 that names no wait; it doubles with each consecutive limit.
pub const RATE_LIMIT_BACKOFF: Duration = Duration::from_secs(30);

/// Longest cooldown after a 429, whether the provider asked for longer or the backoff grew past it.
pub const MAX_RATE_LIMIT_COOLDOWN: Duration = Duration::from_secs(10 * 60);

/// Cooldown of an account that is out of credit.
pub const QUOTA_COOLDOWN: Duration = Duration::from_secs(60 * 60);

/// How long an account whose provider failed (5xx, network, stall) is tried after the others.
pub const FAILURE_DEMOTION: Duration = Duration::from_secs(60);

/// Route sets whose round-robin position is kept; past this the positions start over, so the
/// map cannot grow without bound.
const MAX_ROTATIONS: usize = 256;

/// One concrete way to serve a request: an account, that provider's model ID, and the protocol.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Route {
    /// The account (its base URL and key).
    pub account_id: AccountId,
    /// The provider's own model ID, sent as is.
    pub model_id: String,
    /// The wire protocol to speak.
    pub api: Api,
}

impl Route {
    /// A route.
    pub fn new(account_id: AccountId, model_id: impl Into<String>, api: Api) -> Self {
        Self {
            account_id,
            model_id: model_id.into(),
            api,
        }
    }

    /// The same route over another protocol.
    pub fn with_api(&self, api: Api) -> Self {
        Self {
            api,
            ..self.clone()
        }
    }
}

/// How the routes of a logical model are ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// In the order given (the user's priority).
    #[default]
    Priority,
    /// The first route tried moves one place along on every plan for the same route set, so the
    /// load spreads over the accounts.
    RoundRobin,
    /// Accounts never rate-limited first, then the one limited longest ago; ties keep the given
    /// order.
    LeastRecentlyLimited,
}

/// Why an account is cooling down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CooldownCause {
    /// The provider rate-limited it (429).
    RateLimited,
    /// It is out of credit or quota.
    OutOfCredit,
}

/// Why a route is not tried now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SkipReason {
    /// The account is cooling down after a limit.
    CoolingDown {
        /// How long until it may be tried again.
        remaining: Duration,
        /// Why.
        cause: CooldownCause,
    },
    /// The provider rejected the account's key; the user must fix it.
    NeedsAttention {
        /// The provider's message.
        message: String,
    },
}

impl SkipReason {
    /// Stable snake_case code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::CoolingDown { .. } => "cooling_down",
            Self::NeedsAttention { .. } => "needs_attention",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CoolingDown { remaining, cause } => {
                let cause = match cause {
                    CooldownCause::RateLimited => "rate-limited",
                    CooldownCause::OutOfCredit => "out of credit",
                };
                write!(
                    f,
                    "skipped: {cause}, available again in {}",
                    human(*remaining)
                )
            }
            Self::NeedsAttention { message } => write!(f, "skipped: needs attention: {message}"),
        }
    }
}

/// A route left out of a plan, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    /// The route (with its remembered protocol).
    pub route: Route,
    /// Why it is not tried now.
    pub reason: SkipReason,
}

/// The routes to try for one turn.
///
/// When every route is cooling down, `order` is empty and `skipped` lists the cooling routes
/// soonest-available first: the caller may wait [`Plan::next_available`] and plan again, or tell
/// the user. Routes are never tried early, since asking a limited account again only extends its
/// limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[must_use]
pub struct Plan {
    /// Routes to try, first first, each with its remembered protocol. Recently failed accounts
    /// come after the healthy ones.
    pub order: Vec<Route>,
    /// Routes not to try now: cooling down (soonest available first), then needing attention.
    pub skipped: Vec<Skipped>,
}

impl Plan {
    /// How long until the first cooling route may be tried again, if any is cooling down.
    pub fn next_available(&self) -> Option<Duration> {
        self.skipped
            .iter()
            .filter_map(|s| match s.reason {
                SkipReason::CoolingDown { remaining, .. } => Some(remaining),
                SkipReason::NeedsAttention { .. } => None,
            })
            .min()
    }
}

/// Why a route was left for the next one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailoverReason {
    /// 429: the account cools down.
    RateLimited {
        /// For how long.
        cooldown: Duration,
        /// The provider named the wait (`Retry-After`); otherwise it is the router's backoff.
        asked_by_provider: bool,
    },
    /// Out of credit: the account cools down for [`QUOTA_COOLDOWN`].
    OutOfCredit {
        /// For how long.
        cooldown: Duration,
    },
    /// 401/403: the account needs attention.
    NeedsAttention {
        /// The HTTP status.
        status: Option<u16>,
        /// The provider's message.
        message: String,
    },
    /// The provider failed or could not be reached (5xx, network, stall, cut-off answer).
    Unavailable {
        /// The classification.
        kind: ErrorKind,
        /// The HTTP status, when there was one.
        status: Option<u16>,
    },
    /// 404: this account does not serve the model under this ID.
    ModelNotFound {
        /// The HTTP status.
        status: Option<u16>,
    },
    /// Both protocols answered that the model needs the other one.
    NoUsableProtocol,
}

impl FailoverReason {
    /// Stable snake_case code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => "rate_limited",
            Self::OutOfCredit { .. } => "out_of_credit",
            Self::NeedsAttention { .. } => "needs_attention",
            Self::Unavailable { .. } => "unavailable",
            Self::ModelNotFound { .. } => "not_found",
            Self::NoUsableProtocol => "no_usable_protocol",
        }
    }
}

impl fmt::Display for FailoverReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::RateLimited { cooldown, .. } => {
                write!(f, "rate-limited, cooling down {}", human(*cooldown))
            }
            Self::OutOfCredit { cooldown } => {
                write!(f, "out of credit, cooling down {}", human(*cooldown))
            }
            Self::NeedsAttention { status, .. } => {
                let what = if *status == Some(403) {
                    "access denied"
                } else {
                    "key rejected"
                };
                write!(f, "needs attention: {what}{}", in_parens(*status))
            }
            Self::Unavailable { kind, status } => {
                let what = match kind {
                    ErrorKind::Network => "connection failed",
                    ErrorKind::Stalled => "stopped sending before the first token",
                    ErrorKind::Incomplete => "answer ended before the first token",
                    ErrorKind::Protocol => "unexpected reply from the provider",
                    _ => "provider failed",
                };
                write!(f, "{what}{}", in_parens(*status))
            }
            Self::ModelNotFound { status } => {
                write!(f, "model not found at this account{}", in_parens(*status))
            }
            Self::NoUsableProtocol => {
                f.write_str("model refused on both chat completions and Responses")
            }
        }
    }
}

/// Why the error goes to the user instead of another route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StopReason {
    /// The answer had started; another route would repeat it.
    AnswerStarted,
    /// The request itself was refused (400/422); any provider would refuse it.
    RequestRejected {
        /// The HTTP status.
        status: Option<u16>,
    },
    /// The provider's content filter stopped it.
    ContentFilter,
    /// A 403 from the provider's moderation: the prompt was flagged, the key is fine.
    Moderation {
        /// The HTTP status.
        status: Option<u16>,
    },
}

impl fmt::Display for StopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AnswerStarted => f.write_str(
                "failed after the answer started; not sent elsewhere, so nothing is repeated",
            ),
            Self::RequestRejected { status } => write!(
                f,
                "request rejected{}; any provider would reject it",
                in_parens(*status)
            ),
            Self::ContentFilter => f.write_str("stopped by the provider's content filter"),
            Self::Moderation { status } => {
                write!(
                    f,
                    "refused by the provider's moderation{}",
                    in_parens(*status)
                )
            }
        }
    }
}

/// What to do after a route failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use]
pub enum Decision {
    /// Try the next route in the plan.
    Failover {
        /// Why this one was left.
        reason: FailoverReason,
    },
    /// Retry the same account and model over this protocol (the choice is remembered).
    /// Moving from Responses to chat, the caller must resend the whole history: chat has no
    /// `previous_response_id`.
    SwitchProtocol {
        /// The protocol to retry with.
        to: Api,
    },
    /// Give the error to the user.
    Stop {
        /// Why it is not retried elsewhere.
        reason: StopReason,
    },
}

impl Decision {
    /// Stable snake_case code for the UI.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Failover { reason } => reason.code(),
            Self::SwitchProtocol { .. } => "protocol_switched",
            Self::Stop { .. } => "stopped",
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Failover { reason } => reason.fmt(f),
            Self::SwitchProtocol { to } => write!(f, "switched to {}", api_name(*to)),
            Self::Stop { reason } => reason.fmt(f),
        }
    }
}

/// One route the turn considered and did not answer from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempt {
    /// The route.
    pub route: Route,
    /// Stable snake_case code (`cooling_down`, `rate_limited`, `protocol_switched`, ...).
    pub code: String,
    /// Short readable reason ("rate-limited, cooling down 30 s").
    pub outcome: String,
}

/// Which route answered a message and why earlier routes did not; saved with the message.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RouteRecord {
    /// The route that answered, with the protocol it answered over; `None` if none did.
    pub served_by: Option<Route>,
    /// Routes skipped or tried before, in order.
    pub attempts: Vec<Attempt>,
}

impl RouteRecord {
    /// A record that starts with the routes the plan skipped.
    pub fn new(plan: &Plan) -> Self {
        let mut record = Self::default();
        for skipped in &plan.skipped {
            record.skipped(skipped);
        }
        record
    }

    /// Notes a route that was not tried.
    pub fn skipped(&mut self, skipped: &Skipped) {
        self.attempts.push(Attempt {
            route: skipped.route.clone(),
            code: skipped.reason.code().to_owned(),
            outcome: skipped.reason.to_string(),
        });
    }

    /// Notes a route that failed, with what the router decided.
    pub fn failed(&mut self, route: &Route, decision: &Decision) {
        self.attempts.push(Attempt {
            route: route.clone(),
            code: decision.code().to_owned(),
            outcome: decision.to_string(),
        });
    }

    /// Notes a route left for the next one because its account is at its concurrency limit.
    pub fn busy(&mut self, route: &Route, limit: u32) {
        self.attempts.push(Attempt {
            route: route.clone(),
            code: "busy".to_owned(),
            outcome: format!(
                "busy: already streaming {limit} answer{} at once, its limit",
                if limit == 1 { "" } else { "s" }
            ),
        });
    }

    /// Notes the route that answered.
    pub fn served(&mut self, route: &Route) {
        self.served_by = Some(route.clone());
    }

    /// One line for the user, naming routes with `name` (e.g. the account label and model):
    /// "Answered by A. B: rate-limited, cooling down 30 s."
    pub fn describe(&self, name: impl Fn(&Route) -> String) -> String {
        let mut text = match &self.served_by {
            Some(route) => format!("Answered by {}.", name(route)),
            None => "No route answered.".to_owned(),
        };
        for attempt in &self.attempts {
            text.push_str(&format!(" {}: {}.", name(&attempt.route), attempt.outcome));
        }
        text
    }
}

/// Whether a provider's error says the model works only with the other protocol (see
/// `data/protocol_mismatch.json`). Only request-shaped errors count: bad request, not found
/// (OpenAI answers 404) and server errors (gateways wrap upstream errors).
pub fn is_protocol_mismatch(error: &LlmError) -> bool {
    if !matches!(
        error.kind,
        ErrorKind::BadRequest | ErrorKind::NotFound | ErrorKind::Server
    ) {
        return false;
    }
    let table = &*MISMATCH;
    if let Some(code) = &error.provider_code {
        if table
            .codes
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code.trim()))
        {
            return true;
        }
    }
    let message = normalize(&error.message);
    table.phrases.iter().any(|all| {
        all.iter()
            .all(|fragment| message.contains(fragment.as_str()))
    })
}

/// Words in a 403 that mean the provider's moderation refused the prompt, not the key
/// (OpenRouter answers 403 for moderation and guardrails: protocol.md §4.1).
const MODERATION_WORDS: &[&str] = &["moderation", "flagged", "guardrail"];

/// Routes, health and remembered protocols. Cheap to share behind an `Arc`.
#[derive(Debug, Default)]
pub struct Router {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    health: HashMap<AccountId, Health>,
    /// The protocol chosen after a mismatch; an entry means the switch was made once already.
    protocols: HashMap<(AccountId, String), Api>,
    /// Next round-robin start per route set (account and model IDs, in the given order).
    rotations: HashMap<Vec<(AccountId, String)>, usize>,
}

#[derive(Debug, Default)]
struct Health {
    cooldown: Option<(Instant, CooldownCause)>,
    last_limited: Option<Instant>,
    consecutive_limits: u32,
    attention: Option<String>,
    demoted_until: Option<Instant>,
}

impl Router {
    /// A router that knows nothing yet: every account healthy, no protocol remembered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every field is written whole, so state left by a panicking holder is still consistent.
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The order to try `routes` in at `now`, and the routes to skip. Round-robin advances its
    /// position for this route set on every call.
    pub fn plan(&self, routes: &[Route], strategy: Strategy, now: Instant) -> Plan {
        let mut state = self.state();
        let ordered: Vec<&Route> = match strategy {
            Strategy::Priority => routes.iter().collect(),
            Strategy::RoundRobin => {
                let start = state.next_rotation(routes);
                routes[start..].iter().chain(&routes[..start]).collect()
            }
            Strategy::LeastRecentlyLimited => {
                let mut ordered: Vec<&Route> = routes.iter().collect();
                // `None` (never limited) sorts first; the sort is stable, so ties keep their order.
                ordered
                    .sort_by_key(|r| state.health.get(&r.account_id).and_then(|h| h.last_limited));
                ordered
            }
        };

        let mut ready = Vec::new();
        let mut demoted = Vec::new();
        let mut skipped = Vec::new();
        for route in ordered {
            let route =
                route.with_api(state.protocol(&route.account_id, &route.model_id, route.api));
            let health = state.health.get(&route.account_id);
            let reason = health.and_then(|h| h.skip_reason(now));
            match reason {
                Some(reason) => skipped.push(Skipped { route, reason }),
                None if health.is_some_and(|h| h.demoted_until.is_some_and(|t| t > now)) => {
                    demoted.push(route)
                }
                None => ready.push(route),
            }
        }
        skipped.sort_by_key(|s| match s.reason {
            SkipReason::CoolingDown { remaining, .. } => (0, remaining),
            SkipReason::NeedsAttention { .. } => (1, Duration::ZERO),
        });
        ready.append(&mut demoted);
        Plan {
            order: ready,
            skipped,
        }
    }

    /// Records that `route` failed with `error` at `now` and decides what comes next.
    /// `first_token_seen`: the user already saw part of the answer.
    pub fn on_failure(
        &self,
        route: &Route,
        error: &LlmError,
        first_token_seen: bool,
        now: Instant,
    ) -> Decision {
        if first_token_seen {
            return Decision::Stop {
                reason: StopReason::AnswerStarted,
            };
        }
        let status = status_of(error);
        let mut state = self.state();
        if is_protocol_mismatch(error) {
            let key = (route.account_id.clone(), route.model_id.clone());
            return match state.protocols.get(&key) {
                // Remembered, but this attempt did not use it: use it.
                Some(&api) if api != route.api => Decision::SwitchProtocol { to: api },
                // Switched once already and the other protocol refuses too: never flip back.
                Some(_) => Decision::Failover {
                    reason: FailoverReason::NoUsableProtocol,
                },
                None => {
                    let to = other(route.api);
                    state.protocols.insert(key, to);
                    Decision::SwitchProtocol { to }
                }
            };
        }
        let health = state.health.entry(route.account_id.clone()).or_default();
        let reason = match error.kind {
            ErrorKind::RateLimit => {
                health.consecutive_limits = health.consecutive_limits.saturating_add(1);
                health.last_limited = Some(now);
                let (cooldown, asked_by_provider) = match error.retry_after {
                    Some(wait) if !wait.is_zero() => (wait.min(MAX_RATE_LIMIT_COOLDOWN), true),
                    _ => (backoff(health.consecutive_limits), false),
                };
                health.cool_down(now + cooldown, CooldownCause::RateLimited);
                FailoverReason::RateLimited {
                    cooldown,
                    asked_by_provider,
                }
            }
            ErrorKind::Quota => {
                health.last_limited = Some(now);
                health.cool_down(now + QUOTA_COOLDOWN, CooldownCause::OutOfCredit);
                FailoverReason::OutOfCredit {
                    cooldown: QUOTA_COOLDOWN,
                }
            }
            ErrorKind::Auth => {
                if status == Some(403) && is_moderation(error) {
                    return Decision::Stop {
                        reason: StopReason::Moderation { status },
                    };
                }
                health.attention = Some(error.message.clone());
                FailoverReason::NeedsAttention {
                    status,
                    message: error.message.clone(),
                }
            }
            ErrorKind::NotFound => FailoverReason::ModelNotFound { status },
            ErrorKind::Server
            | ErrorKind::Network
            | ErrorKind::Stalled
            | ErrorKind::Incomplete
            | ErrorKind::Protocol => {
                health.demoted_until = Some(now + FAILURE_DEMOTION);
                FailoverReason::Unavailable {
                    kind: error.kind,
                    status,
                }
            }
            ErrorKind::BadRequest => {
                return Decision::Stop {
                    reason: StopReason::RequestRejected { status },
                }
            }
            ErrorKind::ContentFilter => {
                return Decision::Stop {
                    reason: StopReason::ContentFilter,
                }
            }
        };
        Decision::Failover { reason }
    }

    /// Records that `route` answered: its account's limit backoff, cooldown and demotion end
    /// (needing attention does not: see [`Router::clear_attention`]), and if a protocol was
    /// remembered for its model, the one that just worked becomes the remembered one.
    pub fn on_success(&self, route: &Route, _now: Instant) {
        let mut state = self.state();
        if let Some(api) = state
            .protocols
            .get_mut(&(route.account_id.clone(), route.model_id.clone()))
        {
            *api = route.api;
        }
        if let Some(health) = state.health.get_mut(&route.account_id) {
            health.consecutive_limits = 0;
            health.cooldown = None;
            health.demoted_until = None;
        }
    }

    /// The user fixed the account's key: plan it again.
    pub fn clear_attention(&self, account: &AccountId) {
        if let Some(health) = self.state().health.get_mut(account) {
            health.attention = None;
        }
    }

    /// Why the account needs attention (the provider's message), if it does.
    pub fn attention(&self, account: &AccountId) -> Option<String> {
        self.state()
            .health
            .get(account)
            .and_then(|h| h.attention.clone())
    }

    /// Why the account would be skipped at `now`, if it would.
    pub fn skip_reason(&self, account: &AccountId, now: Instant) -> Option<SkipReason> {
        self.state().health.get(account)?.skip_reason(now)
    }

    /// How long the account still cools down at `now`, if it does.
    pub fn cooldown(&self, account: &AccountId, now: Instant) -> Option<Duration> {
        let state = self.state();
        let (until, _) = state.health.get(account)?.cooldown?;
        (until > now).then(|| until - now)
    }

    /// The protocol to use for `model` at `account`: the remembered one, else `default`.
    pub fn protocol_for(&self, account: &AccountId, model: &str, default: Api) -> Api {
        self.state().protocol(account, model, default)
    }

    /// Every remembered protocol choice, as routes, sorted by account and model, for the caller
    /// to save.
    pub fn remembered_protocols(&self) -> Vec<Route> {
        let mut routes: Vec<Route> = self
            .state()
            .protocols
            .iter()
            .map(|((account, model), api)| Route::new(account.clone(), model.clone(), *api))
            .collect();
        routes.sort_by(|a, b| {
            (a.account_id.as_str(), &a.model_id).cmp(&(b.account_id.as_str(), &b.model_id))
        });
        routes
    }

    /// Restores saved protocol choices (each route's `api` is the choice for its account and
    /// model). Restored choices count as the one switch already made.
    pub fn restore_protocols(&self, routes: impl IntoIterator<Item = Route>) {
        let mut state = self.state();
        for route in routes {
            state
                .protocols
                .insert((route.account_id, route.model_id), route.api);
        }
    }
}

impl State {
    fn protocol(&self, account: &AccountId, model: &str, default: Api) -> Api {
        // Building the owned key costs two small allocations; the map stays small.
        self.protocols
            .get(&(account.clone(), model.to_owned()))
            .copied()
            .unwrap_or(default)
    }

    /// The start index for this route set, advancing it for the next call.
    fn next_rotation(&mut self, routes: &[Route]) -> usize {
        if routes.is_empty() {
            return 0;
        }
        let key: Vec<(AccountId, String)> = routes
            .iter()
            .map(|r| (r.account_id.clone(), r.model_id.clone()))
            .collect();
        if !self.rotations.contains_key(&key) && self.rotations.len() >= MAX_ROTATIONS {
            self.rotations.clear();
        }
        let next = self.rotations.entry(key).or_insert(0);
        let start = *next % routes.len();
        *next = (start + 1) % routes.len();
        start
    }
}

impl Health {
    fn skip_reason(&self, now: Instant) -> Option<SkipReason> {
        if let Some(message) = &self.attention {
            return Some(SkipReason::NeedsAttention {
                message: message.clone(),
            });
        }
        match self.cooldown {
            Some((until, cause)) if until > now => Some(SkipReason::CoolingDown {
                remaining: until - now,
                cause,
            }),
            _ => None,
        }
    }

    /// Cools down until `until`, never shortening a longer cooldown already running.
    fn cool_down(&mut self, until: Instant, cause: CooldownCause) {
        match self.cooldown {
            Some((current, _)) if current >= until => {}
            _ => self.cooldown = Some((until, cause)),
        }
    }
}

/// `RATE_LIMIT_BACKOFF * 2^(limits - 1)`, capped.
fn backoff(consecutive_limits: u32) -> Duration {
    let doublings = consecutive_limits.saturating_sub(1).min(16);
    RATE_LIMIT_BACKOFF
        .saturating_mul(1 << doublings)
        .min(MAX_RATE_LIMIT_COOLDOWN)
}

fn other(api: Api) -> Api {
    match api {
        Api::ChatCompletions => Api::Responses,
        Api::Responses => Api::ChatCompletions,
    }
}

fn api_name(api: Api) -> &'static str {
    match api {
        Api::ChatCompletions => "chat completions",
        Api::Responses => "Responses",
    }
}

/// The HTTP status, or the numeric code a provider put in a stream error (OpenRouter).
fn status_of(error: &LlmError) -> Option<u16> {
    error.status.or_else(|| {
        error
            .provider_code
            .as_deref()
            .and_then(|c| c.trim().parse::<u16>().ok())
            .filter(|s| (400..=599).contains(s))
    })
}

fn is_moderation(error: &LlmError) -> bool {
    let message = error.message.to_lowercase();
    MODERATION_WORDS.iter().any(|w| message.contains(w))
}

fn in_parens(status: Option<u16>) -> String {
    status.map(|s| format!(" ({s})")).unwrap_or_default()
}

/// Lowercase, '/' read as a space, whitespace collapsed: "/v1/responses" reads as "v1 responses".
fn normalize(text: &str) -> String {
    text.to_lowercase()
        .replace('/', " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// A duration as people say it, rounded up to the second: "30 s", "2 min", "1 min 30 s", "1 h".
fn human(duration: Duration) -> String {
    let millis = duration.as_millis();
    let secs = u64::try_from(millis.div_ceil(1000)).unwrap_or(u64::MAX);
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, _) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MismatchFile {
    #[serde(rename = "$comment")]
    _comment: String,
    codes: Vec<CodeFact>,
    phrases: Vec<PhraseFact>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CodeFact {
    code: String,
    #[serde(rename = "source")]
    _source: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PhraseFact {
    all: Vec<String>,
    #[serde(rename = "source")]
    _source: String,
}

/// The mismatch table, normalized once.
#[derive(Debug)]
struct MismatchTable {
    codes: Vec<String>,
    phrases: Vec<Vec<String>>,
}

static MISMATCH: LazyLock<MismatchTable> = LazyLock::new(|| {
    let file: MismatchFile = serde_json::from_str(include_str!("../data/protocol_mismatch.json"))
        .unwrap_or_else(|e| {
            panic!("data/protocol_mismatch.json is shipped in the binary and must parse: {e}")
        });
    MismatchTable {
        codes: file.codes.into_iter().map(|c| c.code).collect(),
        phrases: file
            .phrases
            .into_iter()
            .map(|p| p.all.iter().map(|f| normalize(f)).collect())
            .collect(),
    }
});

#[cfg(test)]
mod tests {
    use super::*;

    const CHAT: Api = Api::ChatCompletions;
    const RESP: Api = Api::Responses;

    fn account(id: &str) -> AccountId {
        AccountId::from(id.to_owned())
    }

    fn route(id: &str, model: &str) -> Route {
        Route::new(account(id), model, CHAT)
    }

    fn error(kind: ErrorKind, status: Option<u16>, message: &str) -> LlmError {
        let mut e = LlmError::new(kind, message);
        e.status = status;
        e
    }

    fn rate_limit(retry_after: Option<Duration>) -> LlmError {
        let mut e = error(
            ErrorKind::RateLimit,
            Some(429),
            "The provider is rate-limiting this account (HTTP 429): Rate limit reached",
        );
        e.provider_code = Some("rate_limit_exceeded".into());
        e.retry_after = retry_after;
        e
    }

    fn accounts(plan: &Plan) -> Vec<String> {
        plan.order
            .iter()
            .map(|r| r.account_id.to_string())
            .collect()
    }

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn priority_keeps_the_given_order_and_fails_over_along_it() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [route("a", "m"), route("b", "m"), route("c", "m")];
        let plan = router.plan(&routes, Strategy::Priority, t0);
        assert_eq!(accounts(&plan), ["a", "b", "c"]);
        assert!(plan.skipped.is_empty());

        let decision = router.on_failure(
            &plan.order[0],
            &error(ErrorKind::Server, Some(502), "Bad Gateway"),
            false,
            t0,
        );
        assert!(
            matches!(decision, Decision::Failover { .. }),
            "{decision:?}"
        );
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, t0)),
            ["b", "c", "a"],
            "a failed provider is tried after the healthy ones, not skipped"
        );
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, t0 + FAILURE_DEMOTION)),
            ["a", "b", "c"],
            "the demotion ends"
        );
    }

    #[test]
    fn round_robin_spreads_the_first_try_across_calls() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [route("a", "m"), route("b", "m"), route("c", "m")];
        let firsts: Vec<Vec<String>> = (0..4)
            .map(|_| accounts(&router.plan(&routes, Strategy::RoundRobin, t0)))
            .collect();
        assert_eq!(
            firsts,
            [
                vec!["a", "b", "c"],
                vec!["b", "c", "a"],
                vec!["c", "a", "b"],
                vec!["a", "b", "c"]
            ]
        );

        let other_set = [route("a", "x"), route("b", "x")];
        assert_eq!(
            accounts(&router.plan(&other_set, Strategy::RoundRobin, t0)),
            ["a", "b"],
            "each route set keeps its own position"
        );
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::RoundRobin, t0)),
            ["b", "c", "a"]
        );
        assert!(router.plan(&[], Strategy::RoundRobin, t0).order.is_empty());
    }

    #[test]
    fn least_recently_limited_prefers_never_limited_then_oldest() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [
            route("a", "m"),
            route("b", "m"),
            route("c", "m"),
            route("d", "m"),
        ];
        let _ = router.on_failure(&routes[0], &rate_limit(Some(secs(5))), false, t0);
        let _ = router.on_failure(&routes[2], &rate_limit(Some(secs(5))), false, t0 + secs(1));
        let later = t0 + secs(60);
        let plan = router.plan(&routes, Strategy::LeastRecentlyLimited, later);
        assert_eq!(
            accounts(&plan),
            ["b", "d", "a", "c"],
            "never limited first (given order), then the oldest limit"
        );
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, later)),
            ["a", "b", "c", "d"],
            "a limit that has passed does not reorder priority"
        );
    }

    #[test]
    fn rate_limit_with_retry_after_cools_exactly_that_long() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [route("a", "m"), route("b", "m")];
        let decision = router.on_failure(&routes[0], &rate_limit(Some(secs(42))), false, t0);
        assert_eq!(
            decision,
            Decision::Failover {
                reason: FailoverReason::RateLimited {
                    cooldown: secs(42),
                    asked_by_provider: true
                }
            }
        );
        assert_eq!(decision.to_string(), "rate-limited, cooling down 42 s");

        let plan = router.plan(&routes, Strategy::Priority, t0 + secs(41));
        assert_eq!(accounts(&plan), ["b"]);
        assert_eq!(
            plan.skipped,
            [Skipped {
                route: routes[0].clone(),
                reason: SkipReason::CoolingDown {
                    remaining: secs(1),
                    cause: CooldownCause::RateLimited
                }
            }]
        );
        assert_eq!(router.cooldown(&account("a"), t0 + secs(41)), Some(secs(1)));

        let plan = router.plan(&routes, Strategy::Priority, t0 + secs(42));
        assert_eq!(
            accounts(&plan),
            ["a", "b"],
            "back exactly when the wait ends"
        );
        assert_eq!(router.cooldown(&account("a"), t0 + secs(42)), None);
    }

    #[test]
    fn a_long_retry_after_is_capped() {
        let router = Router::new();
        let t0 = Instant::now();
        let decision =
            router.on_failure(&route("a", "m"), &rate_limit(Some(secs(86_400))), false, t0);
        assert_eq!(
            decision.to_string(),
            "rate-limited, cooling down 10 min",
            "{decision:?}"
        );
        assert_eq!(
            router.cooldown(&account("a"), t0),
            Some(MAX_RATE_LIMIT_COOLDOWN)
        );
    }

    #[test]
    fn backoff_doubles_across_consecutive_limits_and_resets_on_success() {
        let router = Router::new();
        let t0 = Instant::now();
        let a = route("a", "m");
        let mut now = t0;
        let mut seen = Vec::new();
        for _ in 0..7 {
            match router.on_failure(&a, &rate_limit(None), false, now) {
                Decision::Failover {
                    reason:
                        FailoverReason::RateLimited {
                            cooldown,
                            asked_by_provider: false,
                        },
                } => {
                    seen.push(cooldown.as_secs());
                    now += cooldown;
                }
                other => panic!("expected a rate-limit failover, got {other:?}"),
            }
        }
        assert_eq!(seen, [30, 60, 120, 240, 480, 600, 600]);

        let zero_wait = rate_limit(Some(Duration::ZERO));
        router.on_success(&a, now);
        assert_eq!(
            router.on_failure(&a, &zero_wait, false, now).to_string(),
            "rate-limited, cooling down 30 s",
            "a success resets the doubling; a zero Retry-After falls back to the backoff"
        );
        assert_eq!(router.cooldown(&account("a"), now), Some(secs(30)));
        router.on_success(&a, now);
        assert_eq!(
            router.cooldown(&account("a"), now),
            None,
            "an answer proves the account works"
        );
    }

    #[test]
    fn auth_marks_needs_attention_and_fails_over_until_cleared() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [route("a", "m"), route("b", "m")];
        let mut rejected = error(
            ErrorKind::Auth,
            Some(401),
            "The provider rejected the API key (HTTP 401): Incorrect API key provided",
        );
        rejected.provider_code = Some("invalid_api_key".into());
        let decision = router.on_failure(&routes[0], &rejected, false, t0);
        assert_eq!(decision.to_string(), "needs attention: key rejected (401)");
        assert_eq!(decision.code(), "needs_attention");
        assert_eq!(
            router.attention(&account("a")),
            Some(rejected.message.clone())
        );

        let later = t0 + secs(86_400);
        let plan = router.plan(&routes, Strategy::Priority, later);
        assert_eq!(accounts(&plan), ["b"], "time does not fix a key");
        assert_eq!(
            plan.skipped[0].reason,
            SkipReason::NeedsAttention {
                message: rejected.message.clone()
            }
        );
        assert_eq!(plan.next_available(), None, "only the user can fix it");
        router.on_success(&routes[1], later);
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, later)),
            ["b"]
        );

        router.clear_attention(&account("a"));
        assert_eq!(router.attention(&account("a")), None);
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, later)),
            ["a", "b"]
        );

        let denied = error(ErrorKind::Auth, Some(403), "Project does not have access");
        assert_eq!(
            router
                .on_failure(&routes[0], &denied, false, later)
                .to_string(),
            "needs attention: access denied (403)"
        );
    }

    #[test]
    fn a_moderation_403_stops_without_blaming_the_key() {
        let router = Router::new();
        let t0 = Instant::now();
        let flagged = error(
            ErrorKind::Auth,
            Some(403),
            "The provider rejected the API key (HTTP 403): Your input was flagged for harassment",
        );
        let decision = router.on_failure(&route("a", "m"), &flagged, false, t0);
        assert_eq!(
            decision,
            Decision::Stop {
                reason: StopReason::Moderation { status: Some(403) }
            }
        );
        assert_eq!(router.attention(&account("a")), None);
    }

    #[test]
    fn nothing_fails_over_after_the_first_token() {
        let router = Router::new();
        let t0 = Instant::now();
        let a = route("a", "m");
        for e in [
            error(
                ErrorKind::Server,
                None,
                "An error occurred during streaming",
            ),
            error(ErrorKind::Stalled, None, "silent"),
            error(ErrorKind::Network, None, "reset"),
            rate_limit(Some(secs(5))),
        ] {
            let decision = router.on_failure(&a, &e, true, t0);
            assert_eq!(
                decision,
                Decision::Stop {
                    reason: StopReason::AnswerStarted
                },
                "{e:?}"
            );
            assert!(decision.to_string().contains("after the answer started"));
        }
        assert_eq!(
            accounts(&router.plan(&[a], Strategy::Priority, t0)),
            ["a"],
            "and no cooldown either"
        );
    }

    #[test]
    fn request_errors_stop_because_they_would_fail_anywhere() {
        let router = Router::new();
        let t0 = Instant::now();
        let a = route("a", "m");
        let mut bad = error(
            ErrorKind::BadRequest,
            Some(400),
            "The provider rejected the request (HTTP 400): Unsupported parameter: 'max_tokens'",
        );
        bad.provider_code = Some("unsupported_parameter".into());
        bad.param = Some("max_tokens".into());
        let decision = router.on_failure(&a, &bad, false, t0);
        assert_eq!(
            decision,
            Decision::Stop {
                reason: StopReason::RequestRejected { status: Some(400) }
            }
        );
        assert_eq!(
            decision.to_string(),
            "request rejected (400); any provider would reject it"
        );
        let filtered = error(ErrorKind::ContentFilter, None, "filtered");
        assert_eq!(
            router.on_failure(&a, &filtered, false, t0),
            Decision::Stop {
                reason: StopReason::ContentFilter
            }
        );
        assert_eq!(router.protocol_for(&account("a"), "m", CHAT), CHAT);
    }

    #[test]
    fn not_found_fails_over_because_model_ids_are_per_provider() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [
            route("a", "openai/gpt-5-1-codex"),
            route("b", "gpt-5.1-codex"),
        ];
        let mut missing = error(ErrorKind::NotFound, Some(404), "The model does not exist");
        missing.provider_code = Some("model_not_found".into());
        let decision = router.on_failure(&routes[0], &missing, false, t0);
        assert_eq!(
            decision.to_string(),
            "model not found at this account (404)"
        );
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, t0)),
            ["a", "b"],
            "the account itself is fine"
        );
    }

    #[test]
    fn provider_failures_fail_over_with_readable_reasons() {
        let router = Router::new();
        let t0 = Instant::now();
        let a = route("a", "m");
        for (e, text) in [
            (
                error(ErrorKind::Server, Some(503), "down"),
                "provider failed (503)",
            ),
            (
                error(ErrorKind::Network, None, "refused"),
                "connection failed",
            ),
            (
                error(ErrorKind::Stalled, None, "silent"),
                "stopped sending before the first token",
            ),
            (
                error(ErrorKind::Incomplete, None, "cut"),
                "answer ended before the first token",
            ),
            (
                error(ErrorKind::Protocol, Some(200), "html"),
                "unexpected reply from the provider (200)",
            ),
        ] {
            let decision = router.on_failure(&a, &e, false, t0);
            assert_eq!(decision.code(), "unavailable");
            assert_eq!(decision.to_string(), text);
        }
        assert_eq!(router.cooldown(&account("a"), t0), None, "no cooldown");
    }

    fn mismatch() -> LlmError {
        error(
            ErrorKind::NotFound,
            Some(404),
            "The provider does not know this model or endpoint (HTTP 404): This model is only \
             supported in v1/responses and not in v1/chat/completions.",
        )
    }

    #[test]
    fn a_protocol_mismatch_switches_once_and_is_remembered_for_that_account_and_model() {
        let router = Router::new();
        let t0 = Instant::now();
        let codex_a = route("a", "gpt-5.1-codex");
        let decision = router.on_failure(&codex_a, &mismatch(), false, t0);
        assert_eq!(decision, Decision::SwitchProtocol { to: RESP });
        assert_eq!(decision.to_string(), "switched to Responses");
        assert_eq!(decision.code(), "protocol_switched");

        assert_eq!(
            router.protocol_for(&account("a"), "gpt-5.1-codex", CHAT),
            RESP
        );
        assert_eq!(
            router.protocol_for(&account("a"), "gpt-5.1", CHAT),
            CHAT,
            "another model at the same account"
        );
        assert_eq!(
            router.protocol_for(&account("b"), "gpt-5.1-codex", CHAT),
            CHAT,
            "the same model at another account"
        );

        let routes = [
            codex_a.clone(),
            route("b", "gpt-5.1-codex"),
            route("a", "gpt-5.1"),
        ];
        let plan = router.plan(&routes, Strategy::Priority, t0);
        let apis: Vec<Api> = plan.order.iter().map(|r| r.api).collect();
        assert_eq!(
            apis,
            [RESP, CHAT, CHAT],
            "the plan applies the remembered choice"
        );

        let switched = codex_a.with_api(RESP);
        router.on_success(&switched, t0);
        assert_eq!(
            router.protocol_for(&account("a"), "gpt-5.1-codex", CHAT),
            RESP
        );
        assert_eq!(
            router.on_failure(&codex_a, &mismatch(), false, t0),
            Decision::SwitchProtocol { to: RESP },
            "a caller still on the old protocol is sent to the remembered one"
        );
        assert_eq!(
            router.remembered_protocols(),
            [Route::new(account("a"), "gpt-5.1-codex", RESP)]
        );
        let restored = Router::new();
        restored.restore_protocols(router.remembered_protocols());
        assert_eq!(
            restored.protocol_for(&account("a"), "gpt-5.1-codex", CHAT),
            RESP
        );
    }

    #[test]
    fn a_mismatch_on_the_switched_protocol_fails_over_without_flipping_back() {
        let router = Router::new();
        let t0 = Instant::now();
        let on_chat = route("a", "odd-model");
        assert_eq!(
            router.on_failure(&on_chat, &mismatch(), false, t0),
            Decision::SwitchProtocol { to: RESP }
        );
        let mut reverse = error(
            ErrorKind::BadRequest,
            Some(400),
            "This model is only supported in v1/chat/completions",
        );
        reverse.provider_code = Some("endpoint_mismatch".into());
        let decision = router.on_failure(&on_chat.with_api(RESP), &reverse, false, t0);
        assert_eq!(
            decision,
            Decision::Failover {
                reason: FailoverReason::NoUsableProtocol
            }
        );
        assert_eq!(
            decision.to_string(),
            "model refused on both chat completions and Responses"
        );
        assert_eq!(router.protocol_for(&account("a"), "odd-model", CHAT), RESP);
    }

    #[test]
    fn mismatches_are_recognised_from_codes_and_phrases() {
        let cases: [(ErrorKind, Option<&str>, &str, bool); 11] = [
            (ErrorKind::BadRequest, Some("endpoint_mismatch"), "", true),
            (ErrorKind::BadRequest, Some("ENDPOINT_MISMATCH"), "", true),
            (
                ErrorKind::BadRequest,
                Some("unsupported_api_for_model"),
                "model gpt-5.3-codex is not accessible via the /chat/completions endpoint",
                true,
            ),
            (
                ErrorKind::BadRequest,
                None,
                "model gpt-5.3-codex is not accessible via the /chat/completions endpoint",
                true,
            ),
            (
                ErrorKind::BadRequest,
                None,
                "This is not a chat model and thus not supported in the v1/chat/completions \
                 endpoint. Did you mean to use v1/completions?",
                true,
            ),
            (
                ErrorKind::Server,
                None,
                "Unsupported legacy protocol: /v1/chat/completions is not supported. Please use /v1/responses.",
                true,
            ),
            (ErrorKind::BadRequest, None, "Please USE THE RESPONSES API for this model", true),
            (
                ErrorKind::BadRequest,
                None,
                "This model can ONLY be called via the /responses endpoint!",
                true,
            ),
            (
                ErrorKind::BadRequest,
                Some("unsupported_parameter"),
                "Unsupported parameter: 'max_tokens'",
                false,
            ),
            (
                ErrorKind::RateLimit,
                Some("endpoint_mismatch"),
                "only supported in v1/responses",
                false,
            ),
            (ErrorKind::NotFound, Some("model_not_found"), "The model does not exist", false),
        ];
        for (kind, code, message, expected) in cases {
            let mut e = LlmError::new(kind, message);
            e.provider_code = code.map(str::to_owned);
            assert_eq!(
                is_protocol_mismatch(&e),
                expected,
                "{kind:?} {code:?} {message}"
            );
        }
        assert!(is_protocol_mismatch(&mismatch()), "OpenAI's 404 wording");
    }

    #[test]
    fn the_mismatch_data_file_parses_and_is_not_empty() {
        assert!(MISMATCH.codes.len() >= 2);
        assert!(MISMATCH
            .phrases
            .iter()
            .all(|p| !p.is_empty() && p.iter().all(|f| !f.is_empty())));
    }

    #[test]
    fn quota_cools_down_for_an_hour_and_fails_over() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [route("a", "m"), route("b", "m")];
        let mut quota = error(
            ErrorKind::Quota,
            Some(429),
            "This account is out of credit or quota (HTTP 429): You exceeded your current quota",
        );
        quota.provider_code = Some("insufficient_quota".into());
        quota.retry_after = Some(secs(1));
        let decision = router.on_failure(&routes[0], &quota, false, t0);
        assert_eq!(decision.to_string(), "out of credit, cooling down 1 h");
        assert_eq!(decision.code(), "out_of_credit");
        let plan = router.plan(&routes, Strategy::Priority, t0 + secs(30 * 60));
        assert_eq!(accounts(&plan), ["b"]);
        assert_eq!(
            plan.skipped[0].reason.to_string(),
            "skipped: out of credit, available again in 30 min"
        );
        let _ = router.on_failure(&routes[0], &rate_limit(Some(secs(5))), false, t0);
        assert_eq!(
            router.cooldown(&account("a"), t0),
            Some(QUOTA_COOLDOWN),
            "a shorter limit never cuts a running cooldown"
        );
        assert_eq!(
            accounts(&router.plan(&routes, Strategy::Priority, t0 + QUOTA_COOLDOWN)),
            ["a", "b"]
        );
    }

    #[test]
    fn when_every_route_cools_down_the_plan_lists_them_soonest_first() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [route("a", "m"), route("b", "m"), route("c", "m")];
        let _ = router.on_failure(&routes[0], &rate_limit(Some(secs(90))), false, t0);
        let _ = router.on_failure(&routes[1], &rate_limit(Some(secs(20))), false, t0);
        let _ = router.on_failure(
            &routes[2],
            &error(ErrorKind::Auth, Some(401), "bad key"),
            false,
            t0,
        );
        let plan = router.plan(&routes, Strategy::Priority, t0 + secs(10));
        assert!(plan.order.is_empty());
        let skipped: Vec<&str> = plan
            .skipped
            .iter()
            .map(|s| s.route.account_id.as_str())
            .collect();
        assert_eq!(skipped, ["b", "a", "c"]);
        assert_eq!(plan.next_available(), Some(secs(10)));
    }

    #[test]
    fn the_record_says_who_answered_and_why_the_others_did_not() {
        let router = Router::new();
        let t0 = Instant::now();
        let routes = [
            route("a", "m"),
            route("b", "m"),
            route("c", "gpt-5.1-codex"),
            route("d", "m"),
        ];
        let _ = router.on_failure(&routes[0], &rate_limit(Some(secs(30))), false, t0);
        let plan = router.plan(&routes, Strategy::Priority, t0);
        let mut record = RouteRecord::new(&plan);

        let b = &plan.order[0];
        let mut rejected = error(ErrorKind::Auth, Some(401), "Incorrect API key provided");
        rejected.provider_code = Some("invalid_api_key".into());
        let decision = router.on_failure(b, &rejected, false, t0);
        record.failed(b, &decision);

        let c = &plan.order[1];
        let decision = router.on_failure(c, &mismatch(), false, t0);
        record.failed(c, &decision);
        let Decision::SwitchProtocol { to } = decision else {
            panic!("expected a switch, got {decision:?}");
        };
        let switched = c.with_api(to);
        router.on_success(&switched, t0);
        record.served(&switched);

        let outcomes: Vec<(&str, &str)> = record
            .attempts
            .iter()
            .map(|a| (a.code.as_str(), a.outcome.as_str()))
            .collect();
        assert_eq!(
            outcomes,
            [
                (
                    "cooling_down",
                    "skipped: rate-limited, available again in 30 s"
                ),
                ("needs_attention", "needs attention: key rejected (401)"),
                ("protocol_switched", "switched to Responses"),
            ]
        );
        assert_eq!(
            record.describe(|r| format!("{}/{}", r.account_id, r.model_id)),
            "Answered by c/gpt-5.1-codex. a/m: skipped: rate-limited, available again in 30 s. \
             b/m: needs attention: key rejected (401). c/gpt-5.1-codex: switched to Responses."
        );

        let json = serde_json::to_value(&record).expect("serializes");
        assert_eq!(json["served_by"]["api"], "responses");
        assert_eq!(json["served_by"]["account_id"], "c");
        let back: RouteRecord = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, record);
        assert_eq!(
            RouteRecord::default().describe(|r| r.model_id.clone()),
            "No route answered."
        );
    }

    #[test]
    fn strategies_use_stable_names() {
        assert_eq!(Strategy::default(), Strategy::Priority);
        for (strategy, name) in [
            (Strategy::Priority, "\"priority\""),
            (Strategy::RoundRobin, "\"round_robin\""),
            (Strategy::LeastRecentlyLimited, "\"least_recently_limited\""),
        ] {
            assert_eq!(serde_json::to_string(&strategy).expect("json"), name);
            assert_eq!(
                serde_json::from_str::<Strategy>(name).expect("json"),
                strategy
            );
        }
    }

    #[test]
    fn durations_read_as_people_say_them() {
        for (d, text) in [
            (Duration::ZERO, "0 s"),
            (Duration::from_millis(250), "1 s"),
            (secs(30), "30 s"),
            (secs(90), "1 min 30 s"),
            (secs(600), "10 min"),
            (secs(3600), "1 h"),
            (secs(3600 + 5 * 60 + 7), "1 h 5 min"),
        ] {
            assert_eq!(human(d), text);
        }
    }

    #[test]
    fn a_poisoned_lock_is_still_usable() {
        let router = Router::new();
        let t0 = Instant::now();
        let _ = router.on_failure(&route("a", "m"), &rate_limit(Some(secs(5))), false, t0);
        let poisoned = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let _guard = router.state.lock();
            panic!("poison the lock");
        }));
        assert!(poisoned.is_err() && router.state.is_poisoned());
        assert_eq!(router.cooldown(&account("a"), t0), Some(secs(5)));
    }
}
