"""`ncodec eval --html`: the run's plots and tables on a static page, loaded in Chromium."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main

from .browser import chromium, console_errors

PLOTS = ("rd_psnr.png", "rd_msssim.png", "speed_vs_bdrate.png", "perception_distortion.png")


@pytest.fixture(scope="module")
def eval_page(tmp_path_factory) -> Path:
    """An evaluation of two small photos with JPEG and WebP, written with --html."""
    from skimage.data import astronaut

    folder = tmp_path_factory.mktemp("images")
    crop = np.ascontiguousarray(astronaut()[40:232, 180:356])
    Image.fromarray(crop).save(folder / "a.png")
    Image.fromarray(np.ascontiguousarray(crop[:, ::-1])).save(folder / "b.png")
    out = tmp_path_factory.mktemp("eval")
    codecs = "jpeg:q=20/50/80,webp:q=20/50/80"
    fast = ["--warmup", "0", "--repeats", "1", "--no-progress", "--html"]
    result = CliRunner().invoke(
        main, ["eval", str(folder), "--codecs", codecs, "--out", str(out), *fast]
    )
    assert result.exit_code == 0, result.output
    assert "index.html" in result.output
    return out / "index.html"


def test_page_holds_the_tables_and_plots(eval_page):
    html = eval_page.read_text()
    assert "Rate–distortion on" in html and "jpeg (anchor)" in html and "webp" in html
    for plot in PLOTS:
        assert f'src="{plot}"' in html and (eval_page.parent / plot).is_file()
    assert html.count("<h3>") == 2  # one curve table per codec


def test_page_in_chromium(eval_page, tmp_path):
    with chromium(tmp_path / "profile") as driver:
        driver.get(eval_page.as_uri())
        sizes = driver.execute_script(
            "return [...document.images].map((i) => [i.getAttribute('src'), i.naturalWidth]);"
        )
        assert [src for src, _ in sizes] == list(PLOTS)
        assert all(width > 0 for _, width in sizes)
        assert console_errors(driver) == []
