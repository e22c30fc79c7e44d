"""The comparison page in headless Chromium: no console errors, every image decodes, the split
follows a drag and the arrow keys, the zoom scales the view."""

from __future__ import annotations

from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main

from .browser import chromium, console_errors

IMAGES_READY = "return [...document.images].every((i) => i.complete && i.naturalWidth > 0)"


def _wait(driver, script: str, timeout: float = 20.0) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(lambda d: d.execute_script(script))


def _right_inset(clip: str) -> float:
    """The right inset (percent) of an `inset(top right bottom left)` clip path."""
    return float(clip.removeprefix("inset(").split()[1].rstrip("%"))


def test_compare_page_in_chromium(photo, tmp_path):
    source = tmp_path / "photo.png"
    Image.fromarray(photo).save(source)
    out = tmp_path / "page"
    result = CliRunner().invoke(
        main,
        [
            "compare",
            str(source),
            "--bpp",
            "1",
            "--out",
            str(out),
            "--codecs",
            "jpeg,jpegxl",
        ],
    )
    assert result.exit_code == 0, result.output
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import Select

    with chromium(tmp_path / "profile") as driver:
        driver.get((out / "index.html").as_uri())
        _wait(driver, IMAGES_READY)
        left = Select(driver.find_element(By.ID, "left"))
        keys = [option.get_attribute("value") for option in left.options]
        assert keys == ["original", "jpeg", "jpegxl"]
        for (
            key
        ) in keys:  # every version decodes in the browser (JPEG XL, which it cannot show, as PNG)
            left.select_by_value(key)
            _wait(driver, IMAGES_READY)
            size = driver.execute_script(
                "const i = document.getElementById('img-left');"
                "return [i.naturalWidth, i.naturalHeight, i.getAttribute('src')];"
            )
            assert size == [128, 96, f"{key}.png"]

        image = driver.find_element(By.ID, "img-left")
        handle = driver.find_element(By.ID, "handle")
        clip = image.value_of_css_property("clip-path")
        assert clip == "inset(0px 50% 0px 0px)"
        zoom = int(Select(driver.find_element(By.ID, "zoom")).first_selected_option.text[:-1])
        ActionChains(driver).move_to_element(handle).click_and_hold().move_by_offset(
            -32 * zoom, 0
        ).release().perform()
        dragged = image.value_of_css_property("clip-path")
        assert dragged != clip and abs(_right_inset(dragged) - 75) < 1.5, dragged
        assert handle.get_attribute("aria-valuenow") == "25"
        handle.send_keys(Keys.ARROW_RIGHT)
        assert handle.get_attribute("aria-valuenow") == "26"
        assert _right_inset(image.value_of_css_property("clip-path")) < _right_inset(dragged)

        Select(driver.find_element(By.ID, "zoom")).select_by_value("8")
        width = driver.execute_script("return document.getElementById('canvas').offsetWidth")
        assert width == 8 * 128
        assert console_errors(driver) == []
