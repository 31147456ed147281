"""Read a TAP stream with tappy (the `tap.py` package); print what was read as JSON.

Usage: check_tap.py REPORT.tap
Reports tappy's rule violations (version line placement, plan placement and count, bail out)
under "rule_errors", and each test point with its parsed YAML diagnostics block.
"""
import json
import sys

from common import need

yaml = need("yaml", "PyYAML")
need("more_itertools", "more-itertools")
need("tap", "tap.py")
from tap.loader import Loader  # noqa: E402
from tap.parser import Parser  # noqa: E402

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    text = f.read()

out = {"version": None, "plan": None, "tests": [], "unknown": 0, "diagnostics": [], "rule_errors": []}
for line in Parser().parse_text(text):
    if line.category == "version":
        out["version"] = line.version
    elif line.category == "plan":
        out["plan"] = line.expected_tests
    elif line.category == "test":
        raw = line._yaml_block  # tappy keeps the raw block; parse it strictly ourselves
        out["tests"].append(
            {
                "ok": line.ok,
                "number": line.number,
                "description": line.description,
                "todo": line.todo,
                "skip": line.skip,
                "yaml": yaml.safe_load(raw) if raw is not None else None,
            }
        )
    elif line.category == "diagnostic":
        out["diagnostics"].append(line.text)
    elif line.category == "unknown":
        out["unknown"] += 1
    elif line.category == "bail":
        out["rule_errors"].append(f"bail out: {line.reason}")

# tappy's loader applies TAP's rules and adds each violation as a failing, unnumbered test.
for test in Loader().load_suite_from_file(path):
    result = test._line
    if result.number is None and not result.ok:
        out["rule_errors"].append(result.description)

print(json.dumps(out))
