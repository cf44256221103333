#!/usr/bin/env bash
# Builds Salus and serves it on http://127.0.0.1:3000 with an embedded SQLite database,
# installing the build tools first if they are missing. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/toolchain.sh

ensure_wasm_target
ensure_cargo_leptos
ensure_wasm_bindgen
ensure_style
say "Building and serving on http://127.0.0.1:3000 (Ctrl-C to stop)"
exec cargo leptos serve "$@"
