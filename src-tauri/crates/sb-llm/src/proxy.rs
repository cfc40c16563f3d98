//! Per-account proxies: HTTP, HTTPS and SOCKS5 (with credentials), `NO_PROXY` honoured, and
//! loopback never proxied.
//!
//! The rules are ours, not reqwest's: [`apply`] switches off reqwest's own environment proxy
//! handling and installs one [`reqwest::Proxy::custom`] that asks the pure [`proxy_for`]. So
//! every decision is unit-tested here, and the only thing left to reqwest (0.12) is the
//! transport, which it does like this:
//!
//! - `http://` / `https://` proxy, `http://` target: the request is forwarded in absolute form,
//!   with the credentials as `Proxy-Authorization: Basic …`. The proxy sees the whole request,
//!   headers (the API key) included: that is inherent to plain-HTTP proxying.
//! - `http://` / `https://` proxy, `https://` target: a `CONNECT host:port` tunnel, credentials
//!   in that `CONNECT` only; the proxy sees the host name, never the request inside TLS.
//! - `socks5://`: the target name is resolved here and the proxy gets an IP address;
//!   `socks5h://`: the proxy resolves the name (no DNS lookup on this machine). Credentials go as
//!   RFC 1929 user name and password.
//!
//! A proxy password is never part of a URL the user types or a settings file holds: it is given
//! separately as a [`Secret`] (the OS keyring keeps it) and joined to the URL only for the
//! transport.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use reqwest::Url;
use sb_secrets::Secret;

/// Why a proxy setting could not be used. Every message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProxyError {
    /// The URL has no `scheme://`.
    #[error(
        "The proxy address `{url}` has no scheme. Write it as http://host:port, or with \
         https://, socks5:// or socks5h:// (for example http://proxy.example.com:3128)."
    )]
    MissingScheme {
        /// The input, with any password masked.
        url: String,
    },
    /// The URL does not parse, or names no usable host or port.
    #[error(
        "The proxy address `{url}` is not valid ({reason}). Write it as \
         scheme://[user@]host[:port], for example http://proxy.example.com:3128."
    )]
    Invalid {
        /// The input, with any password masked.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A scheme other than `http`, `https`, `socks5` or `socks5h`.
    #[error(
        "Proxy scheme `{scheme}` is not supported. Use http, https, socks5 or socks5h \
         (socks5h lets the proxy resolve host names)."
    )]
    UnsupportedScheme {
        /// The scheme that was given.
        scheme: String,
    },
    /// The URL itself holds a password, which would then be saved in a plain settings file.
    #[error(
        "The proxy address contains a password. Remove it from the address (keep the user name: \
         {suggestion}) and enter the password in the proxy password field instead: it is kept in \
         the OS keyring, never in the settings file."
    )]
    PasswordInUrl {
        /// The same address without the password.
        suggestion: String,
    },
    /// A path, query or fragment after the host.
    #[error(
        "The proxy address `{url}` has a {part} (`{extra}`). A proxy address is only \
         scheme://[user@]host[:port]: remove `{extra}`."
    )]
    NotJustHost {
        /// The input.
        url: String,
        /// `path`, `query` or `fragment`.
        part: &'static str,
        /// The part to remove.
        extra: String,
    },
    /// A password but no user name to go with it.
    #[error(
        "A proxy password was given but the proxy address has no user name. Put the user name \
         in the address ({example}) or leave the password empty."
    )]
    PasswordWithoutUser {
        /// The address with a placeholder user name.
        example: String,
    },
    /// SOCKS5 credentials longer than the protocol can carry.
    #[error(
        "The SOCKS5 user name and password are too long ({user} and {password} bytes): RFC 1929 \
         carries at most 255 bytes each, and the transport at most 256 bytes together. Use \
         shorter credentials, or an HTTP proxy."
    )]
    CredentialsTooLong {
        /// Length of the user name in bytes.
        user: usize,
        /// Length of the password in bytes.
        password: usize,
    },
    /// A proxy environment variable holds something unusable.
    #[error("The {name} environment variable does not name a usable proxy: {source} Fix or unset {name}.")]
    Variable {
        /// The variable, e.g. `HTTPS_PROXY`.
        name: String,
        /// What is wrong with its value.
        source: Box<ProxyError>,
    },
    /// An entry of a `NO_PROXY` list that is not understood.
    #[error(
        "The no-proxy entry `{entry}` is not understood: {reason}. Entries are host names \
         (example.com, .example.com), IP addresses, CIDR blocks (10.0.0.0/8, fd00::/8) or `*`, \
         each optionally followed by :port, separated by commas or spaces."
    )]
    NoProxyEntry {
        /// The entry as written.
        entry: String,
        /// What is wrong with it.
        reason: String,
    },
}

/// How a proxy is spoken to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Http,
    Https,
    Socks5,
    Socks5h,
}

impl Scheme {
    fn parse(scheme: &str) -> Option<Self> {
        match scheme {
            "http" => Some(Self::Http),
            "https" => Some(Self::Https),
            "socks5" => Some(Self::Socks5),
            "socks5h" => Some(Self::Socks5h),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Http => "http",
            Self::Https => "https",
            Self::Socks5 => "socks5",
            Self::Socks5h => "socks5h",
        }
    }

    fn default_port(self) -> u16 {
        match self {
            Self::Http => 80,
            Self::Https => 443,
            Self::Socks5 | Self::Socks5h => 1080,
        }
    }

    fn is_socks(self) -> bool {
        matches!(self, Self::Socks5 | Self::Socks5h)
    }
}

/// One explicit proxy: `scheme://[user@]host[:port]` plus an optional password kept apart.
///
/// `Debug` shows [`display`](Self::display) and whether there is a password, never the password.
#[derive(Clone, PartialEq, Eq)]
pub struct ProxyConfig {
    display: String,
    has_password: bool,
    /// What the transport gets: the proxy URL with the credentials percent-encoded in it.
    transport: Secret<Url>,
}

impl ProxyConfig {
    /// Reads a proxy address as a user typed it, with the password given separately (from the
    /// OS keyring). Accepted schemes: `http`, `https`, `socks5`, `socks5h`; the port defaults to
    /// 80, 443 or 1080. An address holding a password, a path, a query or a fragment is refused
    /// (a trailing `/` is fine). An empty password counts as none.
    pub fn parse(url: &str, password: Option<Secret<String>>) -> Result<Self, ProxyError> {
        let url = url.trim();
        if !url.contains("://") {
            return Err(ProxyError::MissingScheme { url: mask(url) });
        }
        let parsed = parse_url(url)?;
        if parsed.password().is_some() {
            return Err(ProxyError::PasswordInUrl {
                suggestion: without_password(&parsed),
            });
        }
        let password = password
            .filter(|p| !p.expose().is_empty())
            .map(|p| percent_encode(p.expose()));
        Self::build(url, &parsed, password.as_deref())
    }

    /// Reads a proxy from an environment variable's value. Unlike [`parse`](Self::parse) it
    /// takes `user:password@` in the address (that is where the environment keeps it) and
    /// assumes `http://` when the scheme is missing, as curl does.
    fn from_env_value(value: &str) -> Result<Self, ProxyError> {
        let value = value.trim();
        let with_scheme = if value.contains("://") {
            value.to_owned()
        } else {
            format!("http://{value}")
        };
        let parsed = parse_url(&with_scheme)?;
        let password = parsed.password().map(str::to_owned);
        Self::build(&with_scheme, &parsed, password.as_deref())
    }

    /// Checks a parsed address and joins it with a password that is already percent-encoded.
    fn build(input: &str, parsed: &Url, password: Option<&str>) -> Result<Self, ProxyError> {
        let scheme =
            Scheme::parse(parsed.scheme()).ok_or_else(|| ProxyError::UnsupportedScheme {
                scheme: parsed.scheme().to_owned(),
            })?;
        let host = match parsed.host_str() {
            Some(host) if !host.is_empty() => host.to_owned(),
            _ => return Err(invalid(input, "it names no host")),
        };
        let port = parsed.port().unwrap_or(scheme.default_port());
        if port == 0 {
            return Err(invalid(input, "port 0 is not a port a proxy can listen on"));
        }
        check_just_host(input, parsed)?;
        let user = parsed.username();
        let password = password.filter(|p| !p.is_empty());
        if user.is_empty() && password.is_some() {
            return Err(ProxyError::PasswordWithoutUser {
                example: format!("{}://NAME@{host}:{port}", scheme.as_str()),
            });
        }
        if scheme.is_socks() {
            let user_len = percent_decode(user).len();
            let password_len = password.map_or(0, |p| percent_decode(p).len());
            if user_len > 255 || password_len > 255 || user_len + password_len > 256 {
                return Err(ProxyError::CredentialsTooLong {
                    user: user_len,
                    password: password_len,
                });
            }
        }
        let user_at = if user.is_empty() {
            String::new()
        } else {
            format!("{user}@")
        };
        let display = format!("{}://{user_at}{host}:{port}", scheme.as_str());
        let credentials = match password {
            Some(password) => format!("{user}:{password}@"),
            None => user_at,
        };
        let transport = format!("{}://{credentials}{host}:{port}", scheme.as_str());
        let transport = Url::parse(&transport).map_err(|e| invalid(input, &e.to_string()))?;
        Ok(Self {
            display,
            has_password: password.is_some(),
            transport: Secret::new(transport),
        })
    }

    /// The address without the password, port always shown: `socks5h://alice@proxy:1080`.
    pub fn display(&self) -> String {
        self.display.clone()
    }

    /// The URL the transport connects to, credentials included. Never log it.
    fn transport(&self) -> &Url {
        self.transport.expose()
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProxyConfig")
            .field("url", &self.display)
            .field("has_password", &self.has_password)
            .finish()
    }
}

fn parse_url(input: &str) -> Result<Url, ProxyError> {
    Url::parse(input).map_err(|e| invalid(input, &e.to_string()))
}

fn invalid(input: &str, reason: &str) -> ProxyError {
    ProxyError::Invalid {
        url: mask(input),
        reason: reason.to_owned(),
    }
}

/// Refuses anything after `host:port` except one `/`.
fn check_just_host(input: &str, parsed: &Url) -> Result<(), ProxyError> {
    let refuse = |part, extra: String| {
        Err(ProxyError::NotJustHost {
            url: mask(input),
            part,
            extra,
        })
    };
    if !matches!(parsed.path(), "" | "/") {
        return refuse("path", parsed.path().to_owned());
    }
    if let Some(query) = parsed.query() {
        return refuse("query", format!("?{query}"));
    }
    if let Some(fragment) = parsed.fragment() {
        return refuse("fragment", format!("#{fragment}"));
    }
    Ok(())
}

/// The address with `user:password@` cut down to `user@`, for a message.
fn without_password(parsed: &Url) -> String {
    let host = parsed.host_str().unwrap_or("HOST");
    let port = parsed.port().map(|p| format!(":{p}")).unwrap_or_default();
    let user = match parsed.username() {
        "" => "NAME",
        user => user,
    };
    format!("{}://{user}@{host}{port}", parsed.scheme())
}

/// Masks `user:password@` in an address that is echoed in a message. Everything up to the last
/// `@` goes, even past a `/`, since a password may hold one.
fn mask(input: &str) -> String {
    let Some((scheme, rest)) = input.split_once("://") else {
        return input.to_owned();
    };
    match rest.rfind('@') {
        Some(at) => format!("{scheme}://***{}", &rest[at..]),
        None => input.to_owned(),
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters, so the transport's decoding
/// gives back exactly these bytes (a `%41` in a password stays `%41`).
fn percent_encode(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for byte in raw.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes (others are kept as they are), as the transport does.
fn percent_decode(encoded: &str) -> Vec<u8> {
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(value)) => {
                out.push(value);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// A host as a request names it: an IP address or a lower-case name without a trailing dot.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Host {
    Ip(IpAddr),
    Name(String),
}

impl Host {
    fn parse(host: &str) -> Self {
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        match bare.parse::<IpAddr>() {
            Ok(ip) => Self::Ip(ip),
            Err(_) => Self::Name(host.trim_end_matches('.').to_ascii_lowercase()),
        }
    }

    /// Loopback, or the unspecified address (which reaches this machine on Linux and macOS, and
    /// which a proxy would take as itself).
    fn is_local(&self) -> bool {
        match self {
            Self::Ip(IpAddr::V4(ip)) => ip.is_loopback() || ip.is_unspecified(),
            Self::Ip(IpAddr::V6(ip)) => {
                ip.is_loopback()
                    || ip.is_unspecified()
                    || ip
                        .to_ipv4_mapped()
                        .is_some_and(|v4| v4.is_loopback() || v4.is_unspecified())
            }
            Self::Name(name) => name == "localhost" || name.ends_with(".localhost"),
        }
    }
}

/// Which hosts of a `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Pattern {
    /// `*`.
    Any,
    /// `example.com`, `.example.com` or `*.example.com`: the name and its subdomains.
    Domain(String),
    /// An address (`/32` or `/128`) or a CIDR block.
    Net(IpAddr, u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    pattern: Pattern,
    /// Only this port, when the entry said `:port`.
    port: Option<u16>,
}

impl Entry {
    fn matches(&self, host: &Host, port: u16) -> bool {
        if self.port.is_some_and(|p| p != port) {
            return false;
        }
        match (&self.pattern, host) {
            (Pattern::Any, _) => true,
            (Pattern::Domain(domain), Host::Name(name)) => {
                name == domain
                    || name
                        .strip_suffix(domain.as_str())
                        .is_some_and(|prefix| prefix.ends_with('.'))
            }
            (Pattern::Net(net, bits), Host::Ip(ip)) => in_net(*ip, *net, *bits),
            _ => false,
        }
    }
}

fn in_net(ip: IpAddr, net: IpAddr, bits: u8) -> bool {
    match (ip, net) {
        (IpAddr::V4(ip), IpAddr::V4(net)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(bits)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(net) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(net)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(bits)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(net) & mask
        }
        _ => false,
    }
}

/// Hosts that are reached directly, never through a proxy: the `NO_PROXY` format.
///
/// Entries are separated by commas or whitespace and compared case-insensitively:
/// - `*` matches every host;
/// - `example.com`, `.example.com` and `*.example.com` match `example.com` and its subdomains;
/// - an IP address (`192.168.1.5`, `::1` or `[::1]`) matches that address, a CIDR block
///   (`10.0.0.0/8`, `fd00::/8`) every address in it; names are never resolved to compare them;
/// - `:port` after an entry (`example.com:8080`, `[::1]:8080`) limits it to that port.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NoProxy {
    entries: Vec<Entry>,
}

impl NoProxy {
    /// Reads a list a user typed; an entry that is not understood is an error naming it.
    pub fn parse(list: &str) -> Result<Self, ProxyError> {
        let entries = split_list(list)
            .map(parse_entry)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self { entries })
    }

    /// Reads `NO_PROXY`, else `no_proxy`, from the process environment.
    pub fn from_env() -> Self {
        Self::from_vars(|name| std::env::var(name).ok())
    }

    /// Reads `NO_PROXY`, else `no_proxy`, through `vars`. Entries that are not understood are
    /// skipped, as curl does: the environment is not ours to refuse.
    pub fn from_vars(vars: impl Fn(&str) -> Option<String>) -> Self {
        let list = vars("NO_PROXY")
            .or_else(|| vars("no_proxy"))
            .unwrap_or_default();
        Self {
            entries: split_list(&list)
                .filter_map(|e| parse_entry(e).ok())
                .collect(),
        }
    }

    /// Whether a request to `host` (a name, an IPv4 address or an IPv6 address with or without
    /// brackets) on `port` goes directly.
    pub fn matches(&self, host: &str, port: u16) -> bool {
        self.matches_host(&Host::parse(host), port)
    }

    fn matches_host(&self, host: &Host, port: u16) -> bool {
        self.entries.iter().any(|entry| entry.matches(host, port))
    }
}

fn split_list(list: &str) -> impl Iterator<Item = &str> {
    list.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|entry| !entry.is_empty())
}

fn parse_entry(raw: &str) -> Result<Entry, ProxyError> {
    let refuse = |reason: &str| ProxyError::NoProxyEntry {
        entry: raw.to_owned(),
        reason: reason.to_owned(),
    };
    let lower = raw.to_ascii_lowercase();
    let (host, port) = split_port(&lower).map_err(|reason| refuse(&reason))?;
    let pattern = if host == "*" {
        Pattern::Any
    } else if let Some((address, bits)) = host.split_once('/') {
        let net: IpAddr = address
            .parse()
            .map_err(|_| refuse(&format!("`{address}` before the `/` is not an IP address")))?;
        let max = if net.is_ipv4() { 32 } else { 128 };
        match bits.parse::<u8>() {
            Ok(bits) if bits <= max => Pattern::Net(net, bits),
            _ => return Err(refuse(&format!("the prefix length must be 0 to {max}"))),
        }
    } else if let Ok(ip) = host.parse::<IpAddr>() {
        Pattern::Net(ip, if ip.is_ipv4() { 32 } else { 128 })
    } else {
        Pattern::Domain(parse_domain(host).map_err(|reason| refuse(&reason))?)
    };
    Ok(Entry { pattern, port })
}

/// Splits `host:port`, `[v6]:port`, `[v6]`; a bare IPv6 address (several colons) has no port.
fn split_port(entry: &str) -> Result<(&str, Option<u16>), String> {
    let (host, port) = if let Some(rest) = entry.strip_prefix('[') {
        let (inside, after) = rest
            .split_once(']')
            .ok_or_else(|| "a `[` without its `]`".to_owned())?;
        match after {
            "" => (inside, None),
            _ => match after.strip_prefix(':') {
                Some(port) => (inside, Some(port)),
                None => return Err(format!("`{after}` after the `]` is not :port")),
            },
        }
    } else if entry.matches(':').count() == 1 {
        match entry.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (entry, None),
        }
    } else {
        (entry, None)
    };
    let port = match port {
        None => None,
        Some(port) => match port.parse::<u16>() {
            Ok(p) if p > 0 => Some(p),
            _ => return Err(format!("`{port}` is not a port number (1 to 65535)")),
        },
    };
    if host.is_empty() {
        return Err("it names no host".to_owned());
    }
    Ok((host, port))
}

fn parse_domain(host: &str) -> Result<String, String> {
    let name = host
        .strip_prefix("*.")
        .or_else(|| host.strip_prefix('.'))
        .unwrap_or(host)
        .trim_end_matches('.');
    if name.contains('*') {
        return Err("`*` is understood only alone or as a leading `*.`".to_owned());
    }
    if !name.is_ascii() {
        return Err("write an international domain name in its xn-- form".to_owned());
    }
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !valid {
        return Err("it is not a host name".to_owned());
    }
    Ok(name.to_owned())
}

/// The proxies named by the standard environment variables, read once.
///
/// `HTTPS_PROXY` (else `https_proxy`) serves `https://` targets, `HTTP_PROXY` (else
/// `http_proxy`) `http://` targets, and `ALL_PROXY` (else `all_proxy`) whichever has none. An
/// empty variable counts as unset.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemProxies {
    http: Option<ProxyConfig>,
    https: Option<ProxyConfig>,
    all: Option<ProxyConfig>,
}

/// Which proxy an account uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProxySettings {
    /// No proxy at all, whatever the environment says.
    Direct,
    /// The proxies of the standard environment variables (see [`SystemProxies`]).
    System(Box<SystemProxies>),
    /// One proxy for every request.
    Explicit(ProxyConfig),
}

impl ProxySettings {
    /// [`ProxySettings::System`] from the process environment.
    pub fn system() -> Result<Self, ProxyError> {
        Self::system_from(|name| std::env::var(name).ok())
    }

    /// [`ProxySettings::System`] from `vars` (a variable's value, or `None` when unset). A
    /// variable that names no usable proxy is an error naming it, rather than silently going
    /// direct.
    pub fn system_from(vars: impl Fn(&str) -> Option<String>) -> Result<Self, ProxyError> {
        let read = |names: [&str; 2]| -> Result<Option<ProxyConfig>, ProxyError> {
            let Some((name, value)) = names.iter().find_map(|name| {
                vars(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|v| (*name, v))
            }) else {
                return Ok(None);
            };
            ProxyConfig::from_env_value(&value)
                .map(Some)
                .map_err(|source| ProxyError::Variable {
                    name: name.to_owned(),
                    source: Box::new(source),
                })
        };
        Ok(Self::System(Box::new(SystemProxies {
            http: read(["HTTP_PROXY", "http_proxy"])?,
            https: read(["HTTPS_PROXY", "https_proxy"])?,
            all: read(["ALL_PROXY", "all_proxy"])?,
        })))
    }

    /// The proxy for a target scheme, before the loopback and no-proxy rules.
    fn configured_for(&self, scheme: &str) -> Option<&ProxyConfig> {
        match self {
            Self::Direct => None,
            Self::Explicit(proxy) => Some(proxy),
            Self::System(system) => {
                let specific = match scheme {
                    "https" => system.https.as_ref(),
                    "http" => system.http.as_ref(),
                    _ => None,
                };
                specific.or(system.all.as_ref())
            }
        }
    }
}

/// The proxy a request to `target` goes through, or `None` to go directly.
///
/// 1. Loopback targets never go through a proxy, whatever the settings: `localhost`,
///    `*.localhost`, 127.0.0.0/8, `::1`, IPv4-mapped loopback, and the unspecified addresses
///    `0.0.0.0` and `::` (they reach this machine, and a proxy would take them as itself).
///    Local model servers stay local, and a remote proxy never learns about them.
/// 2. Targets that `no_proxy` matches (host and port) go directly.
/// 3. Otherwise the configured proxy, if any.
///
/// Names are never resolved to decide: a name that only resolves to 127.0.0.1 (an `/etc/hosts`
/// alias) is proxied unless `no_proxy` lists it.
///
/// The returned URL carries the proxy's credentials for the transport: never log it.
pub fn proxy_for(settings: &ProxySettings, no_proxy: &NoProxy, target: &Url) -> Option<Url> {
    let host = Host::parse(target.host_str()?);
    if host.is_local() {
        return None;
    }
    let port = target.port_or_known_default()?;
    if no_proxy.matches_host(&host, port) {
        return None;
    }
    settings
        .configured_for(target.scheme())
        .map(|proxy| proxy.transport().clone())
}

/// Makes `builder` route requests by [`proxy_for`]: reqwest's own proxy handling (which reads
/// the environment by itself) is switched off first, then one custom proxy asks `proxy_for`
/// for every connection. Later calls to `builder.no_proxy()` would remove it again.
pub fn apply(
    builder: reqwest::ClientBuilder,
    settings: ProxySettings,
    no_proxy: NoProxy,
) -> reqwest::ClientBuilder {
    let rules = Arc::new((settings, no_proxy));
    // `no_proxy()` clears every proxy added before it, so it must come first.
    builder
        .no_proxy()
        .proxy(reqwest::Proxy::custom(move |target| {
            proxy_for(&rules.0, &rules.1, target)
        }))
}

#[cfg(test)]
mod tests {
    use super::*;

    type TestResult = Result<(), Box<dyn std::error::Error>>;

    fn secret(value: &str) -> Option<Secret<String>> {
        Some(Secret::new(value.to_owned()))
    }

    fn explicit(address: &str, password: Option<&str>) -> Result<ProxySettings, ProxyError> {
        Ok(ProxySettings::Explicit(ProxyConfig::parse(
            address,
            password.and_then(secret),
        )?))
    }

    fn decide(settings: &ProxySettings, no_proxy: &NoProxy, target: &str) -> Option<String> {
        let target = Url::parse(target).ok()?;
        proxy_for(settings, no_proxy, &target).map(String::from)
    }

    // ---- ProxyConfig::parse ----

    #[test]
    fn parses_each_scheme_with_its_default_port() -> TestResult {
        for (input, display) in [
            ("http://proxy.example.com", "http://proxy.example.com:80"),
            ("https://proxy.example.com", "https://proxy.example.com:443"),
            (
                "socks5://proxy.example.com",
                "socks5://proxy.example.com:1080",
            ),
            (
                "SOCKS5H://Proxy.Example.com/",
                "socks5h://Proxy.Example.com:1080",
            ),
            ("http://alice@10.0.0.2:3128/", "http://alice@10.0.0.2:3128"),
            ("socks5h://[fd00::1]:9050", "socks5h://[fd00::1]:9050"),
        ] {
            assert_eq!(
                ProxyConfig::parse(input, None)?.display(),
                display,
                "{input}"
            );
        }
        Ok(())
    }

    #[test]
    fn the_password_goes_into_the_transport_url_percent_encoded() -> TestResult {
        let proxy = ProxyConfig::parse("http://al%40ice@proxy:3128", secret("p@ss:w/rd%41 é"))?;

        let transport = proxy.transport();

        assert_eq!(transport.username(), "al%40ice");
        assert_eq!(transport.password(), Some("p%40ss%3Aw%2Frd%2541%20%C3%A9"));
        assert_eq!(
            percent_decode(transport.password().unwrap_or_default()),
            "p@ss:w/rd%41 é".as_bytes()
        );
        assert_eq!(proxy.display(), "http://al%40ice@proxy:3128");
        Ok(())
    }

    #[test]
    fn an_empty_password_counts_as_none() -> TestResult {
        let proxy = ProxyConfig::parse("socks5://bob@proxy", secret(""))?;
        assert_eq!(proxy.transport().password(), None);
        assert_eq!(proxy.transport().username(), "bob");
        Ok(())
    }

    #[test]
    fn a_password_in_the_address_is_refused_with_the_address_to_use_instead() {
        let error = ProxyConfig::parse("http://alice:hunter2@proxy:3128", None);

        let Err(error @ ProxyError::PasswordInUrl { .. }) = error else {
            panic!("expected PasswordInUrl, got {error:?}");
        };
        let message = error.to_string();
        assert!(message.contains("http://alice@proxy:3128"), "{message}");
        assert!(message.contains("OS keyring"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn an_unknown_scheme_is_refused_naming_the_accepted_ones() {
        let error = ProxyConfig::parse("socks4://proxy:1080", None);

        let Err(error @ ProxyError::UnsupportedScheme { .. }) = error else {
            panic!("expected UnsupportedScheme, got {error:?}");
        };
        let message = error.to_string();
        assert!(message.contains("`socks4`"), "{message}");
        for accepted in ["http", "https", "socks5", "socks5h"] {
            assert!(message.contains(accepted), "{message}");
        }
    }

    #[test]
    fn an_address_without_scheme_is_refused_with_an_example() {
        let error = ProxyConfig::parse("proxy.example.com:3128", None);

        let Err(error @ ProxyError::MissingScheme { .. }) = error else {
            panic!("expected MissingScheme, got {error:?}");
        };
        assert!(error.to_string().contains("http://host:port"), "{error}");
    }

    #[test]
    fn a_path_query_or_fragment_is_refused_naming_it() {
        for (input, part, extra) in [
            ("http://proxy:3128/pac", "path", "/pac"),
            ("http://proxy:3128/?x=1", "query", "?x=1"),
            ("socks5://proxy:1080#top", "fragment", "#top"),
        ] {
            let error = ProxyConfig::parse(input, None);
            let Err(error @ ProxyError::NotJustHost { .. }) = error else {
                panic!("{input}: expected NotJustHost, got {error:?}");
            };
            let message = error.to_string();
            assert!(message.contains(part), "{message}");
            assert!(message.contains(&format!("remove `{extra}`")), "{message}");
        }
    }

    #[test]
    fn an_address_without_host_or_with_a_bad_port_is_refused() {
        for (input, reason) in [
            ("http://", "empty host"),
            ("socks5://:1080", "empty host"),
            ("socks5://", "names no host"),
            ("http://proxy:99999", "invalid port"),
            ("http://proxy:0", "port 0"),
        ] {
            let error = ProxyConfig::parse(input, None);
            let Err(error @ ProxyError::Invalid { .. }) = error else {
                panic!("{input}: expected Invalid, got {error:?}");
            };
            let message = error.to_string();
            assert!(message.contains(reason), "{input}: {message}");
            assert!(message.contains("scheme://[user@]host[:port]"), "{message}");
        }
    }

    #[test]
    fn an_unparsable_address_is_echoed_with_the_credentials_masked() {
        let error = ProxyConfig::parse("http://alice:hunter2@pro xy:3128", None);

        let Err(error @ ProxyError::Invalid { .. }) = error else {
            panic!("expected Invalid, got {error:?}");
        };
        let message = error.to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(message.contains("http://***@pro xy:3128"), "{message}");
    }

    #[test]
    fn an_unparsable_address_never_echoes_a_password_holding_a_slash() {
        let error = ProxyConfig::parse("http://alice:hun/ter2@proxy:3128", None);

        let message = format!(
            "{:?} {}",
            error,
            error
                .clone()
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        );
        assert!(error.is_err());
        assert!(!message.contains("ter2"), "{message}");
    }

    #[test]
    fn display_is_an_address_parse_takes_back() -> TestResult {
        for input in [
            "http://proxy.example.com",
            "SOCKS5H://al%40ice@[fd00::1]:9050/",
            "https://bob@10.0.0.2",
        ] {
            let shown = ProxyConfig::parse(input, None)?.display();
            assert_eq!(
                ProxyConfig::parse(&shown, None)?.display(),
                shown,
                "{input}"
            );
        }
        Ok(())
    }

    #[test]
    fn a_password_without_user_is_refused_with_an_example() {
        let error = ProxyConfig::parse("http://proxy:3128", secret("hunter2"));

        let Err(error @ ProxyError::PasswordWithoutUser { .. }) = error else {
            panic!("expected PasswordWithoutUser, got {error:?}");
        };
        let message = error.to_string();
        assert!(message.contains("http://NAME@proxy:3128"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn socks5_credentials_longer_than_the_protocol_carries_are_refused() {
        let long = "x".repeat(200);

        let error = ProxyConfig::parse(&format!("socks5://{long}@proxy"), secret(&long));

        let Err(error @ ProxyError::CredentialsTooLong { .. }) = error else {
            panic!("expected CredentialsTooLong, got {error:?}");
        };
        let message = error.to_string();
        assert!(message.contains("200 and 200 bytes"), "{message}");
        assert!(message.contains("an HTTP proxy"), "{message}");
        // The same credentials are fine for an HTTP proxy (Basic has no such limit).
        assert!(ProxyConfig::parse(&format!("http://{long}@proxy"), secret(&long)).is_ok());
    }

    #[test]
    fn debug_never_shows_the_password() -> TestResult {
        let proxy = ProxyConfig::parse("socks5h://alice@proxy:1080", secret("hunter2"))?;
        let settings = ProxySettings::Explicit(proxy.clone());

        let printed = format!("{proxy:?} {settings:?} {:#?}", settings);

        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(printed.contains("socks5h://alice@proxy:1080"), "{printed}");
        assert!(printed.contains("has_password: true"), "{printed}");
        Ok(())
    }

    // ---- NoProxy ----

    #[test]
    fn no_proxy_names_match_the_host_and_its_subdomains_only() -> TestResult {
        let list = NoProxy::parse("example.com, .corp.test *.intra.test")?;

        for host in [
            "example.com",
            "api.example.com",
            "EXAMPLE.com.",
            "corp.test",
            "a.b.corp.test",
            "intra.test",
            "x.intra.test",
        ] {
            assert!(list.matches(host, 443), "{host} bypasses");
        }
        for host in ["notexample.com", "example.com.evil.test", "com", "10.0.0.1"] {
            assert!(!list.matches(host, 443), "{host} is proxied");
        }
        Ok(())
    }

    #[test]
    fn no_proxy_addresses_and_cidr_blocks_match_ip_hosts() -> TestResult {
        let list = NoProxy::parse("192.168.1.5,10.0.0.0/8 fd00::/8,[2001:db8::1] ::2")?;

        for host in [
            "192.168.1.5",
            "10.255.0.1",
            "fd12::3",
            "[fd12::3]",
            "2001:db8::1",
            "[::2]",
        ] {
            assert!(list.matches(host, 80), "{host} bypasses");
        }
        for host in [
            "192.168.1.6",
            "11.0.0.1",
            "fe80::1",
            "2001:db8::2",
            "ten.example",
        ] {
            assert!(!list.matches(host, 80), "{host} is proxied");
        }
        Ok(())
    }

    #[test]
    fn no_proxy_ports_restrict_an_entry_to_that_port() -> TestResult {
        let list = NoProxy::parse("example.com:8080, [::1]:9000, 10.0.0.1:443, 10.1.0.0/16:22")?;

        assert!(list.matches("api.example.com", 8080));
        assert!(!list.matches("api.example.com", 443));
        assert!(list.matches("::1", 9000));
        assert!(!list.matches("::1", 9001));
        assert!(list.matches("10.0.0.1", 443));
        assert!(!list.matches("10.0.0.1", 80));
        assert!(list.matches("10.1.2.3", 22));
        assert!(!list.matches("10.1.2.3", 23));
        Ok(())
    }

    #[test]
    fn no_proxy_star_matches_everything_and_empty_matches_nothing() -> TestResult {
        assert!(NoProxy::parse("*")?.matches("anything.example", 1));
        assert!(NoProxy::parse(" , ")?.entries.is_empty());
        assert!(!NoProxy::default().matches("example.com", 443));
        Ok(())
    }

    #[test]
    fn no_proxy_entries_not_understood_are_refused_naming_them() {
        for (list, entry, reason) in [
            ("ok.test, exa*mple.com", "exa*mple.com", "leading `*.`"),
            ("example.com:http", "example.com:http", "not a port number"),
            ("example.com:0", "example.com:0", "not a port number"),
            ("10.0.0.0/33", "10.0.0.0/33", "0 to 32"),
            ("fd00::/129", "fd00::/129", "0 to 128"),
            ("ten/8", "ten/8", "not an IP address"),
            ("[::1", "[::1", "without its `]`"),
            ("[::1]x", "[::1]x", "is not :port"),
            (":8080", ":8080", "names no host"),
            ("bücher.example", "bücher.example", "xn--"),
            ("a/b@c", "a/b@c", "not an IP address"),
            ("a!b", "a!b", "not a host name"),
        ] {
            let error = NoProxy::parse(list);
            let Err(error @ ProxyError::NoProxyEntry { .. }) = error else {
                panic!("{list}: expected NoProxyEntry, got {error:?}");
            };
            let message = error.to_string();
            assert!(message.contains(&format!("`{entry}`")), "{message}");
            assert!(message.contains(reason), "{list}: {message}");
            assert!(
                message.contains("separated by commas or spaces"),
                "{message}"
            );
        }
    }

    #[test]
    fn no_proxy_from_the_environment_prefers_upper_case_and_skips_bad_entries() {
        let vars = |name: &str| match name {
            "NO_PROXY" => Some("a.test, exa*mple.com, 10.0.0.0/8".to_owned()),
            "no_proxy" => Some("b.test".to_owned()),
            _ => None,
        };

        let list = NoProxy::from_vars(vars);

        assert!(list.matches("a.test", 443));
        assert!(list.matches("10.2.3.4", 443));
        assert!(!list.matches("b.test", 443));
        assert_eq!(list.entries.len(), 2);
        let lower = NoProxy::from_vars(|n| (n == "no_proxy").then(|| "b.test".to_owned()));
        assert!(lower.matches("b.test", 443));
    }

    // ---- proxy_for ----

    #[test]
    fn loopback_is_never_proxied_with_an_explicit_proxy_or_all_proxy() -> TestResult {
        let explicit = explicit("http://alice@proxy.example:3128", Some("pw"))?;
        let system = ProxySettings::system_from(|name| {
            (name == "ALL_PROXY").then(|| "socks5h://proxy.example:1080".to_owned())
        })?;
        for settings in [&explicit, &system] {
            for target in [
                "http://localhost:11434/v1",
                "http://LOCALHOST.:1234/v1",
                "https://api.localhost/v1",
                "http://127.0.0.1:8080/v1",
                "http://127.1.2.3/v1",
                "http://[::1]:8080/v1",
                "http://[::ffff:127.0.0.1]:8080/v1",
                "http://0.0.0.0:8080/v1",
                "http://[::]:8080/v1",
            ] {
                assert_eq!(
                    decide(settings, &NoProxy::default(), target),
                    None,
                    "{target}"
                );
            }
            // Still proxied: names that only look local, and private (not loopback) addresses.
            for target in [
                "https://localhost.example.com/v1",
                "https://mylocalhost/v1",
                "http://10.0.0.5:8080/v1",
                "http://128.0.0.1/v1",
            ] {
                assert!(
                    decide(settings, &NoProxy::default(), target).is_some(),
                    "{target}"
                );
            }
        }
        Ok(())
    }

    #[test]
    fn no_proxy_matches_go_directly_and_others_through_the_proxy() -> TestResult {
        let settings = explicit("socks5h://alice@127.0.0.1:1080", Some("pw"))?;
        let no_proxy = NoProxy::parse("internal.test, 10.0.0.0/8, api.example.com:8443")?;

        assert_eq!(
            decide(&settings, &no_proxy, "https://llm.internal.test/v1"),
            None
        );
        assert_eq!(
            decide(&settings, &no_proxy, "http://10.1.2.3:8000/v1"),
            None
        );
        assert_eq!(
            decide(&settings, &no_proxy, "https://api.example.com:8443/v1"),
            None
        );
        assert_eq!(
            decide(&settings, &no_proxy, "https://api.example.com/v1").as_deref(),
            Some("socks5h://alice:pw@127.0.0.1:1080")
        );
        Ok(())
    }

    #[test]
    fn an_explicit_proxy_serves_both_schemes_and_direct_serves_none() -> TestResult {
        let settings = explicit("http://alice@proxy.example:3128", Some("pw"))?;
        let none = NoProxy::default();

        for target in ["http://api.example.com/v1", "https://api.example.com/v1"] {
            assert_eq!(
                decide(&settings, &none, target).as_deref(),
                Some("http://alice:pw@proxy.example:3128/"),
                "{target}"
            );
            assert_eq!(decide(&ProxySettings::Direct, &none, target), None);
        }
        Ok(())
    }

    #[test]
    fn system_settings_choose_the_proxy_by_target_scheme_with_all_proxy_as_fallback() -> TestResult
    {
        let vars = |name: &str| {
            match name {
                "HTTPS_PROXY" => Some("http://secure.example:3128"),
                "https_proxy" => Some("http://ignored.example:3128"),
                "http_proxy" => Some("plain.example:8080"),
                "ALL_PROXY" => Some("socks5h://all.example"),
                _ => None,
            }
            .map(str::to_owned)
        };
        let settings = ProxySettings::system_from(vars)?;
        let none = NoProxy::default();

        assert_eq!(
            decide(&settings, &none, "https://api.example.com/v1").as_deref(),
            Some("http://secure.example:3128/")
        );
        assert_eq!(
            decide(&settings, &none, "http://api.example.com/v1").as_deref(),
            Some("http://plain.example:8080/")
        );
        let only_all = ProxySettings::system_from(|name| {
            (name == "all_proxy").then(|| "socks5://u:p%40ss@all.example".to_owned())
        })?;
        for target in ["http://api.example.com/v1", "https://api.example.com/v1"] {
            assert_eq!(
                decide(&only_all, &none, target).as_deref(),
                Some("socks5://u:p%40ss@all.example:1080"),
                "{target}"
            );
        }
        let empty = ProxySettings::system_from(|name| (name == "HTTPS_PROXY").then(String::new))?;
        assert_eq!(decide(&empty, &none, "https://api.example.com/v1"), None);
        Ok(())
    }

    #[test]
    fn system_settings_keep_the_environments_password_out_of_debug() -> TestResult {
        let settings = ProxySettings::system_from(|name| {
            (name == "HTTPS_PROXY").then(|| "http://alice:hunter2@proxy.example:3128".to_owned())
        })?;

        let printed = format!("{settings:?}");

        assert!(!printed.contains("hunter2"), "{printed}");
        assert!(
            printed.contains("http://alice@proxy.example:3128"),
            "{printed}"
        );
        Ok(())
    }

    #[test]
    fn an_unusable_proxy_variable_is_an_error_naming_it() {
        let error = ProxySettings::system_from(|name| {
            (name == "https_proxy").then(|| "ftp://alice:hunter2@proxy.example".to_owned())
        });

        let Err(error @ ProxyError::Variable { .. }) = error else {
            panic!("expected Variable, got {error:?}");
        };
        let message = error.to_string();
        assert!(message.contains("https_proxy"), "{message}");
        assert!(message.contains("`ftp` is not supported"), "{message}");
        assert!(message.contains("Fix or unset https_proxy"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    #[test]
    fn apply_builds_a_client() -> TestResult {
        let settings = explicit("socks5h://alice@127.0.0.1:1080", Some("pw"))?;

        let client = apply(reqwest::Client::builder(), settings, NoProxy::default()).build();

        assert!(client.is_ok(), "{client:?}");
        Ok(())
    }
}
