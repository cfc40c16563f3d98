//! Where app data lives: `--data-dir`, else `SWITCHBOARD_DATA_DIR`, else the platform's app-data
//! directory. The app and the CLI resolve it the same way so they share accounts and history.

use std::path::PathBuf;

use crate::error::CoreError;

/// The environment variable that overrides the data directory.
pub const DATA_DIR_ENV: &str = "SWITCHBOARD_DATA_DIR";

/// Resolves the data directory from an explicit choice, the environment, or the platform default.
pub fn resolve(explicit: Option<PathBuf>) -> Result<PathBuf, CoreError> {
    if let Some(dir) = explicit {
        return Ok(dir);
    }
    if let Some(dir) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    dirs::data_dir()
        .map(|base| base.join("switchboard"))
        .ok_or_else(|| {
            CoreError::Storage(format!(
                "Cannot find this platform's app-data directory. Set {DATA_DIR_ENV} to a folder \
                 Switchboard may use."
            ))
        })
}

/// Writes `bytes` to a sibling `.tmp` file, flushes it and renames it over `path`, so a crash
/// never leaves half a file behind.
pub fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp)?;
    file.write_all(bytes)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn explicit_choice_wins() -> Result<(), CoreError> {
        assert_eq!(resolve(Some(PathBuf::from("/x/y")))?, PathBuf::from("/x/y"));
        Ok(())
    }
}
