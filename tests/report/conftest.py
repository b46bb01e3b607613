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


def read(out, name):
    """A rendered file's text."""
    with open(os.path.join(out, name), encoding="utf-8") as f:
        return f.read()


def load_json(path):
    with open(path) as f:
        return json.load(f)


def write_json(tmp_path, doc, name):
    """A record derived in a test, written as tmp_path/name; returns its path."""
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def with_schema(tmp_path, src, version, name, families=None):
    """The record src with context.dmabench.schema_version set (None: removed),
    and only the benchmarks of `families` when given (a quicker render)."""
    doc = load_json(src)
    ctx = doc["context"]["dmabench"]
    if version is None:
        del ctx["schema_version"]
    else:
        ctx["schema_version"] = version
    if families:
        kept = lambda name: name.split("/")[0] in families
        doc["benchmarks"] = [b for b in doc["benchmarks"] if kept(b.get("run_name", b["name"]))]
        ctx["cases"] = {k: v for k, v in ctx.get("cases", {}).items() if kept(k)}
    return write_json(tmp_path, doc, name)


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


def text_rows(text):
    """{benchmark name: [cells]} from the tables of a summary.txt, first table
    a name appears in. Understands the four row shapes the text uses: the
    name and its cells on one line; a long name on a line of its own with its
    cells on the next; rows under a family/variant heading (' /rest', or
    '/rest' when the indent would not fit); a name wider than the page
    wrapped onto the next line."""
    rows, group, pending = {}, None, None
    for line in text.splitlines():
        tokens = line.split()
        if not tokens:
            group = pending = None
            continue
        if line.startswith((" /", "/")) and group:
            name = group + tokens[0]
            if len(tokens) > 1:
                rows.setdefault(name, tokens[1:])
                pending = None
            else:
                pending = name
        elif pending and len(tokens) == 1 and not line.startswith(" ") and "/" not in line:
            pending += tokens[0]  # a name wider than the page, wrapped
        elif line.startswith("   ") and pending:
            rows.setdefault(pending, tokens)
            pending = None
        elif not line.startswith(" ") and "/" in tokens[0] and ":" not in tokens[0][-1:]:
            if len(tokens) == 1:
                group = pending = tokens[0]
            else:
                rows.setdefault(tokens[0], tokens[1:])
                pending = None
    return rows
