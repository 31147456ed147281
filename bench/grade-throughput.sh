#!/usr/bin/env bash
# Throughput of namespaced grading: 1, 4 and 16 gradings of one lab at once on one daemon, each
# replaying a correct submission in its own namespace (`labrunner grade LAB --submission FILE
# --namespace NS --format json`). Every grading must be correct: exit 0, full score, and nothing
# left on the daemon under its namespace afterwards. Prints the wall time of each batch, the
# median per level over R rounds (levels alternate in order each round), and the ratio of 16 at
# once to one alone (target: <= 6).
#
# Usage: bench/grade-throughput.sh [R]          (rounds, default 3)
#   LAB=file SUBMISSION=file   (default: volume-persistence and bench/submissions/volume-persistence.sh)
set -uo pipefail
source "$(dirname "$0")/common.sh"
R=${1:-3}
LAB=${LAB:-$BENCH_ROOT/labs/MOD-DOCKER-04/volume-persistence.yaml}
SUBMISSION=${SUBMISSION:-$BENCH_ROOT/bench/submissions/volume-persistence.sh}
LEVELS=(1 4 16)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/wrong"
export LABRUNNER_HOME=$tmp/home

if ! "$LABRUNNER" grade --help >/dev/null 2>&1; then
  echo "this labrunner has no \`grade\` subcommand: $LABRUNNER" >&2
  exit 2
fi
echo "labrunner: $LABRUNNER"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

for r in $(seq 1 "$R"); do
  if [ $((r % 2)) = 1 ]; then order="1 4 16"; else order="16 4 1"; fi
  for c in $order; do
    t=$(grade_batch "$c" "g$c-r$r" "$tmp")
    echo "$t" >>"$tmp/level.$c"
    printf 'round %d: %2d at once %6.2fs\n' "$r" "$c" "$t"
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A med
for c in "${LEVELS[@]}"; do
  med[$c]=$(median <"$tmp/level.$c")
  printf 'median %2d at once: %6.2fs  (%.2fs per grading)\n' "$c" "${med[$c]}" "$(echo "${med[$c]} / $c" | bc -l)"
done
printf 'ratio 16 at once / 1 alone: %.2f (target <= 6); wrong gradings: %d of %d\n' \
  "$(echo "${med[16]} / ${med[1]}" | bc -l)" "$(wc -l <"$tmp/wrong")" "$((R * 21))"
[ ! -s "$tmp/wrong" ]
