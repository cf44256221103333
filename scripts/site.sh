# Sourced by run.sh and test.sh: builds the site (the `salus` server binary and, in
# target/site, the browser bundle, the stylesheet and the static files) with cargo,
# wasm-bindgen and, for release, wasm-opt. It does what `cargo leptos build` does for this
# project, without cargo-leptos, whose install from source takes about 20 minutes on 2 cores;
# developers who have cargo-leptos can still use `cargo leptos watch` ([workspace.metadata.leptos]).
# shellcheck shell=bash

SITE_ROOT=target/site
SITE_PKG=$SITE_ROOT/pkg

# The variables cargo-leptos sets when it builds (from [workspace.metadata.leptos]). Leptos reads
# some at compile time (LEPTOS_OUTPUT_NAME decides the WASM file name the page loads), so every
# cargo command that builds the server (this build and `cargo test`) must see the same values:
# otherwise cargo rebuilds the leptos crates into a binary that asks for /pkg/salus_bg.wasm.
export_leptos_build_env() {
  export LEPTOS_OUTPUT_NAME=salus
  export LEPTOS_SITE_ROOT=$SITE_ROOT
  export LEPTOS_SITE_PKG_DIR=pkg
  export LEPTOS_SITE_ADDR=127.0.0.1:3000
  export LEPTOS_RELOAD_PORT=3001
  export LEPTOS_LIB_DIR=frontend
  export LEPTOS_BIN_DIR=server
  export LEPTOS_JS_MINIFY=true
  export LEPTOS_HASH_FILES=false
}

# build_site debug|release: the browser side, then the server.
build_site() {
  build_front_end "$1"
  build_server "$1"
}

# build_front_end debug|release: target/site (bundle, stylesheet, static files).
build_front_end() {
  local mode=$1 wasm_profile
  case "$mode" in
    debug) wasm_profile=debug ;;
    release) wasm_profile="wasm-release" ;;
    *) die "build_front_end: debug or release, not '$mode'" ;;
  esac
  export_leptos_build_env

  say "Stylesheet (seconds)"
  cargo run -q -p salus-style

  say "Browser bundle, $mode (about 2 minutes from clean on 2 cores; seconds when unchanged)"
  local profile_flag=(--profile "$wasm_profile")
  [ "$mode" = debug ] && profile_flag=()
  cargo build -p salus-frontend --lib --target wasm32-unknown-unknown "${profile_flag[@]}"
  local wasm=target/wasm32-unknown-unknown/$wasm_profile/salus_frontend.wasm
  [ -f "$wasm" ] || die "the front-end build did not produce $wasm"
  # wasm-bindgen and wasm-opt (2 minutes) only when cargo's output changed since the last time.
  local stamp stamp_file=target/.site-pkg-built-from
  stamp="$mode $(sha256sum <"$wasm" | cut -d' ' -f1) $(sha256sum <style/salus.css | cut -d' ' -f1)"
  if [ -f "$SITE_PKG/bundle-name" ] && [ "$(cat "$stamp_file" 2>/dev/null)" = "$stamp" ]; then
    say "Browser bundle unchanged: wasm-bindgen and wasm-opt skipped"
  else
    rm -rf "$SITE_PKG" "$stamp_file"
    mkdir -p "$SITE_PKG"
    wasm-bindgen --target web --no-typescript --out-dir "$SITE_PKG" --out-name salus "$wasm"
    mv "$SITE_PKG/salus_bg.wasm" "$SITE_PKG/salus.wasm"
    if [ "$mode" = release ]; then
      have wasm-opt || die "a release bundle needs wasm-opt (ensure_wasm_opt in scripts/toolchain.sh puts binaryen's on PATH)"
      say "wasm-opt -Oz (about 1 minute)"
      # The flags cargo-leptos uses; never -all, which enables features Chromium rejects.
      wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int \
        -o "$SITE_PKG/salus.wasm" "$SITE_PKG/salus.wasm"
    fi
    cp style/salus.css "$SITE_PKG/salus.css"
    name_assets_by_content
    if [ "$mode" = release ]; then precompress_assets; fi
    printf '%s\n' "$stamp" >"$stamp_file"
  fi
  cp -R public/. "$SITE_ROOT/"
}

# Gives the bundle and the stylesheet one name from a hash of their content, salus-<hash>.js,
# .wasm and .css, so browsers may cache them for a year (the server marks such names
# immutable) and a new build is never mixed with an old one. The server reads the name from
# pkg/bundle-name.
name_assets_by_content() {
  local hash name
  hash=$(cat "$SITE_PKG/salus.js" "$SITE_PKG/salus.wasm" "$SITE_PKG/salus.css" | sha256sum | cut -c1-16)
  name="salus-$hash"
  for ext in js wasm css; do mv "$SITE_PKG/salus.$ext" "$SITE_PKG/$name.$ext"; done
  printf '%s\n' "$name" >"$SITE_PKG/bundle-name"
}

# Brotli (quality 11) and gzip (level 9) copies next to each asset, served to browsers that
# accept them; compressing once here beats compressing the WASM on every first visit.
# Node's zlib does both, and the release build already needs Node for wasm-opt.
precompress_assets() {
  node -e '
    const zlib = require("zlib"), fs = require("fs");
    for (const file of process.argv.slice(1)) {
      const body = fs.readFileSync(file);
      fs.writeFileSync(file + ".br", zlib.brotliCompressSync(body, {
        params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length },
      }));
      fs.writeFileSync(file + ".gz", zlib.gzipSync(body, { level: 9 }));
    }' "$SITE_PKG"/salus-*.js "$SITE_PKG"/salus-*.wasm "$SITE_PKG"/salus-*.css \
    || die "could not precompress the assets in $SITE_PKG"
}

# The bundle budget (issue 12): what a page downloads before its islands come alive, the
# bundle's JS and WASM as served (brotli), is at most 250 KB. Prints the sizes; fails over it.
BUNDLE_BUDGET_BYTES=250000
check_bundle_budget() {
  local name js wasm total
  name=$(cat "$SITE_PKG/bundle-name")
  [ -f "$SITE_PKG/$name.wasm.br" ] || die "check_bundle_budget needs a release build (no $name.wasm.br)"
  js=$(stat -c %s "$SITE_PKG/$name.js.br")
  wasm=$(stat -c %s "$SITE_PKG/$name.wasm.br")
  total=$((js + wasm))
  echo "Bundle after brotli: $total bytes (WASM $wasm, JS $js); budget $BUNDLE_BUDGET_BYTES bytes"
  if [ "$total" -gt "$BUNDLE_BUDGET_BYTES" ]; then
    echo "The bundle is over its budget by $((total - BUNDLE_BUDGET_BYTES)) bytes." >&2
    return 1
  fi
}

# build_server debug|release: target/<mode>/salus.
build_server() {
  local mode=$1 flags=() usually="about 5 minutes"
  if [ "$mode" = release ]; then flags=(--release); usually="about 10 minutes"; fi
  export_leptos_build_env
  say "Server, $mode ($usually from clean on 2 cores; seconds when unchanged)"
  cargo build -p salus-server --bin salus "${flags[@]}"
}
