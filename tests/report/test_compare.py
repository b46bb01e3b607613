"""A/B comparison through the command line, on real runs and on runs derived
from them with a known change."""
import json
import os

import pytest

from conftest import fixture, load_json, run_report, text_rows, with_schema
from report import stats

BASE, NEW = "ab_base.json", "ab_new.json"
VERDICTS = (stats.FASTER, stats.SLOWER, stats.NO_CHANGE, stats.TOO_FEW)
TIME_KEYS = ("real_time", "cpu_time")


def names(path):
    out = []
    for e in load_json(path)["benchmarks"]:
        if e.get("run_type") == "iteration" and e["run_name"] not in out:
            out.append(e["run_name"])
    return out


def scaled(tmp_path, src, factor, name):
    """The same run with every time (and ns_per_* counter) multiplied by factor."""
    doc = load_json(src)
    for e in doc["benchmarks"]:
        if e.get("aggregate_unit") == "percentage":
            continue
        for k in list(e):
            if k in TIME_KEYS or k.startswith("ns_per_"):
                e[k] = e[k] * factor
    p = tmp_path / name
    p.write_text(json.dumps(doc))
    return str(p)


def verdict_of(text, name):
    """A benchmark's row in the verdict tables (after the list of changes), which
    leave off a suffix every name carries."""
    rows = text_rows(text[text.index("\nbenchmark "):])
    cells = rows.get(name) or rows[name[:-len("/manual_time")]]
    verdict = " ".join(cells[2:])
    assert verdict in VERDICTS, (name, cells)
    return verdict, float(cells[0])


@pytest.fixture(scope="module")
def ab(tmp_path_factory):
    out = str(tmp_path_factory.mktemp("ab") / "out")
    r = run_report("compare", fixture(BASE), fixture(NEW), "-o", out)
    assert r.returncode == 0, r.stderr
    return r, out


def test_compare_prints_its_verdict_table(ab):
    r, out = ab
    summary, tables = (open(os.path.join(out, f)).read() for f in ("summary.txt", "tables.txt"))
    # The summary is the start of what was printed, and points to the rest.
    assert r.stdout.startswith(summary.rstrip("\n").rsplit("\n", 1)[0])
    assert summary.rstrip().endswith("tables.txt (and index.html).")
    assert "NEW/BASE" in tables and "95% interval" in tables
    for name in set(names(fixture(BASE))) & set(names(fixture(NEW))):
        v, ratio = verdict_of(tables, name)
        assert v in VERDICTS and ratio > 0
    for line in (summary + tables).splitlines():
        assert len(line) <= 72 and line.isascii()


def test_compare_writes_page_markdown_and_forest_plots(ab):
    _, out = ab
    for f in ("index.html", "report.md", "summary.txt"):
        assert os.path.getsize(os.path.join(out, f)) > 200
    families = {n.split("/")[0] for n in names(fixture(BASE))}
    for fam in families:
        assert os.path.exists(os.path.join(out, "plots", f"compare_{fam}.png"))
        assert os.path.exists(os.path.join(out, "plots", f"compare_{fam}.svg"))
    page = open(os.path.join(out, "index.html")).read()
    assert "data:image/png;base64," in page


def test_a_run_against_itself_is_no_significant_change(tmp_path):
    out = str(tmp_path / "out")
    r = run_report("compare", fixture(BASE), fixture(BASE), "-o", out)
    assert r.returncode == 0, r.stderr
    for name in names(fixture(BASE)):
        v, ratio = verdict_of(r.stdout, name)
        assert v == stats.NO_CHANGE and ratio == 1.0, name


@pytest.mark.parametrize("factor,expected", [(1.5, stats.SLOWER), (1 / 1.5, stats.FASTER)])
def test_a_known_change_is_found_with_its_size(tmp_path, factor, expected):
    new = scaled(tmp_path, fixture(BASE), factor, "changed.json")
    out = str(tmp_path / "out")
    r = run_report("compare", fixture(BASE), new, "-o", out)
    assert r.returncode == 0, r.stderr
    for name in names(fixture(BASE)):
        v, ratio = verdict_of(r.stdout, name)
        assert v == expected, name
        assert ratio == pytest.approx(factor, rel=2e-3)


def test_a_case_that_gained_manual_time_is_still_the_same_case(tmp_path):
    # A BASE recorded before the one harness named some cases without the
    # /manual_time segment; NEW names every case with it.
    doc = load_json(fixture(BASE))
    plain = [n for n in names(fixture(BASE)) if not n.endswith("/manual_time")]
    assert plain, "the fixture has no automatically timed case"
    for e in doc["benchmarks"]:
        if e["run_name"] in plain:
            suffix = e["name"][len(e["run_name"]):]  # an aggregate's _mean, _median...
            e["run_name"] += "/manual_time"
            e["name"] = e["run_name"] + suffix
    new = tmp_path / "renamed.json"
    new.write_text(json.dumps(doc))
    r = run_report("compare", fixture(BASE), str(new), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    for name in plain:
        v, ratio = verdict_of(r.stdout, name)
        assert v == stats.NO_CHANGE and ratio == 1.0, name


def test_runs_that_kept_only_aggregates_are_too_few_and_it_says_why(tmp_path):
    doc = load_json(fixture(BASE))
    doc["benchmarks"] = [e for e in doc["benchmarks"] if e.get("run_type") == "aggregate"]
    agg = tmp_path / "aggregates.json"
    agg.write_text(json.dumps(doc))
    r = run_report("compare", str(agg), str(agg), "-o", str(tmp_path / "out"))
    assert r.returncode == 0, r.stderr
    for name in names(fixture(BASE)):
        v, _ = verdict_of(r.stdout, name)
        assert v == stats.TOO_FEW, name
    assert "without --benchmark_report_aggregates_only" in " ".join(r.stdout.split())


def test_different_machines_are_flagged(tmp_path):
    out = str(tmp_path / "out")
    r = run_report("compare", fixture("x86_quick.json"), fixture("arm64_quick.json"), "-o", out)
    assert r.returncode == 0, r.stderr
    flat = " ".join(r.stdout.split())
    assert "different machines" in flat
    assert "NEW: EMULATED" in flat
    assert "BASE: VIRTUALISED" in flat or "BASE:" in r.stdout.splitlines()[1]
    only = [n for n in names(fixture("x86_quick.json")) if n not in names(fixture("arm64_quick.json"))]
    page = open(os.path.join(out, "index.html")).read()
    for n in only:
        assert "only in BASE" in page and n in page


# ---- the records' schemas -----------------------------------------------------

def verdict_rows(text):
    return {n: c for n, c in text_rows(text).items() if n in names(fixture(BASE))}


@pytest.fixture(scope="module")
def ab_by_schema(tmp_path_factory):
    """compare of the A/B fixtures as records of the given schemas: {(b, n): (result, outdir)}."""
    tmp = tmp_path_factory.mktemp("ab_schema")
    done = {}
    for vb, vn in ((1, 1), (1, 2), (2, 2)):
        out = str(tmp / f"out{vb}{vn}")
        r = run_report("compare", with_schema(tmp, fixture(BASE), vb, f"b{vb}.json"),
                       with_schema(tmp, fixture(NEW), vn, f"n{vn}.json"), "-o", out)
        assert r.returncode == 0, r.stderr
        done[vb, vn] = (r, out)
    return done


def test_two_schema_1_records_are_labelled_once(ab_by_schema):
    r, out = ab_by_schema[1, 1]
    label = "schema 1 records: quantiles and kmod ratio_to_* by the old definitions"
    assert r.stdout.count(label) == 1
    for f in ("report.md", "index.html"):
        assert open(os.path.join(out, f)).read().count(label) == 1, f


def test_schema_1_against_schema_2_says_so_and_judges_alike(ab_by_schema):
    mixed, same = ab_by_schema[1, 2][0].stdout, ab_by_schema[2, 2][0].stdout
    assert " ".join(mixed.split()).count(
        "BASE schema 1, NEW schema 2: quantiles and kmod ratio_to_* not defined alike "
        "(schema 1: the old definitions)") == 1
    # Control: two schema 2 records carry no label; the verdicts are the same.
    assert "schema" not in same.split("report: wrote")[0]
    assert verdict_rows(mixed) == verdict_rows(same) == verdict_rows(ab_by_schema[1, 1][0].stdout)
