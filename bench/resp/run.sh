#!/usr/bin/env bash
# RESP stream throughput, Sluice vs redis-server, same client (bench/resp/RespBench, raw sockets), same run:
# XADD with pipelining (depths 16 and 64, 1 KiB values, 4 connections) and XREADGROUP COUNT 256 + XACK (4 consumers,
# pre-filled stream). Peers started here on free ports: `sluice serve` (SQLite store, fsync on, RESP face), Redis
# `appendonly yes` with `appendfsync always`, and with `appendfsync everysec`. Medians of interleaved runs; ratios.
# Not a test: it prints numbers.
#   bench/resp/run.sh [any resp-bench option: --xadds N --depths "16 64" --entries M --runs R ...]
# SLUICE_BEFORE_DLL=path/to/sluice.dll: also start that build (e.g. an older commit) as the peer "sluice-before".
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d -t resp-bench.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_resp() { for _ in $(seq 1 120); do [ "$(redis-cli -p "$1" PING 2>/dev/null)" = PONG ] && return 0; sleep 0.5; done; return 1; }
command -v redis-server >/dev/null || { echo "redis-server is missing (Debian: apt-get install redis-server)"; exit 1; }

dotnet build "$here/RespBench/RespBench.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 \
  || { tail -20 "$work/build.log"; exit 1; }
dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build2.log" 2>&1 \
  || { tail -20 "$work/build2.log"; exit 1; }

endpoints=()
start_sluice() { # name dll
  local port http; port=$(free_port); http=$(free_port)
  mkdir -p "$work/$1"
  dotnet "$2" serve --data-dir "$work/$1" --http-url "http://127.0.0.1:$http" --resp-url "tcp://127.0.0.1:$port" \
    >"$work/$1.log" 2>&1 &
  pids+=($!)
  wait_resp "$port" || { echo "$1 did not start"; tail -20 "$work/$1.log"; exit 1; }
  endpoints+=("$1=127.0.0.1:$port")
}
start_redis() { # name fsync-mode
  local port; port=$(free_port)
  mkdir -p "$work/$1"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/$1" --appendonly yes --appendfsync "$2" --save '' \
    --daemonize no >"$work/$1.log" 2>&1 &
  pids+=($!)
  wait_resp "$port" || { echo "$1 did not start"; tail -20 "$work/$1.log"; exit 1; }
  endpoints+=("$1=127.0.0.1:$port")
}
start_sluice sluice "$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll"
[ -n "${SLUICE_BEFORE_DLL:-}" ] && start_sluice sluice-before "$SLUICE_BEFORE_DLL"
start_redis redis-always always
start_redis redis-everysec everysec
echo "# $(nproc) cores, load average: $(cut -d' ' -f1-3 /proc/loadavg); $(redis-server --version | cut -d' ' -f1-3); sluice at $(git -C "$root" rev-parse --short HEAD)"
dotnet "$here/RespBench/bin/Release/net10.0/resp-bench.dll" "$@" "${endpoints[@]}"
