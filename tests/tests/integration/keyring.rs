//! The real OS keyring (Secret Service via gnome-keyring in the test command).

use std::sync::Arc;

use sb_core::{KeyringStore, Switchboard};

use crate::TempDir;

fn require_session_bus() {
    assert!(
        std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some(),
        "Secret Service tests need a session bus with an unlocked gnome-keyring: run them through \
         the README test command (or `.ci/test-layers integration`), which starts both"
    );
}

/// The key stored through the app's code path is readable from the Secret Service through a
/// separate keyring entry, and never appears in the data directory or in what the core returns.
#[test]
fn key_added_through_the_core_lands_in_the_secret_service() {
    require_session_bus();
    let service = format!("dev.switchboard.test.{}", uuid::Uuid::new_v4());
    let key = format!("sk-keyring-test-{}", uuid::Uuid::new_v4());
    let dir = TempDir::new("keyring");
    let core = Switchboard::open(&dir.0, Arc::new(KeyringStore::new(&service))).expect("open");

    let added = core
        .accounts()
        .add(crate::account_input(
            "Keyring",
            "https://api.example.invalid/v1",
            &key,
            "custom",
        ))
        .expect("the keyring accepts the key");

    let separate = keyring::Entry::new(&service, added.account.id.as_str()).expect("entry");
    assert_eq!(
        separate
            .get_password()
            .expect("the Secret Service returns the stored key"),
        format!("switchboard-binding/1 https://api.example.invalid\n{key}"),
        "a fresh keyring entry reads back the key the core stored, bound to the account's origin"
    );
    let listed = core.accounts().list().expect("list");
    assert!(listed[0].has_key, "the UI learns that a key exists");
    assert!(
        !format!("{listed:?}").contains(&key),
        "what the core returns to front ends never carries the key"
    );
    for entry in std::fs::read_dir(&dir.0).expect("read data dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read file");
        assert!(
            !String::from_utf8_lossy(&bytes).contains(&key),
            "{} must not contain the key",
            path.display()
        );
    }
    separate
        .delete_credential()
        .expect("clean up the test entry");
}
