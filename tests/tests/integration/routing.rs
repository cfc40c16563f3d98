//! Routing across accounts: two simulators pose as Starrise (the model on chat completions under
//! its bare ID) and AI/ML API (the same model only on /responses, under `openai/...`).

use std::time::Duration;

use sb_core::router::{Route, RouteRecord, Strategy};
use sb_core::{
    AccountId, Api, Message, Params, Role, RoutedRequest, Switchboard, TurnEvent, TurnOutcome,
};
use sb_sim::{Ending, Script, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

use crate::{memory_store, TempDir};

const KEY: &str = "sk-routing-test";
const MODEL: &str = "gpt-5.1-codex-mini";

struct Setup {
    core: Switchboard,
    starrise: (Simulator, AccountId),
    aimlapi: (Simulator, AccountId),
    _dir: TempDir,
}

async fn provider(core: &Switchboard, preset: &str, key: &str) -> (Simulator, AccountId) {
    let sim = Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        ..SimConfig::default()
    })
    .await
    .expect("start simulator");
    let id = core
        .accounts()
        .add(crate::account_input(preset, &sim.base_url(), key, preset))
        .expect("add account")
        .account
        .id;
    (sim, id)
}

async fn setup(starrise_key: &str) -> Setup {
    let dir = TempDir::new("routing");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open core");
    let starrise = provider(&core, "starrise", starrise_key).await;
    let aimlapi = provider(&core, "aimlapi", KEY).await;
    Setup {
        core,
        starrise,
        aimlapi,
        _dir: dir,
    }
}

async fn ask(core: &Switchboard, strategy: Strategy) -> (TurnOutcome, RouteRecord) {
    let request = RoutedRequest {
        model: MODEL.into(),
        strategy,
        messages: vec![Message::text(Role::User, "hi")],
        params: Params::default(),
        stream: true,
    };
    let mut record = None;
    let mut sink = |event: TurnEvent| {
        if let TurnEvent::Route(r) = event {
            record = Some(r);
        }
    };
    let outcome = core
        .chat()
        .run_routed(request, CancellationToken::new(), &mut sink)
        .await;
    (
        outcome,
        record.expect("every routed answer says which route served it"),
    )
}

fn served_by(record: &RouteRecord) -> Option<&Route> {
    record.served_by.as_ref()
}

#[tokio::test]
async fn the_logical_model_maps_to_each_providers_id_and_protocol() {
    let s = setup(KEY).await;
    let routes = s.core.chat().routes_for(MODEL);
    assert_eq!(
        routes,
        [
            Route::new(
                s.starrise.1.clone(),
                "gpt-5.1-codex-mini",
                Api::ChatCompletions
            ),
            Route::new(
                s.aimlapi.1.clone(),
                "openai/gpt-5-1-codex-mini",
                Api::Responses
            ),
        ],
        "one logical model, two providers, two IDs, two protocols"
    );
}

#[tokio::test]
async fn rate_limit_fails_over_and_the_cooled_account_returns_after_retry_after() {
    let s = setup(KEY).await;
    s.starrise.0.push(Script::rate_limited(1));
    s.aimlapi.0.push(Script::reply("from AI/ML API"));

    let (outcome, record) = ask(&s.core, Strategy::Priority).await;

    assert_eq!(outcome.text, "from AI/ML API");
    let served = served_by(&record).expect("served");
    assert_eq!(
        (
            served.account_id.clone(),
            served.model_id.as_str(),
            served.api
        ),
        (
            s.aimlapi.1.clone(),
            "openai/gpt-5-1-codex-mini",
            Api::Responses
        )
    );
    assert_eq!(record.attempts[0].route.account_id, s.starrise.1);
    assert!(
        record.attempts[0].outcome.contains("rate-limited"),
        "{:?}",
        record.attempts
    );
    let aiml_request = s.aimlapi.0.requests().pop().expect("AI/ML API was asked");
    assert_eq!(aiml_request.path, "/v1/responses");
    assert_eq!(aiml_request.body["model"], "openai/gpt-5-1-codex-mini");
    assert_eq!(
        s.starrise.0.requests().len(),
        1,
        "no HTTP retry when another route exists"
    );

    // While cooling down, Starrise is skipped without being asked.
    s.aimlapi.0.push(Script::reply("again from AI/ML API"));
    let (outcome, record) = ask(&s.core, Strategy::Priority).await;
    assert_eq!(outcome.text, "again from AI/ML API");
    assert!(
        record
            .attempts
            .iter()
            .any(|a| a.route.account_id == s.starrise.1),
        "the skip is recorded"
    );
    assert_eq!(
        s.starrise.0.requests().len(),
        1,
        "the cooled account is skipped"
    );

    // After Retry-After has passed, Starrise comes first again.
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    s.starrise.0.push(Script::reply("Starrise is back"));
    let (outcome, record) = ask(&s.core, Strategy::Priority).await;
    assert_eq!(outcome.text, "Starrise is back");
    assert_eq!(
        served_by(&record).map(|r| r.account_id.clone()),
        Some(s.starrise.1.clone())
    );
}

#[tokio::test]
async fn server_error_and_a_dropped_connection_fail_over() {
    for failure in [Script::server_error(), Script::disconnect_before_response()] {
        let s = setup(KEY).await;
        s.starrise.0.push(failure);
        s.aimlapi.0.push(Script::reply("second route"));
        let (outcome, record) = ask(&s.core, Strategy::Priority).await;
        assert_eq!(outcome.text, "second route", "{:?}", record);
        assert_eq!(
            served_by(&record).map(|r| r.account_id.clone()),
            Some(s.aimlapi.1.clone())
        );
    }
}

#[tokio::test]
async fn a_rejected_key_flags_the_account_and_fails_over() {
    let s = setup("sk-wrong").await;
    s.aimlapi.0.push(Script::reply("answered elsewhere"));

    let (outcome, record) = ask(&s.core, Strategy::Priority).await;

    assert_eq!(outcome.text, "answered elsewhere");
    assert!(
        record
            .attempts
            .iter()
            .any(|a| a.route.account_id == s.starrise.1 && a.code.contains("attention")),
        "the account is marked as needing attention: {:?}",
        record.attempts
    );
    assert!(s.core.chat().router().attention(&s.starrise.1).is_some());
}

#[tokio::test]
async fn no_failover_after_the_first_token() {
    let s = setup(KEY).await;
    s.starrise.0.push(
        Script::reply("partial answer").ending(Ending::ErrorInStream {
            code: "server_error".into(),
            message: "upstream died".into(),
        }),
    );
    s.aimlapi.0.push(Script::reply("must not be used"));

    let (outcome, _) = ask(&s.core, Strategy::Priority).await;

    assert_eq!(outcome.text, "partial answer", "what the user saw stays");
    assert!(matches!(outcome.end, Some(TurnEvent::Failed { .. })));
    assert!(
        s.aimlapi.0.requests().is_empty(),
        "the answer had started: no other route is asked"
    );
}

#[tokio::test]
async fn a_request_error_that_would_fail_anywhere_does_not_fail_over() {
    let s = setup(KEY).await;
    s.starrise.0.push(Script::status(
        400,
        sb_sim::error_body("invalid_request_error", "messages is malformed"),
    ));

    let (outcome, _) = ask(&s.core, Strategy::Priority).await;

    assert!(
        matches!(
            outcome.end,
            Some(TurnEvent::Failed {
                code: "bad_request",
                ..
            })
        ),
        "{:?}",
        outcome.end
    );
    assert!(s.aimlapi.0.requests().is_empty());
}

#[tokio::test]
async fn a_protocol_mismatch_switches_once_and_is_remembered() {
    let dir = TempDir::new("routing");
    // One key store for both runs, as a real restart reuses the OS keyring.
    let store = memory_store();
    let core = Switchboard::open(&dir.0, store.clone()).expect("open core");
    let (sim, _) = provider(&core, "starrise", KEY).await;
    sim.push(Script::status(
        400,
        sb_sim::error_body(
            "endpoint_mismatch",
            "This model is only supported in v1/responses",
        ),
    ));
    sim.push(Script::reply("served through /responses"));

    let (outcome, record) = ask(&core, Strategy::Priority).await;

    assert_eq!(outcome.text, "served through /responses");
    let paths: Vec<String> = sim.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(
        paths,
        ["/v1/chat/completions", "/v1/responses"],
        "switched once"
    );
    assert_eq!(served_by(&record).map(|r| r.api), Some(Api::Responses));

    sim.push(Script::reply("straight to /responses"));
    let (outcome, _) = ask(&core, Strategy::Priority).await;
    assert_eq!(outcome.text, "straight to /responses");
    assert_eq!(
        sim.requests().pop().map(|r| r.path),
        Some("/v1/responses".to_owned()),
        "the choice is remembered for this account and model"
    );

    // A restart (a new core on the same data) still knows.
    drop(core);
    let reopened = Switchboard::open(&dir.0, store).expect("reopen core");
    sim.push(Script::reply("remembered across restarts"));
    let (outcome, _) = ask(&reopened, Strategy::Priority).await;
    assert_eq!(outcome.text, "remembered across restarts");
    assert_eq!(
        sim.requests().pop().map(|r| r.path),
        Some("/v1/responses".to_owned()),
        "protocols.json keeps the learned choice"
    );
}

#[tokio::test]
async fn round_robin_spreads_requests_across_accounts() {
    let s = setup(KEY).await;
    for _ in 0..4 {
        s.starrise.0.push(Script::reply("s"));
        s.aimlapi.0.push(Script::reply("a"));
    }
    for _ in 0..4 {
        let (outcome, _) = ask(&s.core, Strategy::RoundRobin).await;
        assert!(matches!(outcome.end, Some(TurnEvent::Finished(_))));
    }
    assert_eq!(
        (s.starrise.0.requests().len(), s.aimlapi.0.requests().len()),
        (2, 2),
        "four answers, two per account"
    );
}
