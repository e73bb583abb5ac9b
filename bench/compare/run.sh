#!/usr/bin/env bash
# Sluice side by side with RabbitMQ, Redis and NATS JetStream (docs/benchmarks.md; workloads of ../shared/BENCH.md):
# installs the peers when missing (Debian packages), starts each on 127.0.0.1 on free ports in a temporary directory
# with durable settings, starts `sluice serve` (built here, Release, default store, fsync on), runs W1-W4 on every peer
# with one load generator (bench/compare/CompareBench, each peer's usual .NET client), interleaved, and W5 (Sluice
# embedded); stops what it started by PID (also on Ctrl-C or failure) and prints the table of medians and ratios.
# Not a test: it prints numbers.
#   bench/compare/run.sh [--runs 3] [--seconds 5] [--messages 200000] [--w3-messages 5000] [--rate 1000]
#                        [--w4-messages 100000] [--w4-seconds 10] [--w4-runs 1] [--w5-seconds 3]
#                        [--peers "sluice-grpc redis-always ..."] [--workloads "W1 W2 W3 W4 W5"] [--out results.txt]
#                        [--no-build] (use the Release binaries already built)
# W1/W2 publish for --seconds (or --messages, whichever comes first), then drain; W3 sends --w3-messages paced at
# --rate; W4 publishes --w4-messages (or for --w4-seconds) with no consumer, then drains (--w4-runs runs, default 1).
# The defaults measure for about 8 minutes on 2 cores (plus the build: about 1 minute on an idle machine, 10 on one
# shared with other builds); BENCH.md's sizes: --seconds 20 --w3-messages 15000
# --w4-messages 10000000 --w4-seconds 100000 (W4 alone then takes an hour or more per peer).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
runs=3 seconds=5 messages=200000 w3_messages=5000 rate=1000 w4_messages=100000 w4_seconds=10 w4_runs=1 w5_seconds=3 out="" build=1
peers="rabbitmq-classic rabbitmq-classic-v2 rabbitmq-quorum nats-js redis-always redis-everysec sluice-grpc"
workloads="W1 W2 W3 W4 W5"
while [ $# -gt 0 ]; do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --messages) messages=$2; shift 2 ;;
    --w3-messages) w3_messages=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --w4-messages) w4_messages=$2; shift 2 ;;
    --w4-seconds) w4_seconds=$2; shift 2 ;;
    --w4-runs) w4_runs=$2; shift 2 ;;
    --w5-seconds) w5_seconds=$2; shift 2 ;;
    --peers) peers=$2; shift 2 ;;
    --workloads) workloads=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$here/../lib.sh"
bench_setup compare-bench

# Install what is missing. The packages' services are not started (policy-rc.d is respected by the maintainer scripts
# in containers; on a machine where they do start, this script still uses its own instances only).
missing=()
has rabbitmq && ! [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] && missing+=(rabbitmq-server)
has nats && ! command -v nats-server >/dev/null && missing+=(nats-server)
has redis && ! command -v redis-server >/dev/null && missing+=(redis-server)
if [ ${#missing[@]} -gt 0 ]; then
  echo "# installing ${missing[*]}"
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; } >"$work/apt.log" 2>&1 \
    || fail "apt-get install ${missing[*]} failed" "$work/apt.log"
fi

if [ "$build" = 1 ]; then
  echo "# building (Release)"
  dotnet build "$here/CompareBench/CompareBench.csproj" -c Release -nologo -v q >"$work/build.log" 2>&1 || fail "build failed" "$work/build.log"
  has sluice && { dotnet build "$root/src/Sluice.Cli/Sluice.Cli.csproj" -c Release -nologo -v q >"$work/build2.log" 2>&1 || fail "build failed" "$work/build2.log"; }
fi
bench="$here/CompareBench/bin/Release/net10.0/compare-bench.dll"

declare -A endpoint server_pid
versions=()

if has rabbitmq; then
  # Its own node: name, ports, epmd, Erlang cookie (HOME), mnesia and log directories, no plugins, all in $work.
  r="$work/rabbitmq" amqp=$(free_port) dist=$(free_port) epmd_port=$(free_port)
  mkdir -p "$r"
  echo '[].' >"$r/enabled_plugins"
  printf 'loopback_users = none\nlisteners.tcp.default = 127.0.0.1:%s\n' "$amqp" >"$r/rabbitmq.conf"
  export ERL_EPMD_PORT=$epmd_port ERL_EPMD_ADDRESS=127.0.0.1
  epmd -port "$epmd_port" -address 127.0.0.1 >"$work/epmd.log" 2>&1 &
  pids+=($!)
  HOME="$r" RABBITMQ_NODENAME="compare$$@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 RABBITMQ_NODE_PORT="$amqp" \
    RABBITMQ_DIST_PORT="$dist" RABBITMQ_MNESIA_BASE="$r/mnesia" RABBITMQ_LOG_BASE="$r/log" \
    RABBITMQ_ENABLED_PLUGINS_FILE="$r/enabled_plugins" RABBITMQ_PLUGINS_EXPAND_DIR="$r/plugins-expand" \
    RABBITMQ_CONFIG_FILE="$r/rabbitmq.conf" RABBITMQ_ADVANCED_CONFIG_FILE="$r/advanced.config" \
    RABBITMQ_CONF_ENV_FILE="$r/rabbitmq-env.conf" RABBITMQ_PID_FILE="$r/pid" \
    /usr/lib/rabbitmq/bin/rabbitmq-server >"$work/rabbitmq.log" 2>&1 &
  rabbit_script=$!
  pids+=("$rabbit_script")
  wait_port "$amqp" || fail "rabbitmq did not start" "$work/rabbitmq.log"
  beam=$(pgrep -P "$rabbit_script" | head -1)
  [ -n "$beam" ] && pids+=("$beam") # stopped first (SIGTERM: a clean shutdown), so it cannot outlive its script
  for p in rabbitmq-classic rabbitmq-classic-v2 rabbitmq-quorum; do endpoint[$p]="127.0.0.1:$amqp"; server_pid[$p]=${beam:-0}; done
  versions+=("RabbitMQ $(dpkg-query -W -f '${Version}' rabbitmq-server) (Erlang $(dpkg-query -W -f '${Version}' erlang-base)) on 127.0.0.1:$amqp, node compare$$@localhost")
fi

if has nats; then
  port=$(free_port)
  mkdir -p "$work/nats"
  cat >"$work/nats/nats.conf" <<EOF
listen: 127.0.0.1:$port
jetstream {
  store_dir: "$work/nats/js"
  max_memory_store: 1G
  max_file_store: 64G
}
EOF
  nats-server -c "$work/nats/nats.conf" >"$work/nats.log" 2>&1 &
  pids+=($!) server_pid[nats-js]=$!
  wait_port "$port" || fail "nats-server did not start" "$work/nats.log"
  endpoint[nats-js]="127.0.0.1:$port"
  versions+=("nats-server $(nats-server --version | awk '{print $2}') -js, file storage in the temp dir, on 127.0.0.1:$port")
fi

start_redis() { # peer fsync-mode
  local port; port=$(free_port)
  mkdir -p "$work/$1"
  redis-server --port "$port" --bind 127.0.0.1 --dir "$work/$1" --appendonly yes --appendfsync "$2" --save '' \
    --daemonize no >"$work/$1.log" 2>&1 &
  pids+=($!) server_pid[$1]=$!
  wait_port "$port" || fail "$1 did not start" "$work/$1.log"
  endpoint[$1]="127.0.0.1:$port"
  versions+=("$(redis-server --version | cut -d' ' -f1-3) --appendonly yes --appendfsync $2 --save '' on 127.0.0.1:$port")
}
has redis-always && start_redis redis-always always
has redis-everysec && start_redis redis-everysec everysec

if has sluice-grpc; then
  http=$(free_port) grpc=$(free_port)
  mkdir -p "$work/sluice"
  # Its defaults otherwise: the default store, fsync on.
  dotnet "$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll" serve --no-auth --data-dir "$work/sluice" \
    --http-url "http://127.0.0.1:$http" --grpc-url "http://127.0.0.1:$grpc" >"$work/sluice.log" 2>&1 &
  pids+=($!) server_pid[sluice-grpc]=$!
  wait_port "$grpc" || fail "sluice did not start" "$work/sluice.log"
  endpoint[sluice-grpc]="http://127.0.0.1:$grpc"
  versions+=("sluice serve at $(git -C "$root" rev-parse --short HEAD) ($(head -1 "$work/sluice.log" | cut -c1-160)), gRPC on 127.0.0.1:$grpc")
fi

machine_line
for v in "${versions[@]}"; do echo "# $v"; done
echo "# runs=$runs seconds=$seconds messages=$messages w3_messages=$w3_messages rate=$rate w4_messages=$w4_messages w4_seconds=$w4_seconds w4_runs=$w4_runs w5_seconds=$w5_seconds"

started=$(date +%s)
: >"$work/targets"
for peer in $peers; do echo "$peer ${endpoint[$peer]} ${server_pid[$peer]:-0}" >>"$work/targets"; done
network=$(echo " $workloads " | sed 's/ W5 / /g')
if [ -n "$(echo $network)" ]; then
  # Every network workload on every peer in one load-generator process: runs interleaved, the peer order rotated.
  dotnet "$bench" --targets "$work/targets" --workloads "$(echo $network)" --runs "$runs" --w4-runs "$w4_runs" \
    --messages "$messages" --seconds "$seconds" --w3-messages "$w3_messages" --rate "$rate" \
    --w4-messages "$w4_messages" --w4-seconds "$w4_seconds" 2>"$work/errors.log" | tee -a "$out"
fi
if [[ " $workloads " == *" W5 "* ]]; then
  # W5 in a process of its own per measurement: an in-process broker, nothing else in the process.
  for run in $(seq 1 "$runs"); do
    for shape in "32 1" "32 16" "1 16"; do
      set -- $shape
      dotnet "$bench" --embedded --batch "$1" --callers "$2" --seconds "$w5_seconds" --run "$run" 2>>"$work/errors.log" \
        | grep '^peer=' | tee -a "$out" || echo "# W5 batch $1 × $2 callers run $run failed"
    done
  done
fi
if [ -s "$work/errors.log" ]; then echo "# errors (last lines):"; tail -15 "$work/errors.log" | sed 's/^/#   /'; fi
echo "# measured in $(( $(date +%s) - started )) s"
echo
dotnet "$bench" --report "$out" --peers "$peers"
