"""Read a JUnit XML file the way CI servers do; print what was read as JSON.

Usage: check_junit.py REPORT.xml SCHEMA.xsd
Checks well-formedness (xml.etree), validity against the schema given and against Jenkins'
junit-10.xsd (vendored beside this script) with xmlschema, and reads it with junitparser, a real
JUnit consumer.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

from common import need

junitparser = need("junitparser", "junitparser")
xmlschema = need("xmlschema", "xmlschema")

path, xsd = sys.argv[1], sys.argv[2]
tree = ET.parse(path)  # raises on anything not well-formed
jenkins = os.path.join(os.path.dirname(os.path.abspath(__file__)), "jenkins-junit-10.xsd")
for schema in (xsd, jenkins):
    xmlschema.XMLSchema(schema).validate(path)  # raises with the offending element

xml = junitparser.JUnitXml.fromfile(path)
suites = []
for suite in xml:
    cases = []
    for case in suite:
        results = [
            {"kind": type(r).__name__, "message": r.message, "type": r.type, "text": r.text}
            for r in case.result
        ]
        cases.append(
            {
                "name": case.name,
                "classname": case.classname,
                "time": case.time,
                "is_passed": case.is_passed,
                "results": results,
                "system_out": case.system_out,
            }
        )
    suites.append(
        {
            "name": suite.name,
            "tests": suite.tests,
            "failures": suite.failures,
            "errors": suite.errors,
            "skipped": suite.skipped,
            "time": suite.time,
            "timestamp": suite.timestamp,
            "properties": {p.name: p.value for p in suite.properties()},
            "cases": cases,
            "system_err": "".join(e.text or "" for e in tree.iter("system-err")),
        }
    )
print(json.dumps({"suites": suites}))
