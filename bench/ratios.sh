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
#   test/floor_max      over every shipped lab: `labrunner test --isolate LAB` / the floor of the
#                       same work (`floor --lab LAB`: its solutions, variants and cleanup, no checks)
#   wrong/right_max     over every shipped lab (a submission with the lab's first mistake in place
#                       of its step's solution / the reference solution) and the mistake above
#   class/floor         a class of N correct volume-persistence submissions at the default --jobs /
#                       the floor of the same N students' work at the same concurrency
#                       (`floor --lab LAB --students N --jobs J`)
# Each ratio is given twice: the ratio of the medians, and (`paired:`) the median of the ratios of
# each pair, measured one right after the other in alternating order; the load is printed with
# every round.
#
# Targets: test/floor <= 1.1, grade16/floor16 <= 1.1, watch median <= 20 ms and p95 <= 100 ms,
# wrong/right <= 1.3, starts_per_grading = 2, test/floor_max <= 1.3, wrong/right_max <= 1.3,
# class/floor <= 1.2. The last lines of the output are
#   ratios: test/floor=A test/cli=B grade16/floor16=C watch_median_ms=D watch_p95_ms=E wrong/right=F starts_per_grading=G test/floor_max=H wrong/right_max=I class/floor=J
#   paired: test/floor=A test/cli=B grade16/floor16=C wrong/right=F test/floor_max=H wrong/right_max=I class/floor=J
# Exit status 1 when any run failed or any grading was wrong (a missed target is reported, not
# an error).
#
# Usage: bench/ratios.sh [--quick]     (--quick: fewer rounds)
#   LABS=0                             leave out the shipped labs and the class (the old sitting)
#   ONLY=regex                         only the shipped labs whose id matches
#   LABRUNNER=path  FLOOR=path         binaries (default: target/release, else target/debug)
set -uo pipefail
source "$(dirname "$0")/common.sh"
if [ "${1:-}" = --quick ]; then
  TEST_ROUNDS=3 GRADE_ROUNDS=1 WATCH_ROUNDS=1 PAIR_ROUNDS=3 LAB_ROUNDS=1 CLASS_ROUNDS=1 STUDENTS=8
else
  TEST_ROUNDS=5 GRADE_ROUNDS=3 WATCH_ROUNDS=3 PAIR_ROUNDS=5 LAB_ROUNDS=3 CLASS_ROUNDS=3 STUDENTS=24
fi
LABS=${LABS:-1}
load() { cut -d' ' -f1-3 /proc/loadavg; }
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

# container_starts SINCE UNTIL NS: how many containers under NS the daemon started in that time
# (another user's containers started meanwhile are not the grading's)
container_starts() {
  docker events --since "$1" --until "$2" --filter type=container --filter event=start \
    --format '{{.Actor.Attributes.name}}' | grep "^$3-" | tee "$tmp/starts.last" | wc -l
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
    printf 'round %d %-6s %6.3fs  load %s\n' "$i" "$who" "$t" "$(load)"
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
    printf 'round %d %-8s %6.3fs  load %s\n' "$i" "$who" "$t" "$(load)"
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
    starts=$(container_starts "$since" "$(now)" "$ns")
    [ $who = right ] && echo "$starts" >>"$tmp/starts"
    printf 'round %d %-5s %6.3fs  load %s  %s, %d container starts: %s\n' "$i" "$who" "$(echo "$t1 - $t0" | bc -l)" "$(load)" \
      "$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["score"], "of", r["max_score"], "points")' "$tmp/$ns.json" 2>/dev/null || echo "no report")" \
      "$starts" "$(sed "s/^$ns-//" "$tmp/starts.last" | paste -sd' ')"
  done
done

# submissions LAB RIGHT WRONG: the lab's reference solution as a submission in RIGHT, and in
# WRONG the same with its first mistake in place of that step's solution (WRONG is not written
# when the lab has no mistake).
submissions() {
  python3 - "$@" <<'PY'
import sys, yaml
lab = yaml.safe_load(open(sys.argv[1]))
text = lambda commands: "".join((c if isinstance(c, str) else c["run"]) + "\n" for c in commands)
steps = lab["steps"]
open(sys.argv[2], "w").write("".join(text(s["solution"]) for s in steps))
for k, step in enumerate(steps):
    if step.get("mistakes"):
        wrong = [text(s["solution"]) for s in steps]
        wrong[k] = text(step["mistakes"][0]["commands"])
        open(sys.argv[3], "w").write("".join(wrong))
        break
PY
}

# timed_grading NAME LAB FILE NS WANT: one grading, its seconds appended to NAME.times; a
# grading that does not give WANT (full or partial) marks, or leaves something, is counted.
timed_grading() {
  local name=$1 lab=$2 file=$3 ns=$4 want=$5 t0 t1 rc why
  t0=$(now)
  grade_one "$lab" "$file" "$ns" "$tmp"
  rc=$?
  t1=$(now)
  echo "$t1 - $t0" | bc -l | tee -a "$tmp/$name.times"
  why=$(grading_wrong "$ns" "$tmp" "$rc" "$want")
  if [ -n "$why" ]; then
    echo "$ns" >>"$tmp/wrong"
    echo "  grading $ns WRONG: $why" >&2
    sed 's/^/    /' "$tmp/$ns.log" >&2
  fi
}

# pairs A B: the median of A/B over the pairs measured together (line i of each file)
pairs() {
  [ -s "$tmp/$1.times" ] && [ -s "$tmp/$2.times" ] || { echo none; return; }
  printf '%.2f' "$(paste "$tmp/$1.times" "$tmp/$2.times" | awk '$2 > 0 {print $1 / $2}' | median)"
}
: >"$tmp/labs.ratios"
if [ "$LABS" = 1 ]; then
  echo "== every shipped lab: test and floor, right and wrong, $LAB_ROUNDS rounds alternating"
  for lab in "$BENCH_ROOT"/labs/*/*.yaml; do
    id=$(basename "$lab" .yaml)
    [[ $id =~ ${ONLY:-.} ]] || continue
    rm -f "$tmp/$id.wrong.sh"
    submissions "$lab" "$tmp/$id.right.sh" "$tmp/$id.wrong.sh"
    for i in $(seq 1 "$LAB_ROUNDS"); do
      if [ $((i % 2)) = 1 ]; then order="floor test right wrong"; else order="wrong right test floor"; fi
      for who in $order; do
        case $who in
          floor) t=$(timed "floor-$id" "$tmp/floor-$id.$i.log" "$FLOOR" --lab "$lab" --rounds 1 --prefix "bx-fl-$i") ;;
          test) t=$(timed "test-$id" "$tmp/test-$id.$i.log" "$LABRUNNER" test --isolate "$lab") ;;
          right) t=$(timed_grading "right-$id" "$lab" "$tmp/$id.right.sh" "bx-r-$id-$i" full) ;;
          wrong)
            [ -s "$tmp/$id.wrong.sh" ] || continue
            t=$(timed_grading "wrong-$id" "$lab" "$tmp/$id.wrong.sh" "bx-w-$id-$i" partial) ;;
        esac
        printf '%-20s round %d %-5s %7.3fs  load %s\n' "$id" "$i" "$who" "$t" "$(load)"
      done
    done
    tf=$(pairs "test-$id" "floor-$id")
    wr=none
    [ -s "$tmp/$id.wrong.sh" ] && wr=$(pairs "wrong-$id" "right-$id")
    printf '%s %.3f %.3f %s %.3f %s %s\n' "$id" "$(median <"$tmp/test-$id.times")" "$(median <"$tmp/floor-$id.times")" "$tf" \
      "$(median <"$tmp/right-$id.times")" "$(if [ "$wr" = none ]; then echo none; else printf '%.3f' "$(median <"$tmp/wrong-$id.times")"; fi)" "$wr" >>"$tmp/labs.ratios"
  done

  echo "== a class of $STUDENTS at the default --jobs and its floor, $CLASS_ROUNDS rounds alternating"
  mkdir -p "$tmp/roster"
  for s in $(seq -w 1 "$STUDENTS"); do cp "$SUBMISSION" "$tmp/roster/s$s.sh"; done
  jobs=
  for i in $(seq 1 "$CLASS_ROUNDS"); do
    if [ $((i % 2)) = 1 ]; then order="class floor"; else order="floor class"; fi
    for who in $order; do
      case $who in
        class)
          t0=$(now)
          "$LABRUNNER" grade "$LAB" --submissions "$tmp/roster" --out-dir "$tmp/class-$i" --force \
            --namespace "bx-cl-$i" >"$tmp/class.$i.log" 2>&1
          rc=$?
          t=$(echo "$(now) - $t0" | bc -l | tee -a "$tmp/class.times")
          jobs=$(sed -n 's/.*students.*, \([0-9]*\) at a time/\1/p' "$tmp/class.$i.log" | head -1)
          full=$(awk -F, 'NR > 1 && $2 == $3 && $2 != "" && $(NF-1) == "passed"' "$tmp/class-$i/gradebook.csv" 2>/dev/null | wc -l)
          if [ "$rc" != 0 ] || [ "$full" != "$STUDENTS" ]; then
            echo "class-$i" >>"$tmp/wrong"
            echo "  class $i WRONG: exit $rc, $full of $STUDENTS full marks" >&2
          fi ;;
        floor)
          # The class's concurrency, once the first class has said it.
          [ -n "$jobs" ] || jobs=$(
            "$LABRUNNER" grade "$LAB" --submissions "$tmp/roster" --out-dir "$tmp/class-probe" --force \
              --namespace bx-cl-0 2>&1 >/dev/null | sed -n 's/.*students.*, \([0-9]*\) at a time/\1/p' | head -1)
          t=$(timed classfloor "$tmp/classfloor.$i.log" "$FLOOR" --lab "$LAB" --students "$STUDENTS" --jobs "${jobs:-4}" --rounds 1 --prefix "bx-cf-$i") ;;
      esac
      printf 'round %d %-6s %7.3fs  %s students/min, --jobs %s  load %s\n' "$i" "$who" "$t" \
        "$(echo "$STUDENTS * 60 / $t" | bc -l | xargs printf '%.1f')" "${jobs:-?}" "$(load)"
    done
  done
fi

echo "== watch latency, $WATCH_ROUNDS rounds"
# (its exit status also says whether its targets were met: only a missed step counts as a failure)
"$BENCH_ROOT/bench/watch-latency.py" --rounds "$WATCH_ROUNDS" --lab "$LAB" | tee "$tmp/watch.log"
grep -q ' 0 missed;' "$tmp/watch.log" || echo watch >>"$tmp/wrong"
read -r watch_median watch_p95 < <(sed -n 's/.*median \([0-9.]*\) ms.*p95 \([0-9.]*\) ms.*/\1 \2/p' "$tmp/watch.log" | tail -1)

echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
m() { if [ -s "$tmp/$1.times" ]; then median <"$tmp/$1.times"; else echo 0; fi; }
ratio() { if [ "$(m "$2")" = 0 ]; then echo none; else printf '%.2f' "$(echo "$(m "$1") / $(m "$2")" | bc -l)"; fi; }
printf 'medians: floor %.3fs test %.3fs cli %.3fs; floor16 %.3fs grade16 %.3fs; right %.3fs wrong %.3fs\n' \
  "$(m floor)" "$(m test)" "$(m cli)" "$(m floor16)" "$(m grade16)" "$(m right)" "$(m wrong)"
if [ -s "$tmp/wrong" ]; then
  failed=1
  echo "failed runs or wrong gradings: $(paste -sd' ' "$tmp/wrong")"
fi
lab_max() { # COLUMN of labs.ratios (median ratios or paired ones): the greatest, and whose
  awk -v c="$1" '$c != "none" && $c > m {m = $c; who = $1} END {if (who) printf "%.2f(%s)", m, who; else printf "none"}' "$tmp/labs.ratios"
}
if [ -s "$tmp/labs.ratios" ]; then
  echo "per lab (medians, seconds): lab test floor test/floor(paired) right wrong wrong/right(paired)"
  awk '{printf "  %-20s %7.2f %7.2f %5s  %7.2f %7s %5s\n", $1, $2, $3, $4, $5, $6, $7}' "$tmp/labs.ratios"
  # the ratios of the medians, columns 8 and 9
  awk '{tf = sprintf("%.2f", $2 / $3); wr = ($6 == "none") ? "none" : sprintf("%.2f", $6 / $5); print $1, $2, $3, $4, $5, $6, $7, tf, wr}' "$tmp/labs.ratios" >"$tmp/labs.all"
  mv "$tmp/labs.all" "$tmp/labs.ratios"
  # the bench's own mistake (volume-persistence's default network) counts too
  echo "bench-mistake 0 0 none 0 0 $(pairs wrong right) none $(ratio wrong right)" >>"$tmp/labs.ratios"
  labs_now="test/floor_max=$(lab_max 8) wrong/right_max=$(lab_max 9) class/floor=$(ratio class classfloor)"
  labs_paired="test/floor_max=$(lab_max 4) wrong/right_max=$(lab_max 7) class/floor=$(pairs class classfloor)"
  printf 'class: %s students, --jobs %s: %.1f students/min graded, %.1f on the floor\n' "$STUDENTS" "${jobs:-?}" \
    "$(echo "$STUDENTS * 60 / $(m class)" | bc -l)" "$(echo "$STUDENTS * 60 / $(m classfloor)" | bc -l)"
fi
echo "targets: test/floor <= 1.1, grade16/floor16 <= 1.1, watch median <= 20 ms, p95 <= 100 ms, wrong/right <= 1.3, starts_per_grading = 2, test/floor_max <= 1.3, wrong/right_max <= 1.3, class/floor <= 1.2"
echo "load now: $(load)"
echo "ratios: test/floor=$(ratio test floor) test/cli=$(ratio test cli) grade16/floor16=$(ratio grade16 floor16)" \
  "watch_median_ms=${watch_median:-none} watch_p95_ms=${watch_p95:-none} wrong/right=$(ratio wrong right)" \
  "starts_per_grading=$(sort -n "$tmp/starts" | tail -1)${labs_now:+ $labs_now}"
echo "paired: test/floor=$(pairs test floor) test/cli=$(pairs test cli) grade16/floor16=$(pairs grade16 floor16)" \
  "wrong/right=$(pairs wrong right)${labs_paired:+ $labs_paired}"
exit $failed
