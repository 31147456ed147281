#!/bin/sh
# Python packages the report-format tests (tests/report_formats.rs) read labrunner's output with:
# junitparser and xmlschema (JUnit XML), tap.py with PyYAML and more-itertools (TAP),
# jsonschema (CTRF).
set -eu
PYTHON="${PYTHON:-python3}"
"$PYTHON" -m pip install --quiet junitparser xmlschema tap.py PyYAML more-itertools jsonschema
