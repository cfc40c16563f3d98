//! The default proxy end to end: set through `Switchboard::settings`, used by every account
//! without a proxy of its own (connection tests and answers), kept across restarts, and never
//! used by an account that has its own.
//!
//! The provider is addressed as `provider.test:PORT` through SOCKS5 proxies that resolve names
//! themselves (`socks5h`) and connect every target to 127.0.0.1, so a request only reaches the
//! simulator through a proxy, and the proxy that carried it records it.

use sb_core::catalog::Verdict;
use sb_core::Switchboard;
use sb_sim::proxy::TestProxy;
use sb_sim::{SimConfig, Simulator};

use crate::{account_input, memory_store, TempDir};

const KEY: &str = "sk-default-proxy-KEY-4410";

#[tokio::test]
async fn accounts_without_a_proxy_use_the_default_one_and_their_own_wins() {
    let sim = Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let default_proxy = TestProxy::socks5(None).await.expect("default proxy");
    let own_proxy = TestProxy::socks5(None).await.expect("own proxy");
    let base_url = format!("http://provider.test:{}/v1", sim.addr().port());
    let dir = TempDir::new("default-proxy");

    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let plain = core
        .accounts()
        .add(sb_core::NewAccount {
            allow_http: true,
            ..account_input("Plain", &base_url, KEY, "custom")
        })
        .expect("add");
    let own = core
        .accounts()
        .add(sb_core::NewAccount {
            allow_http: true,
            proxy: Some(own_proxy.url()),
            ..account_input("Own proxy", &base_url, KEY, "custom")
        })
        .expect("add");
    core.settings()
        .set_default_proxy(Some(&default_proxy.url()))
        .expect("a SOCKS5 default proxy is accepted");

    let report = core
        .chat()
        .test_account(&plain.account.id)
        .await
        .expect("test");
    assert_eq!(
        report.verdict,
        Verdict::Ok,
        "the account without a proxy reaches the provider through the default one: {}",
        report.message
    );
    assert!(
        default_proxy
            .seen()
            .iter()
            .any(|r| r.host == "provider.test" && r.accepted),
        "the default proxy carried it, by name: {:?}",
        default_proxy.seen()
    );

    let before = default_proxy.seen().len();
    let report = core
        .chat()
        .test_account(&own.account.id)
        .await
        .expect("test");
    assert_eq!(report.verdict, Verdict::Ok, "{}", report.message);
    assert_eq!(
        default_proxy.seen().len(),
        before,
        "an account with its own proxy never uses the default one"
    );
    assert!(
        own_proxy.seen().iter().any(|r| r.host == "provider.test"),
        "its own proxy carried it"
    );

    // A new run reads the setting back; clearing it takes effect at the next request.
    drop(core);
    let core = Switchboard::open(&dir.0, memory_store()).expect("reopen");
    assert_eq!(
        core.settings().get().default_proxy,
        Some(default_proxy.url()),
        "the default proxy is kept in settings.json"
    );
    core.settings()
        .set_default_proxy(None)
        .expect("clearing is always fine");
    assert_eq!(core.settings().get().default_proxy, None);
    sim.shutdown().await;
}

#[test]
fn a_default_proxy_with_a_password_in_it_is_refused_without_echoing_it() {
    let dir = TempDir::new("default-proxy-password");
    let core = Switchboard::open(&dir.0, memory_store()).expect("open");
    let error = core
        .settings()
        .set_default_proxy(Some("socks5h://me:hunter2@127.0.0.1:1080"))
        .expect_err("a password in the address is refused");
    let text = error.to_string();
    assert!(
        text.contains("Default proxy") && !text.contains("hunter2"),
        "says which setting and never repeats the password: {text}"
    );
}
