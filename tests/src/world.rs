//! The environment of a private world for one app launch (E2E sessions and `sb-bench`): its
//! own HOME, XDG folders and data directory under `dir`, so no launch sees another's files.

use std::path::Path;
use std::process::Command;

/// Points `command` at the world under `dir`: `dir/home` (HOME and the XDG folders), `dir/run`
/// (XDG_RUNTIME_DIR, which the caller creates with mode 0700) and `dir/data` (the app's data).
pub fn private_world_env(command: &mut Command, dir: &Path) {
    let home = dir.join("home");
    command
        .env("HOME", &home)
        .env("XDG_DATA_HOME", home.join(".local/share"))
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CACHE_HOME", home.join(".cache"))
        .env("XDG_RUNTIME_DIR", dir.join("run"))
        .env("SWITCHBOARD_DATA_DIR", dir.join("data"))
        // Xvfb has no GPU: with accelerated compositing WebKit does not reliably present
        // frames to the X window (screenshots show an early frame while the DOM is current).
        .env("WEBKIT_DISABLE_COMPOSITING_MODE", "1");
}
