//! Account connection tests and catalogs against the simulator.

use sb_core::catalog::{ModelSource, Verdict};
use sb_core::{Api, NewAccount, Switchboard};
use sb_sim::{SimConfig, Simulator};

use crate::{account_input, memory_store, TempDir};

const KEY: &str = "sk-accounts-test";

async fn simulator(models: &[&str]) -> Simulator {
    Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        models: models.iter().map(|m| (*m).to_owned()).collect(),
        ..SimConfig::default()
    })
    .await
    .expect("start simulator")
}

fn account(core: &Switchboard, preset: &str, base_url: &str, key: &str) -> sb_core::AccountId {
    core.accounts()
        .add(account_input(
            &format!("{preset} test"),
            base_url,
            key,
            preset,
        ))
        .expect("add account")
        .account
        .id
}

#[tokio::test]
async fn connection_test_lists_models_and_merges_them_with_the_preset() {
    let sim = simulator(&["openai/gpt-5-1-codex-mini", "vendor/brand-new"]).await;
    let dir = TempDir::new("accounts");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let id = account(&core, "aimlapi", &sim.base_url(), KEY);

    let report = core.chat().test_account(&id).await.expect("report");

    assert_eq!(report.verdict, Verdict::Ok, "{}", report.message);
    assert!(
        report.message.contains("2 models are listed"),
        "{}",
        report.message
    );
    let codex = report
        .models
        .iter()
        .find(|m| m.id == "openai/gpt-5-1-codex-mini")
        .expect("codex");
    assert_eq!(
        (codex.api, codex.source, codex.listed),
        (Api::Responses, ModelSource::Preset, true)
    );
    let new = report
        .models
        .iter()
        .find(|m| m.id == "vendor/brand-new")
        .expect("discovered");
    assert_eq!(new.source, ModelSource::Discovered);
    let request = sim.requests().pop().expect("the listing request");
    assert_eq!(
        (request.method.as_str(), request.path.as_str()),
        ("GET", "/v1/models")
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn connection_test_says_plainly_when_the_key_is_wrong_or_the_host_is_down() {
    let sim = simulator(&[]).await;
    let dir = TempDir::new("accounts");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");

    let wrong = account(&core, "custom", &sim.base_url(), "sk-wrong");
    let report = core.chat().test_account(&wrong).await.expect("report");
    assert_eq!(report.verdict, Verdict::KeyRejected);
    assert!(
        report.message.contains("rejected the key"),
        "{}",
        report.message
    );

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
        .port();
    let down = account(&core, "custom", &format!("http://127.0.0.1:{port}/v1"), KEY);
    let report = core.chat().test_account(&down).await.expect("report");
    assert_eq!(report.verdict, Verdict::Unreachable, "{}", report.message);
    assert!(
        report.message.contains(&format!("127.0.0.1:{port}")),
        "{}",
        report.message
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn custom_headers_reach_the_provider_and_disabled_accounts_serve_nothing() {
    let sim = simulator(&[]).await;
    let dir = TempDir::new("accounts");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let id = core
        .accounts()
        .add(NewAccount {
            headers: vec![("X-Org-Id".into(), "org-42".into())],
            ..account_input("With headers", &sim.base_url(), KEY, "custom")
        })
        .expect("add")
        .account
        .id;

    let report = core.chat().test_account(&id).await.expect("report");
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.message);
    let listing = sim.requests().pop().expect("listing");
    assert_eq!(
        listing.header("x-org-id"),
        Some("org-42"),
        "the header goes with every request"
    );

    core.accounts().set_enabled(&id, false).expect("disable");
    assert!(
        core.chat().routes_for("gpt-5.1").is_empty(),
        "a disabled account offers no route"
    );
    let request = sb_core::TurnRequest {
        route: sb_core::Route::Account(id),
        api: Api::ChatCompletions,
        model: "gpt-5.1".into(),
        messages: vec![sb_core::Message::text(sb_core::Role::User, "hi")],
        params: sb_core::Params::default(),
        stream: true,
        previous_response_id: None,
    };
    let mut sink = |_e: sb_core::TurnEvent| {};
    let outcome = core
        .chat()
        .run_turn(
            request,
            tokio_util::sync::CancellationToken::new(),
            &mut sink,
        )
        .await;
    assert!(
        matches!(&outcome.end, Some(sb_core::TurnEvent::Failed { message, .. }) if message.contains("disabled")),
        "{:?}",
        outcome.end
    );
    assert_eq!(
        sim.requests().len(),
        1,
        "nothing was sent for the disabled account"
    );
    sim.shutdown().await;
}
