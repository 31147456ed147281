#!/usr/bin/env bash
# What the daemon's bridges need, the measurement behind the probes' bound (ANSWER_BOUND in
# crates/labrunner-core/src/check/probes.rs): two containers on one user-defined network,
#   rtt    the round trip of one ping (N pings 10 ms apart, busybox's `time=` per reply)
#   ping   one whole probe inside the container, as a check runs it: `sh`, `ping -c 1` by name
#          through the embedded DNS server, the reply (busybox `time -f %e`: 10 ms steps)
#   nc     the same for a TCP connection to a listening port (`nc -w 1 NAME 80`)
#   none   the bounded probe (the check's own command) to a container on another network: the
#          "no" as a check waits for it, from `docker exec` to its end
# Prints p50, p99 and max of each and the load; the bound should be 20 to 50 times the p99.
# Usage: bench/probe-bound.sh [N]   (N = 300)
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_fixtures
N=${1:-300}
IMAGE=labrunner-fixture/busybox:1
P=bx-probe-$$
cleanup() {
  docker rm -f "$P-a" "$P-b" "$P-c" >/dev/null 2>&1 || true
  docker network rm "$P-net" "$P-other" >/dev/null 2>&1 || true
}
trap cleanup EXIT
docker network create "$P-net" >/dev/null
docker network create "$P-other" >/dev/null
docker run -d --name "$P-a" --network "$P-net" "$IMAGE" sleep 3600 >/dev/null
docker run -d --name "$P-b" --network "$P-net" "$IMAGE" httpd -f -p 80 >/dev/null
docker run -d --name "$P-c" --network "$P-other" "$IMAGE" sleep 3600 >/dev/null
other=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$P-c")
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
stats() { # NAME UNIT: numbers on standard input
  local all
  all=$(cat)
  printf '%-5s n=%s p50=%s p99=%s max=%s %s\n' "$1" "$(echo "$all" | wc -l)" \
    "$(echo "$all" | percentile 50)" "$(echo "$all" | percentile 99)" "$(echo "$all" | sort -g | tail -1)" "$2"
}
docker exec "$P-a" ping -c "$N" -i 0.01 "$P-b" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p' | stats rtt ms
docker exec "$P-a" sh -c "for i in \$(seq 1 $N); do
    time -f 'ping %e' sh -c 'ping -c 1 -W 1 $P-b >/dev/null 2>&1'
    time -f 'nc %e' sh -c 'nc -w 1 $P-b 80 </dev/null >/dev/null 2>&1'
  done" >"/tmp/$P.out" 2>&1
for k in ping nc; do sed -n "s/^$k //p" "/tmp/$P.out" | awk '{print $1 * 1000}' | stats "$k" ms; done
rm -f "/tmp/$P.out"
# The check's own bounded probe, built the way probes.rs builds it.
script='f=; IFS=:; for d in $PATH; do [ -x "$d/$1" ] && { f=$d/$1; break; }; done; unset IFS; [ -n "$f" ] || { echo "$1: not found" >&2; exit 127; }; shift; "$f" "$@" & p=$!; (sleep 0.25; kill $p) >/dev/null 2>&1 & t=$!; wait $p; r=$?; kill $t 2>/dev/null; [ $r = 143 ] && echo '"'no answer within 250 ms'"' >&2; exit $r'
for i in $(seq 1 10); do
  t0=$(now)
  docker exec "$P-a" sh -c "$script" probe ping -c 1 -W 1 "$other" >/dev/null 2>&1 || true
  printf "%.0f\n" "$(echo "($(now) - $t0) * 1000" | bc -l)"
done | stats none ms
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
