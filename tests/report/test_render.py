"""Reports rendered from result files of real dmabench runs."""
import base64
import html.parser
import json
import os
import re
import statistics
import xml.etree.ElementTree as ET

import pytest

from conftest import fixture, load_json, read, run_report, text_rows, with_schema, write_json
from report import textfmt

X86 = "x86_quick.json"
ARM = "arm64_quick.json"
PLAIN = "plain_gbench.json"


def iteration_names(path):
    names = []
    for e in load_json(path)["benchmarks"]:
        if e.get("run_type") == "iteration" and not e.get("error_occurred"):
            if e["run_name"] not in names:
                names.append(e["run_name"])
    return names


def headline(path, name):
    """The median a reader should see for name, computed here from the JSON alone."""
    scale = {"ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9}
    reps = [e for e in load_json(path)["benchmarks"]
            if e.get("run_name") == name and e.get("run_type") == "iteration"]
    # What each family is read in: cache per line (it also records ns_per_call),
    # lookup per lookup, call per call; any other family its first ns_per_ counter.
    wanted = {"cache": "ns_per_line", "lookup": "ns_per_lookup", "call": "ns_per_call"}
    keys = sorted(k for k in reps[0] if k.startswith("ns_per_"))
    family = name.split("/")[0]
    if wanted.get(family) in keys:
        keys = [wanted[family]]
    if keys:
        return statistics.median(e[keys[0]] for e in reps), "ns/" + keys[0][7:]
    return statistics.median(e["real_time"] * scale[e["time_unit"]] for e in reps), "ns/iter"


class Images(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.srcs, self.links, self.order = [], [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.order.append(tag)
        if tag == "img":
            self.srcs.append(a.get("src", ""))
        if tag in ("link", "script", "iframe"):
            self.links.append(a)


@pytest.mark.parametrize("name", [X86, ARM])
def test_all_outputs_exist(rendered, name):
    r, out = rendered(name)
    for f in ("index.html", "report.md", "summary.txt"):
        assert os.path.getsize(os.path.join(out, f)) > 200
    pngs = [f for f in os.listdir(os.path.join(out, "plots")) if f.endswith(".png")]
    assert pngs
    for png in pngs:
        with open(os.path.join(out, "plots", png), "rb") as f:
            assert f.read(8) == b"\x89PNG\r\n\x1a\n"
        svg = os.path.join(out, "plots", png[:-4] + ".svg")
        assert ET.parse(svg).getroot().tag.endswith("svg")
    assert "index.html" in r.stdout


@pytest.mark.parametrize("name", [X86, ARM, PLAIN])
def test_summary_is_plain_ascii_within_72_columns(rendered, name):
    _, out = rendered(name)
    text = read(out, "tables.txt")
    for line in text.splitlines():
        assert len(line) <= 72, line
        assert all(32 <= ord(c) < 127 for c in line), line
    assert "<" not in text.replace("<=", "")  # no HTML


@pytest.mark.parametrize("name", [X86, ARM])
def test_summary_names_the_machine_in_one_line_and_every_benchmark(rendered, name):
    _, out = rendered(name)
    text = read(out, "tables.txt")
    machine = [l for l in text.splitlines() if l.startswith("Machine: ")]
    assert len(machine) == 1
    doc = load_json(fixture(name))
    ctx = doc["context"]["dmabench"]
    assert ctx["arch"] in machine[0]
    rows = text_rows(text)
    for name_ in iteration_names(fixture(name)):
        assert name_ in rows, name_


@pytest.mark.parametrize("name", [X86, ARM])
def test_summary_table_shows_the_median_with_unit_spread_and_count(rendered, name):
    _, out = rendered(name)
    text = read(out, "tables.txt")
    flat = " ".join(text.split())
    rows = text_rows(text)
    path = fixture(name)
    for bench in iteration_names(path):
        value, unit = headline(path, bench)
        reps = sum(1 for e in load_json(path)["benchmarks"]
                   if e.get("run_name") == bench and e.get("run_type") == "iteration")
        cells = rows[bench]
        assert cells[0] == textfmt.num(value), (bench, cells)
        # Unit and repetitions: in the row, or said once for the whole family.
        family = bench.split("/")[0]
        shared = f"{family}: median {unit} over {reps} repetition"
        assert unit in cells or f"{family}: median {unit}" in flat, bench
        assert (str(reps) in cells[1:] or shared in flat
                or f"{family}: over {reps} repetition" in flat), bench
        spread = [c for c in cells[1:] if c.rstrip("*").endswith("%") or c == "-"]
        assert spread and re.fullmatch(r"[0-9.]+%\*?|-", spread[0]), (bench, cells)


def test_virtualised_run_is_stamped_everywhere(rendered):
    _, out = rendered(X86)
    ctx = load_json(fixture(X86))["context"]["dmabench"]
    if not ctx["virtualised"]["value"]:
        pytest.skip("this fixture was recorded on bare metal")
    page = read(out, "index.html")
    assert 'class="banner virtualised"' in page
    assert "VIRTUALISED" in read(out, "tables.txt")
    assert "VIRTUALISED" in read(out, "report.md")


def test_emulated_run_is_stamped_everywhere(rendered):
    _, out = rendered(ARM)
    ctx = load_json(fixture(ARM))["context"]["dmabench"]
    assert ctx["emulated"]["value"], "the arm64 fixture is recorded under qemu-user"
    page = read(out, "index.html")
    assert 'class="banner emulated"' in page
    text = read(out, "tables.txt")
    assert "EMULATED" in text.splitlines()[1]  # on the machine line itself
    assert "not hardware numbers" in " ".join(text.split())
    assert "EMULATED" in read(out, "report.md")


@pytest.mark.parametrize("name", [X86, ARM])
def test_page_is_self_contained_and_starts_with_the_machine(rendered, name):
    _, out = rendered(name)
    page = read(out, "index.html")
    p = Images()
    p.feed(page)
    assert p.srcs and all(s.startswith("data:image/png;base64,") for s in p.srcs)
    for s in p.srcs:
        assert base64.b64decode(s.split(",", 1)[1])[:4] == b"\x89PNG"
    assert not p.links  # no stylesheet, script or frame to fetch
    assert "http://" not in page and "https://" not in page
    # The first heading names the machine; the banner (if any) comes before any figure.
    h1 = re.search(r"<h1>(.*?)</h1>", page).group(1)
    arch = load_json(fixture(name))["context"]["dmabench"]["arch"]
    assert arch in h1
    assert page.index("<h1>") < page.index("<img")
    if "banner" in page:
        assert page.index('class="banner') < page.index("<img")


@pytest.mark.parametrize("name", [X86, ARM])
def test_markdown_links_existing_plots(rendered, name):
    _, out = rendered(name)
    md = read(out, "report.md")
    links = re.findall(r"\]\((plots/[^)]+)\)", md)
    assert links
    for link in links:
        assert os.path.exists(os.path.join(out, link)), link


def test_each_family_has_its_plot(rendered):
    _, out = rendered(X86)
    families = {n.split("/")[0] for n in iteration_names(fixture(X86))}
    plots = os.listdir(os.path.join(out, "plots"))
    for fam in families:
        assert any(p.startswith(fam) for p in plots), fam


def plot_of(rendered, prefix, plot):
    """X86's rendering and one of its plots; skips when the fixture has no prefix case."""
    if not any(n.startswith(prefix) for n in iteration_names(fixture(X86))):
        pytest.skip(f"no {prefix} cases in this fixture")
    _, out = rendered(X86)
    return out, read(out, plot)


def test_call_bars_carry_the_ratio_to_direct(rendered):
    out, svg = plot_of(rendered, "call/direct", "plots/call.svg")
    # Text in the SVG is drawn as paths; its source string is kept in a comment or id.
    assert "direct" in svg
    text = read(out, "tables.txt")
    assert "x direct" in text


def test_absent_families_are_not_rendered(rendered):
    _, out = rendered(X86)
    families = {n.split("/")[0] for n in iteration_names(fixture(X86))}
    text = read(out, "tables.txt")
    for fam in ("cache", "lookup", "call", "dmamap", "calib"):
        heading = f"\n{fam}\n" + "-" * len(fam) + "\n"
        assert (heading in text) == (fam in families), fam


def test_skipped_variants_are_listed_with_their_reason(rendered):
    ctx = load_json(fixture(X86))["context"]["dmabench"]
    skipped = [(v["name"], v["skip"]) for v in ctx.get("variants", []) if v.get("skip")]
    skipped += [(c["name"], c["reason"]) for c in ctx.get("skipped", [])]
    if not skipped:
        pytest.skip("nothing was skipped in this fixture")
    _, out = rendered(X86)
    text = read(out, "tables.txt")
    section = " ".join(text[text.index("Not run here"):].split())
    for name, reason in skipped:
        variant = "/".join(name.split("/")[:2])
        assert variant in section, variant
        assert " ".join(textfmt.ascii_only(reason).split())[:40] in section, reason


def test_plain_google_benchmark_file_renders_with_a_note(rendered):
    r, out = rendered(PLAIN)
    assert r.returncode == 0
    assert "no dmabench context" in r.stderr
    text = read(out, "tables.txt")
    assert "no dmabench context" in text
    assert "unknown" in text.splitlines()[1]
    rows = text_rows(text)
    for name in iteration_names(fixture(PLAIN)):
        assert name in rows, name
    assert 'class="banner unknown"' in read(out, "index.html")


def test_board_names_each_machine_by_its_identity(rendered):
    r, out = rendered(X86, ARM)
    text = read(out, "tables.txt")
    lines = text.splitlines()
    assert lines[0].startswith("dmabench board: 2 machines")
    assert lines[1].startswith("M1: x86_64") and lines[2].startswith("M2: arm64")
    assert "EMULATED" in lines[2]
    header = next(l for l in lines if l.startswith("benchmark") and " M1" in l)
    assert "M2" in header
    shared = set(iteration_names(fixture(X86))) & set(iteration_names(fixture(ARM)))
    assert shared
    rows = text_rows(text)
    for name in shared:
        assert name in rows, name
    for line in lines:
        assert len(line) <= 72
    page = read(out, "index.html")
    assert page.count('class="banner emulated"') == 1


def test_rendering_again_replaces_the_earlier_report(tmp_path):
    out = str(tmp_path / "r")
    assert run_report("render", fixture("ab_base.json"), "-o", out).returncode == 0
    stale = os.path.join(out, "plots", "stale.png")
    open(stale, "w").close()
    assert run_report("render", fixture(PLAIN), "-o", out).returncode == 0
    assert not os.path.exists(stale)
    assert "no dmabench context" in read(out, "tables.txt").splitlines()[1]
    assert sorted(os.listdir(tmp_path)) == ["r"]


def test_default_output_directory_is_report_out_stem(tmp_path):
    import shutil
    from conftest import REPO
    src = fixture("ab_base.json")
    copy = tmp_path / "h-report-default-test.json"
    shutil.copy(src, copy)
    out = os.path.join(REPO, "report", "out", "h-report-default-test")
    try:
        r = run_report("render", str(copy))
        assert r.returncode == 0, r.stderr
        assert os.path.exists(os.path.join(out, "index.html"))
    finally:
        shutil.rmtree(out, ignore_errors=True)


def test_unstable_benchmarks_are_marked(rendered):
    st = load_json(fixture(X86))["context"]["dmabench"].get("statistics", {})
    unstable = {n for n, v in st.items() if v.get("unstable")}
    if not unstable:
        pytest.skip("no benchmark of this fixture was flagged unstable")
    _, out = rendered(X86)
    text = read(out, "tables.txt")
    rows = text_rows(text)
    for name, cells in rows.items():
        if name in st:
            assert any(c.endswith("%*") for c in cells) == (name in unstable), (name, cells)
    assert "* unstable: the repetitions' coefficient of variation exceeded" in " ".join(text.split())


def test_an_experiment_record_shows_its_claim_verdict_and_comparisons(rendered):
    exp = load_json(fixture("experiment.json"))["context"]["dmabench"]["experiment"]
    _, out = rendered("experiment.json")
    text = read(out, "tables.txt")
    flat = " ".join(text.split())
    assert f"Experiment: {exp['name']}" in text
    assert " ".join(exp["claim"].split())[:60] in flat
    assert f"Verdict: {exp['verdict'].upper()}" in flat
    for c in exp["comparisons"]:
        assert c["outcome"] in text
        assert textfmt.num(c["ratio"]) in text
    for line in text.splitlines():
        assert len(line) <= 72 and line.isascii()
    page = read(out, "index.html")
    for c in exp["comparisons"]:  # the page names both benchmarks in full
        assert c["subject"] in page and c["baseline"] in page
    assert os.path.exists(os.path.join(out, "plots", f"experiment_{exp['name']}.png"))


def test_composed_paths_are_drawn_as_stacked_components(rendered):
    out, svg = plot_of(rendered, "dmamap/", "plots/dmamap_components.svg")
    doc = load_json(fixture(X86))
    pieces = {k[len("share_"):] for e in doc["benchmarks"] if e["run_name"].startswith("dmamap/")
              for k in e if k.startswith("share_")}
    assert pieces
    for p in pieces:
        assert p in svg  # each piece is in the legend
    assert os.path.exists(os.path.join(out, "plots", "dmamap.png"))  # and ns/pair against size


def test_a_run_where_everything_was_skipped_says_why(rendered):
    doc = load_json(fixture("only_skipped.json"))
    assert doc["benchmarks"] == [] and doc["context"]["dmabench"]["skipped"]
    r, out = rendered("only_skipped.json")
    text = read(out, "tables.txt")
    flat = " ".join(text.split())
    assert "Nothing was measured" in flat
    for s in doc["context"]["dmabench"]["skipped"]:
        assert "/".join(s["name"].split("/")[:2]) in flat
        assert " ".join(s["reason"].split()) in flat
    assert os.listdir(os.path.join(out, "plots")) == []  # nothing measured, nothing drawn


def test_runs_at_several_thread_counts_give_a_scaling_plot(tmp_path):
    from conftest import FIXTURES
    paths = [os.path.join(FIXTURES, f"threads_{n}.json") for n in (1, 2)]
    if not all(os.path.exists(p) for p in paths):
        pytest.skip("threads_1/2.json not recorded yet: `dmabench run --threads 2` must run the "
                    "threaded cache cases (see fixtures/README.md)")
    out = str(tmp_path / "out")
    r = run_report("render", *paths, "-o", out)
    assert r.returncode == 0, r.stderr
    assert os.path.exists(os.path.join(out, "plots", "cache_threads.png"))
    svg = read(out, "plots/cache_threads.svg")
    assert "cache/clwb_sfence/size:4096/state:dirty" in svg


def _lookup_renamed(tmp_path, with_tags):
    """x86_quick with the synthetic maps renamed so the names no longer carry
    their size (map:synthetic-a...), and, when asked, the cases' tags that do;
    the lookup family alone, a quicker render."""
    doc = load_json(fixture(X86))
    doc["benchmarks"] = [e for e in doc["benchmarks"] if e["run_name"].startswith("lookup/")]
    cases = {}
    for e in doc["benchmarks"]:
        m = re.search(r"/map:regions-(\d+)/", e["run_name"])
        if not m:
            continue
        new = e["run_name"].replace(m.group(0), f"/map:synthetic-{'abcdefgh'[len(m.group(1))]}/")
        e["name"] = e["name"].replace(e["run_name"], new)
        e["run_name"] = new
        family, variant = new.split("/")[:2]
        cases[new] = {"family": family, "variant": variant, "args": {}, "op": "lookup",
                      "unit": "lookup", "map_kind": "synthetic", "regions": int(m.group(1))}
    if with_tags:
        doc["context"]["dmabench"]["cases"] = cases
    p = tmp_path / ("tagged.json" if with_tags else "untagged.json")
    p.write_text(json.dumps(doc))
    return str(p)


@pytest.mark.parametrize("with_tags", [True, False])
def test_the_lookup_sweep_takes_its_x_from_the_cases_tags(tmp_path, with_tags):
    out = str(tmp_path / "out")
    r = run_report("render", _lookup_renamed(tmp_path, with_tags), "-o", out)
    assert r.returncode == 0, r.stderr
    # The region count is in the record's tags only: the sweep is drawn from them,
    # and without them there is no sweep to draw (the cases go to the bars).
    assert os.path.exists(os.path.join(out, "plots", "lookup.png")) == with_tags


# ---- the record's schema ----------------------------------------------------

OLD_LABEL = "schema 1 record: quantiles and kmod ratio_to_* by the old definitions"


QUICK = ("calib", "call")  # families enough for a page, quick to render


@pytest.fixture(scope="module")
def by_schema(tmp_path_factory):
    """The x86 fixture's calls rendered as a schema 1 and as a schema 2 record: {version: outdir}."""
    tmp = tmp_path_factory.mktemp("schema")
    outs = {}
    for version in (1, 2):
        outs[version] = str(tmp / f"out{version}")
        r = run_report("render", with_schema(tmp, fixture(X86), version, f"v{version}.json", QUICK),
                       "-o", outs[version])
        assert r.returncode == 0, r.stderr
    return outs


def test_a_schema_1_record_is_labelled_once_on_each_page(by_schema):
    out = by_schema[1]
    for name in ("summary.txt", "tables.txt", "report.md", "index.html"):
        assert read(out, name).count(OLD_LABEL) == 1, name
    assert OLD_LABEL in read(out, "summary.txt").splitlines()[:4]  # with the machine, up top


def test_a_schema_2_record_shows_the_same_figures_without_the_label(by_schema):
    for name in ("summary.txt", "tables.txt"):
        text = read(by_schema[2], name)
        assert "old definitions" not in text
        assert text == read(by_schema[1], name).replace(OLD_LABEL + "\n", ""), name
    assert "old definitions" not in read(by_schema[2], "index.html")


def test_a_record_without_a_schema_version_is_read_as_schema_1(tmp_path, rendered):
    # A dmabench context that names no version predates the field: schema 1.
    out = str(tmp_path / "out")
    r = run_report("render", with_schema(tmp_path, fixture(X86), None, "unversioned.json", QUICK), "-o", out)
    assert r.returncode == 0, r.stderr
    assert read(out, "summary.txt").count(OLD_LABEL) == 1
    # A plain Google Benchmark file has no dmabench context, so no version at all.
    _, plain = rendered(PLAIN)
    assert "record with no schema version, read as schema 1: quantiles and kmod ratio_to_* " \
           "by the old definitions" in " ".join(read(plain, "tables.txt").split())


def test_a_board_of_schema_1_and_2_says_so_once(tmp_path):
    out = str(tmp_path / "out")
    r = run_report("render", with_schema(tmp_path, fixture(X86), 1, "x86_v1.json", QUICK),
                   with_schema(tmp_path, fixture(ARM), 2, "arm_v2.json", QUICK), "-o", out)
    assert r.returncode == 0, r.stderr
    for name in ("summary.txt", "index.html"):
        flat = " ".join(read(out, name).split())
        assert flat.count("M1 schema 1, M2 schema 2: quantiles and kmod ratio_to_* not defined "
                          "alike (schema 1: the old definitions)") == 1, name


# ---- cases chosen by their tags ---------------------------------------------

def _renamed(tmp_path, with_tags):
    """x86_quick with every case renamed renamed/<i>/manual_time: the names no
    longer say what a case is; its tags (when kept) still do."""
    doc = load_json(fixture(X86))
    ctx = doc["context"]["dmabench"]
    new_name, cases = {}, {}
    for e in doc["benchmarks"]:
        old = e["run_name"]
        new = new_name.setdefault(old, f"renamed/{len(new_name)}/manual_time")
        e["name"] = e["name"].replace(old, new)
        e["run_name"] = new
        cases[new] = ctx["cases"][old]
    ctx["cases"] = cases if with_tags else {}
    ctx.pop("line_states", None)
    ctx.pop("statistics", None)
    return write_json(tmp_path, doc, f"renamed_{with_tags}.json")


@pytest.mark.parametrize("with_tags", [True, False])
def test_families_and_sweeps_come_from_the_tags_not_the_names(tmp_path, with_tags):
    out = str(tmp_path / "out")
    r = run_report("render", _renamed(tmp_path, with_tags), "-o", out)
    assert r.returncode == 0, r.stderr
    text = read(out, "tables.txt")
    families = {t["family"] for t in load_json(fixture(X86))["context"]["dmabench"]["cases"].values()}
    plots = set(os.listdir(os.path.join(out, "plots")))
    for fam in families:
        heading = f"\n{fam}\n" + "-" * len(fam) + "\n"
        assert (heading in text) == with_tags, fam
    assert ("\nrenamed\n-------\n" in text) != with_tags  # control: the name's first segment
    assert ({"cache.png", "lookup.png", "call.png", "dmamap_components.png"} <= plots) == with_tags
