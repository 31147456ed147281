#!/usr/bin/env bash
# The long version of tests/sandbox_race.rs: N attacked starts per grading (default 5,000),
# read-only and read-write at once, so 2 x N in all. Zero escapes, or the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
N="${1:-5000}"
uptime
LABRUNNER_RACE_ATTEMPTS="$N" LABRUNNER_REQUIRE_DOCKER=1 \
    cargo test --quiet --test sandbox_race -- --nocapture 2>&1 | grep -E 'attacked starts|test result|panicked|escape'
