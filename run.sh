#!/usr/bin/env bash
# Builds Salus and serves the demo on http://127.0.0.1:3000 with an embedded SQLite database,
# installing the build tools first if they are missing. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/toolchain.sh
source scripts/site.sh

ensure_build_tools
# The fresh-machine test (scripts/test-fresh-machine.sh) stops here.
if [ -n "${SALUS_SETUP_ONLY:-}" ]; then exit 0; fi

build_site debug
say "Serving the demo on http://127.0.0.1:3000 (Ctrl-C to stop)"
export LEPTOS_SITE_ROOT=target/site
# The demo's own switches, never defaults: accounts with a published password, and the page
# that shows mail (refused unless Salus listens on a loopback address).
export SALUS_SEED_DEMO=true SALUS_DEV_PAGES=true
exec target/debug/salus serve
