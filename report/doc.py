"""One document, three writers: index.html, report.md and summary.txt.

A report is built once as a list of blocks; each writer renders the blocks it
can. Blocks marked page_only (long detail) stay out of the mailing-list text.
"""
from __future__ import annotations

import base64
import html
import os
import re
from dataclasses import dataclass, field

from . import textfmt


@dataclass
class Heading:
    level: int
    text: str
    page_only: bool = False


@dataclass
class Para:
    text: str
    kind: str = ""          # "", "note", "warn"
    page_only: bool = False
    text_only: bool = False


@dataclass
class Banner:
    kind: str               # "emulated", "virtualised", "unknown"
    text: str
    page_only: bool = False


@dataclass
class Table:
    label_header: str
    headers: list
    rows: list              # (label, [cells])
    caption: str = ""
    page_only: bool = False
    text_only: bool = False
    text_headers: list = None   # shorter headers for the 72-column text
    text_rows: list = None      # shorter cells for the 72-column text


@dataclass
class Figure:
    stem: str
    caption: str
    page_only: bool = True


@dataclass
class Text:
    lines: list             # preformatted, already ASCII and <= 72 columns
    page_only: bool = False
    text_only: bool = False


@dataclass
class Doc:
    title: str
    blocks: list = field(default_factory=list)
    # Blocks before this index make summary.txt (the findings); the full
    # text goes to tables.txt. None: summary.txt holds everything.
    summary_end: int | None = None

    def add(self, *blocks):
        self.blocks.extend(blocks)


CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:1100px;
padding:16px 24px;color:#1b1b1b;background:#fff;line-height:1.4}
h1{font-size:1.45em;margin:.3em 0}h2{margin-top:1.6em;border-bottom:2px solid #ddd}
table{border-collapse:collapse;margin:.6em 0;font-size:.88em}
table{display:block;max-width:100%;overflow-x:auto}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
td.n,th.n{text-align:right;white-space:nowrap}
th{background:#f0f0f0}td:first-child,th:first-child{font-family:monospace;overflow-wrap:anywhere}
.banner{padding:18px 22px;margin:12px 0;font-size:1.35em;font-weight:700;border-radius:6px;
color:#fff;border:4px solid #000}
.banner.emulated{background:#b00020}.banner.virtualised{background:#c25e00}
.banner.unknown{background:#6d4c00}
.note{background:#fff8d6;border-left:5px solid #d4a000;padding:6px 10px}
.warn{background:#fde7e9;border-left:5px solid #b00020;padding:6px 10px}
.strong{font-weight:700;font-size:1.15em}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #ddd}
figcaption{font-size:.85em;color:#444}pre{background:#f6f6f6;padding:8px;overflow-x:auto}
"""


def _numeric(cell: str) -> bool:
    """A number, with its marks and unit ('4.5%*', '3.1e-07/line', '12.3 +-1%'), or '-'."""
    cell = str(cell).strip()
    if cell in ("-", ""):
        return True
    head = re.split(r"[ /]", cell, maxsplit=1)[0].rstrip("%*")
    head = head.split("-")[0] if re.fullmatch(r"[0-9.]+-[0-9.]+", head) else head
    try:
        float(head)
        return True
    except ValueError:
        return False


def to_html(doc: Doc, outdir: str) -> str:
    e = html.escape
    out = ["<!DOCTYPE html>", "<html lang=\"en\"><head><meta charset=\"utf-8\">",
           f"<title>{e(doc.title)}</title><style>{CSS}</style></head><body>"]
    for b in doc.blocks:
        if getattr(b, "text_only", False):
            continue
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{e(b.text)}</h{b.level}>")
        elif isinstance(b, Banner):
            out.append(f"<div class=\"banner {e(b.kind)}\" role=\"alert\">{e(b.text)}</div>")
        elif isinstance(b, Para):
            cls = f" class=\"{b.kind}\"" if b.kind else ""
            out.append(f"<p{cls}>{e(b.text)}</p>")
        elif isinstance(b, Table):
            kv = " class=\"kv\"" if not b.headers else ""
            rows = [f"<table{kv}>"]
            if b.caption:
                rows.append(f"<caption>{e(b.caption)}</caption>")
            # A column of numbers is right-aligned, text stays left.
            numeric = [all(_numeric(r[1][i]) for r in b.rows if i < len(r[1]))
                       for i in range(max((len(r[1]) for r in b.rows), default=0))]
            cls = lambda i: ' class="n"' if i < len(numeric) and numeric[i] else ""
            if b.headers:
                rows.append("<tr>" + f"<th>{e(b.label_header)}</th>" +
                            "".join(f"<th{cls(i)}>{e(h)}</th>" for i, h in enumerate(b.headers))
                            + "</tr>")
            for label, cells in b.rows:
                rows.append("<tr>" + f"<td>{e(label)}</td>" +
                            "".join(f"<td{cls(i)}>{e(c)}</td>" for i, c in enumerate(cells))
                            + "</tr>")
            rows.append("</table>")
            out.append("\n".join(rows))
        elif isinstance(b, Figure):
            with open(os.path.join(outdir, "plots", b.stem + ".png"), "rb") as f:
                data = base64.b64encode(f.read()).decode("ascii")
            out.append(f"<figure><img alt=\"{e(b.caption)}\" src=\"data:image/png;base64,{data}\">"
                       f"<figcaption>{e(b.caption)} (also plots/{e(b.stem)}.svg)</figcaption></figure>")
        elif isinstance(b, Text):
            out.append("<pre>" + e("\n".join(b.lines)) + "</pre>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _md(s: str) -> str:
    """Text for Markdown: a '<' must not open an HTML tag (share_<piece>)."""
    return str(s).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _md_cell(s: str) -> str:
    return _md(s).replace("|", "\\|").replace("\n", " ")


def to_markdown(doc: Doc) -> str:
    out = []
    for b in doc.blocks:
        if getattr(b, "text_only", False):
            continue
        if isinstance(b, Heading):
            out += ["#" * b.level + " " + _md(b.text), ""]
        elif isinstance(b, Banner):
            out += [f"> **{_md(b.text)}**", ""]
        elif isinstance(b, Para):
            t = _md(b.text)
            out += [(f"**{t}**" if b.kind == "strong" else f"> {t}" if b.kind else t), ""]
        elif isinstance(b, Table):
            if b.caption:
                out += [f"*{_md(b.caption)}*", ""]
            headers = [b.label_header] + b.headers if b.headers else ["", ""]
            align = "---:" if b.headers else ":---"  # numbers right, key/value text left
            out.append("| " + " | ".join(_md_cell(h) for h in headers) + " |")
            out.append("|" + "|".join([":---"] + [align] * (len(headers) - 1)) + "|")
            for label, cells in b.rows:
                out.append("| " + " | ".join([f"`{_md_cell(label)}`"] + [_md_cell(c) for c in cells])
                           + " |")
            out.append("")
        elif isinstance(b, Figure):
            out += [f"![{_md(b.caption)}](plots/{b.stem}.png)", "", f"*{_md(b.caption)}* "
                    f"([SVG](plots/{b.stem}.svg))", ""]
        elif isinstance(b, Text):
            out += ["```"] + b.lines + ["```", ""]
    return "\n".join(out).rstrip() + "\n"


def to_text(doc: Doc, summary: bool = False) -> str:
    out = []
    for b in doc.blocks[:doc.summary_end] if summary else doc.blocks:
        if b.page_only:
            continue
        if isinstance(b, Heading):
            t = textfmt.ascii_only(b.text)[: textfmt.WIDTH]
            out += ([""] if out and out[-1] else []) + [t, ("=" if b.level <= 1 else "-") * len(t)]
        elif isinstance(b, Banner):
            out += ["*" * textfmt.WIDTH] + textfmt.wrap(b.text, "* ") + ["*" * textfmt.WIDTH]
        elif isinstance(b, Para):
            out += textfmt.wrap(("Note: " if b.kind in ("note", "warn") else "") + b.text) + [""]
        elif isinstance(b, Table):
            if b.caption:
                out += textfmt.wrap(b.caption)
            if not b.headers:  # a key/value table: one wrapped line per field
                for label, cells in (b.text_rows or b.rows):
                    out += textfmt.wrap(f"{label}: {' '.join(cells)}", hang="  ")
            else:
                out += textfmt.table(b.label_header, b.text_headers or b.headers,
                                     b.text_rows or b.rows)
            out.append("")
        elif isinstance(b, Text):
            out += b.lines
    while out and not out[0]:
        out.pop(0)
    lines = [textfmt.ascii_only(l).rstrip() for l in out]
    return "\n".join(lines).rstrip() + "\n"
