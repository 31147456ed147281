#!/usr/bin/env bash
# Times `labrunner test` of labs/MOD-DOCKER-04/volume-persistence.yaml's main path (its
# alternatives and mistakes left out) against the same lab done with the docker CLI (bench/docker-cli/volume-persistence.sh), alternating the two, N rounds.
# Prints every round, the median of each and the ratio labrunner / CLI (target: <= 0.6).
#
# Usage: bench/compare-cli.sh [N]       (N rounds, default 5)
#   LABRUNNER=path   binary to time (default: target/release/labrunner, else target/debug)
set -uo pipefail
source "$(dirname "$0")/common.sh"
N=${1:-5}
CLI=$BENCH_ROOT/bench/docker-cli/volume-persistence.sh
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The CLI script does the main path only, so labrunner is timed on the lab without its
# alternatives and mistakes.
LAB=$out/volume-persistence.yaml
main_path_lab "$BENCH_ROOT/labs/MOD-DOCKER-04/volume-persistence.yaml" "$LAB"
export LABRUNNER_HOME=$out/home

echo "labrunner: $LABRUNNER"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
fail=0
for i in $(seq 1 "$N"); do
  # Alternate which one goes first, so a drift in machine load hits both alike.
  if [ $((i % 2)) = 1 ]; then order="lr cli"; else order="cli lr"; fi
  for who in $order; do
    t0=$(now)
    if [ $who = lr ]; then
      "$LABRUNNER" test "$LAB" >"$out/lr.$i.log" 2>&1
    else
      QUIET=1 "$CLI" >"$out/cli.$i.log" 2>&1
    fi
    rc=$?
    t1=$(now)
    t=$(echo "$t1 - $t0" | bc)
    echo "$t" >>"$out/$who.times"
    if [ $rc != 0 ]; then
      fail=1
      echo "round $i: $who FAILED (exit $rc):"
      sed 's/^/    /' "$out/$who.$i.log"
    fi
    printf 'round %d %-9s %6.2fs\n' "$i" "$([ $who = lr ] && echo labrunner || echo cli)" "$t"
  done
done
lr=$(median <"$out/lr.times")
cli=$(median <"$out/cli.times")
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf 'median labrunner %.2fs  docker CLI %.2fs  ratio %.2f (target <= 0.60)\n' "$lr" "$cli" "$(echo "$lr / $cli" | bc -l)"
exit $fail
