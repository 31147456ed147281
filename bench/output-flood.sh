#!/usr/bin/env bash
# Peak memory of `labrunner grade` under an output flood: a submission that runs `yes` through
# `docker exec`, reads the logs of a container running `yes`, and runs `yes` in a foreground
# `docker run`, each until the per-command limit (SECS, default 5) stops it, with an `output`
# check on the flooding container. Prints peak RSS, wall and CPU time of labrunner, the
# commands' outcomes, and the machine's load. Namespaced (ob-PID): safe beside other gradings.
set -euo pipefail
source "$(dirname "$0")/common.sh"
require_fixtures
secs=${1:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/lab.yaml" <<'LAB'
format: 1
id: ob-flood
title: Output flood
lesson: MOD-DOCKER-04
difficulty: beginner
minutes: 1
resources:
  networks: [ob-never]
  containers: [chatter, shell]
steps:
  - id: never
    title: Create a network no submission here creates
    instructions: Create `ob-never`.
    solution:
      - docker network create ob-never
    checks:
      - network: { name: ob-never }
  - id: chatter
    title: Start a container that says yes
    instructions: Start `chatter`, running `yes`.
    solution:
      - docker run -d --name chatter alpine yes
    checks:
      - output: { container: chatter, matches: '^y' }
LAB
cat >"$work/flood.sh" <<'SUB'
docker run -d --name chatter alpine yes
docker run -d --name shell alpine sleep 600
docker exec shell yes
docker logs chatter
docker run alpine yes
SUB
echo "load before: $(uptime)"
LABRUNNER_HOME=$work/home /usr/bin/time -f '%M %e %U %S' -o "$work/time" \
  "$LABRUNNER" grade "$work/lab.yaml" --namespace "ob-$$" --format json \
  --command-timeout "$secs" --submission "$work/flood.sh" >"$work/report.json" || true
read -r rss wall user sys < <(tail -n 1 "$work/time")
echo "load after:  $(uptime)"
python3 - "$work/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for c in r["commands"]:
    print(f"  {c['outcome']:<10} {c['detail'][:70]}")
for s in r["steps"]:
    for c in s["checks"]:
        print(f"  check {c['description']}: {c['status']} ({c['duration_ms']} ms)")
PY
echo "peak RSS $((rss / 1024)) MiB, wall ${wall}s, labrunner CPU ${user}s user ${sys}s system"
left=$(docker ps -aq --filter "label=io.labrunner.run=ob-$$")
[ -z "$left" ] || { echo "left behind: $left" >&2; exit 1; }
