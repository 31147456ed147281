"""Shared by the report-format validators: clear failure when a package is missing."""
import sys


def need(module, package):
    try:
        return __import__(module)
    except ImportError:
        sys.stderr.write(
            f"missing Python package `{package}` (module `{module}`): "
            "run scripts/test-deps.sh to install the report-format test dependencies\n"
        )
        sys.exit(3)
