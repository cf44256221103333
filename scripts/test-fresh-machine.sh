#!/usr/bin/env bash
# The fresh-machine test: runs run.sh's and test.sh's install steps (SALUS_SETUP_ONLY=1) on a
# copy of the scripts, with a PATH from which cargo-leptos, wasm-bindgen, wasm-opt, chromium,
# npm and pg_isready are absent. Stand-ins for rustc, cargo, rustup, apt-get, npm and the
# PostgreSQL tools record what would be installed and "install" it. Asserts that every missing
# tool leads to its install command, or to an error that names it, and never to a silent exit.
# Then runs shellcheck on every script. Takes a few seconds; .ci/run runs it first.
# The stand-ins' bodies are single-quoted on purpose: they expand when the stand-in runs.
# shellcheck disable=SC2016
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$root/Cargo.lock")

pass() { printf '  ok    %s\n' "$1"; }
fail() { printf '  FAIL  %s\n' "$1"; failures=$((failures + 1)); }

# The real programs the scripts may use, linked into a directory of their own; nothing else
# from the machine is on PATH.
base_tools=(bash sh env awk sort head tail grep sed dirname basename mkdir ln rm cat cp mv chmod tee
  touch seq sleep timeout mktemp ls tr printf cut wc date readlink id)

# stand_in DIR NAME BODY: a bash script that logs its arguments, then runs BODY.
stand_in() {
  cat >"$1/$2" <<EOF
#!/usr/bin/env bash
echo "$2 \$*" >>"\$STANDIN_LOG"
$3
EOF
  chmod +x "$1/$2"
}

# new_machine NAME: a project copy and a bin directory for one scenario; sets $project, $bin.
new_machine() {
  local dir=$work/$1
  project=$dir/project
  bin=$dir/bin
  mkdir -p "$project/scripts" "$project/end2end" "$bin" "$dir/sysroot/lib/rustlib" "$dir/state"
  cp "$root/run.sh" "$root/test.sh" "$root/Cargo.lock" "$project/"
  cp "$root"/scripts/*.sh "$project/scripts/"
  cp "$root/end2end/package.json" "$root/end2end/package-lock.json" "$project/end2end/"
  local tool
  for tool in "${base_tools[@]}"; do ln -s "$(command -v "$tool")" "$bin/$tool"; done
  export STANDIN_LOG=$dir/calls STANDIN_BIN=$bin STANDIN_STATE=$dir/state STANDIN_SYSROOT=$dir/sysroot
  # Where Debian's rustc-web would install, as toolchain.sh lets a test say.
  export DEBIAN_RUST_BIN=$dir/debian/bin DEBIAN_RUST_SRC=$dir/debian/src
  : >"$STANDIN_LOG"

  stand_in "$bin" rustc 'case "$1" in --print) echo "$STANDIN_SYSROOT" ;; --version) echo "rustc 1.95.0" ;; esac'
  stand_in "$bin" rustup '
[ -e "$STANDIN_STATE/rustup-offline" ] && { echo "error: could not download" >&2; exit 1; }
[ "$1 $2" = "target add" ] && mkdir -p "$STANDIN_SYSROOT/lib/rustlib/$3"
exit 0'
  stand_in "$bin" cargo '
case "$1" in
  --version) echo "cargo 1.95.0" ;;
  install)
    [ -e "$STANDIN_STATE/cargo-install-fails" ] && { echo "error: failed to compile" >&2; exit 101; }
    if [ "$2" = wasm-bindgen-cli ]; then
      printf "#!/usr/bin/env bash\necho wasm-bindgen %s\n" "$4" >"$STANDIN_BIN/wasm-bindgen"
      chmod +x "$STANDIN_BIN/wasm-bindgen"
    fi ;;
esac
exit 0'
  # Debian packages: each one "installs" the stand-ins of the commands it provides.
  stand_in "$bin" apt-get '
[ -e "$STANDIN_STATE/apt-fails" ] && { echo "E: Unable to locate package" >&2; exit 100; }
[ "$1" = install ] || exit 0
for pkg in "$@"; do
  case "$pkg" in
    chromium) printf "#!/usr/bin/env bash\nexit 0\n" >"$STANDIN_BIN/chromium" ;;
    npm) cp "$STANDIN_STATE/npm" "$STANDIN_BIN/npm" ;;
    postgresql) cp "$STANDIN_STATE"/pg/* "$STANDIN_BIN/" ;;
    rustc-web) mkdir -p "$DEBIAN_RUST_BIN" "$DEBIAN_RUST_SRC" && cp "$STANDIN_BIN/cargo" "$STANDIN_BIN/rustc" "$DEBIAN_RUST_BIN/" ;;
  esac
done
chmod +x "$STANDIN_BIN"/* 2>/dev/null
exit 0'
  # Kept aside until a scenario or apt-get puts them on PATH.
  stand_in "$dir/state" npm '
if [ "$1" = ci ]; then
  mkdir -p node_modules/.bin
  printf "#!/usr/bin/env bash\nexit 0\n" | tee node_modules/.bin/playwright >node_modules/.bin/wasm-opt
  chmod +x node_modules/.bin/*
  touch node_modules/.package-lock.json
fi
exit 0'
  mkdir -p "$dir/state/pg"
  stand_in "$dir/state/pg" pg_isready '[ -e "$STANDIN_STATE/pg-started" ]'
  stand_in "$dir/state/pg" pg_lsclusters 'echo "15 main 5432 down postgres /var/lib/postgresql/15/main /var/log/postgresql/postgresql-15-main.log"'
  stand_in "$dir/state/pg" pg_ctlcluster 'touch "$STANDIN_STATE/pg-started"'
  stand_in "$dir/state/pg" psql 'exit 0'
}

# A tool that a scenario starts with, installed as apt-get would.
preinstall() {
  case "$1" in
    npm) cp "$STANDIN_STATE/npm" "$bin/npm" ;;
    postgresql) cp "$STANDIN_STATE"/pg/* "$bin/" ;;
    chromium) printf '#!/usr/bin/env bash\nexit 0\n' >"$bin/chromium"; chmod +x "$bin/chromium" ;;
  esac
}

# run_setup SCRIPT: the script's install steps only; output in $out, status in $status.
run_setup() {
  set +e
  out=$(cd "$project" && env -i HOME="$work/home" PATH="$bin" SALUS_SETUP_ONLY=1 \
    STANDIN_LOG="$STANDIN_LOG" STANDIN_BIN="$STANDIN_BIN" STANDIN_STATE="$STANDIN_STATE" \
    STANDIN_SYSROOT="$STANDIN_SYSROOT" DEBIAN_RUST_BIN="$DEBIAN_RUST_BIN" \
    DEBIAN_RUST_SRC="$DEBIAN_RUST_SRC" bash "./$1" 2>&1)
  status=$?
  set -e
}

called() { grep -qF -- "$1" "$STANDIN_LOG"; }

expect_call() {
  if called "$2"; then pass "$1: ran '$2'"; else fail "$1: expected '$2'; calls were: $(tr '\n' ';' <"$STANDIN_LOG")"; fi
}

expect_success() {
  if [ "$status" -eq 0 ]; then pass "$1: exit 0"; else fail "$1: exit $status; output: $out"; fi
}

# A failure must end with one "error:" line naming what is missing.
expect_error() {
  local last
  last=$(printf '%s\n' "$out" | tail -n 1)
  if [ "$status" -ne 0 ] && [[ "$last" == error:* ]] && grep -qi -- "$2" <<<"$last"; then
    pass "$1: $last"
  else
    fail "$1: expected exit != 0 and an 'error:' line naming '$2'; got exit $status, last line '$last'"
  fi
}

expect_progress() {
  if grep -qF -- "==> $2" <<<"$out"; then pass "$1: says '$2'"; else fail "$1: no progress line '$2'"; fi
}

echo "Fresh machine, root with apt-get: run.sh's install steps"
new_machine run-fresh
run_setup run.sh
expect_success "run.sh"
expect_call "run.sh" "rustup target add wasm32-unknown-unknown"
expect_call "run.sh" "cargo install wasm-bindgen-cli --version $wasm_bindgen_version"
expect_progress "run.sh" "Installing wasm-bindgen-cli $wasm_bindgen_version to match Cargo.lock (about 3 minutes"
if called "cargo install cargo-leptos"; then fail "run.sh installs cargo-leptos"; else pass "run.sh: no cargo-leptos install"; fi

echo "Fresh machine, root with apt-get: test.sh's install steps"
new_machine test-fresh
run_setup test.sh
expect_success "test.sh"
expect_call "test.sh" "rustup target add wasm32-unknown-unknown"
expect_call "test.sh" "cargo install wasm-bindgen-cli --version $wasm_bindgen_version"
expect_call "test.sh" "apt-get install -y -qq nodejs npm"
expect_call "test.sh" "npm ci"
expect_call "test.sh" "apt-get install -y -qq chromium"
expect_call "test.sh" "apt-get install -y -qq postgresql"
expect_call "test.sh" "pg_ctlcluster --skip-systemctl-redirect 15 main start"
expect_progress "test.sh" "Installing Debian's Chromium"
expect_progress "test.sh" "Installing the browser-test packages"
expect_progress "test.sh" "Starting PostgreSQL"

echo "Second run on the same machine installs nothing"
: >"$STANDIN_LOG"
run_setup test.sh
expect_success "test.sh again"
if grep -qE '^(cargo install|apt-get install|npm ci|rustup target)' "$STANDIN_LOG"; then
  fail "test.sh again: installed again: $(tr '\n' ';' <"$STANDIN_LOG")"
else
  pass "test.sh again: nothing installed"
fi

echo "rustup cannot download: Debian's rustc-web"
new_machine rustup-offline
touch "$STANDIN_STATE/rustup-offline"
run_setup run.sh
expect_success "run.sh"
expect_call "run.sh" "apt-get install -y -qq rustc-web cargo-web rust-web-src lld"
expect_call "run.sh" "cargo install wasm-bindgen-cli --version $wasm_bindgen_version"
if grep -q "build-std" <<<"$out"; then pass "run.sh: says it uses build-std"; else fail "run.sh: no word of build-std"; fi

echo "Missing tools and no way to install them (not root, no sudo): each is named"
for missing in cargo wasm32 wasm-bindgen npm chromium postgresql; do
  new_machine "missing-$missing"
  printf '#!/usr/bin/env bash\necho 1000\n' >"$bin/id.standin"
  rm "$bin/id" && mv "$bin/id.standin" "$bin/id" && chmod +x "$bin/id"
  # Everything present but the one tool.
  mkdir -p "$STANDIN_SYSROOT/lib/rustlib/wasm32-unknown-unknown"
  printf '#!/usr/bin/env bash\necho wasm-bindgen %s\n' "$wasm_bindgen_version" >"$bin/wasm-bindgen"
  chmod +x "$bin/wasm-bindgen"
  preinstall npm
  preinstall chromium
  preinstall postgresql
  touch "$STANDIN_STATE/pg-started"
  case "$missing" in
    cargo) rm "$bin/cargo"; want="Rust is needed" ;;
    wasm32) rm -r "$STANDIN_SYSROOT/lib/rustlib/wasm32-unknown-unknown"; touch "$STANDIN_STATE/rustup-offline"; want="wasm32" ;;
    wasm-bindgen) rm "$bin/wasm-bindgen"; touch "$STANDIN_STATE/cargo-install-fails"; want="wasm-bindgen-cli" ;;
    npm) rm "$bin/npm"; want="npm" ;;
    chromium) rm "$bin/chromium"; want="Chromium" ;;
    postgresql) rm "$bin/pg_isready" "$bin/pg_lsclusters"; want="PostgreSQL" ;;
  esac
  run_setup test.sh
  expect_error "without $missing" "$want"
done

echo "shellcheck"
if ! command -v shellcheck >/dev/null; then
  fail "shellcheck is not installed (apt-get install shellcheck)"
elif (cd "$root" && shellcheck -x run.sh test.sh .ci/run scripts/*.sh); then
  pass "shellcheck: no warnings"
else
  fail "shellcheck reported the warnings above"
fi

if [ "$failures" -gt 0 ]; then
  echo "fresh-machine test: $failures failed"
  exit 1
fi
echo "fresh-machine test: all passed"
