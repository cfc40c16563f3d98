//! The model catalog and per-account limits through the core: models a connection test
//! discovers join the picker and can be routed to, survive a restart, and go with their
//! account; a concurrency limit queues or fails over; nothing written under the data directory
//! ever holds a key.

use std::time::Duration;

use sb_core::catalog::ModelSource;
use sb_core::router::Strategy;
use sb_core::{
    AccountUpdate, Api, Message, Params, Role, Route, RoutedRequest, Switchboard, TurnEvent,
    TurnRequest,
};
use sb_sim::{Script, SimConfig, Simulator};
use tokio_util::sync::CancellationToken;

use crate::{account_input, memory_store, TempDir};

const KEY: &str = "sk-catalog-test-KEY-41b7";

async fn simulator(models: &[&str]) -> Simulator {
    Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        models: models.iter().map(|m| (*m).to_owned()).collect(),
        ..SimConfig::default()
    })
    .await
    .expect("start simulator")
}

fn hello() -> Vec<Message> {
    vec![Message::text(Role::User, "hello")]
}

/// Asks for `model` routed across the accounts by priority; the outcome and the route record.
async fn ask_routed(
    core: &Switchboard,
    model: &str,
) -> (sb_core::TurnOutcome, Option<sb_core::router::RouteRecord>) {
    let mut record = None;
    let mut sink = |event: TurnEvent| {
        if let TurnEvent::Route(r) = event {
            record = Some(r);
        }
    };
    let outcome = core
        .chat()
        .run_routed(
            RoutedRequest {
                model: model.into(),
                strategy: Strategy::Priority,
                messages: hello(),
                params: Params::default(),
                stream: true,
            },
            CancellationToken::new(),
            &mut sink,
        )
        .await;
    (outcome, record)
}

/// Every file under `dir`, recursively, as bytes.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("read dir").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("read file");
                found.push((path, bytes));
            }
        }
    }
    found
}

#[tokio::test]
async fn discovered_models_join_the_picker_route_and_survive_a_restart() {
    let sim = simulator(&["vendor/brand-new-model", "gpt-5.1"]).await;
    let dir = TempDir::new("catalog");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let id = core
        .accounts()
        .add(account_input("Lister", &sim.base_url(), KEY, "custom"))
        .expect("add")
        .account
        .id;
    assert!(
        !core
            .chat()
            .model_groups()
            .iter()
            .any(|g| g.key == "vendor/brand-new-model"),
        "before a connection test only the known models are offered"
    );

    let report = core.chat().test_account(&id).await.expect("test");
    assert_eq!(
        report.verdict,
        sb_core::catalog::Verdict::Ok,
        "{}",
        report.message
    );
    let group = core
        .chat()
        .model_groups()
        .into_iter()
        .find(|g| g.key == "vendor/brand-new-model")
        .expect("the listed model is offered after the test");
    assert_eq!(group.routes.len(), 1);
    assert_eq!(group.routes[0].1.source, ModelSource::Discovered);

    // The listed model can be asked for by name, routed to the account that listed it.
    sim.push(Script::reply("from the new model"));
    let (outcome, _) = ask_routed(&core, "vendor/brand-new-model").await;
    assert_eq!(outcome.text, "from the new model", "{:?}", outcome.end);
    let asked = sim.requests().pop().expect("request");
    assert_eq!(asked.body["model"], "vendor/brand-new-model");

    drop(core);
    let reopened = Switchboard::open(&dir.0, memory_store()).expect("reopen");
    // A new store has no keys, but the catalog is not about keys: the list is still there.
    assert!(
        reopened
            .chat()
            .model_groups()
            .iter()
            .any(|g| g.key == "vendor/brand-new-model"),
        "the discovered list is kept in catalog.json across restarts"
    );
    reopened.chat().forget_account(&id);
    reopened.accounts().remove(&id).expect("remove");
    assert!(
        reopened.chat().model_groups().is_empty(),
        "a removed account's models leave the picker"
    );
}

#[tokio::test]
async fn models_added_by_hand_are_routed_with_their_protocol() {
    let sim = simulator(&[]).await;
    let dir = TempDir::new("manual");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let account = core
        .accounts()
        .add(account_input("Hand", &sim.base_url(), KEY, "custom"))
        .expect("add")
        .account;
    let mut update = AccountUpdate::from_account(&account);
    update.models = vec![sb_core::CustomModel {
        id: "hand-made-1".into(),
        api: Api::Responses,
        logical: Some("gpt-5.1-codex-mini".into()),
        name: Some("Hand made".into()),
    }];
    core.accounts().update(&account.id, update).expect("update");

    sim.push(Script::reply("over responses"));
    let (outcome, _) = ask_routed(&core, "gpt-5.1-codex-mini").await;
    assert_eq!(outcome.text, "over responses", "{:?}", outcome.end);
    let asked = sim.requests().pop().expect("request");
    assert_eq!(
        (asked.path.as_str(), asked.body["model"].as_str()),
        ("/v1/responses", Some("hand-made-1")),
        "the logical model reached the account under the ID and protocol added by hand"
    );
}

fn pinned(account: &sb_core::AccountId) -> TurnRequest {
    TurnRequest {
        route: Route::Account(account.clone()),
        api: Api::ChatCompletions,
        model: "gpt-5.1".into(),
        messages: hello(),
        params: Params::default(),
        stream: true,
        previous_response_id: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrency_limit_queues_pinned_answers_and_says_so() {
    let sim = simulator(&[]).await;
    let dir = TempDir::new("limit");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let account = core
        .accounts()
        .add(sb_core::NewAccount {
            max_concurrent: Some(1),
            ..account_input("Limited", &sim.base_url(), KEY, "custom")
        })
        .expect("add")
        .account;
    // The first answer streams slowly enough for the second to arrive while it runs.
    sim.push(Script::reply("one two three four five six seven eight").tokens_per_second(20.0));
    sim.push(Script::reply("second"));

    let first_core = core.clone();
    let first_request = pinned(&account.id);
    let first = tokio::spawn(async move {
        let mut sink = |_: TurnEvent| {};
        first_core
            .chat()
            .run_turn(first_request, CancellationToken::new(), &mut sink)
            .await
    });
    let started = sim.wait_for_requests(1, Duration::from_secs(10)).await;
    assert_eq!(started.len(), 1, "the first answer started");

    let (notices_tx, mut notices_rx) = tokio::sync::mpsc::unbounded_channel();
    let second_core = core.clone();
    let second_request = pinned(&account.id);
    let second = tokio::spawn(async move {
        let mut sink = |event: TurnEvent| {
            if let TurnEvent::Notice { param, message } = event {
                let _ = notices_tx.send((param, message));
            }
        };
        second_core
            .chat()
            .run_turn(second_request, CancellationToken::new(), &mut sink)
            .await
    });
    let (param, message) = tokio::time::timeout(Duration::from_secs(10), notices_rx.recv())
        .await
        .expect("the queued answer says it waits")
        .expect("a notice");
    assert_eq!(param, "max_concurrent");
    assert!(
        message.contains("Limited") && message.contains("1 answer"),
        "{message}"
    );
    assert_eq!(
        sim.requests().len(),
        1,
        "the second request waits for the first to finish"
    );

    let first = first.await.expect("first");
    let second = second.await.expect("second");
    assert!(
        matches!(first.end, Some(TurnEvent::Finished(_))),
        "{:?}",
        first.end
    );
    assert_eq!(second.text, "second", "{:?}", second.end);
    assert_eq!(sim.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_route_is_left_for_the_next_and_the_record_says_why() {
    let busy_sim = simulator(&[]).await;
    let free_sim = simulator(&[]).await;
    let dir = TempDir::new("busy");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let busy = core
        .accounts()
        .add(sb_core::NewAccount {
            max_concurrent: Some(1),
            ..account_input("Busy", &busy_sim.base_url(), KEY, "custom")
        })
        .expect("add")
        .account;
    core.accounts()
        .add(account_input("Free", &free_sim.base_url(), KEY, "custom"))
        .expect("add");
    busy_sim.push(Script::reply("slow slow slow slow slow slow").tokens_per_second(15.0));
    free_sim.push(Script::reply("from the free account"));

    let first_core = core.clone();
    let first_request = pinned(&busy.id);
    let first = tokio::spawn(async move {
        let mut sink = |_: TurnEvent| {};
        first_core
            .chat()
            .run_turn(first_request, CancellationToken::new(), &mut sink)
            .await
    });
    busy_sim.wait_for_requests(1, Duration::from_secs(10)).await;

    let (routed, record) = ask_routed(&core, "gpt-5.1").await;
    assert_eq!(routed.text, "from the free account", "{:?}", routed.end);
    let record = record.expect("route record");
    assert_eq!(record.attempts.len(), 1, "{record:?}");
    assert_eq!(record.attempts[0].route.account_id, busy.id);
    assert_eq!(record.attempts[0].code, "busy");
    assert!(
        record.attempts[0].outcome.contains("1 answer"),
        "{}",
        record.attempts[0].outcome
    );
    first.await.expect("first");
    assert_eq!(
        busy_sim.requests().len(),
        1,
        "the busy account got no second request"
    );
}

/// Keys and proxy passwords never reach the data directory: after adding accounts, testing
/// them, answering, failing over on a rejected key and a rate limit, and learning a protocol,
/// no file under the data directory contains any secret.
#[tokio::test]
async fn no_file_in_the_data_directory_ever_holds_a_secret() {
    let good = simulator(&[]).await;
    let wrong_key = "sk-WRONG-key-never-on-disk-77";
    let proxy_password = "proxy-password-never-on-disk";
    let dir = TempDir::new("leaks");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let rejected = core
        .accounts()
        .add(account_input(
            "Rejected",
            &good.base_url(),
            wrong_key,
            "starrise",
        ))
        .expect("add");
    let limited = simulator(&[]).await;
    core.accounts()
        .add(sb_core::NewAccount {
            headers: vec![("X-Org-Id".into(), "org-1".into())],
            ..account_input("Limited", &limited.base_url(), KEY, "starrise")
        })
        .expect("add");
    core.accounts()
        .add(sb_core::NewAccount {
            proxy: Some("http://me@127.0.0.1:9".into()),
            proxy_password: Some(sb_core::Secret::new(proxy_password.into())),
            ..account_input("Proxied", &good.base_url(), KEY, "aimlapi")
        })
        .expect("add");
    for summary in core.accounts().list().expect("list") {
        let _ = core.chat().test_account(&summary.account.id).await;
    }
    limited.push(Script::rate_limited(30));
    good.push(Script::reply("answered"));
    let (outcome, _) = ask_routed(&core, "gpt-5.1-codex-mini").await;
    assert!(outcome.end.is_some());
    assert!(
        core.chat()
            .router()
            .attention(&rejected.account.id)
            .is_some()
            || !outcome.text.is_empty(),
        "the run went through the failover paths"
    );

    let files = files_under(&dir.0);
    assert!(
        files.iter().any(|(p, _)| p.ends_with("accounts.json"))
            && files.iter().any(|(p, _)| p.ends_with("catalog.json")),
        "the data directory holds the account list and the catalog: {:?}",
        files.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for secret in [KEY, wrong_key, proxy_password] {
            assert!(
                !text.contains(secret),
                "{} holds a secret ({secret}): {text}",
                path.display()
            );
        }
    }
}
