#!/usr/bin/env bash
# A real S3-compatible server for tests: s3s-fs 0.14.1, which checks SigV4 signatures,
# presigned URL expiry and signed headers (moto and s3rver accept forged requests).
#
#   scripts/s3-server.sh install             cargo install s3s-fs once (~6 min on 2 cores);
#                                            skipped when `s3s-fs --version` already works
#   scripts/s3-server.sh start [--owner PID] install if needed, then start one server on a
#                                            free port of 127.0.0.1 with a fresh data
#                                            directory, and print (shell-sourceable):
#                                              endpoint=http://127.0.0.1:PORT
#                                              access_key=…  secret_key=…  region=us-east-1
#                                              pid_file=/tmp/punchline-s3s.XXXXXX/s3s-fs.pid
#                                            --owner PID: the server stops by itself once
#                                            process PID has exited (test harnesses)
#   scripts/s3-server.sh stop [PID_FILE]     stop a server and delete its data (default:
#                                            the last one started)
#
# Running the store tests against a server started by hand:
#   eval "$(scripts/s3-server.sh start)"
#   PUNCHLINE_TEST_S3_ENDPOINT=$endpoint AWS_ACCESS_KEY_ID=$access_key \
#     AWS_SECRET_ACCESS_KEY=$secret_key AWS_REGION=$region \
#     cargo test -p punchline-backends --test store
#   scripts/s3-server.sh stop
set -euo pipefail

readonly VERSION=0.14.1
# Fixed test credentials: the server is on loopback only and lives as long as a test run.
readonly ACCESS_KEY=punchline-test
readonly SECRET_KEY=punchline-test-secret
readonly REGION=us-east-1
readonly LAST_FILE="${TMPDIR:-/tmp}/punchline-s3s.last"

binary() {
  local found
  found=$(command -v s3s-fs || true)
  echo "${found:-${CARGO_HOME:-$HOME/.cargo}/bin/s3s-fs}"
}

installed() {
  "$(binary)" --version 2>/dev/null | grep -q "$VERSION"
}

install() {
  installed && return 0
  # One install at a time, even when several test processes start servers at once.
  exec 9>"${TMPDIR:-/tmp}/punchline-s3s-install.lock"
  flock 9
  installed && return 0
  echo "installing s3s-fs $VERSION (once, takes minutes)" >&2
  # $CARGO: the cargo running the tests, when a test harness calls this script.
  "${CARGO:-cargo}" install s3s-fs --version "$VERSION" --features binary --locked >&2
  installed || { echo "s3s-fs $VERSION did not install" >&2; exit 1; }
}

free_port() {
  if command -v python3 >/dev/null; then
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
  else
    echo $((20000 + RANDOM % 40000))
  fi
}

listening() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start() {
  local owner=""
  if [[ "${1:-}" == "--owner" ]]; then
    owner="${2:?--owner needs a process id}"
  fi
  install
  local dir port pid
  dir=$(mktemp -d "${TMPDIR:-/tmp}/punchline-s3s.XXXXXX")
  mkdir -p "$dir/data"
  # The port is free when asked but could be taken before s3s-fs binds it: retry.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    "$(binary)" --host 127.0.0.1 --port "$port" --access-key "$ACCESS_KEY" --secret-key "$SECRET_KEY" \
      "$dir/data" </dev/null >"$dir/s3s-fs.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
      listening "$port" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if listening "$port" && kill -0 "$pid" 2>/dev/null; then
      echo "$pid" >"$dir/s3s-fs.pid"
      echo "$dir/s3s-fs.pid" >"$LAST_FILE"
      if [[ -n "$owner" ]]; then
        # Stops the server (and removes its data) once the owner is gone. Detached from
        # the caller's output so a harness reading it is not kept waiting.
        nohup bash -c 'while kill -0 "$0" 2>/dev/null && kill -0 "$1" 2>/dev/null; do sleep 1; done
                       kill "$1" 2>/dev/null; sleep 0.5; rm -rf "$2"' "$owner" "$pid" "$dir" \
          </dev/null >/dev/null 2>&1 &
      fi
      echo "endpoint=http://127.0.0.1:$port"
      echo "access_key=$ACCESS_KEY"
      echo "secret_key=$SECRET_KEY"
      echo "region=$REGION"
      echo "pid_file=$dir/s3s-fs.pid"
      return 0
    fi
    kill "$pid" 2>/dev/null || true
  done
  echo "s3s-fs did not start; its log:" >&2
  cat "$dir/s3s-fs.log" >&2
  rm -rf "$dir"
  exit 1
}

stop() {
  local pid_file="${1:-}"
  if [[ -z "$pid_file" && -f "$LAST_FILE" ]]; then
    pid_file=$(cat "$LAST_FILE")
  fi
  if [[ -z "$pid_file" || ! -f "$pid_file" ]]; then
    echo "no s3s-fs server to stop" >&2
    return 0
  fi
  local pid
  pid=$(cat "$pid_file")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  rm -rf "$(dirname "$pid_file")"
  [[ -f "$LAST_FILE" && "$(cat "$LAST_FILE")" == "$pid_file" ]] && rm -f "$LAST_FILE"
  echo "stopped s3s-fs $pid"
}

case "${1:-}" in
  install) install ;;
  start) shift; start "$@" ;;
  stop) shift; stop "$@" ;;
  *) sed -n '2,24p' "$0" >&2; exit 2 ;;
esac
