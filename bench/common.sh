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

# median of numbers on standard input
median() { sort -g | awk '{a[NR]=$1} END {if (NR == 0) exit 1; if (NR % 2) print a[(NR+1)/2]; else printf "%.4f\n", (a[NR/2] + a[NR/2+1]) / 2}'; }
# p-th percentile (nearest rank) of numbers on standard input
percentile() { sort -g | awk -v p="$1" '{a[NR]=$1} END {if (NR == 0) exit 1; r = int((p / 100) * NR + 0.9999); if (r < 1) r = 1; print a[r]}'; }
now() { date +%s.%N; }
