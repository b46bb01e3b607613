"""The pieces under the reports: name parsing, the 72-column table, the
component split of composed paths, and the choice of plot for a family.
Inputs are built in memory here: each test states the shape it checks."""
import os

import pytest

from report import plots, textfmt
from report.model import Bench, Name


def bench(name, reps):
    """A Bench with one iteration entry per dict in reps (keys as in the JSON)."""
    b = Bench(Name.parse(name))
    for i, counters in enumerate(reps):
        e = {"name": name, "run_name": name, "run_type": "iteration", "repetition_index": i,
             "threads": 1, "iterations": 100, "real_time": 10.0, "cpu_time": 10.0,
             "time_unit": "ns"}
        e.update(counters)
        b.iterations.append(e)
    return b


@pytest.mark.parametrize("text,family,variant,args,flags", [
    ("call/direct", "call", "direct", {}, []),
    ("call/direct/manual_time", "call", "direct", {}, ["manual_time"]),
    ("cache/civac_dsb_sy/size:4096/state:dirty", "cache", "civac_dsb_sy",
     {"size": "4096", "state": "dirty"}, []),
    ("cache/clwb_sfence/size:64/state:dirty/manual_time/threads:2", "cache", "clwb_sfence",
     {"size": "64", "state": "dirty", "threads": "2"}, ["manual_time"]),
    ("calib/ladder/adds:8", "calib", "ladder", {"adds": "8"}, []),
    ("BM_plain/1024/real_time", "BM_plain", "1024", {}, ["real_time"]),
])
def test_names_split_into_family_variant_arguments_and_flags(text, family, variant, args, flags):
    n = Name.parse(text)
    assert (n.family, n.variant, n.args, n.flags) == (family, variant, args, flags)


def test_series_key_drops_the_swept_argument_and_gbench_settings():
    n = Name.parse("cache/clwb_sfence/size:64/state:dirty/repeats:5/manual_time/threads:2")
    assert n.without("size", "state") == "cache/clwb_sfence/threads:2"
    assert n.without("threads") == "cache/clwb_sfence/size:64/state:dirty"


def test_headline_metric_prefers_the_family_unit():
    b = bench("cache/x/size:64/state:dirty", [{"ns_per_call": 100.0, "ns_per_line": 50.0}])
    assert (b.metric().key, b.metric().unit) == ("ns_per_line", "ns/line")
    b = bench("newfam/x", [{"ns_per_widget": 3.0}])
    assert (b.metric().key, b.metric().unit) == ("ns_per_widget", "ns/widget")
    b = bench("newfam/x", [{"other": 3.0}])
    assert (b.metric().key, b.metric().unit, b.metric().samples) == ("real_time", "ns/iter", [10.0])


def test_pmu_keys_are_told_from_family_counters():
    b = bench("call/direct", [{"ns_per_call": 2.0, "perf::instructions": 1e6,
                               "perf::instructions/call": 4.0, "pmu_multiplexed": 1,
                               "ratio_to_direct": 1.0}])
    assert b.pmu_per_unit() == {"perf::instructions": ("call", [4.0])}
    assert b.family_counters() == ["ns_per_call", "ratio_to_direct"]
    assert b.multiplexed()


def test_long_names_are_grouped_and_never_exceed_72_columns():
    names = [f"lookup/sparsemem_memblock/map:regions-{n}/nodes:512/pattern:random_phys/foreign:50"
             for n in (1, 1024)] + ["call/direct"]
    lines = textfmt.table("benchmark", ["ns/lookup", "MAD%"], [(n, ["12.34", "1.0%"]) for n in names])
    assert all(len(l) <= 72 for l in lines)
    assert "lookup/sparsemem_memblock" in lines
    joined = "\n".join(lines)
    assert " /map:regions-1024/nodes:512/pattern:random_phys/foreign:50" in joined
    assert any(l.startswith("call/direct") and l.rstrip().endswith("1.0%") for l in lines)


def test_too_many_columns_split_into_several_tables():
    heads = [f"M{i}" for i in range(1, 13)]
    lines = textfmt.table("benchmark", heads, [("call/direct", ["123.4 +-1.0%"] * 12)])
    assert all(len(l) <= 72 for l in lines)
    assert sum(1 for l in lines if l.startswith("benchmark")) >= 3
    assert all(h in "\n".join(lines) for h in heads)


def test_text_is_folded_to_ascii():
    assert textfmt.ascii_only("Intel(R) Xeon\u00ae 2.5 \u00b5s \u00b1 3 \u00d7") == \
        "Intel(R) Xeon(R) 2.5 us +- 3 x"
    assert textfmt.ascii_only("Ampère").isascii()


@pytest.mark.parametrize("shares,scale,names", [
    # dmamap's form: share_<piece>, fractions of the attributed time
    ({"share_map": 0.25, "share_flush": 0.75, "ns_map": 90.0, "map_per_pair": 1.0}, 1.0,
     {"share_map": "map", "share_flush": "flush"}),
    ({"map_pct": 20.0, "flush_pct": 80.0}, 0.01, None),     # percent
    ({"map_ns": 100.0, "flush_ns": 300.0}, None, None),     # ns, summing to the total
])
def test_composed_paths_split_into_their_components(shares, scale, names):
    b = bench("dmamap/xen_foreign/size:4096", [{"ns_per_pair": 400.0, **shares}] * 3)
    comp = plots.components(b)
    names = names or {k: k for k in shares}
    assert set(comp) == set(names.values())
    for k, piece in names.items():
        expected = shares[k] if scale is None else shares[k] * scale * 400.0
        assert comp[piece] == pytest.approx(expected)
    assert sum(comp.values()) == pytest.approx(400.0)


def test_shares_whose_medians_miss_1_are_renormalised():
    b = bench("dmamap/p/size:64", [{"ns_per_pair": 100.0, "share_a": a, "share_b": 1 - a}
                                  for a in (0.2, 0.5, 0.9)])  # medians 0.5 and 0.5
    b.iterations[1]["share_b"] = 0.3                          # medians 0.5 and 0.3
    comp = plots.components(b)
    assert comp["a"] == pytest.approx(62.5) and comp["b"] == pytest.approx(37.5)


def test_counters_that_are_not_components_are_not_stacked():
    b = bench("dmamap/native/size:4096", [{"ns_per_pair": 400.0, "bytes": 4096.0, "batch": 16.0}])
    assert plots.components(b) is None


def test_stacked_plot_is_written(tmp_path):
    class OneRun:
        label = "here"

        def __init__(self, benches):
            self.benches = benches

        def in_family(self, family):
            return [b for b in self.benches if b.family == family]

    run = OneRun([bench("dmamap/native/size:4096", [{"ns_per_map": 100.0, "map_ns": 40.0,
                                                      "unmap_ns": 60.0}] * 3),
                  bench("dmamap/xen/size:4096", [{"ns_per_map": 300.0, "map_ns": 100.0,
                                                  "hypercall_ns": 200.0}] * 3)])
    stem = plots.stacked([run], "dmamap", "dmamap", str(tmp_path), "dmamap_components")
    assert stem == "dmamap_components"
    for ext in ("png", "svg"):
        assert os.path.getsize(tmp_path / "plots" / f"dmamap_components.{ext}") > 1000
    svg = (tmp_path / "plots" / "dmamap_components.svg").read_text()
    for comp in ("map_ns", "unmap_ns", "hypercall_ns"):
        assert comp in svg  # the legend names every component


def test_a_new_family_gets_a_sweep_when_its_names_show_one():
    bs = [bench(f"newfam/v/depth:{d}/mode:a", [{}]) for d in (1, 2, 4, 8, 16, 32)]
    spec = plots.spec_for("newfam", bs)
    assert (spec.shape, spec.x, spec.xlog) == ("sweep", "depth", True)
    assert plots.spec_for("newfam", [bench("newfam/v/mode:a", [{}])]).shape == "bars"


def test_a_case_is_what_its_tags_say_and_its_name_only_without_them():
    tagged = bench("renamed/7/manual_time", [{}])
    tagged.tags = {"family": "cache", "variant": "clwb_sfence", "op": "call", "unit": "line",
                   "args": {"state": "dirty", "size": "4096"}}
    assert (tagged.family, tagged.variant, tagged.args) == \
        ("cache", "clwb_sfence", {"state": "dirty", "size": "4096"})
    # Control: the same case in a record without tags is read from its name.
    plain = bench("cache/clwb_sfence/size:4096/state:dirty/repeats:3/manual_time", [{}])
    assert (plain.family, plain.variant, plain.args) == \
        ("cache", "clwb_sfence", {"size": "4096", "state": "dirty"})
    # Both are one case, whatever order the arguments come in.
    assert tagged.case_key() == plain.case_key()
    assert tagged.case_key("size") == plain.case_key("size") != plain.case_key()


def test_the_case_key_keeps_the_thread_count_apart_from_the_args():
    one = bench("cache/clwb_sfence/size:64/state:dirty/manual_time", [{}])
    two = bench("cache/clwb_sfence/size:64/state:dirty/manual_time/threads:2",
                [{"threads": 2}])
    assert "threads" not in two.args and two.threads == 2
    assert one.case_key() != two.case_key()
    assert one.case_key("threads") == two.case_key("threads")
    assert one.case_key("variant", "state")[1:3] == (None, (("size", "64"),))
