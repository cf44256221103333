# Sourced by run.sh and test.sh: makes sure the tools the build needs are present, installing
# only what is missing, and saying so (with how long it usually takes) when it does. Every tool
# that is absent ends in its install command or in an error that names it; never in a silent
# exit (scripts/test-fresh-machine.sh checks this with the tools hidden from PATH).
# Follows docs/toolchain.md: rustup's wasm32 target when its server answers,
# Debian's rustc-web with build-std when it does not.
# shellcheck shell=bash

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }
have() { command -v "$1" >/dev/null 2>&1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif have sudo; then sudo "$@"; else return 1; fi
}

APT_UPDATED=""
# Installs Debian packages; fails (without exiting) when there is no apt-get or no root.
apt_install() {
  have apt-get || return 1
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq || return 1; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# The version a tool prints as the second word of `tool --version`, or nothing when the tool
# is missing or fails: safe under `set -euo pipefail`.
tool_version() {
  local out
  have "$1" || return 0
  out=$("$1" --version 2>/dev/null) || return 0
  printf '%s\n' "$out" | awk 'NR == 1 {print $2}'
}

ensure_rust() {
  have cargo && have rustc && return 0
  die "Rust is needed (cargo and rustc): install it with rustup, https://rustup.rs"
}

# Where Debian's rustc-web puts its compiler and the standard-library source that build-std
# compiles (overridable so that the fresh-machine test can stand in for them).
DEBIAN_RUST_BIN=${DEBIAN_RUST_BIN:-/usr/bin}
DEBIAN_RUST_SRC=${DEBIAN_RUST_SRC:-/usr/lib/rustlib/src/rust/library}

ensure_wasm_target() {
  local sysroot
  sysroot=$(rustc --print sysroot) || die "rustc --print sysroot failed"
  if [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then return 0; fi
  say "Adding the wasm32 target with rustup (seconds when its server answers)"
  if have rustup && timeout 180 rustup target add wasm32-unknown-unknown; then return 0; fi
  say "rustup could not add wasm32; using Debian's rustc-web with build-std (about 2 minutes to install, once)"
  if [ ! -d "$DEBIAN_RUST_SRC" ] || [ ! -x "$DEBIAN_RUST_BIN/cargo" ]; then
    apt_install rustc-web cargo-web rust-web-src lld \
      || die "no wasm32 standard library: install it with 'rustup target add wasm32-unknown-unknown', or Debian's rustc-web cargo-web rust-web-src lld (as root)"
  fi
  if [ ! -x "$DEBIAN_RUST_BIN/cargo" ] || [ ! -d "$DEBIAN_RUST_SRC" ]; then
    die "no wasm32 standard library: Debian's rustc-web did not provide $DEBIAN_RUST_BIN/cargo and $DEBIAN_RUST_SRC"
  fi
  # Debian's cargo and rustc (1.96) before rustup's; only those, so that nothing else in
  # /usr/bin shadows what PATH had first.
  local debian_tools=$HOME/.cache/salus/debian-rust-bin tool
  mkdir -p "$debian_tools"
  for tool in cargo rustc rustdoc; do ln -sf "$DEBIAN_RUST_BIN/$tool" "$debian_tools/$tool"; done
  export PATH=$debian_tools:$PATH
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
}

# The wasm-bindgen version in Cargo.lock; the CLI must match it exactly.
locked_wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock
}

ensure_wasm_bindgen() {
  local want current
  want=$(locked_wasm_bindgen_version)
  [ -n "$want" ] || die "Cargo.lock names no wasm-bindgen version"
  current=$(tool_version wasm-bindgen)
  if [ "$current" = "$want" ]; then return 0; fi
  say "Installing wasm-bindgen-cli $want to match Cargo.lock (about 3 minutes on 2 cores, once)"
  # Without --locked: its lockfile pins a webpki-roots the registry here lacks.
  cargo install wasm-bindgen-cli --version "$want" --force \
    || die "installing wasm-bindgen-cli $want failed (see cargo's output above)"
  current=$(tool_version wasm-bindgen)
  [ "$current" = "$want" ] \
    || die "wasm-bindgen $want was installed but is not first on PATH (found '${current:-nothing}'); add ~/.cargo/bin to PATH"
}

ensure_npm() {
  have npm && return 0
  say "Installing Node.js and npm from Debian (about 1 minute, once)"
  apt_install nodejs npm || die "npm is needed for the browser tests and wasm-opt: install Node.js and npm"
  have npm || die "npm is still missing after installing Debian's nodejs and npm"
}

# Playwright and binaryen 132 (its wasm-opt) from end2end/package-lock.json.
ensure_node_modules() {
  ensure_npm
  if [ ! -x end2end/node_modules/.bin/playwright ] || [ ! -x end2end/node_modules/.bin/wasm-opt ] \
    || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "Installing the browser-test packages: npm ci in end2end/ (about 30 seconds)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund) \
      || die "npm ci in end2end/ failed (see npm's output above)"
  fi
}

# binaryen 132's wasm-opt, from npm: Debian's wasm-opt 108 corrupts today's WASM (docs/toolchain.md).
ensure_wasm_opt() {
  ensure_node_modules
  [ -x end2end/node_modules/.bin/wasm-opt ] || die "end2end/node_modules/.bin/wasm-opt is missing after npm ci (binaryen 132)"
  export PATH="$PWD/end2end/node_modules/.bin:$PATH"
}

ensure_chromium() {
  if ! have chromium; then
    say "Installing Debian's Chromium for the browser tests (about 1 minute, once)"
    apt_install chromium || die "the browser tests need Chromium: apt-get install chromium (as root)"
    have chromium || die "chromium is still missing after installing Debian's package"
  fi
  CHROMIUM_PATH=$(command -v chromium)
  export CHROMIUM_PATH
}

postgres_ready() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }

ensure_postgres() {
  if ! have pg_isready || ! have pg_lsclusters; then
    say "Installing PostgreSQL from Debian (about 1 minute, once)"
    apt_install postgresql || die "the PostgreSQL tests need a server on 127.0.0.1:5432: apt-get install postgresql (as root)"
    if ! have pg_isready || ! have pg_lsclusters; then
      die "pg_isready is still missing after installing Debian's postgresql"
    fi
  fi
  if ! postgres_ready; then
    local cluster
    cluster=$(pg_lsclusters --no-header 2>/dev/null | awk 'NR == 1 {print $1, $2}') || cluster=""
    [ -n "$cluster" ] || die "no PostgreSQL cluster found (pg_lsclusters); create one with pg_createcluster"
    say "Starting PostgreSQL $cluster (seconds)"
    # shellcheck disable=SC2086 # "version name", two words on purpose
    as_root pg_ctlcluster --skip-systemctl-redirect $cluster start || true
    for _ in $(seq 1 30); do postgres_ready && break; sleep 1; done
    postgres_ready || die "PostgreSQL did not start on 127.0.0.1:5432"
  fi
  # The tests connect as postgres without a password, as on the project's machines.
  if ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    die "cannot connect as postgres@127.0.0.1:5432; set SALUS_TEST_POSTGRES_URL to a URL that can create databases"
  fi
}

# What run.sh needs: Rust with the wasm32 target and wasm-bindgen.
ensure_build_tools() {
  ensure_rust
  ensure_wasm_target
  ensure_wasm_bindgen
}

# What test.sh needs on top: wasm-opt for the release bundle, Playwright, Chromium, PostgreSQL.
ensure_test_tools() {
  ensure_build_tools
  ensure_wasm_opt
  ensure_chromium
  ensure_postgres
}
