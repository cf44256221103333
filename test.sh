#!/usr/bin/env bash
# Runs every test: unit and integration tests (SQLite and PostgreSQL), then the browser tests in
# Chromium against the server those tests built and the release browser bundle. Installs what is
# missing first.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/toolchain.sh
source scripts/site.sh

ensure_test_tools
# The fresh-machine test (scripts/test-fresh-machine.sh) stops here.
if [ -n "${SALUS_SETUP_ONLY:-}" ]; then exit 0; fi

log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

say "Release build of the browser bundle"
build_front_end release
say "Bundle budget"
budget_status=0
check_bundle_budget || budget_status=1

# The debug build, the one ./run.sh builds: after it (as in .ci/run) cargo compiles only the
# tests themselves, since the tests' dependencies have the features the server's build gives
# them (server/Cargo.toml). A release build would compile everything a second time, at about
# three times the cost. cargo test also builds target/debug/salus, which the browser tests run.
# The stylesheet's own tests build apart: its encre-css would change a dependency the app shares.
say "Server, unit and integration tests (SQLite and PostgreSQL; about 8 minutes to build from clean)"
set +e
# --timings: target/cargo-timings/cargo-timing.html says how long each crate took to build.
{
  cargo test -p salus-server -p salus-app -p salus-migrations --timings
  server_status=$?
  cargo test -p salus-style
  style_status=$?
  exit $((server_status | style_status))
} 2>&1 | tee "$log/cargo.txt"
cargo_status=${PIPESTATUS[0]}
set -e

say "Browser tests (Chromium)"
set +e
(cd end2end && npx playwright test) 2>&1 | tee "$log/e2e.txt"
e2e_status=${PIPESTATUS[0]}
set -e

# Sums the counts a runner printed; no match counts as zero.
count() { { grep -Eo "$1" "$2" || true; } | awk '{for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i} END {print s + 0}'; }
passed=$(count '^test result: [a-zA-Z]+\. [0-9]+ passed' "$log/cargo.txt")
failed=$(count '[0-9]+ failed;' "$log/cargo.txt")
e2e_passed=$(count '^ +[0-9]+ passed' "$log/e2e.txt")
e2e_failed=$(count '^ +[0-9]+ failed' "$log/e2e.txt")
echo
echo "cargo: $passed passed, $failed failed; browser: $e2e_passed passed, $e2e_failed failed; bundle budget: $([ "$budget_status" -eq 0 ] && echo met || echo exceeded)"
total_failed=$((failed + e2e_failed + budget_status))
# A run that failed without a failing test (a build error, a crash) still counts as a failure.
if { [ "$cargo_status" -ne 0 ] || [ "$e2e_status" -ne 0 ]; } && [ "$total_failed" -eq 0 ]; then total_failed=1; fi
echo "$((passed + e2e_passed)) passed, $total_failed failed"
[ "$cargo_status" -eq 0 ] && [ "$e2e_status" -eq 0 ] && [ "$budget_status" -eq 0 ]
