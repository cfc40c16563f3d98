# Shared by .ci/* scripts: logging and the build cache location.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Cargo looks for installed tools here even when PATH was not set up by rustup's profile.
export PATH="${CARGO_HOME:-$HOME/.cargo}/bin:$PATH"
# Tauri's CLI runs from the root with the app crate in src-tauri (see ARCHITECTURE.md).
export TAURI_APP_PATH=src-tauri
