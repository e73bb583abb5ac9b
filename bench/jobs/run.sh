#!/usr/bin/env bash
# Background jobs with a no-op handler, jobs/s: Hangfire (SQLite, in-memory, PostgreSQL storage) and Sluice.Worker
# (embedded, over gRPC) in the same run; plus publish -> consume msgs/s of 1 KiB messages over gRPC. Each measurement
# is its own process (bench/jobs/JobsBench): enqueue N jobs, then run workers until all are completed; runs are
# interleaved across peers and the medians printed. Not a test: it prints numbers.
#   bench/jobs/run.sh [--jobs 20000] [--slow-jobs 1000] [--workers 10] [--runs 3] [--peers "hangfire-sqlite ..."]
# Peers: hangfire-sqlite hangfire-memory hangfire-postgres sluice-embedded sluice-grpc grpc-messages (default: all
# that this build has). hangfire-postgres starts a throwaway PostgreSQL from Debian's binaries (initdb/pg_ctl, as the
# postgres user when root) in a temporary directory on a free port, and stops it at the end.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
jobs=20000 slow_jobs=1000 workers=10 runs=3 peers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jobs) jobs=$2; shift 2 ;;
    --slow-jobs) slow_jobs=$2; shift 2 ;;
    --workers) workers=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
work=$(mktemp -d -t jobs-bench.XXXXXX)
chmod 755 "$work"
pids=() pg_data=""
cleanup() {
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null; done
  if [ -n "$pg_data" ]; then as_pg "$pg_bin/pg_ctl" -D "$pg_data" -m immediate stop >/dev/null 2>&1; fi
  sleep 1
  for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { for _ in $(seq 1 120); do curl -fs -o /dev/null -m 2 "$1" && return 0; sleep 0.5; done; return 1; }
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

dotnet build "$here/JobsBench/JobsBench.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 \
  || { tail -20 "$work/build.log"; exit 1; }
bench="$here/JobsBench/bin/Release/net10.0/jobs-bench.dll"
available=$(dotnet "$bench" --list-peers)
[ -n "$peers" ] || peers=$available

for peer in $peers; do
  case "$peer" in
    hangfire-postgres)
      pg_bin=$(dirname "$(command -v initdb || ls /usr/lib/postgresql/*/bin/initdb | tail -1)")
      pg_data="$work/pg" pg_port=$(free_port)
      mkdir -p "$pg_data" && chown postgres "$pg_data" 2>/dev/null
      as_pg "$pg_bin/initdb" -D "$pg_data" -U postgres --auth=trust >"$work/initdb.log" 2>&1 \
        || { echo "initdb failed"; tail -5 "$work/initdb.log"; exit 1; }
      # Its defaults (fsync on, synchronous_commit on); listen on loopback only, no Unix socket outside the data dir.
      as_pg "$pg_bin/pg_ctl" -D "$pg_data" -l "$pg_data/log" -w \
        -o "-p $pg_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$pg_data" start >/dev/null \
        || { echo "postgres did not start"; tail -5 "$pg_data/log"; exit 1; }
      pg="Host=127.0.0.1;Port=$pg_port;Username=postgres;Database=postgres"
      echo "# postgres $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port (fsync on, synchronous_commit on)"
      ;;
    sluice-grpc|grpc-messages)
      if [ -z "${sluice_url:-}" ]; then
        dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build2.log" 2>&1 \
          || { tail -20 "$work/build2.log"; exit 1; }
        port=$(free_port) grpc_port=$(free_port)
        sluice_url="http://127.0.0.1:$port" grpc_url="http://127.0.0.1:$grpc_port"
        mkdir -p "$work/sluice"
        dotnet "$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll" serve --no-auth --data-dir "$work/sluice" \
          --http-url "$sluice_url" --grpc-url "$grpc_url" >"$work/sluice.log" 2>&1 &
        pids+=($!)
        wait_http "$sluice_url/healthz" || { echo "sluice did not start"; tail -20 "$work/sluice.log"; exit 1; }
        echo "# sluice serve (SQLite store, fsync on) on $sluice_url, gRPC $grpc_url"
      fi
      ;;
  esac
done

declare -A results
for run in $(seq 1 "$runs"); do
  for peer in $peers; do
    n=$jobs; case "$peer" in hangfire-sqlite|hangfire-postgres) n=$slow_jobs ;; esac
    args=(--peer "$peer" --jobs "$n" --workers "$workers" --dir "$work/run-$peer-$run")
    [ "$peer" = hangfire-postgres ] && args+=(--pg "$pg" --name "hangfire_run$run")
    case "$peer" in sluice-grpc|grpc-messages) args+=(--url "$grpc_url" --name "$peer-$run") ;; esac
    line=$(dotnet "$bench" "${args[@]}" 2>"$work/err.log") || { echo "# $peer run $run failed:"; tail -5 "$work/err.log"; continue; }
    echo "$line run=$run"
    rate=$(sed -E 's/.* per_s=([0-9]+).*/\1/' <<<"$line")
    results[$peer]="${results[$peer]:-} $rate"
    rm -rf "$work/run-$peer-$run"
  done
done

median() { tr ' ' '\n' | grep -v '^$' | sort -n | awk '{a[NR]=$1} END {if (NR == 0) print 0; else if (NR % 2) print a[(NR+1)/2]; else print int((a[NR/2]+a[NR/2+1])/2)}'; }
echo
echo "| peer | runs (per s) | median per s |"
echo "|---|---|---|"
for peer in $peers; do
  [ -n "${results[$peer]:-}" ] || continue
  echo "| $peer | $(echo "${results[$peer]}" | sed 's/^ //; s/ / \/ /g') | $(echo "${results[$peer]}" | median) |"
done
