//! Tiny test proxies on 127.0.0.1: an HTTP proxy (absolute-form forwarding and `CONNECT`) and a
//! SOCKS5 proxy (RFC 1928 `CONNECT`, RFC 1929 user name and password).
//!
//! Whatever host a client asks for, both connect only to **127.0.0.1** on the requested port:
//! `http://provider.test:PORT` reaches a simulator listening on 127.0.0.1:PORT, and nothing
//! ever leaves the machine. Each proxy records what it saw (kind, target host and port, the
//! credentials presented, and for HTTP the request headers) before it answers, so a test can
//! read [`TestProxy::seen`] as soon as its request has finished.
//!
//! ```no_run
//! # async fn example() -> std::io::Result<()> {
//! use sb_sim::proxy::{Credentials, TestProxy};
//!
//! let proxy = TestProxy::http(Some(Credentials::new("alice", "secret"))).await?;
//! // ... point a client at proxy.url() and ask for http://provider.test:PORT/v1/models ...
//! let seen = proxy.seen();
//! # Ok(())
//! # }
//! ```

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};

use tokio::io::{copy_bidirectional, AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::{JoinHandle, JoinSet};

/// The longest request head the HTTP proxy reads.
const MAX_HEAD: usize = 64 * 1024;

/// A user name and password, as required by a proxy or as presented by a client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Credentials {
    /// The user name.
    pub user: String,
    /// The password.
    pub password: String,
}

impl Credentials {
    /// Credentials from a user name and a password.
    pub fn new(user: &str, password: &str) -> Self {
        Self {
            user: user.to_owned(),
            password: password.to_owned(),
        }
    }
}

/// How a client used a proxy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProxyKind {
    /// An HTTP request in absolute form (`GET http://host:port/path`), forwarded.
    Forward,
    /// An HTTP `CONNECT host:port` tunnel.
    Connect,
    /// A SOCKS5 `CONNECT`.
    Socks5,
}

/// One request (or tunnel) as a test proxy saw it.
#[derive(Clone, Debug)]
pub struct ProxiedRequest {
    /// How the client used the proxy.
    pub kind: ProxyKind,
    /// The target host as the client named it (a name, or an IP address without brackets).
    /// Empty for a SOCKS5 client refused before it named a target.
    pub host: String,
    /// The target port (0 when not named, as for `host`).
    pub port: u16,
    /// The credentials the client presented (`Proxy-Authorization: Basic`, or RFC 1929).
    pub credentials: Option<Credentials>,
    /// Whether the proxy let the request through.
    pub accepted: bool,
    /// HTTP only: the request target as sent (`http://host:port/path` or `host:port`).
    pub target: String,
    /// HTTP only: the request headers in arrival order, names in lower case. For a forwarded
    /// request they include whatever the client sends to the origin (its `Authorization` too:
    /// a plain-HTTP forward proxy sees the whole request). Empty for SOCKS5.
    pub headers: Vec<(String, String)>,
}

impl ProxiedRequest {
    /// The first value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Which protocol a [`TestProxy`] speaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Http,
    Socks5,
}

#[derive(Debug)]
struct Shared {
    required: Option<Credentials>,
    seen: Mutex<Vec<ProxiedRequest>>,
}

impl Shared {
    fn record(&self, request: ProxiedRequest) {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
    }

    fn allows(&self, presented: Option<&Credentials>) -> bool {
        match &self.required {
            None => true,
            Some(required) => presented == Some(required),
        }
    }
}

/// A proxy on 127.0.0.1 that relays every target to 127.0.0.1. Dropping it stops it and closes
/// every connection.
#[derive(Debug)]
pub struct TestProxy {
    protocol: Protocol,
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: JoinHandle<()>,
}

impl TestProxy {
    /// An HTTP proxy; with `required` credentials, requests without them (or with others) get
    /// `407 Proxy Authentication Required`.
    pub async fn http(required: Option<Credentials>) -> std::io::Result<Self> {
        Self::start(Protocol::Http, required).await
    }

    /// A SOCKS5 proxy; with `required` credentials it asks for RFC 1929 user name and password
    /// and refuses others, without it it takes "no authentication" (and records, but accepts, any
    /// credentials a client insists on).
    pub async fn socks5(required: Option<Credentials>) -> std::io::Result<Self> {
        Self::start(Protocol::Socks5, required).await
    }

    async fn start(protocol: Protocol, required: Option<Credentials>) -> std::io::Result<Self> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            required,
            seen: Mutex::new(Vec::new()),
        });
        let task = tokio::spawn(accept_loop(listener, protocol, Arc::clone(&shared)));
        Ok(Self {
            protocol,
            addr,
            shared,
            task,
        })
    }

    /// The listening address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The proxy's address without credentials: `http://127.0.0.1:PORT`, or
    /// `socks5h://127.0.0.1:PORT` (the proxy resolves names, so `provider.test` needs no DNS).
    pub fn url(&self) -> String {
        match self.protocol {
            Protocol::Http => format!("http://{}", self.addr),
            Protocol::Socks5 => format!("socks5h://{}", self.addr),
        }
    }

    /// Everything seen so far, in arrival order.
    pub fn seen(&self) -> Vec<ProxiedRequest> {
        self.shared
            .seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for TestProxy {
    fn drop(&mut self) {
        // Aborting the accept loop drops its JoinSet, which aborts every connection.
        self.task.abort();
    }
}

async fn accept_loop(listener: TcpListener, protocol: Protocol, shared: Arc<Shared>) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                let shared = Arc::clone(&shared);
                connections.spawn(async move {
                    // A connection that fails only ends itself; what it saw is already recorded.
                    let _ = match protocol {
                        Protocol::Http => serve_http(stream, &shared).await,
                        Protocol::Socks5 => serve_socks5(stream, &shared).await,
                    };
                });
            }
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

// ---- HTTP ----

/// A parsed request head, plus any bytes read after it.
struct Head {
    method: String,
    target: String,
    version: String,
    headers: Vec<(String, String)>,
    rest: Vec<u8>,
}

async fn serve_http(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let Some(head) = read_head(&mut client).await? else {
        return respond(
            &mut client,
            "400 Bad Request",
            "The request head is not HTTP.",
        )
        .await;
    };
    let connect = head.method.eq_ignore_ascii_case("CONNECT");
    let authority = if connect {
        Some(head.target.as_str())
    } else {
        absolute_authority(&head.target)
    };
    let Some((host, port)) = authority.and_then(|a| split_authority(a, !connect)) else {
        let message = "A proxy request needs an absolute http:// URL or CONNECT host:port.";
        return respond(&mut client, "400 Bad Request", message).await;
    };
    let credentials = head
        .headers
        .iter()
        .find(|(name, _)| name == "proxy-authorization")
        .and_then(|(_, value)| basic_credentials(value));
    let accepted = shared.allows(credentials.as_ref());
    shared.record(ProxiedRequest {
        kind: if connect {
            ProxyKind::Connect
        } else {
            ProxyKind::Forward
        },
        host,
        port,
        credentials,
        accepted,
        target: head.target.clone(),
        headers: head.headers.clone(),
    });
    if !accepted {
        let message = "Proxy authentication failed: wrong or missing proxy user name or password.";
        return respond(&mut client, "407 Proxy Authentication Required", message).await;
    }
    let Ok(mut upstream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await else {
        let message = format!("The test proxy could not connect to 127.0.0.1:{port}.");
        return respond(&mut client, "502 Bad Gateway", &message).await;
    };
    if connect {
        client
            .write_all(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            .await?;
    } else {
        upstream.write_all(&origin_head(&head)).await?;
    }
    upstream.write_all(&head.rest).await?;
    copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// Reads up to the blank line after the headers; `None` when it is not an HTTP/1 request head.
async fn read_head(stream: &mut TcpStream) -> std::io::Result<Option<Head>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        if buffer.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let rest = buffer.split_off(end + 4);
    let text = String::from_utf8_lossy(&buffer[..end]).into_owned();
    let mut lines = text.split("\r\n");
    let mut words = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version)) = (words.next(), words.next(), words.next())
    else {
        return Ok(None);
    };
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    Ok(Some(Head {
        method: method.to_owned(),
        target: target.to_owned(),
        version: version.to_owned(),
        headers,
        rest,
    }))
}

/// The authority of an absolute `http://` request target.
fn absolute_authority(target: &str) -> Option<&str> {
    let scheme_end = target.find("://")?;
    if !target[..scheme_end].eq_ignore_ascii_case("http") {
        return None;
    }
    let rest = &target[scheme_end + 3..];
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// The path and query of an absolute request target (`/` when it has none).
fn origin_form(target: &str) -> &str {
    let rest = target.split_once("://").map_or(target, |(_, rest)| rest);
    match rest.find(['/', '?']) {
        Some(at) => &rest[at..],
        None => "/",
    }
}

/// `host:port`, `[v6]:port`, or (for a forwarded request) a host alone meaning port 80.
fn split_authority(authority: &str, default_port: bool) -> Option<(String, u16)> {
    let authority = authority.rsplit_once('@').map_or(authority, |(_, a)| a);
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (host, after) = rest.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        }
    };
    let port = match port {
        Some(port) => port.parse().ok()?,
        None if default_port => 80,
        None => return None,
    };
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

/// The request head for the origin: origin-form target, no proxy headers, one request per
/// connection (so every request passes through [`read_head`] and is recorded).
fn origin_head(head: &Head) -> Vec<u8> {
    let mut out = format!(
        "{} {} {}\r\n",
        head.method,
        origin_form(&head.target),
        head.version
    );
    for (name, value) in &head.headers {
        if matches!(
            name.as_str(),
            "proxy-authorization" | "proxy-connection" | "connection" | "keep-alive"
        ) {
            continue;
        }
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("connection: close\r\n\r\n");
    out.into_bytes()
}

async fn respond(stream: &mut TcpStream, status: &str, message: &str) -> std::io::Result<()> {
    let challenge = if status.starts_with("407") {
        "proxy-authenticate: Basic realm=\"sb-test-proxy\"\r\n"
    } else {
        ""
    };
    let response = format!(
        "HTTP/1.1 {status}\r\n{challenge}content-type: text/plain; charset=utf-8\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{message}",
        message.len()
    );
    stream.write_all(response.as_bytes()).await?;
    stream.shutdown().await
}

/// `Basic base64(user:password)`.
fn basic_credentials(value: &str) -> Option<Credentials> {
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
    let (user, password) = decoded.split_once(':')?;
    Some(Credentials::new(user, password))
}

/// Standard base64 with optional padding.
fn base64_decode(input: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::new();
    let mut bits = 0u32;
    let mut count = 0;
    for c in input.trim_end_matches('=').bytes() {
        bits = (bits << 6) | value(c)?;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
            bits &= (1 << count) - 1;
        }
    }
    Some(out)
}

// ---- SOCKS5 ----

const SOCKS_VERSION: u8 = 5;
const NO_AUTH: u8 = 0x00;
const USER_PASSWORD: u8 = 0x02;
const NO_ACCEPTABLE_METHOD: u8 = 0xFF;

async fn serve_socks5(mut client: TcpStream, shared: &Shared) -> std::io::Result<()> {
    let refused = |credentials| ProxiedRequest {
        kind: ProxyKind::Socks5,
        host: String::new(),
        port: 0,
        credentials,
        accepted: false,
        target: String::new(),
        headers: Vec::new(),
    };
    // Greeting: VER NMETHODS METHODS...
    let [version, count] = read_array::<2>(&mut client).await?;
    if version != SOCKS_VERSION {
        return Ok(());
    }
    let mut methods = vec![0u8; usize::from(count)];
    client.read_exact(&mut methods).await?;
    let method = match &shared.required {
        Some(_) if methods.contains(&USER_PASSWORD) => USER_PASSWORD,
        Some(_) => NO_ACCEPTABLE_METHOD,
        None if methods.contains(&NO_AUTH) => NO_AUTH,
        None if methods.contains(&USER_PASSWORD) => USER_PASSWORD,
        None => NO_ACCEPTABLE_METHOD,
    };
    client.write_all(&[SOCKS_VERSION, method]).await?;
    if method == NO_ACCEPTABLE_METHOD {
        shared.record(refused(None));
        return Ok(());
    }
    let credentials = if method == USER_PASSWORD {
        // RFC 1929: VER ULEN UNAME PLEN PASSWD.
        let [_version, user_len] = read_array::<2>(&mut client).await?;
        let user = read_string(&mut client, user_len).await?;
        let [password_len] = read_array::<1>(&mut client).await?;
        let password = read_string(&mut client, password_len).await?;
        let presented = Credentials { user, password };
        if !shared.allows(Some(&presented)) {
            shared.record(refused(Some(presented)));
            client.write_all(&[1, 1]).await?;
            return Ok(());
        }
        client.write_all(&[1, 0]).await?;
        Some(presented)
    } else {
        None
    };
    // Request: VER CMD RSV ATYP DST.ADDR DST.PORT.
    let [_version, command, _reserved, address_type] = read_array::<4>(&mut client).await?;
    let host = match address_type {
        1 => Ipv4Addr::from(read_array::<4>(&mut client).await?).to_string(),
        3 => {
            let [len] = read_array::<1>(&mut client).await?;
            read_string(&mut client, len).await?
        }
        4 => Ipv6Addr::from(read_array::<16>(&mut client).await?).to_string(),
        _ => {
            // Address type not supported.
            return reply_socks(&mut client, 0x08).await;
        }
    };
    let port = u16::from_be_bytes(read_array::<2>(&mut client).await?);
    shared.record(ProxiedRequest {
        kind: ProxyKind::Socks5,
        host,
        port,
        credentials,
        accepted: command == 1,
        target: String::new(),
        headers: Vec::new(),
    });
    if command != 1 {
        // Command not supported: only CONNECT.
        return reply_socks(&mut client, 0x07).await;
    }
    let Ok(mut upstream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await else {
        // Connection refused.
        return reply_socks(&mut client, 0x05).await;
    };
    reply_socks(&mut client, 0x00).await?;
    copy_bidirectional(&mut client, &mut upstream).await?;
    Ok(())
}

/// A reply with bound address 127.0.0.1:0.
async fn reply_socks(client: &mut TcpStream, status: u8) -> std::io::Result<()> {
    client
        .write_all(&[SOCKS_VERSION, status, 0, 1, 127, 0, 0, 1, 0, 0])
        .await
}

async fn read_array<const N: usize>(stream: &mut TcpStream) -> std::io::Result<[u8; N]> {
    let mut bytes = [0u8; N];
    stream.read_exact(&mut bytes).await?;
    Ok(bytes)
}

async fn read_string(stream: &mut TcpStream, len: u8) -> std::io::Result<String> {
    let mut bytes = vec![0u8; usize::from(len)];
    stream.read_exact(&mut bytes).await?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_basic_credentials() {
        assert_eq!(
            basic_credentials("Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ=="),
            Some(Credentials::new("Aladdin", "open sesame"))
        );
        assert_eq!(basic_credentials("Bearer abc"), None);
        assert_eq!(base64_decode("YQ"), Some(b"a".to_vec()));
        assert_eq!(base64_decode("!!"), None);
    }

    #[test]
    fn authorities_and_targets_split_as_proxies_read_them() {
        assert_eq!(
            absolute_authority("http://provider.test:8080/v1/models"),
            Some("provider.test:8080")
        );
        assert_eq!(absolute_authority("/v1/models"), None);
        assert_eq!(origin_form("http://h:1/v1/models?x=1"), "/v1/models?x=1");
        assert_eq!(origin_form("http://h:1"), "/");
        assert_eq!(
            split_authority("[::1]:443", false),
            Some(("::1".to_owned(), 443))
        );
        assert_eq!(
            split_authority("provider.test", true),
            Some(("provider.test".to_owned(), 80))
        );
        assert_eq!(split_authority("provider.test", false), None);
    }
}
