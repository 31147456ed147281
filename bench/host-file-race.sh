#!/usr/bin/env bash
# The long version of tests/host_file_race.rs: at least N swaps and N check evaluations
# (default 200,000) of a file, its archive and a folder on its path against links to canaries
# outside the lab folder and FIFOs. No canary read and no evaluation over 2 s, or the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/common.sh
N="${1:-200000}"
uptime
LABRUNNER_HOST_FILE_SWAPS="$N" \
    cargo test --quiet --test host_file_race -- --nocapture 2>&1 | grep -E 'swaps|test result|panicked|outside'
