//! Per-account proxies end to end: `sb_llm::proxy::apply` on a real reqwest client, the test
//! proxies of `sb_sim::proxy` and the provider simulator, all on 127.0.0.1.
//!
//! The provider is addressed as `provider.test:PORT`: `.test` never resolves, and the client's
//! DNS resolver here refuses every name (and records it), so a request that does not go through
//! a proxy cannot reach anything, and one that does proves no name was looked up locally. The
//! proxies connect every target to 127.0.0.1.
//!
//! What a proxy can see: through an HTTP proxy an `http://` request is forwarded whole, so the
//! proxy sees its headers, the API key included (inherent to plain-HTTP proxying; Switchboard
//! refuses `http://` to remote hosts unless the account allows it). An `https://` request
//! becomes a `CONNECT` tunnel and a SOCKS5 connection is a tunnel too: the proxy sees the host
//! name and its own credentials only.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use reqwest::dns::{Name, Resolve, Resolving};
use sb_llm::chat_completions::{Message, Role};
use sb_llm::proxy::{apply, NoProxy, ProxyConfig, ProxySettings};
use sb_llm::{AnswerRequest, Api, ChatEvent, Endpoint, ErrorKind, LlmError, Params, StreamConfig};
use sb_secrets::Secret;
use sb_sim::proxy::{Credentials, ProxyKind, TestProxy};
use sb_sim::{Script, SimConfig, Simulator};

const KEY: &str = "sk-proxy-test-KEY-7731";
const USER: &str = "alice";
/// Needs percent-encoding in a URL (`@ : / %41`, a space, non-ASCII): it must arrive unchanged.
const PASSWORD: &str = "p@ss:w/rd%41 é";
const TIMEOUT: Duration = Duration::from_secs(10);

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// A resolver that answers no name and remembers which were asked.
#[derive(Clone, Debug, Default)]
struct NoDns {
    asked: Arc<Mutex<Vec<String>>>,
}

impl NoDns {
    fn asked(&self) -> Vec<String> {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Resolve for NoDns {
    fn resolve(&self, name: Name) -> Resolving {
        self.asked
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(name.as_str().to_owned());
        let message = format!(
            "no DNS in these tests ({} was not looked up)",
            name.as_str()
        );
        Box::pin(async move { Err(message.into()) })
    }
}

async fn simulator() -> Result<Simulator, std::io::Error> {
    Simulator::start(SimConfig {
        api_keys: vec![KEY.into()],
        ..SimConfig::default()
    })
    .await
}

/// A client that routes by `settings` and `no_proxy` and resolves no name itself.
fn client(
    settings: ProxySettings,
    no_proxy: NoProxy,
    dns: &NoDns,
) -> reqwest::Result<reqwest::Client> {
    apply(reqwest::Client::builder(), settings, no_proxy)
        .dns_resolver(Arc::new(dns.clone()))
        .build()
}

/// An explicit proxy at the test proxy's address, with `USER` and the given password.
fn through(proxy: &TestProxy, password: &str) -> Result<ProxySettings, sb_llm::proxy::ProxyError> {
    let address = proxy.url().replacen("://", &format!("://{USER}@"), 1);
    let config = ProxyConfig::parse(&address, Some(Secret::new(password.to_owned())))?;
    Ok(ProxySettings::Explicit(config))
}

fn provider_url(scheme: &str, sim: &Simulator) -> String {
    format!("{scheme}://provider.test:{}/v1", sim.addr().port())
}

async fn list(client: &reqwest::Client, base_url: &str) -> Result<Vec<String>, LlmError> {
    let key = Secret::new(KEY.to_owned());
    let endpoint = Endpoint {
        base_url,
        api_key: &key,
        headers: &[],
    };
    let models = sb_llm::models::list_models(client, endpoint, TIMEOUT).await?;
    Ok(models.into_iter().map(|m| m.id).collect())
}

fn credentials(password: &str) -> Option<Credentials> {
    Some(Credentials::new(USER, password))
}

#[tokio::test]
async fn http_proxy_forwards_with_basic_credentials_that_never_reach_the_provider() -> TestResult {
    let sim = simulator().await?;
    let proxy = TestProxy::http(credentials(PASSWORD)).await?;
    let dns = NoDns::default();
    let no_proxy = NoProxy::parse("other.test, 10.0.0.0/8")?;
    let client = client(through(&proxy, PASSWORD)?, no_proxy, &dns)?;
    let base_url = provider_url("http", &sim);

    let models = list(&client, &base_url).await?;

    assert!(models.iter().any(|m| m == "gpt-5.1"), "{models:?}");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].kind, ProxyKind::Forward);
    assert_eq!(
        (seen[0].host.as_str(), seen[0].port),
        ("provider.test", sim.addr().port())
    );
    assert_eq!(seen[0].target, format!("{base_url}/models"));
    assert_eq!(
        seen[0].credentials,
        credentials(PASSWORD),
        "the password arrives unchanged"
    );
    assert!(seen[0].accepted);
    // Inherent to plain-HTTP forwarding: the proxy sees the forwarded request's headers.
    assert_eq!(
        seen[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/models");
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(requests[0].header("proxy-authorization"), None);
    assert!(dns.asked().is_empty(), "no local lookup: {:?}", dns.asked());
    Ok(())
}

#[tokio::test]
async fn system_http_proxy_takes_credentials_from_the_environment_variable() -> TestResult {
    let sim = simulator().await?;
    let proxy = TestProxy::http(credentials("s3cret/+")).await?;
    let dns = NoDns::default();
    let value = format!("http://{USER}:s3cret%2F+@{}", proxy.addr());
    let settings =
        ProxySettings::system_from(|name| (name == "http_proxy").then(|| value.clone()))?;
    let client = client(settings, NoProxy::default(), &dns)?;

    let models = list(&client, &provider_url("http", &sim)).await?;

    assert!(!models.is_empty());
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].credentials, credentials("s3cret/+"));
    assert_eq!(sim.requests().len(), 1);
    Ok(())
}

#[tokio::test]
async fn a_wrong_proxy_password_is_a_clear_error_and_nothing_reaches_the_provider() -> TestResult {
    let sim = simulator().await?;
    let proxy = TestProxy::http(credentials(PASSWORD)).await?;
    let dns = NoDns::default();
    let client = client(through(&proxy, "wrong")?, NoProxy::default(), &dns)?;

    let plain = list(&client, &provider_url("http", &sim)).await;
    let tunnel = list(&client, &provider_url("https", &sim)).await;

    // Forwarded: the proxy's own 407 answer, with its words.
    let Err(plain) = plain else {
        panic!("a wrong proxy password must fail: {plain:?}");
    };
    assert_eq!(plain.status, Some(407), "{plain:?}");
    assert!(plain.message.contains("HTTP 407"), "{}", plain.message);
    assert!(
        plain.message.contains("Proxy authentication failed"),
        "{}",
        plain.message
    );
    // Tunnelled: the CONNECT is refused before any TLS.
    let Err(tunnel) = tunnel else {
        panic!("a wrong proxy password must fail: {tunnel:?}");
    };
    assert_eq!(tunnel.kind, ErrorKind::Network, "{tunnel:?}");
    assert!(
        tunnel.message.contains("provider.test"),
        "{}",
        tunnel.message
    );
    assert!(tunnel.message.contains("proxy auth"), "{}", tunnel.message);
    let seen = proxy.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert!(seen
        .iter()
        .all(|r| !r.accepted && r.credentials == credentials("wrong")));
    assert_eq!(seen[1].kind, ProxyKind::Connect);
    assert!(sim.requests().is_empty(), "the provider saw nothing");
    Ok(())
}

#[tokio::test]
async fn https_targets_tunnel_through_connect_and_the_key_stays_out_of_the_proxy() -> TestResult {
    let sim = simulator().await?;
    let proxy = TestProxy::http(credentials(PASSWORD)).await?;
    let dns = NoDns::default();
    let client = client(through(&proxy, PASSWORD)?, NoProxy::default(), &dns)?;

    // The simulator speaks plain HTTP, so TLS through the tunnel fails after the CONNECT.
    let result = list(&client, &provider_url("https", &sim)).await;

    let Err(error) = result else {
        panic!("TLS to a plain-HTTP simulator must fail: {result:?}");
    };
    assert_eq!(error.kind, ErrorKind::Network, "{error:?}");
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].kind, ProxyKind::Connect);
    assert_eq!(
        seen[0].target,
        format!("provider.test:{}", sim.addr().port())
    );
    assert_eq!(seen[0].credentials, credentials(PASSWORD));
    assert!(seen[0].accepted);
    assert!(
        seen[0]
            .headers
            .iter()
            .all(|(_, value)| !value.contains(KEY)),
        "the key is not in the CONNECT: {:?}",
        seen[0].headers
    );
    assert!(dns.asked().is_empty(), "no local lookup: {:?}", dns.asked());
    Ok(())
}

#[tokio::test]
async fn socks5h_with_credentials_streams_an_answer_resolved_at_the_proxy() -> TestResult {
    let sim = simulator().await?;
    let answer = "Hello through the tunnel 👋";
    sim.push(Script::reply(answer).chunk_bytes(1, 5).seed(7));
    let proxy = TestProxy::socks5(credentials(PASSWORD)).await?;
    let dns = NoDns::default();
    let client = client(through(&proxy, PASSWORD)?, NoProxy::default(), &dns)?;
    let base_url = provider_url("http", &sim);
    let key = Secret::new(KEY.to_owned());
    let endpoint = Endpoint {
        base_url: &base_url,
        api_key: &key,
        headers: &[],
    };
    let messages = [Message::text(Role::User, "Say hello")];
    let params = Params::default();
    let request = AnswerRequest {
        model: "gpt-5.1",
        messages: &messages,
        params: &params,
        chat: Default::default(),
        stream: true,
        previous_response_id: None,
    };

    let events: Vec<_> = sb_llm::stream_answer(
        &client,
        endpoint,
        Api::ChatCompletions,
        request,
        StreamConfig::default(),
    )
    .collect()
    .await;

    let mut text = String::new();
    for event in events {
        if let ChatEvent::TextDelta { text: delta, .. } = event? {
            text.push_str(&delta);
        }
    }
    assert_eq!(text, answer);
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0].kind, ProxyKind::Socks5);
    assert_eq!(
        (seen[0].host.as_str(), seen[0].port),
        ("provider.test", sim.addr().port())
    );
    assert_eq!(seen[0].credentials, credentials(PASSWORD));
    let requests = sim.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].path, "/v1/chat/completions");
    assert_eq!(
        requests[0].header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert!(
        dns.asked().is_empty(),
        "socks5h resolves at the proxy: {:?}",
        dns.asked()
    );
    Ok(())
}

#[tokio::test]
async fn socks5_with_a_wrong_password_fails_as_a_network_error() -> TestResult {
    let sim = simulator().await?;
    let proxy = TestProxy::socks5(credentials(PASSWORD)).await?;
    let dns = NoDns::default();
    let client = client(through(&proxy, "wrong")?, NoProxy::default(), &dns)?;

    let result = list(&client, &provider_url("http", &sim)).await;

    let Err(error) = result else {
        panic!("a wrong SOCKS5 password must fail: {result:?}");
    };
    assert_eq!(error.kind, ErrorKind::Network, "{error:?}");
    assert!(error.message.contains("provider.test"), "{}", error.message);
    let seen = proxy.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert!(!seen[0].accepted);
    assert_eq!(seen[0].credentials, credentials("wrong"));
    assert!(sim.requests().is_empty(), "the provider saw nothing");
    Ok(())
}

#[tokio::test]
async fn a_loopback_base_url_goes_direct_whatever_proxy_is_configured() -> TestResult {
    let sim = simulator().await?;
    let http = TestProxy::http(None).await?;
    let socks = TestProxy::socks5(None).await?;
    let all_proxy = socks.url();
    let dns = NoDns::default();
    let explicit = through(&http, PASSWORD)?;
    let system =
        ProxySettings::system_from(|name| (name == "ALL_PROXY").then(|| all_proxy.clone()))?;

    for settings in [explicit, system] {
        let client = client(settings, NoProxy::default(), &dns)?;
        let models = list(&client, &sim.base_url()).await?;
        assert!(!models.is_empty());
    }

    assert!(http.seen().is_empty(), "{:?}", http.seen());
    assert!(socks.seen().is_empty(), "{:?}", socks.seen());
    assert_eq!(sim.requests().len(), 2);
    Ok(())
}

#[tokio::test]
async fn a_no_proxy_entry_bypasses_the_proxy() -> TestResult {
    let sim = simulator().await?;
    let proxy = TestProxy::http(None).await?;
    let dns = NoDns::default();
    let no_proxy = NoProxy::parse("example.com .provider.test")?;
    let client = client(through(&proxy, PASSWORD)?, no_proxy, &dns)?;

    // Direct means a local lookup of provider.test, which nothing here answers.
    let result = list(&client, &provider_url("http", &sim)).await;

    let Err(error) = result else {
        panic!("provider.test must not resolve: {result:?}");
    };
    assert_eq!(error.kind, ErrorKind::Network, "{error:?}");
    assert!(error.message.contains("provider.test"), "{}", error.message);
    assert_eq!(dns.asked(), ["provider.test"]);
    assert!(proxy.seen().is_empty(), "{:?}", proxy.seen());
    assert!(sim.requests().is_empty());
    Ok(())
}
