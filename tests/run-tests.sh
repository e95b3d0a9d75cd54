#!/usr/bin/env bash
# Runs every test project and ends with one line "N passed, N failed, N skipped".
# Extra arguments go to `dotnet test` (e.g. --filter).
set -uo pipefail
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
dotnet test Toasted.sln -c "${CONFIG:-Release}" --no-build "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# VSTest prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 12, Skipped: 1, Total: 13, ..."
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    for (i = 1; i <= NF; i++) {
      gsub(",", "", $(i+1))
      if ($i == "Failed:")  f += $(i+1)
      if ($i == "Passed:")  p += $(i+1)
      if ($i == "Skipped:") s += $(i+1)
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1   # the run itself failed (build or crash) without a per-test count
fi
echo "$passed passed, $failed failed, $skipped skipped"
[ "$status" -eq 0 ]
