#!/usr/bin/env bash
# SQS client compatibility suites against ONE Sluice server:
#   1. test_boto3.py under `python3` (pip boto3/botocore >= 1.34.90: AWS JSON 1.0 protocol)
#   2. the same test_boto3.py under /usr/bin/python3 (Debian python3-boto3 1.26: Query protocol)
#   3. test_awscli.sh with the `aws` CLI on PATH (pip CLI v1: JSON) and with Debian's /usr/bin/aws (v2.9: Query)
#   4. celery/test_celery.py under /usr/bin/python3 (Debian python3-celery + kombu SQS transport)
# Ends with exactly one line "sqs-clients: N passed, N failed, N skipped"; exits non-zero on failure.
#
# Environment:
#   SQS_ENDPOINT=http://host:port  use an already running server (no build, no server start)
#   SQS_ACCOUNT                    account id in queue URLs/ARNs (default 000000000000)
#   SLUICE_SKIP_BUILD=1            do not build; use the existing Release build of src/Sluice.Cli
#   SQS_CLIENTS_NO_APT=1           never call apt-get
#   SQS_PY_JSON=python3            interpreter with the pip boto3; SQS_PY_DEBIAN=/usr/bin/python3
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
py_json=${SQS_PY_JSON:-python3}
py_deb=${SQS_PY_DEBIAN:-/usr/bin/python3}

passed=0 failed=0 skipped=0
summary() {
  echo "sqs-clients: $passed passed, $failed failed, $skipped skipped"
}

# ---- 1. Debian packages (only what is missing; apt-get update only when installing) ----
pkgs=(python3-boto3 python3-celery python3-kombu python3-pycurl awscli)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ] && [ -z "${SQS_CLIENTS_NO_APT:-}" ] && command -v apt-get >/dev/null; then
  echo "# installing ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo_cmd=(sudo -n)
  { "${sudo_cmd[@]}" apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}"; } \
    >/tmp/sqs-clients-apt.$$.log 2>&1 || echo "# apt-get failed, see /tmp/sqs-clients-apt.$$.log"
fi

# ---- 2. the server ----
work=$(mktemp -d -t sqs-clients.XXXXXX)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
  fi
  rm -rf "$work"
}
trap cleanup EXIT

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
if [ -z "${SQS_ENDPOINT:-}" ]; then
  # The server: `sluice serve` from src/Sluice.Cli; while the CLI is not on this branch yet, the stand-in host
  # tests/sqs-clients/host (same flags, same SluiceServer) is used instead.
  dll="$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
  host_dll="$here/host/bin/Release/net10.0/sqs-test-host.dll"
  if [ -z "${SLUICE_SKIP_BUILD:-}" ] || [ ! -f "$dll" ]; then
    echo "# building src/Sluice.Cli (Release)"
    dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 \
      || echo "# src/Sluice.Cli does not build (yet?): $(grep -m1 -oE 'error [A-Z]+[0-9]+:[^[]*' "$work/build.log")"
  fi
  server_cmd=()
  if [ -f "$dll" ]; then
    # The server's API keys stay off (--no-auth); the SQS face still verifies every signature, by the configured pair
    # test/test that every suite signs with (docs/sqs.md, "Authentication").
    server_cmd=(dotnet "$dll" serve --no-auth)
    export Sluice__Sqs__VerifySignatures=true Sluice__Sqs__Credentials__test=test SQS_VERIFIES=1
  else
    echo "# sluice.dll not found: using the stand-in host tests/sqs-clients/host"
    if dotnet build "$here/host/SqsTestHost.csproj" -c Release -nologo -v q >"$work/build-host.log" 2>&1; then
      server_cmd=(dotnet "$host_dll")
    else
      tail -20 "$work/build-host.log"; echo "# build of the server failed"; failed=1; summary; exit 1
    fi
  fi
  port=$("$py_deb" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  export SQS_ENDPOINT="http://127.0.0.1:$port"
  start_server() { # start_server [extra flags]: starts the server, waits for /healthz; returns non-zero if it fails
    rm -rf "$work/data"; mkdir -p "$work/data"
    echo "# starting: ${server_cmd[*]##*/} --data-dir DIR --http-url $SQS_ENDPOINT $*"
    "${server_cmd[@]}" --data-dir "$work/data" --http-url "$SQS_ENDPOINT" "$@" >"$work/server.log" 2>&1 &
    server_pid=$!
    for _ in $(seq 1 120); do
      curl -fsS -m 2 "$SQS_ENDPOINT/healthz" >/dev/null 2>&1 && return 0
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.5
    done
    kill -KILL "$server_pid" 2>/dev/null; server_pid=""
    return 1
  }
  if [ -n "${SLUICE_STORE:-}" ]; then
    start_server --store "$SLUICE_STORE"; up=$?
  else
    start_server; up=$?
    if [ "$up" -ne 0 ]; then
      echo "# the server did not start with its default store: $(grep -m1 -E 'Exception' "$work/server.log")"
      echo "# retrying with --store memory"
      start_server --store memory; up=$?
    fi
  fi
  if [ "$up" -ne 0 ]; then
    echo "# the server did not become healthy; its log:"; tail -30 "$work/server.log"
    failed=1; summary; exit 1
  fi
else
  echo "# using the server at $SQS_ENDPOINT"
fi
export SQS_RUN_TAG="r$(date +%s)$$"

# ---- 3. suites: each prints "RESULT passed failed skipped" as its last RESULT line ----
run_suite() { # run_suite LABEL TIMEOUT CMD...
  local label=$1 limit=$2; shift 2
  echo "## $label"
  local out="$work/suite.$RANDOM.log"
  timeout -s KILL "$limit" "$@" >"$out" 2>&1
  local rc=$?
  cat "$out"
  local line; line=$(grep -E '^RESULT [0-9]+ [0-9]+ [0-9]+$' "$out" | tail -1)
  if [ -n "$line" ]; then
    read -r _ p f s <<<"$line"
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # crashed after reporting
  else
    echo "# $label: no result (exit code $rc)"; p=0 f=1 s=0
  fi
  echo "## $label: $p passed, $f failed, $s skipped"
  passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
}
skip_suite() { echo "## $1: skipped ($2)"; skipped=$((skipped + 1)); }

if "$py_json" -c 'import boto3' 2>/dev/null; then
  run_suite "boto3 $("$py_json" -c 'import botocore; print(botocore.__version__)') ($py_json)" 600 \
    "$py_json" "$here/test_boto3.py"
else
  skip_suite "boto3 ($py_json)" "boto3 not importable"
fi
if "$py_deb" -c 'import boto3' 2>/dev/null; then
  run_suite "boto3 $("$py_deb" -c 'import botocore; print(botocore.__version__)') ($py_deb)" 600 \
    "$py_deb" "$here/test_boto3.py"
else
  skip_suite "boto3 ($py_deb)" "python3-boto3 not installed"
fi
if command -v aws >/dev/null 2>&1; then
  run_suite "aws cli ($(command -v aws))" 300 bash "$here/test_awscli.sh"
else
  skip_suite "aws cli" "no aws on PATH"
fi
if [ -x /usr/bin/aws ] && [ "$(command -v aws)" != /usr/bin/aws ]; then
  run_suite "aws cli (/usr/bin/aws)" 300 env AWS_CLI=/usr/bin/aws bash "$here/test_awscli.sh"
fi
if "$py_deb" -c 'import celery, kombu.transport.SQS, pycurl' 2>/dev/null; then
  run_suite "celery ($py_deb)" 300 "$py_deb" "$here/celery/test_celery.py"
else
  skip_suite "celery" "python3-celery/kombu/pycurl not installed"
fi

if [ -n "$server_pid" ] && ! kill -0 "$server_pid" 2>/dev/null; then
  echo "# the server died during the run; its log:"; tail -30 "$work/server.log"
  failed=$((failed + 1))
fi
if [ "$failed" -gt 0 ] && [ -n "$server_pid" ]; then
  echo "# last server log lines:"; tail -15 "$work/server.log"
fi
summary
[ "$failed" -eq 0 ]
