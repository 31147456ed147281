#!/usr/bin/env bash
# Builds the grader image here without pulling anything: the root file system of
# scripts/grader-rootfs.sh (the locally built binary and this machine's files), loaded with
# `docker import`, with the configuration deploy/image/Dockerfile gives it. The Dockerfile
# builds the same image from source for users with a registry.
#
#   scripts/grader-image.sh [BINARY] [TAG]
#     BINARY  default target/release/labrunner
#     TAG     default labrunner-grader:local
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/labrunner}
tag=${2:-labrunner-grader:local}
version=$("$binary" --version | awk '{print $2}')

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bash scripts/grader-rootfs.sh "$binary" "$work/rootfs"
# The same configuration as the Dockerfile's final stage (deploy/image/Dockerfile).
tar -C "$work/rootfs" --numeric-owner -c . | docker import \
  --change 'USER 10001:10001' \
  --change 'WORKDIR /home/labrunner' \
  --change 'ENV PATH=/usr/local/bin:/bin' \
  --change 'ENV LABRUNNER_HOME=/home/labrunner' \
  --change 'ENV TMPDIR=/tmp' \
  --change 'ENTRYPOINT ["/usr/local/bin/labrunner"]' \
  --change 'CMD ["--help"]' \
  --change "LABEL org.opencontainers.image.title=labrunner org.opencontainers.image.version=$version" \
  - "$tag" >/dev/null
echo "built $tag (labrunner $version)"
