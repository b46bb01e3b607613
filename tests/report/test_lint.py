"""The package keeps STYLE.md's limit: no function over 60 lines, counted as
tests/lint/long_functions.py counts Python (by ast)."""
import importlib.util
import os
import pathlib

from conftest import REPO


def test_no_function_in_the_report_package_runs_over_the_limit():
    path = os.path.join(REPO, "tests", "lint", "long_functions.py")
    spec = importlib.util.spec_from_file_location("long_functions", path)
    lint = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lint)
    functions = list(lint.python_functions(pathlib.Path(REPO)))
    assert len(functions) > 50  # control: the package's functions were all seen
    long = [(name, f"{p}:{s}", e - s + 1) for p, name, s, e in functions
            if e - s + 1 > lint.LIMIT]
    assert not long, long
