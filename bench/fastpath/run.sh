#!/usr/bin/env bash
# The fast path end to end: starts `sluice serve` (one store per run of the harness), runs bench/fastpath/FastPath
# (W1 1x1 and W2 4x4 through Sluice.Client over gRPC, 1 KiB bodies, window 256, prefetch 256, ack each), prints its
# lines, and stops what it started by PID. Not a test: it prints numbers (docs/design/fast-path.md).
#   bench/fastpath/run.sh [--stores "memory sqlite"] [--workloads "W1 W2"] [--runs 3] [--messages N] [--seconds S] [--label TEXT]
# SLUICE_GRPC_URL: use an already running server instead (the stores list is then ignored).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
stores="memory sqlite" workloads="W1 W2" runs=3 extra=() label=""
while [ $# -gt 0 ]; do
  case "$1" in
    --stores) stores=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --messages|--seconds|--ack|--window|--prefetch) extra+=("$1" "$2"); shift 2 ;;
    --label) label=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d -t fastpath.XXXXXX)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
    server_pid=""
  fi
}
trap 'stop_server; rm -rf "$work"' EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# SLUICE_CLI_DLL / FASTPATH_DLL: run given builds (e.g. a copy of an earlier commit's) instead of building these.
if [ -z "${SLUICE_CLI_DLL:-}" ] || [ -z "${FASTPATH_DLL:-}" ]; then
  dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 \
    && dotnet build "$here/FastPath/FastPath.csproj" -c Release -nologo -v q >>"$work/build.log" 2>&1 \
    || { tail -20 "$work/build.log"; exit 1; }
fi
cli="${SLUICE_CLI_DLL:-$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll}"
bench="${FASTPATH_DLL:-$here/FastPath/bin/Release/net10.0/fastpath.dll}"

run_bench() { # address store
  for w in $workloads; do
    dotnet "$bench" --address "$1" --workload "$w" --runs "$runs" --label "${label:+$label/}$2" "${extra[@]}"
  done
}

if [ -n "${SLUICE_GRPC_URL:-}" ]; then
  run_bench "$SLUICE_GRPC_URL" external
  exit 0
fi

for store in $stores; do
  http=$(free_port) grpc=$(free_port)
  rm -rf "$work/data"
  dotnet "$cli" serve --store "$store" --data-dir "$work/data" --http-url "http://127.0.0.1:$http" --grpc-url "http://127.0.0.1:$grpc" \
    >"$work/server-$store.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 120); do curl -fs -o /dev/null -m 2 "http://127.0.0.1:$http/v1/queues" && break; sleep 0.25; done
  echo "# sluice serve --store $store (pid $server_pid), fsync on"
  run_bench "http://127.0.0.1:$grpc" "$store"
  stop_server
done
