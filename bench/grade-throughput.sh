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
export LABRUNNER_HOME=$tmp/home

if ! "$LABRUNNER" grade --help >/dev/null 2>&1; then
  echo "this labrunner has no \`grade\` subcommand: $LABRUNNER" >&2
  exit 2
fi
echo "labrunner: $LABRUNNER"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

wrong=0
batch() { # level round -> prints wall seconds
  local c=$1 r=$2 i pids=() t0 t1 ns
  t0=$(now)
  for i in $(seq 1 "$c"); do
    ns=bx-g$c-r$r-$i
    "$LABRUNNER" grade "$LAB" --submission "$SUBMISSION" --namespace "$ns" --format json \
      --out "$tmp/$ns.json" >"$tmp/$ns.log" 2>&1 &
    pids+=($!)
  done
  local rc=()
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    rc+=($?)
  done
  t1=$(now)
  for i in $(seq 1 "$c"); do
    ns=bx-g$c-r$r-$i
    local why=""
    [ "${rc[$((i - 1))]}" = 0 ] || why="exit ${rc[$((i - 1))]}"
    if [ -z "$why" ]; then
      why=$(python3 - "$tmp/$ns.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"unreadable report: {e}")
    sys.exit()
if r.get("score") != r.get("max_score") or not r.get("max_score"):
    print(f"score {r.get('score')}/{r.get('max_score')}")
PY
)
    fi
    left=$( { docker ps -aq --filter "name=^$ns-"; docker network ls -q --filter "name=^$ns-"; docker volume ls -q --filter "name=^$ns-"; } | wc -l)
    [ "$left" = 0 ] || why="$why; $left resources left under $ns-"
    if [ -n "$why" ]; then
      wrong=$((wrong + 1))
      echo "  grading $ns WRONG: $why" >&2
      sed 's/^/    /' "$tmp/$ns.log" >&2
    fi
  done
  echo "$t1 - $t0" | bc -l
}

for r in $(seq 1 "$R"); do
  if [ $((r % 2)) = 1 ]; then order="1 4 16"; else order="16 4 1"; fi
  for c in $order; do
    t=$(batch "$c" "$r")
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
  "$(echo "${med[16]} / ${med[1]}" | bc -l)" "$wrong" "$((R * 21))"
[ "$wrong" = 0 ]
