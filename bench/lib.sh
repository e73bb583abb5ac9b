# Shared by bench/compare/run.sh and bench/cluster/run.sh (sourced, not run): a temporary work directory, the PIDs of
# what the script started, stopped newest first on exit (each with SIGTERM, then SIGKILL after 10 s), and helpers.
#   bench_setup NAME   creates $work (mode 755: servers running as other users enter it) and $out (results file)
# A script may set `bench_on_exit` to a command run after the processes stopped and before $work is removed.
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
pids=() bench_on_exit=""
bench_setup() {
  work=$(mktemp -d -t "$1.XXXXXX")
  chmod 755 "$work"
  [ -n "${out:-}" ] || out="$work/results.txt"
  : >"$out"
  trap bench_cleanup EXIT
  trap 'echo "interrupted" >&2; exit 130' INT TERM
}
bench_cleanup() {
  trap - EXIT INT TERM
  local i p
  # Newest first (RabbitMQ before the epmd it registered with); each by its PID, then waited for, then killed.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null; done
  for p in "${pids[@]}"; do
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -KILL "$p" 2>/dev/null
  done
  [ -n "$bench_on_exit" ] && eval "$bench_on_exit"
  rm -rf "$work"
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 1 120); do (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.5; done; return 1; }
has() { case " $peers " in *" $1"*) return 0 ;; esac; return 1; }
fail() { echo "$1" >&2; [ -n "${2:-}" ] && tail -20 "$2" >&2; exit 1; }
machine_line() {
  echo "# $(date -u '+%Y-%m-%d %H:%M UTC'); $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(free -g | awk '/Mem:/ {print $2}') GiB RAM; load average $(cut -d' ' -f1-3 /proc/loadavg)"
}
