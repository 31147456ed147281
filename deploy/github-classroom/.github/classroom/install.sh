#!/bin/sh
# Install a released labrunner for the Classroom workflow, without building it: download the
# release archive (LABRUNNER_URL), check it against LABRUNNER_SHA256, and put its `labrunner`
# in $DEST/bin (default $HOME/.labrunner/bin), which the workflow caches, so a push after the
# first downloads nothing. Does nothing when $DEST/bin/labrunner is already LABRUNNER_VERSION.
# Prints the folder to add to PATH. (scripts/release-archive.sh makes such an archive.)
set -eu
: "${LABRUNNER_VERSION:?set LABRUNNER_VERSION to the labrunner release the course uses}"
: "${LABRUNNER_URL:?set LABRUNNER_URL to that release archive (labrunner-VERSION-TARGET.tar.gz)}"
: "${LABRUNNER_SHA256:?set LABRUNNER_SHA256 to the archive's sha256 (its .sha256 file)}"
DEST="${DEST:-$HOME/.labrunner}"
bin="$DEST/bin"

if [ -x "$bin/labrunner" ] &&
  "$bin/labrunner" --version 2>/dev/null | grep -q "^labrunner $LABRUNNER_VERSION "; then
  echo "$bin"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
curl --fail --silent --show-error --location --proto '=https,file' --max-time 300 \
  --output "$work/labrunner.tar.gz" "$LABRUNNER_URL"
echo "$LABRUNNER_SHA256  $work/labrunner.tar.gz" | sha256sum --check --status || {
  echo "install.sh: $LABRUNNER_URL does not match LABRUNNER_SHA256; nothing installed" >&2
  exit 1
}
tar -xzf "$work/labrunner.tar.gz" -C "$work"
found="$(find "$work" -type f -name labrunner -perm -u+x | head -n 1)"
[ -n "$found" ] || { echo "install.sh: no labrunner binary in $LABRUNNER_URL" >&2; exit 1; }
"$found" --version | grep -q "^labrunner $LABRUNNER_VERSION " || {
  echo "install.sh: the archive holds $("$found" --version), not $LABRUNNER_VERSION" >&2
  exit 1
}
mkdir -p "$bin"
install -m 0755 "$found" "$bin/labrunner"
echo "$bin"
