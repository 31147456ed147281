#!/usr/bin/env bash
# The volume-persistence lab (labs/MOD-DOCKER-04/volume-persistence.yaml) done with the docker CLI
# alone, the way `labrunner test` does it: check that the lab's names are free, then for every
# step run its checks (each must fail), run the step's solution, run its checks again until they
# all pass (every 200 ms, at most 5 s), then clean up and check nothing is left behind.
#
# Each check is done as the CLI would do it: `docker network inspect`, `docker volume inspect`,
# `docker inspect -f`, a fresh `docker run --rm` helper that reads the file from the volume, and
# `docker events --since --until` for "the student ran this command". It is the baseline that
# bench/compare-cli.sh times labrunner against.
#
# Usage: bench/docker-cli/volume-persistence.sh        (exit 0 when every step behaved)
#   IMAGE=...   image the lab's alpine:latest stands for (default labrunner-fixture/busybox:1)
#   QUIET=1     print only failures and the verdict line
set -uo pipefail

IMAGE=${IMAGE:-labrunner-fixture/busybox:1}
NET=isolated-net
VOL=persistent-store
WRITER=db-writer
READER=ledger-reader
SETTLE_TRIES=25 # 25 x 200 ms = 5 s, like labrunner's settle window

failures=0
say() { [ -n "${QUIET:-}" ] || echo "$@"; }
fail() { echo "$@" >&2; } # shown even with QUIET=1

# ---- checks: each returns 0 (pass) or 1 (fail) -------------------------------------------------
network_bridge() { [ "$(docker network inspect -f '{{.Driver}}' "$NET" 2>/dev/null)" = bridge ]; }
volume_exists() { docker volume inspect -f '{{.Name}}' "$VOL" >/dev/null 2>&1; }
state_of() { docker inspect -f '{{.State.Status}} {{.State.ExitCode}}' "$1" 2>/dev/null; }
writer_running() { [ "$(state_of "$WRITER" | cut -d' ' -f1)" = running ]; }
writer_attached() {
  docker inspect -f '{{range $k, $v := .NetworkSettings.Networks}}{{$k}}{{"\n"}}{{end}}' "$WRITER" 2>/dev/null |
    grep -qx "$NET"
}
has_volume_mount() { # container
  docker inspect -f '{{range .Mounts}}{{.Type}} {{.Name}} {{.Destination}}{{"\n"}}{{end}}' "$1" 2>/dev/null |
    grep -qx "volume $VOL /app/data"
}
ledger_in_volume() {
  docker run --rm --network none --mount "type=volume,source=$VOL,target=/volume,readonly" \
    "$IMAGE" cat /volume/ledger.txt 2>/dev/null | grep -q CRITICAL_DATABASE_TRANSACTION_99
}
ran_cat() { # in the container that has the name now (by id), since the step opened
  local id
  id=$(docker inspect --type container -f '{{.Id}}' "$WRITER" 2>/dev/null) || return 1
  docker events --since "$OPENED" --until "$(date +%s.%N)" --filter type=container \
    --filter "container=$id" --format '{{.Action}}' 2>/dev/null |
    grep -Eq '^exec_start: cat\s+/app/data/ledger\.txt'
}
writer_absent() { ! docker inspect --type container "$WRITER" >/dev/null 2>&1; }
reader_exited_0() { [ "$(state_of "$READER")" = "exited 0" ]; }

# ---- the steps ---------------------------------------------------------------------------------
# Sets CHECKS to the step's checks (a function name, or "function argument").
checks_of() {
  case $1 in
    create-network) CHECKS=(network_bridge) ;;
    create-volume) CHECKS=(volume_exists) ;;
    write-ledger) CHECKS=(writer_running writer_attached "has_volume_mount $WRITER" ledger_in_volume) ;;
    read-ledger) CHECKS=(ran_cat) ;;
    remove-writer) CHECKS=(writer_absent) ;;
    read-from-fresh-container) CHECKS=(reader_exited_0 "has_volume_mount $READER") ;;
  esac
}

solve() {
  case $1 in
    create-network) docker network create "$NET" ;;
    create-volume) docker volume create "$VOL" ;;
    write-ledger)
      docker run -d --name "$WRITER" --network="$NET" \
        --mount "type=volume,source=$VOL,target=/app/data" \
        "$IMAGE" /bin/sh -c "echo 'CRITICAL_DATABASE_TRANSACTION_99' > /app/data/ledger.txt && sleep 3600"
      ;;
    read-ledger) docker exec "$WRITER" cat /app/data/ledger.txt ;;
    remove-writer) docker rm -f "$WRITER" ;;
    read-from-fresh-container)
      docker run --name "$READER" --mount "type=volume,source=$VOL,target=/app/data" \
        "$IMAGE" cat /app/data/ledger.txt
      ;;
  esac
}

run_checks() { # step -> prints the failing checks; 0 if all pass
  local failed=() c
  checks_of "$1"
  for c in "${CHECKS[@]}"; do
    # shellcheck disable=SC2086
    $c || failed+=("$c")
  done
  [ ${#failed[@]} -eq 0 ] && return 0
  echo "${failed[*]}"
  return 1
}

all_fail() { # step: every check must fail before the solution
  local c
  checks_of "$1"
  for c in "${CHECKS[@]}"; do
    # shellcheck disable=SC2086
    if $c; then
      fail "  FAIL $1: check '$c' passed before the solution ran"
      return 1
    fi
  done
}

cleanup() {
  docker rm -f "$WRITER" "$READER" >/dev/null 2>&1
  docker network rm "$NET" >/dev/null 2>&1
  docker volume rm "$VOL" >/dev/null 2>&1
  local left=()
  docker inspect --type container "$WRITER" >/dev/null 2>&1 && left+=("container $WRITER")
  docker inspect --type container "$READER" >/dev/null 2>&1 && left+=("container $READER")
  docker network inspect "$NET" >/dev/null 2>&1 && left+=("network $NET")
  docker volume inspect "$VOL" >/dev/null 2>&1 && left+=("volume $VOL")
  if [ ${#left[@]} -gt 0 ]; then
    fail "  cleanup left behind: ${left[*]}"
    return 1
  fi
  say "  cleanup: nothing left behind"
}

start=$(date +%s.%N)

# Preflight: the lab's names must be free.
pre=()
docker network inspect "$NET" >/dev/null 2>&1 && pre+=("network $NET")
docker volume inspect "$VOL" >/dev/null 2>&1 && pre+=("volume $VOL")
docker inspect --type container "$WRITER" >/dev/null 2>&1 && pre+=("container $WRITER")
docker inspect --type container "$READER" >/dev/null 2>&1 && pre+=("container $READER")
if [ ${#pre[@]} -gt 0 ]; then
  echo "already present: ${pre[*]} (remove them first)" >&2
  exit 2
fi

for step in create-network create-volume write-ledger read-ledger remove-writer read-from-fresh-container; do
  ok=1
  OPENED=$(date +%s.%N)
  all_fail "$step" || ok=0
  if ! solve "$step" >/dev/null 2>&1; then
    fail "  FAIL $step: solution failed"
    ok=0
  fi
  tries=0
  until bad=$(run_checks "$step"); do
    tries=$((tries + 1))
    if [ $tries -ge $SETTLE_TRIES ]; then
      fail "  FAIL $step: after the solution: $bad"
      ok=0
      break
    fi
    sleep 0.2
  done
  [ $ok = 1 ] && say "  ok   $step"
  [ $ok = 1 ] || failures=$((failures + 1))
done

cleanup || failures=$((failures + 1))
end=$(date +%s.%N)
verdict=PASS
[ $failures -eq 0 ] || verdict=FAIL
printf '%s volume-persistence (docker CLI) in %.2fs\n' "$verdict" "$(echo "$end - $start" | bc)"
[ $failures -eq 0 ]
