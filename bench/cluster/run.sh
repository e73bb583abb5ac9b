#!/usr/bin/env bash
# Sluice's cluster mode measured (issue 10; docs/benchmarks.md): publish -> receive -> ack of 1 KiB durable messages
# through `sluice serve` on 1, 2 and 3 nodes sharing one local PostgreSQL, the embedded default store (one node), and
# a plain-SQL queue on the same PostgreSQL (pgmq-style SKIP LOCKED through Npgsql, no Sluice) as the baseline, in one
# run, interleaved, with bench/compare's load generator (W1 = 1 producer x 1 consumer, W2 = 4 x 4; a cluster's clients
# connect to its nodes in turn). Starts a throwaway PostgreSQL from Debian's binaries (initdb/pg_ctl; as the postgres
# user when run as root; installs the postgresql package when missing), stops everything it started by PID.
# Not a test: it prints numbers.
#   bench/cluster/run.sh [--runs 3] [--seconds 5] [--messages 200000] [--workloads "W1 W2"] [--out results.txt] [--no-build]
#                        [--peers "sluice-log sluice-pg-1node sluice-pg-2nodes sluice-pg-3nodes sql-skiplocked"]
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=3 seconds=5 messages=200000 workloads="W1 W2" out="" build=1
peers="sluice-log sluice-pg-1node sluice-pg-2nodes sluice-pg-3nodes sql-skiplocked"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$here/../lib.sh"
bench_setup cluster-bench
pg_ctl="" pgdata="" as_pg=()
bench_on_exit='[ -n "$pg_ctl" ] && "${as_pg[@]}" "$pg_ctl" -D "$pgdata" -m immediate stop >/dev/null 2>&1'

bindir=$(dirname "$(readlink -f "$(command -v initdb 2>/dev/null || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1)")")
if ! [ -x "$bindir/initdb" ]; then
  echo "# installing postgresql"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postgresql; } >"$work/apt.log" 2>&1 \
    || fail "apt-get install postgresql failed" "$work/apt.log"
  bindir=$(dirname "$(ls -d /usr/lib/postgresql/*/bin/initdb | sort -V | tail -1)")
fi

if [ "$build" = 1 ]; then
  echo "# building (Release)"
  dotnet build "$root/bench/compare/CompareBench/CompareBench.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 || fail "build failed" "$work/build.log"
  dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build2.log" 2>&1 || fail "build failed" "$work/build2.log"
fi
bench="$root/bench/compare/CompareBench/bin/Release/net10.0/compare-bench.dll"
sluice="$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll"

# PostgreSQL: its defaults (fsync on, synchronous_commit on, shared_buffers 128MB) but for the port, the socket
# directory and max_connections (3 nodes' pools and the baseline's). initdb refuses root: run it as postgres then.
pgdata="$work/pg" pg_port=$(free_port) pg_ctl="$bindir/pg_ctl"
mkdir -p "$pgdata"
if [ "$(id -u)" -eq 0 ]; then chown postgres "$pgdata"; as_pg=(runuser -u postgres --); fi
(cd / && "${as_pg[@]}" "$bindir/initdb" -D "$pgdata" -U postgres -A trust --no-sync) >"$work/initdb.log" 2>&1 || fail "initdb failed" "$work/initdb.log"
(cd / && "${as_pg[@]}" "$pg_ctl" -D "$pgdata" -l "$pgdata/server.log" -w \
  -o "-p $pg_port -k $pgdata -c listen_addresses=127.0.0.1 -c max_connections=500" start) >"$work/pg_ctl.log" 2>&1 \
  || fail "PostgreSQL did not start" "$pgdata/server.log"
for db in sluice baseline; do
  "$bindir/psql" -h 127.0.0.1 -p "$pg_port" -U postgres -qc "CREATE DATABASE $db" postgres >/dev/null || fail "CREATE DATABASE $db failed"
done
cs="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=sluice"

declare -A endpoint
start_node() { # name store-args...
  local name=$1 http grpc; shift
  http=$(free_port) grpc=$(free_port)
  mkdir -p "$work/$name"
  dotnet "$sluice" serve --no-auth --data-dir "$work/$name" --http-url "http://127.0.0.1:$http" --grpc-url "http://127.0.0.1:$grpc" "$@" \
    >"$work/$name.log" 2>&1 &
  pids+=($!)
  wait_port "$grpc" || fail "sluice node $name did not start" "$work/$name.log"
  endpoint[$name]="http://127.0.0.1:$grpc"
}
has sluice-log && start_node log
if has sluice-pg; then
  start_node pg1 --store postgres --connection-string "$cs"
  (has sluice-pg-2nodes || has sluice-pg-3nodes) && start_node pg2 --store postgres --connection-string "$cs"
  has sluice-pg-3nodes && start_node pg3 --store postgres --connection-string "$cs"
fi

: >"$work/targets"
for peer in $peers; do
  case "$peer" in
    sluice-log) echo "$peer ${endpoint[log]} 0" ;;
    sluice-pg-1node) echo "$peer ${endpoint[pg1]} 0" ;;
    sluice-pg-2nodes) echo "$peer ${endpoint[pg1]},${endpoint[pg2]} 0" ;;
    sluice-pg-3nodes) echo "$peer ${endpoint[pg1]},${endpoint[pg2]},${endpoint[pg3]} 0" ;;
    sql-skiplocked) echo "$peer Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=baseline 0" ;;
    *) fail "unknown peer $peer" ;;
  esac >>"$work/targets"
done

machine_line
echo "# PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (defaults: fsync on, synchronous_commit on; max_connections 500)"
echo "# sluice serve at $(git -C "$root" rev-parse --short HEAD): nodes ${!endpoint[*]}; runs=$runs seconds=$seconds messages=$messages workloads=$workloads"
started=$(date +%s)
dotnet "$bench" --targets "$work/targets" --workloads "$workloads" --runs "$runs" --messages "$messages" --seconds "$seconds" \
  2>"$work/errors.log" | tee -a "$out"
if [ -s "$work/errors.log" ]; then echo "# errors (last lines):"; tail -15 "$work/errors.log" | sed 's/^/#   /'; fi
echo "# measured in $(( $(date +%s) - started )) s"
echo
dotnet "$bench" --report "$out" --peers "$peers" --ratio-to "sql-skiplocked sluice-pg-1node"
