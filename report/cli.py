"""Command line: `render RUN.json... [-o DIR]` and `compare BASE NEW [-o DIR]`.

Output is written into a temporary directory beside DIR and renamed into
place only when complete, so an error or an interrupt leaves no half report
and an earlier report stays as it was.
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

from .model import BadInput, load

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "report", "out")
MARKER = ".dmabench-report"
USAGE = ("usage: python3 -m report render RUN.json [RUN.json...] [-o DIR] | "
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
    r.add_argument("runs", nargs="+", metavar="RUN.json")
    r.add_argument("-o", "--out", metavar="DIR",
                   help="output directory (default: report/out/<stem of the first run>)")
    c = sub.add_parser("compare", help="A/B: NEW against BASE with a verdict per benchmark")
    c.add_argument("base", metavar="BASE.json")
    c.add_argument("new", metavar="NEW.json")
    c.add_argument("-o", "--out", metavar="DIR",
                   help="output directory (default: report/out/<BASE stem>-vs-<NEW stem>)")
    return p


def _check_target(out: str) -> None:
    """DIR may be new, empty, or an earlier report (replaced whole); nothing else."""
    if os.path.lexists(out):
        if not os.path.isdir(out):
            raise BadInput(f"{out}: exists and is not a directory; accepted: a new directory "
                           "or an earlier report directory")
        if os.listdir(out) and not os.path.exists(os.path.join(out, MARKER)):
            raise BadInput(f"{out}: directory exists and is not a dmabench report (no {MARKER}); "
                           "accepted: a new or empty directory, or an earlier report to replace")


def _make_temp(out: str) -> str:
    parent = os.path.dirname(out) or "."
    try:
        os.makedirs(parent, exist_ok=True)
        return tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.tmp-", dir=parent)
    except OSError as e:
        raise BadInput(f"{out}: cannot write the output directory there ({e.strerror}); "
                       "accepted: a directory path whose parent is writable")


def _commit(tmp: str, out: str) -> None:
    """Renames the finished report into place, replacing an earlier one."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o777 & ~umask)
    old = None
    if os.path.lexists(out):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(out)}.old-", dir=os.path.dirname(out))
        os.rename(out, os.path.join(old, "report"))
    os.rename(tmp, out)
    if old:
        shutil.rmtree(old, ignore_errors=True)


def _write(tmp: str, name: str, text: str) -> None:
    with open(os.path.join(tmp, name), "w", encoding="utf-8") as f:
        f.write(text)


def _render_into(tmp: str, doc) -> str:
    from . import doc as docmod
    os.makedirs(os.path.join(tmp, "plots"), exist_ok=True)  # there even when nothing is drawn
    text = docmod.to_text(doc)
    _write(tmp, "summary.txt", text)
    _write(tmp, "report.md", docmod.to_markdown(doc))
    _write(tmp, "index.html", docmod.to_html(doc, tmp))
    _write(tmp, MARKER, "written by dmabench report (python3 -m report); replaced whole on "
           "the next report into this directory\n")
    return text


def main(argv) -> int:
    tmp = None
    try:
        args = _parser().parse_args(argv)
        if args.command == "render":
            runs = [load(p) for p in args.runs]
            out = args.out or os.path.join(DEFAULT_OUT, runs[0].stem)
        else:
            runs = [load(args.base), load(args.new)]
            out = args.out or os.path.join(DEFAULT_OUT, f"{runs[0].stem}-vs-{runs[1].stem}")
        out = os.path.abspath(out)
        _check_target(out)
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
            if r.dmabench is None:
                sys.stderr.write(f"report: note: {r.path} has no dmabench context; the report "
                                 "says what is missing\n")
        if args.command == "compare":
            sys.stdout.write(text)
        sys.stdout.write(f"report: wrote {os.path.join(out, 'index.html')}, report.md, "
                         "summary.txt and plots/\n")
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
