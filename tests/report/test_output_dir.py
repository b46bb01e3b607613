"""Where a report may go: a directory dmabench did not make is never emptied,
replaced or removed, and a symlinked -o is followed, not replaced."""
import os

from conftest import fixture, run_report

RUN = "ab_base.json"
REPORT = {".dmabench-report", "index.html", "plots", "report.md", "summary.txt", "tables.txt"}


def test_an_empty_directory_of_the_users_is_filled_in_place(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    inode = out.stat().st_ino
    assert run_report("render", fixture(RUN), "-o", str(out)).returncode == 0
    assert out.stat().st_ino == inode  # the same directory, not a replacement
    assert set(os.listdir(out)) == REPORT


def test_a_rerender_replaces_only_what_dmabench_wrote(tmp_path):
    out = tmp_path / "rep"
    assert run_report("render", fixture(RUN), "-o", str(out)).returncode == 0
    (out / "notes.txt").write_text("mine")
    old_summary = (out / "summary.txt").stat().st_ino
    assert run_report("render", fixture("ab_new.json"), "-o", str(out)).returncode == 0
    assert (out / "notes.txt").read_text() == "mine"
    assert (out / "summary.txt").stat().st_ino != old_summary
    assert set(os.listdir(out)) == REPORT | {"notes.txt"}
    assert not [n for n in os.listdir(tmp_path) if ".tmp-" in n or ".old-" in n]


def test_a_symlinked_output_is_followed(tmp_path):
    target = tmp_path / "target"
    link = tmp_path / "link"
    link.symlink_to("target")  # dangling: the report makes its target
    assert run_report("render", fixture(RUN), "-o", str(link)).returncode == 0
    assert link.is_symlink() and target.is_dir() and set(os.listdir(target)) == REPORT
    assert run_report("render", fixture(RUN), "-o", str(link)).returncode == 0
    assert link.is_symlink() and set(os.listdir(target)) == REPORT


def test_a_missing_parent_is_refused_not_made(tmp_path):
    out = tmp_path / "no" / "such" / "dir"
    r = run_report("render", fixture(RUN), "-o", str(out))
    assert r.returncode == 2 and len(r.stderr.splitlines()) == 1, r.stderr
    assert str(tmp_path / "no") in r.stderr
    assert os.listdir(tmp_path) == []


def test_control_a_foreign_file_named_like_ours_stops_the_swap(tmp_path):
    """Control: a report directory holding a file the marker does not list
    under one of the report's names is refused, and both are kept."""
    out = tmp_path / "rep"
    assert run_report("render", fixture(RUN), "-o", str(out)).returncode == 0
    marker = out / ".dmabench-report"
    marker.write_text(marker.read_text().replace("summary.txt\n", ""))
    (out / "summary.txt").write_text("mine")
    r = run_report("render", fixture(RUN), "-o", str(out))
    assert r.returncode == 2 and "summary.txt" in r.stderr
    assert (out / "summary.txt").read_text() == "mine"
