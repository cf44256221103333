# Sourced by run.sh and test.sh: makes sure the tools the build needs are present, installing
# only what is missing. Follows ../shared/design/TOOLCHAIN.md: rustup's wasm32 target when its
# server answers, Debian's rustc-web with build-std when it does not.
# shellcheck shell=bash

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi
}

APT_UPDATED=""
apt_install() {
  command -v apt-get >/dev/null || return 1
  if [ -z "$APT_UPDATED" ]; then as_root apt-get update -qq || return 1; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

# Is `version` (x.y.z) at least `minimum`?
version_at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

ensure_wasm_target() {
  local sysroot
  sysroot=$(rustc --print sysroot)
  if [ -d "$sysroot/lib/rustlib/wasm32-unknown-unknown" ]; then return 0; fi
  say "Adding the wasm32 target (rustup)"
  if command -v rustup >/dev/null && timeout 180 rustup target add wasm32-unknown-unknown; then return 0; fi
  say "rustup could not add wasm32; using Debian's rustc-web with build-std"
  if [ ! -d /usr/lib/rustlib/src/rust/library ]; then
    apt_install rustc-web cargo-web rust-web-src lld \
      || die "no wasm32 standard library: install it with 'rustup target add wasm32-unknown-unknown', or Debian's rustc-web cargo-web rust-web-src lld"
  fi
  export PATH=/usr/bin:$PATH
  export RUSTC_BOOTSTRAP=1
  export CARGO_UNSTABLE_BUILD_STD=std,panic_abort
  export CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_LINKER=wasm-ld
}

# A cargo new enough (>= 1.96) to install cargo-leptos 0.3.11 with --locked.
cargo_for_installs() {
  local v
  v=$(cargo --version | awk '{print $2}')
  if version_at_least "$v" 1.96.0; then echo cargo; return; fi
  if [ -x /usr/bin/cargo ] && version_at_least "$(/usr/bin/cargo --version | awk '{print $2}')" 1.96.0; then
    echo /usr/bin/cargo; return
  fi
  apt_install rustc-web cargo-web >&2 || die "cargo-leptos needs cargo >= 1.96 to install; found $v"
  echo /usr/bin/cargo
}

ensure_cargo_leptos() {
  if command -v cargo-leptos >/dev/null; then return 0; fi
  say "Installing cargo-leptos (about 20 minutes on 2 cores, once)"
  local c
  c=$(cargo_for_installs)
  # no_downloads: it must never fetch tailwind, sass, wasm-bindgen or wasm-opt itself.
  PATH=$(dirname "$(command -v "$c")"):$PATH "$c" install cargo-leptos --version 0.3.11 --locked --features no_downloads --root "$HOME/.cargo"
}

ensure_wasm_bindgen() {
  local want have
  want=$(awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)
  have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')
  if [ "$have" = "$want" ]; then return 0; fi
  say "Installing wasm-bindgen-cli $want (must match Cargo.lock)"
  # Without --locked: its lockfile pins a webpki-roots the registry here lacks.
  cargo install wasm-bindgen-cli --version "$want" --force
}

ensure_style() {
  cargo run -q -p salus-style
}

ensure_node_modules() {
  command -v npm >/dev/null || apt_install nodejs npm || die "npm is needed for the browser tests"
  if [ ! -x end2end/node_modules/.bin/playwright ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
    say "Installing the browser-test packages (npm ci)"
    (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
  fi
  # binaryen 132 from npm: Debian's wasm-opt 108 corrupts today's WASM (TOOLCHAIN.md).
  export PATH="$PWD/end2end/node_modules/.bin:$PATH"
}

ensure_chromium() {
  if [ -x /usr/bin/chromium ]; then return 0; fi
  say "Installing Debian's Chromium"
  apt_install chromium || die "the browser tests need /usr/bin/chromium (apt-get install chromium)"
}

ensure_postgres() {
  if pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then return 0; fi
  if [ ! -d /etc/postgresql ]; then
    say "Installing PostgreSQL"
    apt_install postgresql || die "the PostgreSQL tests need a server on 127.0.0.1:5432"
  fi
  say "Starting PostgreSQL"
  local version
  version=$(ls /etc/postgresql | sort -V | tail -n1)
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  pg_isready -q -h 127.0.0.1 -p 5432 || die "PostgreSQL did not start on 127.0.0.1:5432"
  # The tests connect as postgres without a password, as on the project's machines.
  if ! psql -h 127.0.0.1 -U postgres -c 'select 1' >/dev/null 2>&1; then
    die "cannot connect as postgres@127.0.0.1; set SALUS_TEST_POSTGRES_URL to a URL that can create databases"
  fi
}

# The variables cargo-leptos sets when it builds the server (from [workspace.metadata.leptos]).
# Leptos reads some at compile time (LEPTOS_OUTPUT_NAME decides the WASM file name the page
# loads), so `cargo test` must see the same values: otherwise it rebuilds the leptos crates and
# overwrites target/release/salus with a binary that asks for /pkg/salus_bg.wasm.
export_leptos_build_env() {
  export LEPTOS_OUTPUT_NAME=salus
  export LEPTOS_SITE_ROOT=target/site
  export LEPTOS_SITE_PKG_DIR=pkg
  export LEPTOS_SITE_ADDR=127.0.0.1:3000
  export LEPTOS_RELOAD_PORT=3001
  export LEPTOS_LIB_DIR=frontend
  export LEPTOS_BIN_DIR=server
  export LEPTOS_JS_MINIFY=true
  export LEPTOS_HASH_FILES=false
}
