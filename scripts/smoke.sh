# Sourced by run.sh: SALUS_SMOKE=1 ./run.sh builds exactly as ./run.sh does, then serves the demo
# from a throwaway data directory on a port of its own, waits until the server answers /readyz
# and the home page, stops it and exits 0 (or 1 with what went wrong). .ci/run runs it, so a
# debug build that cannot compile, link, start or serve fails CI.
# Speaks HTTP through bash's /dev/tcp, so it needs no curl.
# shellcheck shell=bash

# http_get HOST PORT PATH: prints the response (status line, headers, body); fails when nothing answers.
http_get() {
  local response
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf 'GET %s HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n' "$3" "$1" "$2" >&3
  response=$(timeout 30 cat <&3) || { exec 3<&-; return 1; }
  exec 3<&-
  printf '%s\n' "$response"
}

# smoke_serve STARTED: STARTED is the script's start in seconds since the epoch (for the timing).
smoke_serve() {
  local started=$1 host=127.0.0.1 port=${SALUS_SMOKE_PORT:-3099} data server log answer bundle
  data=$(mktemp -d)
  log=$data/server.log
  # The demo's switches, as run.sh sets them, with every file the server writes in $data.
  SALUS_ADDR=$host:$port DATABASE_URL="sqlite://$data/salus.db?mode=rwc" \
    SALUS_MAILBOX_DIR=$data/mailbox SALUS_AUDIT_KEY_FILE=$data/audit.key \
    SALUS_SECRET_KEYS_FILE=$data/secret-keys.json \
    target/debug/salus serve >"$log" 2>&1 &
  server=$!
  smoke_fail() {
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    printf 'error: SALUS_SMOKE: %s; the server printed:\n' "$1" >&2
    tail -n 40 "$log" >&2
    rm -rf "$data"
    exit 1
  }
  for _ in $(seq 1 120); do
    kill -0 "$server" 2>/dev/null || smoke_fail "the server exited before it was ready"
    answer=$(http_get "$host" "$port" /readyz 2>/dev/null) && break
    sleep 1
  done
  [ -n "${answer:-}" ] || smoke_fail "nothing answered on $host:$port within 120 seconds"
  grep -q '^HTTP/1.1 200' <<<"$answer" || smoke_fail "/readyz answered: $(head -n 1 <<<"$answer")"
  grep -q "Salus is serving" "$log" || smoke_fail "the server never said it was serving"
  say "Salus is serving ($(($(date +%s) - started)) s after ./run.sh started)"
  answer=$(http_get "$host" "$port" /) || smoke_fail "the home page did not answer"
  grep -q '^HTTP/1.1 200' <<<"$answer" || smoke_fail "the home page answered: $(head -n 1 <<<"$answer")"
  grep -q '<html' <<<"$answer" || smoke_fail "the home page is not HTML"
  bundle=$(cat target/site/pkg/bundle-name)
  grep -q "/pkg/$bundle.wasm\|/pkg/$bundle.js" <<<"$answer" \
    || smoke_fail "the home page does not load the bundle built ($bundle)"
  kill "$server"
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
  say "Smoke test passed: the debug build starts, answers /readyz and serves the home page"
}
