#!/usr/bin/env bash
# Runs every test of Sluice and ends with one line: "tests: N passed, N failed, N skipped".
# Needs only the .NET SDK (10.0.x); NuGet packages are restored on the way.
set -uo pipefail
cd "$(dirname "$0")"

if ! command -v dotnet >/dev/null 2>&1; then
  echo "error: the .NET SDK 10 is required (dotnet not on PATH)" >&2
  exit 1
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log=$(mktemp)
trap 'rm -f "$log"' EXIT

if ! dotnet build Sluice.slnx -c Release -nologo -v q 2>&1 | tee "$log" | grep -E "error|Build succeeded|Warn" ; then :; fi
if grep -q -E "^Build FAILED|error [A-Z]+[0-9]+" "$log"; then
  echo "build failed" >&2
  echo "tests: 0 passed, 1 failed, 0 skipped"
  exit 1
fi

# The RESP face's client tests (tests/Sluice.Faces.Resp.Tests: redis-py running tests/resp-clients/test_redis_py.py,
# redis-cli, and replies compared byte for byte with a real redis-server) need Debian's redis-server, redis-tools and
# python3-redis; the PostgreSQL store's tests (tests/Sluice.Storage.Postgres.Tests) start a throwaway server from
# Debian's postgresql binaries (initdb, pg_ctl on the PATH or under /usr/lib/postgresql/*/bin) unless
# SLUICE_TEST_POSTGRES names a server; the dashboard's browser tests (tests/Sluice.Dashboard.Tests, Playwright) drive
# Debian's chromium at /usr/bin/chromium. Install the missing ones (apt-get update only when installing; SLUICE_NO_APT=1
# never calls apt-get).
apt_pkgs=()
for p in redis-server redis-tools python3-redis chromium; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || apt_pkgs+=("$p")
done
if [ -z "${SLUICE_TEST_POSTGRES:-}" ] && ! command -v initdb >/dev/null 2>&1 && ! compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null; then
  apt_pkgs+=(postgresql)
fi
if [ ${#apt_pkgs[@]} -gt 0 ] && [ -z "${SLUICE_NO_APT:-}" ] && command -v apt-get >/dev/null; then
  echo "# installing ${apt_pkgs[*]}"
  sudo_cmd=(); [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null && sudo_cmd=(sudo -n)
  { "${sudo_cmd[@]}" apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${apt_pkgs[@]}"; } \
    >"$log.apt" 2>&1 || { echo "# apt-get failed:"; cat "$log.apt"; }
  rm -f "$log.apt"
fi

# A test that hangs fails after 5 minutes with its name (and a dump) instead of stalling the run.
dotnet test Sluice.slnx -c Release --no-build --nologo --blame-hang-timeout 5m 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
failed_tests=$(grep -E "^ +Failed [A-Za-z_][A-Za-z0-9_.]+" "$log" | sed -E 's/^ +Failed /  /; s/ \[[^]]*\]$//' || true)

# Each test assembly prints: "Passed!  - Failed: 0, Passed: 21, Skipped: 0, Total: 21, ..."
read -r passed failed skipped < <(grep -E "(Passed|Failed)! +- Failed: " "$log" | awk -F'[:,]' '
  { f += $2; p += $4; s += $6 } END { printf "%d %d %d\n", p, f, s }')
assemblies=$(grep -c -E "(Passed|Failed)! +- Failed: " "$log" || true)
if [ "$status" -ne 0 ] && [ "${failed:-0}" -eq 0 ]; then
  # The runner failed without a failing test (a crash or an aborted assembly): count it as a failure.
  failed=1
fi
echo "test assemblies: $assemblies"

# The README's embedding samples (samples/*, built above with the solution): each runs in a fresh directory and passes
# when it exits 0 (it does so once it received the message it published). Each counts as one test.
for project in samples/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dll="$PWD/$(dirname "$project")/bin/Release/net10.0/$name.dll"
  workdir=$(mktemp -d)
  if (cd "$workdir" && timeout 120 dotnet "$dll" </dev/null >"$workdir/output.txt" 2>&1); then
    echo "sample $name: passed"
    passed=$(( ${passed:-0} + 1 ))
  else
    echo "sample $name: FAILED"
    sed 's/^/  /' "$workdir/output.txt"
    failed=$(( ${failed:-0} + 1 ))
    status=1
  fi
  rm -rf "$workdir"
done

# The CLI as a .NET tool, as the README installs it: pack, install into a temporary tool path (with an empty package
# cache, so no earlier install is reused), run 'sluice --version' and 'sluice --help'. Prints "cli-tool: N passed, ...".
tooldir=$(mktemp -d)
if dotnet pack src/Sluice.Cli -c Release --no-build -nologo -v q -o "$tooldir/pkg" >"$log" 2>&1 &&
   NUGET_PACKAGES="$tooldir/cache" dotnet tool install --tool-path "$tooldir/bin" --add-source "$tooldir/pkg" \
     --ignore-failed-sources Sluice.Cli >>"$log" 2>&1 &&
   "$tooldir/bin/sluice" --version >>"$log" 2>&1 &&
   help=$("$tooldir/bin/sluice" --help 2>&1) && [[ "$help" == *"sluice [command]"* ]]; then
  echo "cli-tool: 1 passed, 0 failed, 0 skipped"
  passed=$(( ${passed:-0} + 1 ))
else
  cat "$log"
  echo "cli-tool: 0 passed, 1 failed, 0 skipped"
  failed=$(( ${failed:-0} + 1 )) status=1
fi
rm -rf "$tooldir"

# SQS client compatibility (boto3 JSON + Query, AWS CLI, Celery) against one real server.
# Prints "sqs-clients: N passed, N failed, N skipped"; SLUICE_SKIP_SQS_CLIENTS=1 leaves it out.
if [ -z "${SLUICE_SKIP_SQS_CLIENTS:-}" ] && [ -x tests/sqs-clients/run.sh ]; then
  SLUICE_SKIP_BUILD=1 tests/sqs-clients/run.sh 2>&1 | tee "$log"
  sqs_status=${PIPESTATUS[0]}
  read -r sp sf ss < <(grep -E "^sqs-clients: [0-9]+ passed" "$log" | tail -1 |
    awk '{ print $2, $4, $6 }')
  if [ -z "${sp:-}" ]; then sp=0 sf=1 ss=0; fi
  if [ "$sqs_status" -ne 0 ] && [ "$sf" -eq 0 ]; then sf=1; fi
  passed=$(( ${passed:-0} + sp )) failed=$(( ${failed:-0} + sf )) skipped=$(( ${skipped:-0} + ss ))
  [ "$sqs_status" -ne 0 ] && status=1
fi

if [ -n "$failed_tests" ]; then
  echo "failed .NET tests:"
  echo "$failed_tests"
fi
echo "tests: ${passed:-0} passed, ${failed:-0} failed, ${skipped:-0} skipped"
[ "$status" -eq 0 ] && [ "${failed:-0}" -eq 0 ]
