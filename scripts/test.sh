#!/usr/bin/env bash
# Runs every test: unit and integration tests (against the real daemon), then validates and
# proves the shipped labs with labrunner itself. Lab images are mapped onto local fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LABRUNNER_IMAGE_MAP="${LABRUNNER_IMAGE_MAP:-alpine=labrunner-fixture/busybox:1,alpine:latest=labrunner-fixture/busybox:1,nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1}"
cargo build --quiet --workspace
# Daemon tests that found no daemon (and were not required to) list themselves here.
skipped="target/tmp/skipped-daemon-tests"
mkdir -p target/tmp && rm -f "$skipped"
cargo test --quiet --workspace
if [ -s "$skipped" ]; then
  echo "$(wc -l <"$skipped") daemon tests SKIPPED (no Docker daemon answered):" >&2
  sed 's/^/  /' "$skipped" >&2
fi
./target/debug/labrunner validate labs/
LABRUNNER_HOME="$(mktemp -d)" ./target/debug/labrunner test labs/
