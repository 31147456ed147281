#!/usr/bin/env bash
# Throughput of class grading on one daemon: a roster of N copies of a correct submission,
# graded with `labrunner grade LAB --submissions DIR --out-dir DIR --jobs J --force` for
# J = 1, 2, 4, 8 and the daemon-sized default. Every student must score full marks and nothing
# may be left on the daemon under the run's namespace prefix. Prints, per J, the wall time and
# students per minute, and the default J labrunner chose.
#
# Usage: bench/class-throughput.sh [N]          (students, default 24)
#   LAB=file SUBMISSION=file   (default: volume-persistence and bench/submissions/volume-persistence.sh)
#   NS_PREFIX=name             (namespace prefix of every grading, default bxc)
#   JOBS="1 4 default"         (the --jobs values to time, default "1 2 4 8 default")
# A lab that publishes fixed host ports: LAB=tests/fixtures/ports/fixed-range.yaml
#   SUBMISSION=tests/fixtures/ports/class/correct-range.sh (host ports 127.0.0.1:21190-21191).
# A lab that creates a network with a fixed subnet: network-addressing and its reference
#   solution (bench/README.md, "A lab that creates a network with a fixed subnet").
set -uo pipefail
source "$(dirname "$0")/common.sh"
N=${1:-24}
LAB=${LAB:-$BENCH_ROOT/labs/MOD-DOCKER-04/volume-persistence.yaml}
SUBMISSION=${SUBMISSION:-$BENCH_ROOT/bench/submissions/volume-persistence.sh}
NS_PREFIX=${NS_PREFIX:-bxc}
JOBS=${JOBS:-1 2 4 8 default}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LABRUNNER_HOME=$tmp/home

mkdir -p "$tmp/roster"
for i in $(seq -w 1 "$N"); do cp "$SUBMISSION" "$tmp/roster/student-$i.sh"; done
echo "labrunner: $LABRUNNER"
echo "students: $N; load before: $(cut -d' ' -f1-3 /proc/loadavg); cpus: $(nproc)"

left_behind() { # prefix -> names of anything left under it
  {
    docker ps -a --filter "name=$1-" --format '{{.Names}}'
    docker network ls --filter "name=$1-" --format '{{.Name}}'
    docker volume ls --filter "name=$1-" --format '{{.Name}}'
  } | sed '/^$/d'
}

bad=0
printf '%-8s %8s %14s\n' jobs seconds students/min
for jobs in $JOBS; do
  prefix=$NS_PREFIX-j$jobs
  out=$tmp/out-$jobs
  flag=(--jobs "$jobs")
  [ "$jobs" = default ] && flag=()
  t0=$(now)
  "$LABRUNNER" grade "$LAB" --submissions "$tmp/roster" --out-dir "$out" --force \
    --namespace "$prefix" "${flag[@]}" 2>"$tmp/$jobs.log"
  rc=$?
  t1=$(now)
  chosen=$(sed -n 's/.*students.*, \([0-9]*\) at a time/\1/p' "$tmp/$jobs.log")
  full=$(awk -F, 'NR > 1 && $2 == $3 && $2 != "" && $(NF-1) == "passed"' "$out/gradebook.csv" | wc -l)
  left=$(left_behind "$prefix")
  why=""
  [ "$rc" = 0 ] || why="exit $rc"
  [ "$full" = "$N" ] || why="$why; $full of $N full marks"
  [ -z "$left" ] || why="$why; left behind: $left"
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  rate=$(awk -v n="$N" -v s="$secs" 'BEGIN { printf "%.1f", n * 60 / s }')
  label=$jobs
  [ "$jobs" = default ] && label="default($chosen)"
  printf '%-8s %8s %14s %s\n' "$label" "$secs" "$rate" "${why:+WRONG: $why}"
  [ -z "$why" ] || bad=1
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
exit $bad
