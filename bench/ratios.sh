#!/usr/bin/env bash
# labrunner's speed as ratios to the daemon's own cost, all measured in one sitting:
#
#   test/floor          `labrunner test` of volume-persistence's main path (its alternatives and
#                       mistakes left out, see main_path_lab) / the floor: the lab's solution and
#                       cleanup issued straight on the Engine API (bench/floor), alternating
#   test/cli            the same / the docker-CLI script (bench/docker-cli/volume-persistence.sh)
#   grade16/floor16     16 namespaced gradings at once / the floor's work 16 times at once
#   watch_median_ms     from a student's command returning to `labrunner watch` saying the step is
#   watch_p95_ms        done (bench/watch-latency.py over the 6-step lab)
#   wrong/right         one grading of the lab's "default network" mistake / one correct grading
#   starts_per_grading  container starts the daemon reports during a correct grading (the most
#                       over the rounds); the submission itself starts 2
#
# Targets: test/floor <= 1.1, grade16/floor16 <= 1.1, watch median <= 20 ms and p95 <= 100 ms,
# wrong/right <= 1.3, starts_per_grading = 2. The last line of the output is
#   ratios: test/floor=A test/cli=B grade16/floor16=C watch_median_ms=D watch_p95_ms=E wrong/right=F starts_per_grading=G
# Exit status 1 when any run failed or any grading was wrong (a missed target is reported, not
# an error).
#
# Usage: bench/ratios.sh [--quick]     (--quick: fewer rounds, under 3 minutes)
#   LABRUNNER=path  FLOOR=path         binaries (default: target/release, else target/debug)
set -uo pipefail
source "$(dirname "$0")/common.sh"
if [ "${1:-}" = --quick ]; then
  TEST_ROUNDS=3 GRADE_ROUNDS=1 WATCH_ROUNDS=1 PAIR_ROUNDS=3
else
  TEST_ROUNDS=5 GRADE_ROUNDS=3 WATCH_ROUNDS=3 PAIR_ROUNDS=5
fi
if [ -z "${FLOOR:-}" ]; then
  FLOOR=$BENCH_ROOT/target/release/floor
  [ -x "$FLOOR" ] || FLOOR=$BENCH_ROOT/target/debug/floor
fi
LAB=$BENCH_ROOT/labs/MOD-DOCKER-04/volume-persistence.yaml
SUBMISSION=$BENCH_ROOT/bench/submissions/volume-persistence.sh
MISTAKE=$BENCH_ROOT/bench/submissions/volume-persistence-default-network.sh
CLI=$BENCH_ROOT/bench/docker-cli/volume-persistence.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/wrong"
MAIN_PATH=$tmp/volume-persistence.yaml
main_path_lab "$LAB" "$MAIN_PATH"
export LABRUNNER_HOME=$tmp/home
failed=0

for b in "$LABRUNNER" "$FLOOR"; do
  if [ ! -x "$b" ]; then
    echo "no binary at $b: run \`cargo build --release --workspace\` first" >&2
    exit 2
  fi
done
require_fixtures
echo "labrunner: $LABRUNNER"
echo "floor: $FLOOR"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"

# timed NAME LOG COMMAND...: runs COMMAND with its output in LOG, appends its wall seconds to
# $tmp/NAME.times and prints them; a failure is shown and counted.
timed() {
  local name=$1 log=$2 t0 t1 rc
  shift 2
  t0=$(now)
  "$@" >"$log" 2>&1
  rc=$?
  t1=$(now)
  echo "$t1 - $t0" | bc -l | tee -a "$tmp/$name.times"
  if [ $rc != 0 ]; then
    echo "  $name FAILED (exit $rc):" >&2
    sed 's/^/    /' "$log" >&2
    echo "$name" >>"$tmp/wrong"
  fi
}

# container_starts SINCE UNTIL: how many containers the daemon started in that time
container_starts() {
  docker events --since "$1" --until "$2" --filter type=container --filter event=start \
    --format '{{.Actor.Attributes.name}}' | tee "$tmp/starts.last" | wc -l
}

echo "== test, floor and docker CLI, $TEST_ROUNDS rounds alternating"
for i in $(seq 1 "$TEST_ROUNDS"); do
  if [ $((i % 2)) = 1 ]; then order="floor test cli"; else order="cli test floor"; fi
  for who in $order; do
    case $who in
      floor) t=$(timed floor "$tmp/floor.$i.log" "$FLOOR" --rounds 1 --prefix "bx-floor-$i") ;;
      test) t=$(timed test "$tmp/test.$i.log" "$LABRUNNER" test "$MAIN_PATH") ;;
      cli) t=$(QUIET=1 timed cli "$tmp/cli.$i.log" "$CLI") ;;
    esac
    printf 'round %d %-6s %6.3fs\n' "$i" "$who" "$t"
  done
done

echo "== 16 gradings at once and the floor 16 times at once, $GRADE_ROUNDS rounds alternating"
for i in $(seq 1 "$GRADE_ROUNDS"); do
  if [ $((i % 2)) = 1 ]; then order="floor16 grade16"; else order="grade16 floor16"; fi
  for who in $order; do
    case $who in
      floor16) t=$(timed floor16 "$tmp/floor16.$i.log" "$FLOOR" --at-once 16 --rounds 1 --prefix "bx-floor16-$i") ;;
      grade16) t=$(grade_batch 16 "r16-$i" "$tmp" | tee -a "$tmp/grade16.times") ;;
    esac
    printf 'round %d %-8s %6.3fs\n' "$i" "$who" "$t"
  done
done

# The daemon finishes removing 16 gradings' networks and containers after they exit.
sleep 3
echo "== one correct grading and one wrong, $PAIR_ROUNDS rounds alternating"
for i in $(seq 1 "$PAIR_ROUNDS"); do
  if [ $((i % 2)) = 1 ]; then order="right wrong"; else order="wrong right"; fi
  for who in $order; do
    ns=bx-$who-$i
    if [ $who = right ]; then file=$SUBMISSION want=full; else file=$MISTAKE want=partial; fi
    since=$(now)
    t0=$(now)
    grade_one "$LAB" "$file" "$ns" "$tmp"
    rc=$?
    t1=$(now)
    echo "$t1 - $t0" | bc -l >>"$tmp/$who.times"
    why=$(grading_wrong "$ns" "$tmp" "$rc" "$want")
    if [ -n "$why" ]; then
      echo "$ns" >>"$tmp/wrong"
      echo "  grading $ns WRONG: $why" >&2
      sed 's/^/    /' "$tmp/$ns.log" >&2
    fi
    starts=$(container_starts "$since" "$(now)")
    [ $who = right ] && echo "$starts" >>"$tmp/starts"
    printf 'round %d %-5s %6.3fs  %s, %d container starts: %s\n' "$i" "$who" "$(echo "$t1 - $t0" | bc -l)" \
      "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["score"], "of", r["max_score"], "points")' "$tmp/$ns.json" 2>/dev/null || echo "no report")" \
      "$starts" "$(sed "s/^$ns-//" "$tmp/starts.last" | paste -sd' ')"
  done
done

echo "== watch latency, $WATCH_ROUNDS rounds"
# (its exit status also says whether its targets were met: only a missed step counts as a failure)
"$BENCH_ROOT/bench/watch-latency.py" --rounds "$WATCH_ROUNDS" --lab "$LAB" | tee "$tmp/watch.log"
grep -q ' 0 missed;' "$tmp/watch.log" || echo watch >>"$tmp/wrong"
read -r watch_median watch_p95 < <(sed -n 's/.*median \([0-9.]*\) ms.*p95 \([0-9.]*\) ms.*/\1 \2/p' "$tmp/watch.log" | tail -1)

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
m() { median <"$tmp/$1.times"; }
ratio() { printf '%.2f' "$(echo "$(m "$1") / $(m "$2")" | bc -l)"; }
printf 'medians: floor %.3fs test %.3fs cli %.3fs; floor16 %.3fs grade16 %.3fs; right %.3fs wrong %.3fs\n' \
  "$(m floor)" "$(m test)" "$(m cli)" "$(m floor16)" "$(m grade16)" "$(m right)" "$(m wrong)"
if [ -s "$tmp/wrong" ]; then
  failed=1
  echo "failed runs or wrong gradings: $(paste -sd' ' "$tmp/wrong")"
fi
echo "targets: test/floor <= 1.1, grade16/floor16 <= 1.1, watch median <= 20 ms, p95 <= 100 ms, wrong/right <= 1.3, starts_per_grading = 2"
echo "ratios: test/floor=$(ratio test floor) test/cli=$(ratio test cli) grade16/floor16=$(ratio grade16 floor16)" \
  "watch_median_ms=${watch_median:-none} watch_p95_ms=${watch_p95:-none} wrong/right=$(ratio wrong right)" \
  "starts_per_grading=$(sort -n "$tmp/starts" | tail -1)"
exit $failed
