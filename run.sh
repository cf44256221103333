#!/usr/bin/env bash
# Builds Salus and serves the demo on http://127.0.0.1:3000 with an embedded SQLite database,
# installing the build tools first if they are missing. Safe to run again.
# SALUS_SMOKE=1 builds the same way, then checks that the server starts and serves and exits
# (scripts/smoke.sh; .ci/run runs it).
set -euo pipefail
cd "$(dirname "$0")"
source scripts/toolchain.sh
source scripts/site.sh
source scripts/smoke.sh
started=$(date +%s)

ensure_build_tools
# The fresh-machine test (scripts/test-fresh-machine.sh) stops here.
if [ -n "${SALUS_SETUP_ONLY:-}" ]; then exit 0; fi

build_site debug
export LEPTOS_SITE_ROOT=target/site
# The demo's own switches, never defaults: accounts with a published password, and the page
# that shows mail (refused unless Salus listens on a loopback address).
export SALUS_SEED_DEMO=true SALUS_DEV_PAGES=true
if [ -n "${SALUS_SMOKE:-}" ]; then smoke_serve "$started"; exit 0; fi
say "Serving the demo on http://127.0.0.1:3000 (Ctrl-C to stop)"
exec target/debug/salus serve
