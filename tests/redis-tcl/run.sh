#!/usr/bin/env bash
# Runs Redis 7.0's own stream tests (tests/unit/type/stream.tcl and stream-cgroups.tcl of the Redis source) in
# external-server mode against the RESP face of a Sluice server started here, then stops the server.
#
#   tests/redis-tcl/run.sh <redis-7.0-source> [sqlite|memory] [more runtest options, e.g. --only 'XADD*']
#
# <redis-7.0-source> is a checkout or tarball of Redis 7.0 (tag 7.0.15 was used): the directory holding `runtest`.
# Needs tclsh 8.6 and the .NET SDK. Not run by ./test.sh (CI has no Redis source); run it by hand and record the
# result in docs/resp.md. Every test that is not excluded below must pass; each exclusion says why.
set -euo pipefail

if [[ $# -lt 1 || ! -f "$1/tests/unit/type/stream.tcl" ]]; then
    echo "usage: $0 <redis-7.0-source> [sqlite|memory] [runtest options...]" >&2
    echo "  (the directory holding runtest and tests/unit/type/stream.tcl)" >&2
    exit 2
fi
redis_src=$(cd "$1" && pwd)
store=${2:-sqlite}
shift $(( $# >= 2 ? 2 : 1 ))
case $store in sqlite|memory) ;; *) echo "store must be sqlite or memory, not '$store'" >&2; exit 2 ;; esac
command -v tclsh >/dev/null || { echo "tclsh 8.6 is needed (apt-get install tcl)" >&2; exit 2; }

root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n $server_pid ]]; then
        kill "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

dotnet build "$root/src/Sluice.Cli" -c Release -v quiet -nologo >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }

# Port 0: Sluice picks a free port and announces it.
dotnet "$root/src/Sluice.Cli/bin/Release/net10.0/sluice.dll" serve --no-auth --store "$store" --data-dir "$work/data" \
    --http-url http://127.0.0.1:0 --resp-url tcp://127.0.0.1:0 >"$work/server.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 1 300); do
    port=$(sed -n 's|^redis://127\.0\.0\.1:\([0-9]*\) .*|\1|p' "$work/server.log" | head -n 1)
    [[ -n $port ]] && break
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; echo "the Sluice server did not start" >&2; exit 1; }
    sleep 0.2
done
[[ -n $port ]] || { cat "$work/server.log"; echo "the Sluice server announced no RESP port" >&2; exit 1; }
echo "Sluice ($store store) at redis://127.0.0.1:$port"

# Exclusions: tests of Redis internals or of Redis types and commands Sluice does not have. Skipped by exact name
# (--skiptest); whole server blocks by tag (--tags).
args=(
    --host 127.0.0.1 --port "$port"
    --singledb                      # Sluice has database 0 only (SELECT 9 is refused)
    --tags -needs:debug             # blocks that set appendonly with CONFIG and reload with DEBUG LOADAOF (AOF rewrite, propagation)
    --single unit/type/stream
    --single unit/type/stream-cgroups
)
skip() { args+=(--skiptest "$1"); }
# unit/type/stream: radix-tree node sizes set with CONFIG SET stream-node-max-entries
skip "XADD with MAXLEN option and the '~' argument"
skip "XADD with LIMIT consecutive calls"
skip "XTRIM with ~ is limited"
skip "XTRIM without ~ is not limited"
skip "XTRIM without ~ and with LIMIT"
skip "XTRIM with LIMIT delete entries no more than limit"
# unit/type/stream: LPUSH (lists are not a Sluice type; the XADD + DEL part is the test before it)
skip "XREAD: XADD + DEL + LPUSH should not awake client"
# unit/type/stream-cgroups: SET and SADD (strings and sets are not Sluice types)
skip "Blocking XREADGROUP: key type changed with SET"
skip "Blocking XREADGROUP: key type changed with transaction"
skip "Blocking XREAD: key type changed with SET"
# unit/type/stream-cgroups: CONFIG RESETSTAT, INFO errorstats and commandstats (Redis's statistics)
skip "XGROUP DESTROY should unblock XREADGROUP with -NOGROUP"
# unit/type/stream-cgroups: CONFIG SET stream-node-max-entries (two tests of this name)
skip "XCLAIM with trimming"
# unit/type/stream-cgroups: RESTORE of an RDB payload from Redis 5
skip "Loading from legacy (Redis <= v6.2.x, rdb_ver < 10) persistence"

set +e
(cd "$redis_src" && ./runtest "${args[@]}" "$@") 2>&1 | tee "$work/runtest.log"
status=${PIPESTATUS[0]}
set -e

strip() { sed 's/\x1b\[[0-9;]*m//g' "$work/runtest.log"; }
passed=$(strip | grep -c '^\[ok\]: ' || true)
failed=$(strip | grep -c '^\[err\]: ' || true)
excluded=$(strip | grep -c '^\[skip\]: ' || true)
ignored=$(strip | grep -c '^\[ignore\]: ' || true)
exceptions=$(strip | grep -c '^\[exception\]: ' || true)
echo
echo "Redis $(sed -n 's/^#define REDIS_VERSION "\(.*\)"/\1/p' "$redis_src/src/version.h" 2>/dev/null) stream tests against Sluice ($store): passed $passed, failed $failed, exceptions $exceptions, excluded $excluded, skipped by tag $ignored"
if [[ $status -ne 0 || $failed -ne 0 || $exceptions -ne 0 ]]; then
    echo "FAILED (runtest exit $status); server log:" >&2
    tail -n 50 "$work/server.log" >&2
    exit 1
fi
