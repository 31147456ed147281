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

if ! docker image inspect labrunner-fixture/busybox:1 labrunner-fixture/web:1 labrunner-fixture/bare:1 >/dev/null 2>&1; then
  bash scripts/fixture-images.sh
fi

if [ -f scripts/test-deps.sh ]; then
  bash scripts/test-deps.sh
fi
