#!/bin/sh
# The grading step of the Classroom workflow: replay the student's docker commands against the
# lab with labrunner, and hand Classroom's autograding reporter its input: `result=<base64 of
# the result JSON>` in $GITHUB_OUTPUT (one test per check, with its points). The step itself
# succeeds whenever a result was written; the reporter turns failed checks into a failed run.
#
# Environment: LAB (lab id or file), SUBMISSION (default commands.sh), IMAGES_TAR (a
# `docker save` archive of the images the lab names, loaded before grading; the workflow
# caches it), LABRUNNER (the binary, default labrunner on PATH), MAX_SCORE (the assignment's
# points, reported when labrunner cannot even start), GITHUB_OUTPUT (set by Actions; standard
# output without it).
set -eu
: "${LAB:?set LAB to the lab to grade}"
SUBMISSION="${SUBMISSION:-commands.sh}"
LABRUNNER="${LABRUNNER:-labrunner}"
OUTPUT="${GITHUB_OUTPUT:-/dev/stdout}"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if [ -n "${IMAGES_TAR:-}" ] && [ -s "$IMAGES_TAR" ]; then
  docker load --quiet --input "$IMAGES_TAR" >/dev/null
fi

status=0
"$LABRUNNER" grade "$LAB" --submission "$SUBMISSION" --format classroom \
  --out "$work/result.json" 2>"$work/stderr" || status=$?
cat "$work/stderr" >&2

if [ ! -s "$work/result.json" ]; then
  # labrunner could not even write its report (no such lab, not installed, a bad flag). (A
  # submission it cannot grade gets labrunner's own report: 0 of the lab's points, with the
  # reason.) Then the score is 0 of the assignment's points, MAX_SCORE; without it there is no
  # true score to give, and the step fails rather than report 0 of 0.
  if [ -z "${MAX_SCORE:-}" ]; then
    echo "grade.sh: labrunner wrote no result (exit code $status), and MAX_SCORE is not set" >&2
    exit 1
  fi
  reason="$(tr '\n\t' '  ' <"$work/stderr" | tr -d '\000-\037"\\' | cut -c1-1000)"
  printf '{"version":1,"status":"error","max_score":%d,"tests":[{"name":"grading","status":"error","score":0,"message":"%s","test_code":"labrunner grade","filename":"%s","line_no":0,"duration":0}]}\n' \
    "$MAX_SCORE" "$reason" "$SUBMISSION" >"$work/result.json"
fi

printf 'result=%s\n' "$(base64 <"$work/result.json" | tr -d '\n')" >>"$OUTPUT"
