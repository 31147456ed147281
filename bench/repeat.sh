#!/usr/bin/env bash
# The same submission, graded N times, must get the same grade every time. Grades each
# race-prone submission of tests/fixtures/repeat/ (LAB.CASE.sh grades lab LAB) and every shipped
# lab's reference solution (its steps' `solution` commands, in order, as one submission) N
# times, as a class of N copies (`grade --submissions`, JOBS at once), and prints per case how
# many distinct grades came out (score, points per step, steps credited), the scores with their
# counts, and the wall time. Exits 1 on any spread, or when a grading could not be done.
#
# Submissions that ask for a fixed subnet (network-addressing) are graded JOBS at once like the
# rest: their gradings take turns for the subnet by themselves (docs/grading.md, "Fixed
# subnets"). They still run under `flock /tmp/lr-daemon.lock`, since a labrunner of another data
# folder on this daemon (a shipped-labs run) does not take those turns with them. Fixed host
# ports are translated per grading, so port-publishing runs like the rest.
#
# Usage: bench/repeat.sh [N]              (repeats, default 50)
#   JOBS=J        gradings at once (default 4)
#   ONLY=regex    only the cases whose name matches (e.g. ONLY=writer-exits)
#   NS_PREFIX=ns  namespace prefix of every grading (default brp)
set -uo pipefail
source "$(dirname "$0")/common.sh"
require_fixtures
N=${1:-50}
JOBS=${JOBS:-4}
ONLY=${ONLY:-.}
NS_PREFIX=${NS_PREFIX:-brp}
LABS=$BENCH_ROOT/labs/MOD-DOCKER-04
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LABRUNNER_HOME=$tmp/home

# solution LAB_FILE OUT: the lab's reference solution as a submission.
solution() {
  python3 - "$1" "$2" <<'PY'
import sys, yaml
lab = yaml.safe_load(open(sys.argv[1]))
with open(sys.argv[2], "w") as out:
    for step in lab["steps"]:
        for c in step["solution"]:
            out.write((c if isinstance(c, str) else c["run"]) + "\n")
PY
}

# fixes_subnet SUBMISSION: whether it asks for a fixed subnet.
fixes_subnet() { grep -q -- '--subnet' "$1"; }

# summary OUT_DIR: one line per distinct grade: count, score, points per step, credited steps.
summary() {
  python3 - "$1" <<'PY'
import collections, glob, json, os, sys
grades = collections.Counter()
for path in sorted(glob.glob(os.path.join(sys.argv[1], "r*.json"))):
    r = json.load(open(path))
    steps = r["steps"]
    points = "/".join(str(sum(c["score"] for c in s["checks"])) for s in steps)
    credited = ",".join(s["id"] for s in steps if s["credited"]) or "-"
    grades[(r["score"], points, credited)] += 1
for (score, points, credited), n in grades.most_common():
    print(f"{n} {score} {points} {credited}")
PY
}

echo "labrunner: $LABRUNNER"
echo "repeats: $N; jobs: $JOBS; load before: $(uptime | sed 's/.*load average: //'); cpus: $(nproc)"
cases=()
for f in "$BENCH_ROOT"/tests/fixtures/repeat/*.sh; do
  cases+=("$(basename "$f" .sh)=${f%%.*}")
done
for lab in "$LABS"/*.yaml; do
  id=$(basename "$lab" .yaml)
  solution "$lab" "$tmp/$id.solution.sh"
  cases+=("$id.solution=$tmp/$id.solution.sh")
done

bad=0
printf '%-44s %7s %9s %8s  %s\n' case repeats distinct seconds scores
for entry in "${cases[@]}"; do
  name=${entry%%=*}
  [[ $name =~ $ONLY ]] || continue
  lab_id=${name%%.*}
  lab=$LABS/$lab_id.yaml
  if [[ $name == *.solution ]]; then submission=$tmp/$name.sh; else
    submission=$BENCH_ROOT/tests/fixtures/repeat/$name.sh
  fi
  roster=$tmp/roster-$name out=$tmp/out-$name
  mkdir -p "$roster"
  for i in $(seq -w 1 "$N"); do cp "$submission" "$roster/r$i.sh"; done
  jobs=$JOBS lock=()
  if fixes_subnet "$submission"; then lock=(flock /tmp/lr-daemon.lock); fi
  t0=$(now)
  "${lock[@]}" "$LABRUNNER" grade "$lab" --submissions "$roster" --out-dir "$out" \
    --format json --jobs "$jobs" --namespace "$NS_PREFIX" >"$tmp/$name.log" 2>&1
  rc=$?
  t1=$(now)
  lines=$(summary "$out")
  distinct=$(printf '%s\n' "$lines" | sed '/^$/d' | wc -l)
  graded=$(printf '%s\n' "$lines" | awk '{s += $1} END {print s + 0}')
  scores=$(printf '%s\n' "$lines" | awk '{printf "%s%sx%s", sep, $2, $1; sep=" "}')
  printf '%-44s %7s %9s %8.1f  %s\n' "$name" "$graded/$N" "$distinct" "$(echo "$t1 - $t0" | bc -l)" "$scores"
  if [ "$rc" != 0 ] || [ "$graded" != "$N" ] || [ "$distinct" != 1 ]; then
    bad=1
    echo "  SPREAD or not graded (class exit $rc):" >&2
    printf '%s\n' "$lines" | sed 's/^/    /' >&2
    grep -v '^r[0-9]*: ' "$tmp/$name.log" | sed 's/^/    /' >&2
  fi
done
echo "load after: $(uptime | sed 's/.*load average: //')"
exit $bad
