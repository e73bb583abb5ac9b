#!/usr/bin/env bash
# The fast path end to end: starts `sluice serve` (one store per run of the harness), runs bench/fastpath/FastPath
# (W1 1x1 and W2 4x4 through Sluice.Client over gRPC, 1 KiB bodies, window 256, prefetch 256, ack each), prints its
# lines, and stops what it started by PID. Not a test: it prints numbers (docs/design/fast-path.md).
#   bench/fastpath/run.sh [--stores "memory sqlite"] [--workloads "W1 W2"] [--runs 3] [--messages N] [--seconds S] [--label TEXT]
# SLUICE_GRPC_URL: use an already running server instead (the stores list is then ignored).
# BASELINE_DIR: a directory holding an earlier build (cli/sluice.dll, bench/fastpath.dll): each run of each workload
#   is then made on both builds, interleaved (baseline first), each against its own server on the same store, so
#   machine noise hits both alike; compare the medians of one such run, never numbers of different runs.
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
pids=()
trap 'for server_pid in "${pids[@]}"; do stop_server; done; rm -rf "$work"' EXIT
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

start_server() { # cli store -> sets server_pid and addr
  local http grpc
  http=$(free_port) grpc=$(free_port)
  rm -rf "$work/data-$3"
  dotnet "$1" serve --store "$2" --data-dir "$work/data-$3" --http-url "http://127.0.0.1:$http" --grpc-url "http://127.0.0.1:$grpc" \
    >"$work/server-$3.log" 2>&1 &
  pids+=($!)
  for _ in $(seq 1 120); do curl -fs -o /dev/null -m 2 "http://127.0.0.1:$http/v1/queues" && break; sleep 0.25; done
  addr="http://127.0.0.1:$grpc"
}

for store in $stores; do
  pids=()
  if [ -n "${BASELINE_DIR:-}" ]; then
    start_server "$BASELINE_DIR/cli/sluice.dll" "$store" base; base_addr=$addr
    start_server "$cli" "$store" new; new_addr=$addr
    echo "# sluice serve --store $store, fsync on: baseline (pid ${pids[0]}) and this build (pid ${pids[1]}), runs interleaved"
    for w in $workloads; do
      for r in $(seq 1 "$runs"); do
        dotnet "$BASELINE_DIR/bench/fastpath.dll" --address "$base_addr" --workload "$w" --runs 1 --label "before/$store" "${extra[@]}" | grep '^run' | tee -a "$work/runs"
        dotnet "$bench" --address "$new_addr" --workload "$w" --runs 1 --label "after/$store" "${extra[@]}" | grep '^run' | tee -a "$work/runs"
      done
    done
    # Medians per build and workload, and the ratio after/before.
    python3 - "$work/runs" <<'PY'
import re, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    m = re.match(r"run \d+ (\S+) (W\d)\s+(\d+) msgs/s\s+p50\s+([\d.]+) ms\s+p99\s+([\d.]+) ms\s+p99.9\s+([\d.]+) ms.*alloc (\d+) B/msg", line)
    if m:
        rows.setdefault((m[1], m[2]), []).append([float(x) for x in m.groups()[2:]])
med = {k: [statistics.median(c) for c in zip(*v)] for k, v in rows.items()}
for (label, w), (rate, p50, p99, p999, alloc) in sorted(med.items(), key=lambda kv: (kv[0][1], kv[0][0])):
    print(f"median {label} {w} {rate:9.0f} msgs/s  p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  p99.9 {p999:7.2f} ms  client alloc {alloc:6.0f} B/msg  ({len(rows[(label, w)])} runs)")
for (label, w), v in sorted(med.items()):
    if label.startswith("after/"):
        b = med.get(("before/" + label[6:], w))
        if b:
            print(f"ratio after/before {label[6:]} {w}: msgs/s {v[0] / b[0]:.2f}x, p50 {v[1] / b[1]:.2f}x, p99 {v[2] / b[2]:.2f}x, client alloc {v[4] / b[4]:.2f}x")
PY
    : >"$work/runs"
  else
    start_server "$cli" "$store" new
    echo "# sluice serve --store $store (pid ${pids[0]}), fsync on"
    run_bench "$addr" "$store"
  fi
  for server_pid in "${pids[@]}"; do stop_server; done
done
