//! Secrets as a type, and the stores that hold them.
//!
//! An API key is a [`Secret<String>`]: its `Debug` output is redacted, it does not implement
//! `Serialize` or `Display`, and reading it takes an explicit [`Secret::expose`]. Keys live in
//! the OS keyring ([`KeyringStore`]: Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows), one entry per account id. There is deliberately no plaintext fallback:
//! when no keyring is reachable the store says so and how to fix it. [`MemoryStore`] exists for
//! unit tests only.
#![deny(missing_docs)]

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

/// A value that must never be printed, logged or serialized.
///
/// `Debug` prints `Secret(***)`; there is no `Display` and no `Serialize`, so a key cannot leak
/// through `{}` formatting, a log line or an IPC payload by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Self(value)
    }

    /// The secret value itself. Call only where it leaves for its destination (the keyring, or
    /// the Authorization header of a request to the account's own origin).
    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl Secret<String> {
    /// The last four characters, for showing which key is stored without showing the key.
    pub fn last_four(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl From<String> for Secret<String> {
    fn from(value: String) -> Self {
        Self(value)
    }
}

/// Why a secret could not be stored or read.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// No keyring service is reachable (no Secret Service on the session bus, no session bus...).
    #[error(
        "No OS keyring is available, so the API key cannot be stored safely ({detail}). \
         On Linux, install and start a Secret Service provider such as gnome-keyring or KeePassXC \
         (with its Secret Service integration) and unlock it, then try again. \
         Switchboard never stores keys in plain files."
    )]
    Unavailable {
        /// What the platform said.
        detail: String,
    },
    /// The keyring exists but refused access (locked, or the request was dismissed).
    #[error(
        "The OS keyring is locked or refused access ({detail}). Unlock it (for example by \
         logging in to your desktop session or opening your keyring manager) and try again."
    )]
    Locked {
        /// What the platform said.
        detail: String,
    },
    /// Anything else the platform reported.
    #[error("The OS keyring failed: {detail}")]
    Backend {
        /// What the platform said.
        detail: String,
    },
}

/// Where account keys are kept. Implementations must never write a key anywhere but their
/// own secure storage.
pub trait SecretStore: Send + Sync + fmt::Debug {
    /// Stores (or replaces) the key of `account`.
    fn set(&self, account: &str, secret: &Secret<String>) -> Result<(), SecretError>;
    /// The key of `account`, or `None` when none is stored.
    fn get(&self, account: &str) -> Result<Option<Secret<String>>, SecretError>;
    /// Deletes the key of `account`; `false` when there was none.
    fn delete(&self, account: &str) -> Result<bool, SecretError>;
    /// Whether the store answers now (never from a cache): reads an entry that never exists.
    fn check(&self) -> Result<(), SecretError> {
        self.get("switchboard-keyring-check").map(|_| ())
    }

    /// What [`SecretStore::get`] would answer from memory, without waiting for anything: a
    /// cache's answer, or `None` when the store would have to be asked (the default). An async
    /// caller hands a remembered key over at once instead of going through a blocking thread.
    fn remembered(&self, account: &str) -> Option<Option<Secret<String>>> {
        let _ = account;
        None
    }
}

/// Remembers what another store answered, for this process: every `get` after the first is
/// served from memory, and `set` and `delete` go through to the store before the memory
/// changes. The keyring on Linux costs a D-Bus connection and a key exchange per call, which
/// the window paid on every question and twice per account on every account list.
///
/// Only writes made through this store are seen: a key changed behind its back (another
/// program, the `sb` command line while the app runs) is seen after a restart, as the account
/// list is. Failures are never remembered, and [`SecretStore::check`] always asks the store.
///
/// Calls that reach the store go one at a time: reads that miss together (the window's first
/// calls, the start-up warm-up) ask the store once, and a read never puts back a value that a
/// write made meanwhile replaced. Reads served from memory never wait for them.
#[derive(Debug)]
pub struct CachingStore<S> {
    inner: S,
    known: Mutex<HashMap<String, Option<Secret<String>>>>,
    /// Held while the store is asked (`get` misses, `set`, `delete`).
    asking: Mutex<()>,
}

impl<S: SecretStore> CachingStore<S> {
    /// Wraps `inner`.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            known: Mutex::new(HashMap::new()),
            asking: Mutex::new(()),
        }
    }

    fn asking(&self) -> std::sync::MutexGuard<'_, ()> {
        self.asking
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn known(&self) -> std::sync::MutexGuard<'_, HashMap<String, Option<Secret<String>>>> {
        // Entries are replaced whole, so a panic while holding the lock leaves none half-written.
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<S: SecretStore> SecretStore for CachingStore<S> {
    fn set(&self, account: &str, secret: &Secret<String>) -> Result<(), SecretError> {
        let _asking = self.asking();
        // Forget first: if the store fails half-way, the next read asks it.
        self.known().remove(account);
        self.inner.set(account, secret)?;
        self.known()
            .insert(account.to_owned(), Some(secret.clone()));
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret<String>>, SecretError> {
        if let Some(known) = self.known().get(account) {
            return Ok(known.clone());
        }
        let _asking = self.asking();
        // Another read may have asked while this one waited.
        if let Some(known) = self.known().get(account) {
            return Ok(known.clone());
        }
        let value = self.inner.get(account)?;
        self.known().insert(account.to_owned(), value.clone());
        Ok(value)
    }

    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        let _asking = self.asking();
        self.known().remove(account);
        let existed = self.inner.delete(account)?;
        self.known().insert(account.to_owned(), None);
        Ok(existed)
    }

    fn check(&self) -> Result<(), SecretError> {
        self.inner.check()
    }

    fn remembered(&self, account: &str) -> Option<Option<Secret<String>>> {
        self.known().get(account).cloned()
    }
}

/// The OS keyring, one entry per account id under one service name.
#[derive(Debug, Clone)]
pub struct KeyringStore {
    service: String,
}

/// The keyring service name the app uses (its bundle identifier).
pub const DEFAULT_SERVICE: &str = "dev.switchboard.app";

impl KeyringStore {
    /// A store whose entries live under `service` (tests pass their own to stay isolated).
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, account: &str) -> Result<keyring::Entry, SecretError> {
        keyring::Entry::new(&self.service, account).map_err(classify)
    }
}

impl Default for KeyringStore {
    fn default() -> Self {
        Self::new(DEFAULT_SERVICE)
    }
}

impl SecretStore for KeyringStore {
    fn set(&self, account: &str, secret: &Secret<String>) -> Result<(), SecretError> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(classify)
    }

    fn get(&self, account: &str) -> Result<Option<Secret<String>>, SecretError> {
        match self.entry(account)?.get_password() {
            Ok(password) => Ok(Some(Secret::new(password))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(other) => Err(classify(other)),
        }
    }

    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(other) => Err(classify(other)),
        }
    }
}

/// Maps keyring's errors to ours. The platform detail is kept: it never contains the secret.
fn classify(error: keyring::Error) -> SecretError {
    let detail = error.to_string();
    match error {
        keyring::Error::PlatformFailure(_) => SecretError::Unavailable { detail },
        keyring::Error::NoStorageAccess(_) => SecretError::Locked { detail },
        _ => SecretError::Backend { detail },
    }
}

/// An in-process store for unit tests. Never used by the app.
#[derive(Debug, Default)]
pub struct MemoryStore {
    entries: Mutex<HashMap<String, Secret<String>>>,
}

impl MemoryStore {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Secret<String>>> {
        // A panic while holding this lock cannot leave the map half-written, so poison is benign.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl SecretStore for MemoryStore {
    fn set(&self, account: &str, secret: &Secret<String>) -> Result<(), SecretError> {
        self.entries().insert(account.to_owned(), secret.clone());
        Ok(())
    }

    fn get(&self, account: &str) -> Result<Option<Secret<String>>, SecretError> {
        Ok(self.entries().get(account).cloned())
    }

    fn delete(&self, account: &str) -> Result<bool, SecretError> {
        Ok(self.entries().remove(account).is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store that counts its calls and can be made to fail, or to hold its reads until let go.
    #[derive(Debug, Default)]
    struct Counting {
        inner: MemoryStore,
        gets: std::sync::atomic::AtomicUsize,
        fail: std::sync::atomic::AtomicBool,
        gate: Option<Gate>,
    }

    /// Each read says it started on the sender, then waits for a word on the receiver.
    type Gate = (
        Mutex<std::sync::mpsc::Sender<()>>,
        Mutex<std::sync::mpsc::Receiver<()>>,
    );

    impl SecretStore for Counting {
        fn set(&self, account: &str, secret: &Secret<String>) -> Result<(), SecretError> {
            if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(SecretError::Locked {
                    detail: "locked".into(),
                });
            }
            self.inner.set(account, secret)
        }

        fn get(&self, account: &str) -> Result<Option<Secret<String>>, SecretError> {
            self.gets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            if let Some((started, release)) = &self.gate {
                let _ = started.lock().map(|s| s.send(()));
                let _ = release.lock().map(|r| r.recv());
            }
            if self.fail.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(SecretError::Locked {
                    detail: "locked".into(),
                });
            }
            self.inner.get(account)
        }

        fn delete(&self, account: &str) -> Result<bool, SecretError> {
            self.inner.delete(account)
        }
    }

    #[test]
    fn the_cache_asks_the_store_once_and_follows_its_own_writes() -> Result<(), SecretError> {
        let store = CachingStore::new(Counting::default());
        let gets = || store.inner.gets.load(std::sync::atomic::Ordering::SeqCst);
        assert_eq!(store.get("a")?, None);
        assert_eq!(store.get("a")?, None, "a missing entry is remembered too");
        assert_eq!(gets(), 1, "one keyring call for two reads");
        store.set("a", &Secret::new("sk-1".into()))?;
        assert_eq!(
            store.get("a")?.map(|s| s.expose().clone()),
            Some("sk-1".into())
        );
        assert_eq!(gets(), 1, "a write is known without asking");
        assert!(store.delete("a")?);
        assert_eq!(store.get("a")?, None, "a delete is known too");
        assert_eq!(gets(), 1);
        Ok(())
    }

    #[test]
    fn reads_that_miss_together_ask_the_store_once() {
        let (started_tx, started) = std::sync::mpsc::channel();
        let (release, release_rx) = std::sync::mpsc::channel();
        let counting = Counting {
            gate: Some((Mutex::new(started_tx), Mutex::new(release_rx))),
            ..Counting::default()
        };
        counting
            .inner
            .set("a", &Secret::new("sk-a".into()))
            .expect("the memory store takes it");
        let store = std::sync::Arc::new(CachingStore::new(counting));
        let read = || {
            let store = store.clone();
            std::thread::spawn(move || store.get("a").map(|s| s.map(|s| s.expose().clone())))
        };
        let first = read();
        started
            .recv_timeout(std::time::Duration::from_secs(10))
            .expect("the first read reaches the store");
        let second = read();
        // Were the second read to ask the store too, it would say so here.
        let asked_again = started.recv_timeout(std::time::Duration::from_millis(200));
        release.send(()).expect("the first read waits");
        if asked_again.is_ok() {
            release.send(()).expect("the second read waits");
        }
        for reader in [first, second] {
            let value = reader.join().expect("no panic").expect("the read succeeds");
            assert_eq!(value.as_deref(), Some("sk-a"));
        }
        assert!(
            asked_again.is_err(),
            "the second read must wait for the first one's answer, not ask the keyring again"
        );
        assert_eq!(
            store.inner.gets.load(std::sync::atomic::Ordering::SeqCst),
            1
        );
    }

    #[test]
    fn the_cache_never_remembers_a_failure_and_check_always_asks() {
        let store = CachingStore::new(Counting::default());
        store
            .inner
            .fail
            .store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(store.get("a").is_err());
        assert!(store.set("a", &Secret::new("sk".into())).is_err());
        assert!(store.check().is_err(), "check reaches the store");
        store
            .inner
            .fail
            .store(false, std::sync::atomic::Ordering::SeqCst);
        assert_eq!(
            store.get("a").ok().flatten(),
            None,
            "the failed write left nothing behind"
        );
        store.check().expect("the store answers again");
        store.check().expect("and again");
        assert_eq!(
            store.inner.gets.load(std::sync::atomic::Ordering::SeqCst),
            5,
            "failed reads, the read after them and every check went to the store"
        );
    }

    #[test]
    fn remembered_answers_only_what_the_cache_already_knows() -> Result<(), SecretError> {
        let store = CachingStore::new(Counting::default());
        store.inner.inner.set("a", &Secret::new("sk-a".into()))?;
        assert!(
            store.remembered("a").is_none(),
            "before the first read the keyring must be asked"
        );
        store.get("a")?;
        assert_eq!(
            store.remembered("a").flatten().map(|s| s.expose().clone()),
            Some("sk-a".into()),
            "after a read the key is in memory"
        );
        assert_eq!(store.remembered("b"), None);
        store.get("b")?;
        assert_eq!(
            store.remembered("b"),
            Some(None),
            "a key known to be missing is remembered as missing"
        );
        store
            .inner
            .fail
            .store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(store.get("c").is_err());
        assert!(
            store.remembered("c").is_none(),
            "a failure is not an answer"
        );
        assert_eq!(
            store.inner.gets.load(std::sync::atomic::Ordering::SeqCst),
            3,
            "remembered never asks the store"
        );
        assert!(
            MemoryStore::default().remembered("a").is_none(),
            "a store without a cache always has to be asked"
        );
        Ok(())
    }

    #[test]
    fn debug_output_never_shows_the_value() {
        let secret = Secret::new("sk-very-secret-1234".to_owned());
        let printed = format!("{secret:?} {:?}", Some(&secret));
        assert!(
            !printed.contains("very-secret"),
            "Debug must redact the key, got {printed}"
        );
        assert_eq!(printed, "Secret(***) Some(Secret(***))");
    }

    #[test]
    fn last_four_shows_only_the_tail() {
        assert_eq!(Secret::new("sk-abcdef1234".to_owned()).last_four(), "1234");
        assert_eq!(
            Secret::new("ab".to_owned()).last_four(),
            "ab",
            "short keys are not padded"
        );
        assert_eq!(
            Secret::new("sk-密钥ü€x".to_owned()).last_four(),
            "钥ü€x",
            "counted in characters, not bytes"
        );
    }

    #[test]
    fn memory_store_round_trip_replace_and_delete() -> Result<(), SecretError> {
        let store = MemoryStore::default();
        assert_eq!(store.get("a")?, None, "nothing stored yet");
        store.set("a", &Secret::new("one".to_owned()))?;
        store.set("a", &Secret::new("two".to_owned()))?;
        assert_eq!(
            store.get("a")?.map(|s| s.expose().clone()),
            Some("two".to_owned()),
            "set replaces"
        );
        assert!(store.delete("a")?, "delete reports an existing entry");
        assert!(!store.delete("a")?, "a second delete finds nothing");
        assert_eq!(store.get("a")?, None);
        Ok(())
    }

    #[test]
    fn unavailable_keyring_message_says_how_to_fix_it() {
        let error = classify(keyring::Error::PlatformFailure("no session bus".into()));
        let message = error.to_string();
        assert!(matches!(error, SecretError::Unavailable { .. }));
        assert!(
            message.contains("gnome-keyring") && message.contains("never stores keys in plain"),
            "the user must learn what to install and that there is no plaintext fallback: {message}"
        );
    }
}
