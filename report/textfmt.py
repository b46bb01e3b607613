"""Plain-ASCII text within 72 columns: numbers, tables, wrapped paragraphs."""
from __future__ import annotations

import math
import textwrap
import unicodedata

WIDTH = 72


def ascii_only(s: str) -> str:
    """Folds accents and symbols to ASCII; anything left becomes '?'."""
    s = (s.replace("\u00b1", "+-").replace("\u00d7", "x").replace("\u2013", "-")
         .replace("\u2014", "-").replace("\u00ae", "(R)").replace("\u2122", "(TM)")
         .replace("\u00b5", "u"))
    s = unicodedata.normalize("NFKD", s)
    return s.encode("ascii", "replace").decode("ascii")


def num(x: float) -> str:
    """About four significant figures, never in exponent form for everyday sizes."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    a = abs(x)
    if a >= 1e7 or (0 < a < 1e-4):
        return f"{x:.3g}"
    if a >= 1000:
        return f"{x:.0f}"
    if a >= 100:
        return f"{x:.1f}"
    if a >= 10:
        return f"{x:.2f}"
    if a >= 1:
        return f"{x:.3f}"
    if a == 0:
        return "0"
    if a >= 0.1:
        return f"{x:.3f}"
    return f"{x:.3g}"


def pct(x: float) -> str:
    if x is None or not math.isfinite(x):
        return "-"
    return f"{x * 100:.1f}%"


def wrap(text: str, indent: str = "", hang: str = "") -> list:
    """Wrapped to WIDTH; hang indents the continuation lines."""
    return textwrap.wrap(ascii_only(text), WIDTH, initial_indent=indent,
                         subsequent_indent=indent + hang, break_on_hyphens=False,
                         break_long_words=True) or [""]


def _split_columns(headers, rows, right, width):
    """Splits value columns into blocks that fit width beside a minimal label."""
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    blocks, cur, used = [], [], 0
    for i in range(len(headers)):
        need = widths[i] + 2
        if cur and used + need > width - 12:
            blocks.append(cur)
            cur, used = [], 0
        cur.append(i)
        used += need
    if cur:
        blocks.append(cur)
    return blocks, widths


def _grouped(rows):
    """Rows under a heading per family/variant: 'cache/clwb_sfence' then
    ' /size:64/state:dirty'. Heading and row together spell the exact name."""
    out, current = [], None
    for label, cells in rows:
        parts = label.split("/")
        head, rest = "/".join(parts[:2]), "/".join(parts[2:])
        if not rest:
            out.append((label, cells))
            current = None
            continue
        if head != current:
            out.append((head, None))
            current = head
        out.append((" /" + rest, cells))
    return out


def table(label_header: str, headers: list, rows: list, right=None, width: int = WIDTH) -> list:
    """Rows are (label, [cells]). The label column takes what the cells leave.
    When names do not fit, rows go under a heading per family/variant; a label
    that still does not fit goes on a line of its own above its cells. Cells
    that cannot fit beside each other are split into several tables."""
    rows = [(ascii_only(lbl), [ascii_only(c) for c in cells]) for lbl, cells in rows]
    headers = [ascii_only(h) for h in headers]
    right = right if right is not None else [True] * len(headers)
    blocks, widths = _split_columns(headers, [c for _, c in rows], right, width)
    out = []
    for bi, block in enumerate(blocks):
        cells_w = sum(widths[i] + 2 for i in block)
        room = width - cells_w
        lines = rows
        if any(len(l) > room for l, _ in rows):
            lines = _grouped(rows)
        label_w = max(4, min(max([len(label_header)] + [len(l) for l, c in lines if c is not None]),
                             room))

        def line(label, cells):
            parts = []
            for i in block:
                cell = cells[i]
                parts.append(cell.rjust(widths[i]) if right[i] else cell.ljust(widths[i]))
            return (label.ljust(label_w) + "  " + "  ".join(parts)).rstrip()

        if bi:
            out.append("")
        out.append(line(label_header[:label_w], headers))
        out.append("-" * min(width, label_w + cells_w))
        for label, cells in lines:
            if cells is None:
                out.append(label[:width])
            elif len(label) > label_w:
                # On a line of its own; a grouped rest that cannot keep its
                # indent loses it, and only a name wider than the page is cut.
                if len(label) > width and label.startswith(" /"):
                    label = label[1:]
                out.extend(textwrap.wrap(label, width, break_on_hyphens=False,
                                         drop_whitespace=False) or [label])
                out.append(line("", cells))
            else:
                out.append(line(label, cells))
    return out


def wrap_name(name: str, width: int = WIDTH, hang: str = "  ") -> list:
    """A benchmark name over lines of at most width, broken only after a '/'
    (never inside a token); continuation lines start with hang. A single
    token wider than the page stays whole."""
    lines, cur = [], ""
    for part in [p + "/" for p in name.split("/")[:-1]] + [name.split("/")[-1]]:
        room = width - (len(hang) if lines else 0)
        if cur and len(cur) + len(part) > room:
            lines.append(cur)
            cur = ""
        cur += part
    lines.append(cur)
    return [lines[0]] + [hang + l for l in lines[1:]]


def common_suffix(names) -> str:
    """The last '/'-segment every name carries ('/manual_time'), or ''."""
    tails = {n.rsplit("/", 1)[-1] for n in names if "/" in n}
    if len(tails) != 1 or any("/" not in n for n in names):
        return ""
    return "/" + tails.pop()
