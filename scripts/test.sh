#!/usr/bin/env bash
# Runs every test: unit and integration tests (against the real daemon), then validates the
# shipped labs and lessons and proves them with labrunner itself (lesson doctests included).
# Images are mapped onto local fixtures.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export LABRUNNER_IMAGE_MAP="${LABRUNNER_IMAGE_MAP:-alpine=labrunner-fixture/busybox:1,alpine:latest=labrunner-fixture/busybox:1,nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1}"
LESSON_IMAGE_MAP="alpine=labrunner-fixture/alpine:1,alpine:latest=labrunner-fixture/alpine:1,busybox=labrunner-fixture/busybox:1,busybox:latest=labrunner-fixture/busybox:1,nginx=labrunner-fixture/web:1,nginx:latest=labrunner-fixture/web:1"
cargo build --quiet --workspace
# Daemon tests that found no daemon (and were not required to) list themselves here.
skipped="target/tmp/skipped-daemon-tests"
mkdir -p target/tmp && rm -f "$skipped"
cargo test --quiet --workspace
if [ -s "$skipped" ]; then
  echo "$(wc -l <"$skipped") daemon tests SKIPPED (no Docker daemon answered):" >&2
  sed 's/^/  /' "$skipped" >&2
fi
./target/debug/labrunner validate labs/ lessons/
LABRUNNER_HOME="$(mktemp -d)" ./target/debug/labrunner test labs/
# The lessons' demonstrations, on the stand-ins of the images they name
# (scripts/fixture-images.md says what each stand-in keeps of the real image).
LABRUNNER_HOME="$(mktemp -d)" LABRUNNER_IMAGE_MAP="$LESSON_IMAGE_MAP" \
  ./target/debug/labrunner test lessons/*.md
