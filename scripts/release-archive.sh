#!/usr/bin/env bash
# Packs a built labrunner into the release archive the Classroom workflow installs
# (deploy/github-classroom/.github/classroom/install.sh): labrunner-VERSION-TARGET.tar.gz
# holding labrunner-VERSION-TARGET/labrunner, and its .sha256 beside it.
#
#   scripts/release-archive.sh [BINARY] [OUT_DIR]   (defaults: target/release/labrunner, target/dist)
set -euo pipefail
cd "$(dirname "$0")/.."
binary=${1:-target/release/labrunner}
out=${2:-target/dist}
version=$("$binary" --version | awk '{print $2}')
target=$(rustc -vV | sed -n 's/^host: //p')
name="labrunner-$version-$target"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/$name" "$out"
install -m 0755 "$binary" "$work/$name/labrunner"
tar -C "$work" --owner=0 --group=0 --numeric-owner -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" >"$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
