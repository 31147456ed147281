#!/usr/bin/env bash
# Prepares a fresh Debian machine for labrunner: a Docker daemon that answers, the packages the
# tests use, and the local fixture images. Safe to run again; changes nothing that is in place.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v docker >/dev/null 2>&1 || need_apt+=(docker.io)
dpkg -s busybox-static >/dev/null 2>&1 || need_apt+=(busybox-static)
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing ${need_apt[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! docker info >/dev/null 2>&1; then
  echo "setup: no Docker daemon answers; starting dockerd"
  (dockerd >/tmp/labrunner-dockerd.log 2>&1 &)
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
  docker info >/dev/null 2>&1 || { echo "setup: dockerd did not start; see /tmp/labrunner-dockerd.log" >&2; exit 1; }
fi
echo "setup: Docker $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})')"

# The fixture images, rebuilt when one is missing or was built to an older contract
# (scripts/fixture-images.md).
contract=$(sed -n 's/^CONTRACT=//p' scripts/fixture-images.sh)
for image in busybox alpine web bare; do
  found=$(docker image inspect "labrunner-fixture/$image:1" \
    --format '{{index .Config.Labels "io.labrunner.fixture.contract"}}' 2>/dev/null || true)
  if [ "$found" != "$contract" ]; then
    bash scripts/fixture-images.sh
    break
  fi
done

if [ -f scripts/test-deps.sh ]; then
  bash scripts/test-deps.sh
fi
