#!/usr/bin/env bash
# SQS throughput, Sluice vs moto, same client (AWSSDK.SQS 4.0.100.25, .NET, JSON protocol), same run:
# SendMessageBatch(10) -> ReceiveMessage(10) -> DeleteMessageBatch, median of 3 runs per endpoint,
# runs interleaved. Not a test: it prints numbers.
#   bench/sqs/run.sh [--messages N] [--workers "1 4"] [--runs 3]
# SLUICE_URL / MOTO_URL: use already running servers instead of starting them.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
messages=5000 workers_list="1 4" runs=3
while [ $# -gt 0 ]; do
  case "$1" in
    --messages) messages=$2; shift 2 ;;
    --workers) workers_list=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d -t sqs-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 120); do curl -fs -o /dev/null -m 2 "$1" && return 0; sleep 0.5; done; return 1; }

dotnet build "$here/SqsBench/SqsBench.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 \
  || { tail -20 "$work/build.log"; exit 1; }
bench="$here/SqsBench/bin/Release/net10.0/sqs-bench.dll"

if [ -z "${SLUICE_URL:-}" ]; then
  # `sluice serve` when the CLI builds, else the stand-in host of tests/sqs-clients (same SluiceServer).
  # SLUICE_STORE (sqlite|memory) picks the store; default: the server's default.
  server_cmd=()
  if dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build2.log" 2>&1; then
    server_cmd=(dotnet "$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll" serve --no-auth)
  else
    echo "# src/Sluice.Cli does not build: using tests/sqs-clients/host"
    dotnet build "$root/tests/sqs-clients/host/SqsTestHost.csproj" -c Release -nologo -v q >"$work/build2.log" 2>&1 \
      || { tail -20 "$work/build2.log"; exit 1; }
    server_cmd=(dotnet "$root/tests/sqs-clients/host/bin/Release/net10.0/sqs-test-host.dll")
  fi
  port=$(free_port); SLUICE_URL="http://127.0.0.1:$port"
  mkdir -p "$work/data"
  "${server_cmd[@]}" --data-dir "$work/data" --http-url "$SLUICE_URL" ${SLUICE_STORE:+--store "$SLUICE_STORE"} \
    >"$work/sluice.log" 2>&1 &
  pids+=($!)
  wait_http "$SLUICE_URL/healthz" || { echo "sluice did not start"; tail -20 "$work/sluice.log"; exit 1; }
  echo "# sluice: ${server_cmd[*]##*/} ${SLUICE_STORE:+--store $SLUICE_STORE}"
fi
if [ -z "${MOTO_URL:-}" ]; then
  port=$(free_port); MOTO_URL="http://127.0.0.1:$port"
  python3 -m moto.server -p "$port" >"$work/moto.log" 2>&1 &
  pids+=($!)
  wait_http "$MOTO_URL/" || { echo "moto did not start"; tail -20 "$work/moto.log"; exit 1; }
fi
echo "# $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg); moto $(python3 -c 'import moto; print(moto.__version__)')"
for w in $workers_list; do
  echo "## $w worker(s), $messages messages per run, $runs runs"
  dotnet "$bench" --messages "$messages" --workers "$w" --runs "$runs" sluice="$SLUICE_URL" moto="$MOTO_URL"
done
