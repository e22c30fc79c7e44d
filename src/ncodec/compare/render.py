"""The comparison page: a split view of any two versions of the image, a zoom, and a table.

The page is `index.html` with the original and every decoded image as PNG files beside it (the
browser shows the decoded pixels, so formats it cannot display, `.ncz` and JPEG XL among them,
are compared alike) and the coded files themselves, linked from the table.
"""

from __future__ import annotations

from dataclasses import dataclass

from ncodec.compare.measure import Entry
from ncodec.compare.page import Html, esc, json_script, number, page, table


@dataclass(frozen=True)
class Shown:
    """One version of the image on the page: its label, PNG file and, if coded, its entry."""

    key: str
    label: str
    png: str
    coded_file: str | None = None
    entry: Entry | None = None


CSS = """
.controls { display: flex; flex-wrap: wrap; gap: 1rem; align-items: center; margin: 1rem 0 .5rem; }
.controls label { font-size: .9rem; }
#stage { overflow: auto; max-height: 80vh; width: fit-content; max-width: 100%;
         border: 1px solid #ccc; background: #333; touch-action: none; }
#canvas { position: relative; margin: 0 auto; cursor: ew-resize; user-select: none; }
#canvas img { position: absolute; top: 0; left: 0; width: 100%; height: 100%;
              pointer-events: none; }
#canvas.pixelated img { image-rendering: pixelated; }
#handle { position: absolute; top: 0; bottom: 0; width: 0; border-left: 2px solid #fff;
          box-shadow: 0 0 3px #000; }
#handle::after { content: "⟷"; position: absolute; top: 50%; left: -14px; width: 26px;
                 height: 26px; margin-top: -13px; border-radius: 13px; background: #fff;
                 color: #000; text-align: center; line-height: 26px; font-size: 15px; }
#handle:focus { outline: none; } #handle:focus::after { box-shadow: 0 0 0 3px #4a90e2; }
.sides { display: flex; justify-content: space-between; font-size: .9rem; margin: .3rem 0; }
"""

SCRIPT = r"""
(() => {
  const data = JSON.parse(document.getElementById("compare-data").textContent);
  const byKey = Object.fromEntries(data.shown.map((s) => [s.key, s]));
  const canvas = document.getElementById("canvas");
  const leftImg = document.getElementById("img-left");
  const rightImg = document.getElementById("img-right");
  const handle = document.getElementById("handle");
  const leftSel = document.getElementById("left");
  const rightSel = document.getElementById("right");
  const zoomSel = document.getElementById("zoom");
  let split = 0.5;

  function setSplit(fraction) {
    split = Math.min(1, Math.max(0, fraction));
    const percent = (100 * split).toFixed(2);
    leftImg.style.clipPath = `inset(0 ${(100 - percent).toFixed(2)}% 0 0)`;
    handle.style.left = `${percent}%`;
    handle.setAttribute("aria-valuenow", Math.round(100 * split));
  }
  function describe(key) {
    const s = byKey[key];
    return s.stats ? `${s.label}: ${s.stats}` : s.label;
  }
  function show() {
    leftImg.src = byKey[leftSel.value].png;
    rightImg.src = byKey[rightSel.value].png;
    document.getElementById("left-label").textContent = "◀ " + describe(leftSel.value);
    document.getElementById("right-label").textContent = describe(rightSel.value) + " ▶";
  }
  function setZoom() {
    const zoom = Number(zoomSel.value);
    canvas.style.width = `${data.width * zoom}px`;
    canvas.style.height = `${data.height * zoom}px`;
    canvas.classList.toggle("pixelated", zoom > 1);
  }
  function fromPointer(event) {
    const box = canvas.getBoundingClientRect();
    setSplit((event.clientX - box.left) / box.width);
  }
  canvas.addEventListener("pointerdown", (event) => {
    canvas.setPointerCapture(event.pointerId);
    fromPointer(event);
    handle.focus();
  });
  canvas.addEventListener("pointermove", (event) => {
    if (canvas.hasPointerCapture(event.pointerId)) fromPointer(event);
  });
  canvas.addEventListener("pointerup", (event) => canvas.releasePointerCapture(event.pointerId));
  handle.addEventListener("keydown", (event) => {
    const step = event.shiftKey ? 0.1 : 0.01;
    if (event.key === "ArrowLeft") setSplit(split - step);
    else if (event.key === "ArrowRight") setSplit(split + step);
    else return;
    event.preventDefault();
  });
  leftSel.addEventListener("change", show);
  rightSel.addEventListener("change", show);
  zoomSel.addEventListener("change", setZoom);
  rightSel.value = data.right;
  zoomSel.value = String(data.zoom);
  setZoom();
  setSplit(0.5);
  show();
})();
"""

ZOOMS = (1, 2, 4, 8)
FIT_WIDTH = 1000
"""The page opens at the largest zoom that keeps the image within this many CSS pixels."""


def stats_text(entry: Entry) -> str:
    """The short caption of a coded version: bytes, bpp, PSNR."""
    return f"{len(entry.data)} bytes, {entry.bpp:.3f} bpp, {entry.psnr:.2f} dB"


def render(
    title: str, image_name: str, size: tuple[int, int], budget: int, shown: list[Shown]
) -> str:
    """The whole page; `shown[0]` is the original, the others are coded versions."""
    width, height = size
    coded = [s for s in shown if s.entry is not None]
    options = "".join(f'<option value="{esc(s.key)}">{esc(s.label)}</option>' for s in shown)
    zooms = "".join(f'<option value="{z}">{z}×</option>' for z in ZOOMS)
    right = coded[0].key if coded else shown[0].key
    zoom = max([z for z in ZOOMS if width * z <= FIT_WIDTH] or [1])
    data = {
        "right": right,
        "zoom": zoom,
        "width": width,
        "height": height,
        "shown": [
            {
                "key": s.key,
                "label": s.label,
                "png": s.png,
                "stats": stats_text(s.entry) if s.entry else "",
            }
            for s in shown
        ],
    }
    pixels = width * height
    body = f"""
<h1>{esc(title)}</h1>
<p class="note">{esc(image_name)}, {width}×{height} pixels. Every codec at the largest quality
whose file fits in <b>{budget} bytes</b> ({8 * budget / pixels:.3f} bpp); the table states the
bytes each one reached. Drag across the image to move the split, or focus it and use the arrow
keys.</p>
<div class="controls">
  <label>left <select id="left">{options}</select></label>
  <label>right <select id="right">{options}</select></label>
  <label>zoom <select id="zoom">{zooms}</select></label>
</div>
<div class="sides"><span id="left-label"></span><span id="right-label"></span></div>
<div id="stage">
  <div id="canvas">
    <img id="img-right" alt="right side" src="{esc(shown[0].png)}">
    <img id="img-left" alt="left side" src="{esc(shown[0].png)}">
    <div id="handle" tabindex="0" role="slider" aria-label="split position"
         aria-valuemin="0" aria-valuemax="100" aria-valuenow="50"></div>
  </div>
</div>
<h2>At {budget} bytes</h2>
{_table(coded)}
<p class="note">Rate = size of the complete coded file (linked) × 8 / pixels. PSNR over RGB,
peak 255; MS-SSIM on RGB (– for images under 161 pixels a side). Decode time: median of
three decodes of the file in memory on the machine that wrote this page, wall clock and
process CPU time (all threads); classical codecs run on one thread, ncodec on PyTorch's
default threads. Each quality was
found by a binary search over the codec's whole qualities.</p>
{json_script("compare-data", data)}
"""
    return page(title, body, CSS, SCRIPT)


def _table(coded: list[Shown]) -> str:
    """Per codec: file, quality, bytes, bpp, PSNR, MS-SSIM, decode time, version."""
    rows, classes = [], []
    for shown in coded:
        entry = shown.entry
        assert entry is not None
        budget_note = "" if entry.fits else " (over budget at its lowest quality)"
        rows.append(
            [
                Html(f'<a href="{esc(shown.coded_file)}">{esc(shown.label)}</a>'),
                f"{entry.quality}{budget_note}",
                str(len(entry.data)),
                number(entry.bpp, ".4f"),
                number(entry.psnr, ".2f"),
                number(entry.msssim, ".4f"),
                number(entry.decode_ms, ".1f"),
                number(entry.decode_cpu_ms, ".1f"),
                entry.version,
            ]
        )
        classes.append("ours" if entry.spec.startswith("ncodec") else "")
    return table(
        [
            "codec",
            "quality",
            "bytes",
            "bpp",
            "PSNR dB",
            "MS-SSIM",
            "decode ms",
            "decode CPU ms",
            "version",
        ],
        rows,
        numeric=(2, 3, 4, 5, 6, 7),
        row_classes=classes,
    )
