//! App-wide settings the core acts on, kept in `settings.json` in the data directory and shared
//! by the app and the CLI: today the default proxy, used by every account that has no proxy
//! of its own.
//!
//! The file is the user's own choice, so a damaged one is an error that names it, never
//! silently replaced: a proxy the user relies on must not be dropped for direct connections.

use std::path::{Path, PathBuf};
use std::sync::{PoisonError, RwLock};

use serde::{Deserialize, Serialize};

use crate::error::CoreError;

const FILE_NAME: &str = "settings.json";
const FILE_VERSION: u32 = 1;

/// What the settings hold.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppSettings {
    /// The proxy for accounts without their own (`http`, `https`, `socks5` or `socks5h` URL,
    /// no password); `None`: the system proxy settings. Loopback addresses are never proxied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_proxy: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct SettingsFile {
    version: u32,
    #[serde(flatten)]
    settings: AppSettings,
}

/// The settings, read once and written on every change.
#[derive(Debug)]
pub struct Settings {
    /// `None`: kept in memory only (tests, a service without a data directory).
    path: Option<PathBuf>,
    current: RwLock<AppSettings>,
}

impl Default for Settings {
    fn default() -> Self {
        Self::in_memory()
    }
}

impl Settings {
    /// Settings that are never written anywhere.
    pub fn in_memory() -> Self {
        Self {
            path: None,
            current: RwLock::new(AppSettings::default()),
        }
    }

    /// Reads `settings.json` in `data_dir`; a missing file means the defaults.
    pub fn open(data_dir: &Path) -> Result<Self, CoreError> {
        let path = data_dir.join(FILE_NAME);
        let current = match std::fs::read(&path) {
            Ok(bytes) => parse(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AppSettings::default(),
            Err(e) => {
                return Err(CoreError::Storage(format!(
                    "Cannot read {}: {e}",
                    path.display()
                )))
            }
        };
        Ok(Self {
            path: Some(path),
            current: RwLock::new(current),
        })
    }

    /// The settings now.
    pub fn get(&self) -> AppSettings {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Sets the default proxy (`None` or blank: the system's settings), checked first and saved
    /// before it takes effect. Returns the settings as saved.
    pub fn set_default_proxy(&self, proxy: Option<&str>) -> Result<AppSettings, CoreError> {
        let proxy = match proxy.map(str::trim) {
            None | Some("") => None,
            Some(raw) => Some(crate::account::validate_proxy("Default proxy", raw)?),
        };
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let next = AppSettings {
            default_proxy: proxy,
        };
        self.save(&next)?;
        *current = next.clone();
        Ok(next)
    }

    fn save(&self, settings: &AppSettings) -> Result<(), CoreError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let bytes = serde_json::to_vec_pretty(&SettingsFile {
            version: FILE_VERSION,
            settings: settings.clone(),
        })
        .map_err(|e| CoreError::Storage(format!("Cannot encode the settings: {e}")))?;
        crate::data_dir::write_atomically(path, &bytes)
            .map_err(|e| CoreError::Storage(format!("Cannot save {}: {e}", path.display())))
    }
}

fn parse(path: &Path, bytes: &[u8]) -> Result<AppSettings, CoreError> {
    let file: SettingsFile = serde_json::from_slice(bytes).map_err(|e| {
        CoreError::Storage(format!(
            "{} is damaged ({e}). Fix it or delete it to start from the defaults.",
            path.display()
        ))
    })?;
    if file.version > FILE_VERSION {
        return Err(CoreError::Storage(format!(
            "{} was written by a newer Switchboard (version {}); update the app.",
            path.display(),
            file.version
        )));
    }
    Ok(file.settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sb-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir
    }

    #[test]
    fn a_default_proxy_is_checked_normalized_saved_and_read_back() -> Result<(), CoreError> {
        let dir = dir();
        let settings = Settings::open(&dir)?;
        assert_eq!(settings.get(), AppSettings::default(), "no file: defaults");
        let saved = settings.set_default_proxy(Some("  socks5h://127.0.0.1:1080  "))?;
        assert_eq!(
            saved.default_proxy.as_deref(),
            Some("socks5h://127.0.0.1:1080"),
            "trimmed and in the proxy's own spelling"
        );
        assert_eq!(
            Settings::open(&dir)?.get(),
            saved,
            "a new run reads what was saved"
        );
        settings.set_default_proxy(Some(""))?;
        assert_eq!(
            Settings::open(&dir)?.get().default_proxy,
            None,
            "blank clears it"
        );
        Ok(())
    }

    #[test]
    fn a_bad_proxy_is_refused_with_the_reason_and_changes_nothing() -> Result<(), CoreError> {
        let dir = dir();
        let settings = Settings::open(&dir)?;
        settings.set_default_proxy(Some("http://proxy.example:3128"))?;
        for bad in [
            "proxy.example:3128",
            "ftp://proxy.example",
            "http://u:secret@proxy.example",
        ] {
            let error = settings
                .set_default_proxy(Some(bad))
                .expect_err("a bad proxy is refused");
            let text = error.to_string();
            assert!(
                text.starts_with("Default proxy:") && !text.contains("secret"),
                "names the setting and never echoes a password: {text}"
            );
        }
        assert_eq!(
            Settings::open(&dir)?.get().default_proxy.as_deref(),
            Some("http://proxy.example:3128"),
            "the saved proxy is kept"
        );
        Ok(())
    }

    #[test]
    fn a_damaged_file_is_an_error_that_names_it_and_is_left_alone() {
        let dir = dir();
        std::fs::write(dir.join(FILE_NAME), b"{ not json").expect("write");
        let error = Settings::open(&dir).expect_err("damaged");
        assert!(
            error.to_string().contains("settings.json is damaged"),
            "{error}"
        );
        assert_eq!(
            std::fs::read(dir.join(FILE_NAME)).expect("read"),
            b"{ not json",
            "the user's file is not replaced"
        );
    }
}
