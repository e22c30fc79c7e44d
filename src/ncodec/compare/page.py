"""The HTML shell of ncodec's static pages (`ncodec compare`, `ncodec eval --html`).

One self-contained file: inline CSS and script, images as files beside it, and a content
security policy that lets the page load nothing from the network.
"""

from __future__ import annotations

import html
import json
import math
from collections.abc import Sequence
from typing import Any

POLICY = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'"
)
"""Content-Security-Policy: local images and the inline style and script, nothing else."""

CSS = """
body { font: 15px/1.45 system-ui, sans-serif; margin: 1.5rem auto; max-width: 1100px;
       padding: 0 1rem; color: #1b1b1b; background: #fafafa; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.2rem; margin-top: 2rem; }
.note { color: #555; font-size: .9rem; }
table { border-collapse: collapse; margin: .75rem 0; font-size: .9rem; }
th, td { padding: .3rem .6rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr.ours td:first-child { font-weight: 600; }
img.plot { max-width: 100%; border: 1px solid #ddd; background: white; margin: .5rem 0; }
code { background: #eee; padding: 0 .25rem; border-radius: 3px; }
"""


class Html(str):
    """Text that is already HTML (a link, say): table cells of this type are not escaped."""


def esc(value: Any) -> str:
    """Text for HTML content or attributes (`Html` passes through)."""
    return value if isinstance(value, Html) else html.escape(str(value), quote=True)


def number(value: float | None, pattern: str) -> str:
    """A number in `pattern`, or an en dash for a missing or undefined value."""
    if value is None or not math.isfinite(value):
        return "–"
    return format(value, pattern)


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    numeric: Sequence[int] = (),
    row_classes: Sequence[str] | None = None,
) -> str:
    """An HTML table of formatted cells (escaped unless `Html`); `numeric` columns align right."""

    def cell(tag: str, index: int, text: str) -> str:
        css = ' class="num"' if index in numeric else ""
        return f"<{tag}{css}>{esc(text)}</{tag}>"

    head = "".join(cell("th", i, h) for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        css = f' class="{esc(row_classes[r])}"' if row_classes and row_classes[r] else ""
        body.append(f"<tr{css}>" + "".join(cell("td", i, c) for i, c in enumerate(row)) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def json_script(element_id: str, data: Any) -> str:
    """Data for the page's script, as a JSON block that cannot end the script element early."""
    text = json.dumps(data, allow_nan=False).replace("<", "\\u003c")
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def page(title: str, body: str, css: str = "", script: str = "") -> str:
    """A complete HTML document with the shared style (plus `css`) and an inline `script`."""
    code = f"<script>{script}</script>" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{POLICY}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<link rel="icon" href="data:,">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}{css}</style>\n</head>\n<body>\n"
        f"{body}\n{code}\n</body>\n</html>\n"
    )
