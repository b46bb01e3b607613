"""Shared helpers: run the report package exactly as dmabench does, and the
kept fixtures (result files from real dmabench runs; see fixtures/README.md)."""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(REPO, "tests", "report", "fixtures")
PYTHON = "/usr/bin/python3"

sys.path.insert(0, REPO)


def fixture(name):
    path = os.path.join(FIXTURES, name)
    if not os.path.exists(path):
        pytest.fail(f"missing fixture {path}: run tests/report/fixtures/regenerate.sh")
    return path


def run_report(*args, env_extra=None, pythonpath=None):
    """python3 -m report ARGS with the repo root on PYTHONPATH, as `dmabench report` runs it."""
    env = dict(os.environ)
    env["PYTHONPATH"] = pythonpath or REPO
    env.pop("PYTHONHOME", None)
    if env_extra:
        env.update(env_extra)
    return subprocess.run([PYTHON, "-m", "report", *args], capture_output=True, text=True,
                          env=env, timeout=300, cwd=REPO)


def load_json(path):
    with open(path) as f:
        return json.load(f)


@pytest.fixture(scope="session")
def rendered(tmp_path_factory):
    """Renders a result file once per session: rendered(name) -> (CompletedProcess, outdir)."""
    cache = {}

    def render(*names):
        if names not in cache:
            out = str(tmp_path_factory.mktemp("render") / "out")
            r = run_report("render", *[fixture(n) for n in names], "-o", out)
            assert r.returncode == 0, r.stderr
            cache[names] = (r, out)
        return cache[names]
    return render
