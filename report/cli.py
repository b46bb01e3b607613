"""Command line: `render RUN.json... [-o DIR]` and `compare BASE NEW [-o DIR]`.

Output is written into a temporary directory beside DIR and put in place
only when complete, so an error or an interrupt leaves no half report and an
earlier report stays as it was. A directory dmabench did not make is never
emptied, replaced or removed; a symlinked DIR is followed.
"""
from __future__ import annotations

import argparse
import importlib
import logging
import os
import shutil
import sys
import tempfile
import warnings

from .model import BadInput, load, load_many

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "report", "out")
MARKER = ".dmabench-report"
USAGE = ("usage: python3 -m report render RUN.json|JOB.log|DIR [...] [-o DIR] (result files, "
         "LAVA job outputs, folders of them) | "
         "python3 -m report compare BASE.json NEW.json [-o DIR]")


NEEDED = (("numpy", "python3-numpy"), ("scipy.stats", "python3-scipy"),
          ("matplotlib", "python3-matplotlib"))


def require_modules() -> None:
    """The plotting modules, checked once the inputs are known good and before
    anything is written: a missing one is bad input (one line, exit 2)."""
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    for module, package in NEEDED:
        try:
            importlib.import_module(module)
        except Exception as e:  # ImportError, or a broken install raising anything else
            why = (str(e).strip().splitlines() or [""])[0]
            raise BadInput(f"Python module '{module}' cannot be imported by {sys.executable} "
                           f"({type(e).__name__}: {why}); accepted: Debian's /usr/bin/python3 "
                           f"with {package} installed (apt-get install {package})")


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, as for any bad input
        raise BadInput(f"{message}; {USAGE}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python3 -m report", description="dmabench reports")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)
    r = sub.add_parser("render", help="report of one run, or a board of runs from several machines")
    r.add_argument("runs", nargs="+", metavar="RUN.json|JOB.log|DIR",
                   help="result files, LAVA job outputs, or folders of them")
    r.add_argument("-o", "--out", metavar="DIR",
                   help="output directory (default: report/out/<stem of the first run>)")
    c = sub.add_parser("compare", help="A/B: NEW against BASE with a verdict per benchmark")
    c.add_argument("base", metavar="BASE.json")
    c.add_argument("new", metavar="NEW.json")
    c.add_argument("-o", "--out", metavar="DIR",
                   help="output directory (default: report/out/<BASE stem>-vs-<NEW stem>)")
    return p


ACCEPTED = ("accepted: a new directory in an existing, writable one, an empty directory, an "
            "earlier dmabench report, or a symlink to one of these")


def _target(out: str, default: bool) -> str:
    """Where the report goes: the final target of any symlink (the link stays).
    An existing directory is used only when empty or an earlier report; the
    default report/out/ is made on demand, a user's parent directory must exist."""
    out = os.path.realpath(out)
    parent = os.path.dirname(out)
    if os.path.lexists(out):
        if not os.path.isdir(out):
            raise BadInput(f"{out}: exists and is not a directory; {ACCEPTED}")
        if os.listdir(out) and not os.path.exists(os.path.join(out, MARKER)):
            raise BadInput(f"{out}: directory exists and is not a dmabench report (no {MARKER}); "
                           f"{ACCEPTED}")
    elif default:
        try:
            os.makedirs(parent, exist_ok=True)
        except OSError as e:
            raise BadInput(f"{out}: cannot write the output directory there ({e.strerror}); "
                           f"{ACCEPTED}")
    elif not os.path.isdir(parent):
        raise BadInput(f"{out}: cannot write the output directory there ({parent} is not a "
                       f"directory); {ACCEPTED}")
    return out


def _make_temp(out: str) -> str:
    try:
        return tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.tmp-", dir=os.path.dirname(out))
    except OSError as e:
        raise BadInput(f"{out}: cannot write the output directory there ({e.strerror}); "
                       f"{ACCEPTED}")


def _owned(out: str) -> set:
    """The entries an earlier report wrote into out, as its marker lists them
    (markers before the list: the four a report always had)."""
    try:
        with open(os.path.join(out, MARKER), encoding="utf-8") as f:
            listed = f.read().splitlines()[1:]
    except OSError:
        return set()
    listed = listed or ["index.html", "report.md", "summary.txt", "plots"]
    return {n for n in listed + [MARKER] if n and "/" not in n and n not in (".", "..")}


def _commit(tmp: str, out: str) -> None:
    """A new directory is the finished one renamed into place. An existing one
    (empty, or an earlier report) is kept: only the entries dmabench wrote
    there are swapped for the new ones, so nothing else is removed."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    if not os.path.lexists(out):
        os.rename(tmp, out)
        return
    owned = _owned(out)
    clash = [n for n in os.listdir(tmp) if os.path.lexists(os.path.join(out, n)) and n not in owned]
    if clash:
        raise BadInput(f"{out}: holds {clash[0]}, which dmabench did not write; {ACCEPTED}")
    trash = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=os.path.dirname(out))
    for name in owned:
        if os.path.lexists(os.path.join(out, name)):
            os.rename(os.path.join(out, name), os.path.join(trash, name))
    for name in sorted(os.listdir(tmp), key=lambda n: n == MARKER):  # the marker last
        os.rename(os.path.join(tmp, name), os.path.join(out, name))
    os.rmdir(tmp)
    shutil.rmtree(trash, ignore_errors=True)


def _write(tmp: str, name: str, text: str) -> None:
    with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
        f.write(text)


SUMMARY_LINES = 40


def summary_text(text: str) -> str:
    """At most SUMMARY_LINES lines, the last one saying where the rest is."""
    tail = "Every benchmark, in full: tables.txt (and index.html)."
    lines = text.rstrip("\n").splitlines()
    if len(lines) > SUMMARY_LINES - 1:
        lines = lines[:SUMMARY_LINES - 2] + ["... cut here to fit; the rest is in tables.txt."]
    return "\n".join(lines + [tail]) + "\n"


def _render_into(tmp: str, doc) -> str:
    from . import doc as docmod
    os.makedirs(os.path.join(tmp, "plots"), exist_ok=True)  # there even when nothing is drawn
    text = docmod.to_text(doc)
    if doc.summary_end is None:
        _write(tmp, "summary.txt", text)
    else:
        # The summary is what a reviewer pastes: the findings, 40 x 72 at most.
        _write(tmp, "summary.txt", summary_text(docmod.to_text(doc, summary=True)))
        _write(tmp, "tables.txt", text)
    _write(tmp, "report.md", docmod.to_markdown(doc))
    _write(tmp, "index.html", docmod.to_html(doc, tmp))
    owned = sorted(os.listdir(tmp)) + [MARKER]
    _write(tmp, MARKER, "written by dmabench report (python3 -m report); the next report into "
           "this directory replaces these entries and nothing else:\n" + "\n".join(owned) + "\n")
    return text


def main(argv) -> int:
    tmp = None
    try:
        args = _parser().parse_args(argv)
        if args.command == "render":
            runs = load_many(args.runs)
            default = os.path.join(DEFAULT_OUT, runs[0].stem)
        else:
            runs = [load(args.base), load(args.new)]
            default = os.path.join(DEFAULT_OUT, f"{runs[0].stem}-vs-{runs[1].stem}")
        out = _target(args.out or default, not args.out)
        require_modules()
        tmp = _make_temp(out)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # layout hints from matplotlib are not the user's concern
            if args.command == "render":
                from . import render
                text = _render_into(tmp, render.build(runs, tmp))
            else:
                from . import compare
                text = _render_into(tmp, compare.build(runs[0], runs[1], tmp))
        try:
            _commit(tmp, out)
        except OSError as e:
            raise BadInput(f"{out}: cannot put the report in place ({e.strerror}); "
                           "accepted: a directory path whose parent is writable")
        tmp = None
        for r in runs:
            if r.dmabench is None and not r.lava:
                sys.stderr.write(f"report: note: {r.path} has no dmabench context; the report "
                                 "says what is missing\n")
        if args.command == "compare":
            sys.stdout.write(text)
        sys.stdout.write(f"report: wrote {os.path.join(out, 'index.html')}, report.md, "
                         "summary.txt, tables.txt and plots/\n")
        return 0
    except BadInput as e:
        sys.stderr.write("report: " + " ".join(str(e).splitlines()) + "\n")
        return 2
    except KeyboardInterrupt:
        sys.stderr.write("report: interrupted; nothing written\n")
        return 130
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
