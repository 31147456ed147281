"""Read a grading step's output the way GitHub Classroom's autograding reporter does; print
what it would report as JSON.

Usage: check_classroom.py GITHUB_OUTPUT_FILE [RUNNER]
The reporter takes each runner's `<RUNNER>_RESULTS` variable (the step's `result` output),
decodes it from base64, parses the JSON, adds up the tests' `score` against `max_score`, and
fails the run when the status is `fail` or `error`. This does the same, and rejects anything the
reporter could not read: a missing or doubled `result=` line, bad base64, a status or a test
without the fields it reads.
"""
import base64
import json
import sys

output_path = sys.argv[1]
runner = sys.argv[2] if len(sys.argv) > 2 else "labrunner"

with open(output_path, encoding="utf-8") as f:
    lines = [line.rstrip("\n") for line in f if line.startswith("result=")]
if len(lines) != 1:
    sys.exit(f"{output_path}: expected one `result=` line, found {len(lines)}")
encoded = lines[0][len("result="):]
try:
    results = json.loads(base64.b64decode(encoded, validate=True).decode("utf-8"))
except Exception as e:  # noqa: BLE001 - any failure to read is the finding
    sys.exit(f"{runner}: result is not base64 of JSON: {e}")


def need(cond, message):
    if not cond:
        sys.exit(f"{runner}: {message}")


need(isinstance(results, dict), "result is not a JSON object")
need(results.get("version") == 1, "version must be 1")
need(results.get("status") in ("pass", "fail", "error"), f"status {results.get('status')!r}")
need(isinstance(results.get("max_score"), (int, float)), "max_score must be a number")
tests = results.get("tests")
need(isinstance(tests, list), "tests must be a list")
for t in tests:
    need(isinstance(t.get("name"), str) and t["name"], f"a test without a name: {t}")
    need(t.get("status") in ("pass", "fail", "error"), f"test status {t.get('status')!r}")
    need(isinstance(t.get("score", 0), (int, float)), f"test score {t.get('score')!r}")

# NotifyClassroom: the points Classroom records.
total = sum(t.get("score", 0) for t in tests) if results["max_score"] else 0
need(total <= results["max_score"], f"{total} points of {results['max_score']}")
# The console summary and the run's outcome. The summary table's "Test Score" is the share of
# tests that pass times max_score (or 1 without one), whatever their points.
passed = sum(1 for t in tests if t["status"] == "pass")
summary_points = (passed / len(tests)) * (results["max_score"] or 1) if tests else 0
failed_run = results["status"] in ("fail", "error")
print(json.dumps({
    "points": total,
    "max_score": results["max_score"],
    "passed_tests": passed,
    "summary_points": summary_points,
    "tests": len(tests),
    "run_fails": failed_run,
    "status": results["status"],
}))
