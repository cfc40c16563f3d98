//! Helpers shared by the integration tests.
#![allow(dead_code)] // each test file uses a different part

use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

/// A fresh folder under the system temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new(name: &str) -> Self {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "sb-store-test-{name}-{}-{nanos}",
            std::process::id()
        ));
        std::fs::create_dir_all(&dir).expect("create temp dir");
        Self(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A hash of a database file and its WAL (absent files hash as absent).
pub fn hash_files(db: &Path) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    for suffix in ["", "-wal"] {
        let path = PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::read(&path) {
            Ok(bytes) => {
                true.hash(&mut hasher);
                bytes.hash(&mut hasher);
            }
            Err(_) => false.hash(&mut hasher),
        }
    }
    hasher.finish()
}

/// Waits long enough that the next timestamp differs (ordering by creation time).
pub fn tick() {
    std::thread::sleep(std::time::Duration::from_millis(3));
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;
