"""Validate a CTRF report against the CTRF JSON schema (jsonschema); print it back as JSON.

Usage: check_ctrf.py REPORT.json SCHEMA.json
"""
import json
import sys

from common import need

jsonschema = need("jsonschema", "jsonschema")

report_path, schema_path = sys.argv[1], sys.argv[2]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
with open(report_path, encoding="utf-8") as f:
    report = json.load(f)
jsonschema.Draft7Validator.check_schema(schema)
validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
errors = sorted(validator.iter_errors(report), key=lambda e: list(e.path))
if errors:
    for e in errors:
        sys.stderr.write(f"{'/'.join(map(str, e.path)) or '(root)'}: {e.message}\n")
    sys.exit(1)
print(json.dumps(report))
