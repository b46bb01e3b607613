"""Bad input: one clear line on stderr, exit status 2, and nothing written."""
import json
import os

import pytest

from conftest import fixture, load_json, run_report

RUN = "x86_quick.json"


def assert_refused(r, out, *words):
    assert r.returncode == 2, (r.returncode, r.stderr)
    lines = r.stderr.splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("report: ")
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert r.stdout == ""
    assert not os.path.exists(out)
    parent = os.path.dirname(out)
    if os.path.isdir(parent):  # no temporary directory left behind
        assert not [n for n in os.listdir(parent) if ".tmp-" in n or ".old-" in n]


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text)
    return str(p)


def render_refused(tmp_path, name, text, *words):
    """Writes text as name, renders it, and asserts the one-line refusal."""
    bad = write(tmp_path, name, text)
    out = str(tmp_path / "out")
    r = run_report("render", bad, "-o", out)
    assert_refused(r, out, *words)
    return bad, out, r


def test_truncated_json(tmp_path):
    text = open(fixture(RUN)).read()
    render_refused(tmp_path, "cut.json", text[: len(text) // 2], "cut.json", "truncated JSON",
                   "expected")


def test_malformed_json(tmp_path):
    render_refused(tmp_path, "bad.json", '{"context": {}, "benchmarks": [1, 2,, 3]}', "bad.json",
                   "malformed JSON", "line 1")


def test_not_a_google_benchmark_file(tmp_path):
    render_refused(tmp_path, "other.json", '{"hello": "world"}', "other.json",
                   "not a Google Benchmark result")


def test_empty_file(tmp_path):
    render_refused(tmp_path, "empty.json", "", "empty.json", "file is empty")


def test_empty_run(tmp_path):
    doc = load_json(fixture(RUN))
    doc["benchmarks"] = []
    doc["context"]["dmabench"]["skipped"] = []
    render_refused(tmp_path, "none.json", json.dumps(doc), "none.json", "empty run")


def test_run_with_only_errors(tmp_path):
    doc = load_json(fixture(RUN))
    doc["benchmarks"] = [{"name": "call/direct", "run_name": "call/direct",
                          "run_type": "iteration", "error_occurred": True,
                          "error_message": "boom"}]
    doc["context"]["dmabench"]["skipped"] = []
    render_refused(tmp_path, "errs.json", json.dumps(doc), "errs.json", "empty run",
                   "errors")


def test_missing_file(tmp_path):
    out = str(tmp_path / "out")
    assert_refused(run_report("render", str(tmp_path / "nope.json"), "-o", out), out,
                   "nope.json", "no such file")


def test_a_future_schema_version_is_refused(tmp_path):
    doc = load_json(fixture(RUN))
    doc["context"]["dmabench"]["schema_version"] = 3
    bad, out, _ = render_refused(tmp_path, "v3.json", json.dumps(doc), "v3.json", "schema_version is 3",
                                 "accepted: 1, 2", "newer dmabench")
    # The same for compare, whichever side holds it.
    assert_refused(run_report("compare", fixture(RUN), bad, "-o", out), out, "v3.json",
                   "schema_version is 3")


@pytest.mark.parametrize("version", ["2", True, None, 0])
def test_a_schema_version_that_is_not_one_is_refused(tmp_path, version):
    doc = load_json(fixture(RUN))
    doc["context"]["dmabench"]["schema_version"] = version
    _, _, r = render_refused(tmp_path, "odd.json", json.dumps(doc), f"schema_version is {version!r}",
                             "accepted: 1, 2")
    assert "newer dmabench" not in r.stderr  # that hint is for a higher number only


def test_unknown_time_unit(tmp_path):
    doc = load_json(fixture(RUN))
    doc["benchmarks"][0]["time_unit"] = "fortnights"
    render_refused(tmp_path, "unit.json", json.dumps(doc), "'fortnights'",
                   "accepted: ns, us, ms, s")


def test_second_bad_file_stops_everything(tmp_path):
    bad = write(tmp_path, "bad.json", "[")
    out = str(tmp_path / "out")
    assert_refused(run_report("render", fixture(RUN), bad, "-o", out), out, "bad.json")


def test_output_parent_is_a_file(tmp_path):
    blocker = write(tmp_path, "file", "x")
    out = os.path.join(blocker, "out")
    r = run_report("render", fixture(RUN), "-o", out)
    assert_refused(r, out, out, "cannot write the output directory")
    assert open(blocker).read() == "x"


def test_output_on_a_filesystem_that_refuses_writes(tmp_path):
    # Root ignores permission bits, so use a place nobody can create files in.
    out = "/proc/dmabench-report-test/out"
    r = run_report("render", fixture(RUN), "-o", out)
    assert_refused(r, out, "cannot write the output directory")


def test_output_is_an_existing_foreign_directory(tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    r = run_report("render", fixture(RUN), "-o", str(foreign))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1
    assert "not a dmabench report" in r.stderr
    assert os.listdir(foreign) == ["thesis.tex"]


def test_missing_python_module(tmp_path):
    # A matplotlib that cannot be imported, ahead of the real one on the path.
    fake = tmp_path / "fake" / "matplotlib"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('No module named matplotlib')\n")
    out = str(tmp_path / "out")
    from conftest import REPO
    r = run_report("render", fixture(RUN), "-o", out,
                   pythonpath=f"{tmp_path / 'fake'}{os.pathsep}{REPO}")
    assert_refused(r, out, "'matplotlib'", "python3-matplotlib")


@pytest.mark.parametrize("args,words", [
    ([], ["required"]),
    (["render"], ["RUN.json"]),
    (["compare", "only-one.json"], ["NEW.json"]),
    (["frobnicate"], ["invalid choice"]),
])
def test_bad_command_line(tmp_path, args, words):
    r = run_report(*args)
    assert r.returncode == 2
    assert len(r.stderr.splitlines()) == 1, r.stderr
    for w in words:
        assert w in r.stderr
    assert "usage:" in r.stderr


def test_compare_without_common_names(tmp_path):
    a = load_json(fixture(RUN))
    b = load_json(fixture(RUN))
    for e in b["benchmarks"]:
        e["name"] = "renamed/" + e["name"]
        e["run_name"] = "renamed/" + e["run_name"]
    pa, pb = write(tmp_path, "a.json", json.dumps(a)), write(tmp_path, "b.json", json.dumps(b))
    out = str(tmp_path / "out")
    assert_refused(run_report("compare", pa, pb, "-o", out), out, "no measured benchmark name "
                   "in common")


def test_a_failed_render_leaves_the_earlier_report_untouched(tmp_path):
    out = str(tmp_path / "out")
    assert run_report("render", fixture("ab_base.json"), "-o", out).returncode == 0
    before = {n: os.path.getmtime(os.path.join(out, n)) for n in os.listdir(out)}
    bad = write(tmp_path, "bad.json", "{")
    r = run_report("render", bad, "-o", out)
    assert r.returncode == 2
    assert {n: os.path.getmtime(os.path.join(out, n)) for n in os.listdir(out)} == before
    assert sorted(os.listdir(tmp_path)) == ["bad.json", "out"]
