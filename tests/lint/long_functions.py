#!/usr/bin/python3
"""Lists functions longer than a limit: C, C++ and assembly macros by
Universal Ctags (its `end` field), Python by `ast`. Data tables (a function
whose body is one initialiser, or a file under a name in TABLES) are left
out. Exit 1 when any is found, so the tree keeps to STYLE.md's limit.

    long_functions.py [--limit N] [ROOT]
"""
import ast
import json
import pathlib
import shutil
import subprocess
import sys

LIMIT = 60
SOURCES = ("kernels", "bench", "runners", "results", "report", "tests/system", "tests/unit")
C_SUFFIXES = {".c", ".h", ".cpp", ".hpp", ".S", ".inc"}
KINDS = {"function", "macro"}


def c_functions(root):
    files = [str(p) for d in SOURCES for p in (root / d).rglob("*")
             if p.suffix in C_SUFFIXES and p.is_file()]
    ctags = shutil.which("ctags-universal") or "ctags"  # Debian's universal-ctags
    out = subprocess.run([ctags, "--output-format=json", "--fields=+ne", "--languages=C,C++,Asm",
                          "--langmap=C++:+.inc", "-o", "-", *files],
                         capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        tag = json.loads(line)
        if tag.get("kind") in KINDS and "end" in tag:
            yield tag["path"], tag["name"], tag["line"], tag["end"]


def python_functions(root):
    for p in (root / "report").rglob("*.py"):
        for node in ast.walk(ast.parse(p.read_text(), str(p))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                yield str(p), node.name, node.lineno, node.end_lineno


def main(argv):
    limit, args = LIMIT, list(argv)
    if args[:1] == ["--limit"]:
        limit, args = int(args[1]), args[2:]
    root = pathlib.Path(args[0] if args else ".").resolve()
    long = [(e - s + 1, path, name, s)
            for path, name, s, e in [*c_functions(root), *python_functions(root)]
            if e - s + 1 > limit]
    for n, path, name, s in sorted(long, reverse=True):
        print(f"{n:4d} {pathlib.Path(path).relative_to(root)}:{s} {name}")
    return 1 if long else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
