# Sourced by the bench scripts. The labs name alpine:latest and nginx:latest; nothing can be
# pulled on the machines this runs on, so map them onto the fixture images
# (scripts/fixture-images.sh) unless the caller set a map.
: "${LABRUNNER_IMAGE_MAP:=alpine=labrunner-fixture/busybox:1,alpine:latest=labrunner-fixture/busybox:1,nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1}"
export LABRUNNER_IMAGE_MAP

BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# The binary under test: LABRUNNER=path, else the release build, else the debug build.
if [ -z "${LABRUNNER:-}" ]; then
  if [ -x "$BENCH_ROOT/target/release/labrunner" ]; then
    LABRUNNER=$BENCH_ROOT/target/release/labrunner
  else
    LABRUNNER=$BENCH_ROOT/target/debug/labrunner
  fi
fi
export LABRUNNER

# require_fixtures: stop with what to do when the fixture images the map points at are missing
require_fixtures() {
  local image
  for image in labrunner-fixture/busybox:1 labrunner-fixture/web:1; do
    if ! docker image inspect "$image" >/dev/null 2>&1; then
      echo "the fixture image $image is missing: run scripts/fixture-images.sh (or scripts/setup.sh)" >&2
      exit 2
    fi
  done
}

# main_path_lab LAB OUT: LAB without its alternatives and mistakes, written to OUT. `labrunner
# test` proves those too, each from a clean state; the floor and the CLI script do the main path
# only, so comparisons time `test` on this copy.
main_path_lab() {
  python3 - "$1" "$2" <<'PY'
import sys, yaml
lab = yaml.safe_load(open(sys.argv[1]))
for step in lab["steps"]:
    step.pop("alternatives", None)
    step.pop("mistakes", None)
yaml.safe_dump(lab, open(sys.argv[2], "w"), sort_keys=False)
PY
}

# median of numbers on standard input
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; if (NR % 2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2] + a[NR/2+1]) / 2}'; }
# p-th percentile (nearest rank) of numbers on standard input
percentile() { sort -g | awk -v p="$1" '{a[NR]=$1} END {if (NR == 0) exit 1; r = int((p / 100) * NR + 0.9999); if (r < 1) r = 1; print a[r]}'; }
now() { date +%s.%N; }

# grade_one LAB SUBMISSION NS DIR: one namespaced grading with a JSON report in DIR/NS.json and
# its output in DIR/NS.log; returns labrunner's exit status (1 when not every step passed).
grade_one() {
  "$LABRUNNER" grade "$1" --submission "$2" --namespace "$3" --format json \
    --out "$4/$3.json" >"$4/$3.log" 2>&1
}

# grading_wrong NS DIR RC [full|partial]: why the grading under NS went wrong, or nothing when
# its exit status RC and its report (DIR/NS.json) say it gave full marks (or, with `partial`, less
# than full marks and exit 1) and nothing is left on the daemon under NS-.
grading_wrong() {
  local ns=$1 dir=$2 rc=$3 want=${4:-full} why=""
  if [ "$want" = full ] && [ "$rc" != 0 ]; then why="exit $rc"; fi
  if [ "$want" = partial ] && [ "$rc" != 1 ]; then why="exit $rc, expected 1"; fi
  local report
  report=$(python3 - "$dir/$ns.json" "$want" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception as e:
    print(f"unreadable report: {e}")
    sys.exit()
score, most = r.get("score"), r.get("max_score")
if not most or (score == most) != (sys.argv[2] == "full"):
    print(f"score {score}/{most}, expected {sys.argv[2]} marks")
PY
)
  [ -z "$report" ] || why+="${why:+; }$report"
  local left
  left=$( { docker ps -aq --filter "name=^$ns-"; docker network ls -q --filter "name=^$ns-"; docker volume ls -q --filter "name=^$ns-"; } | wc -l)
  [ "$left" = 0 ] || why+="${why:+; }$left resources left under $ns-"
  echo "$why"
}

# grade_batch N TAG DIR: N gradings of $LAB with $SUBMISSION at once (namespaces bx-TAG-I); prints
# the wall seconds from the first start to the last exit. Each grading must exit 0 with full
# marks and leave nothing behind; one that does not is shown on standard error and appended to
# DIR/wrong (a file, because this runs in a subshell).
grade_batch() {
  local c=$1 tag=$2 dir=$3 i ns pids=() rc=() t0 t1 why
  t0=$(now)
  for i in $(seq 1 "$c"); do
    grade_one "$LAB" "$SUBMISSION" "bx-$tag-$i" "$dir" &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}"
    rc+=($?)
  done
  t1=$(now)
  for i in $(seq 1 "$c"); do
    ns=bx-$tag-$i
    why=$(grading_wrong "$ns" "$dir" "${rc[$((i - 1))]}")
    if [ -n "$why" ]; then
      echo "$ns" >>"$dir/wrong"
      echo "  grading $ns WRONG: $why" >&2
      sed 's/^/    /' "$dir/$ns.log" >&2
    fi
  done
  echo "$t1 - $t0" | bc -l
}
