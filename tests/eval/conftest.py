"""Shared fixtures for the evaluation tests: small real photos written as PNG folders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import imagecodecs
import numpy as np
import pytest
from PIL import Image
from skimage import data

from ncodec import api


@pytest.fixture(scope="session")
def eval_photo() -> np.ndarray:
    """A 192x176 RGB crop of skimage's astronaut (large enough for MS-SSIM's 161-pixel minimum)."""
    return np.ascontiguousarray(data.astronaut()[40:232, 180:356])


@pytest.fixture
def image_dir(tmp_path: Path, eval_photo: np.ndarray) -> Path:
    """A folder with two readable PNGs (the crop and its mirror image)."""
    folder = tmp_path / "images"
    folder.mkdir()
    Image.fromarray(eval_photo).save(folder / "a.png")
    Image.fromarray(np.ascontiguousarray(eval_photo[:, ::-1])).save(folder / "b.png")
    return folder


MAGIC = b"FAKE"


def _install_fake_api(monkeypatch: pytest.MonkeyPatch, ladder=(20, 60), fail_at=None) -> list:
    """Replace the model API with a JPEG-backed fake model named "fake"; returns the call log."""
    calls: list = []

    def compress_image(
        image: np.ndarray,
        model: str | None = None,
        quality: int = 75,
        effort: int = 0,
        options: dict | None = None,
    ) -> bytes:
        """Fake .ncz: magic, quality byte, JPEG bytes."""
        extra = (effort,) if effort else ()
        extra += tuple((options or {}).values())
        calls.append(("compress", model, quality, *extra))
        if fail_at is not None and quality == fail_at:
            raise RuntimeError("fake model failure")
        return MAGIC + bytes([quality]) + bytes(imagecodecs.jpeg8_encode(image, level=quality))

    def decompress_image(data: bytes) -> np.ndarray:
        """Inverse of the fake compress_image."""
        assert data[:4] == MAGIC
        return imagecodecs.jpeg8_decode(data[5:])

    class FakeFrozen:
        """What the adapter asks of a frozen codec: its effort range and encoder options."""

        slow_encoder = False

        def max_effort(self) -> int:
            return api.MAX_REFINE_STEPS

        def effort_options(self) -> tuple[str, ...]:
            return ("refine_precision", "refine_method")

    monkeypatch.setattr(api, "load_model", lambda model=None: FakeFrozen())
    monkeypatch.setattr(api, "list_models", lambda: ["fake"])
    monkeypatch.setattr(api, "default_model", lambda: "fake")
    monkeypatch.setattr(api, "quality_ladder", lambda model=None: list(ladder))
    monkeypatch.setattr(api, "compress_image", compress_image)
    monkeypatch.setattr(api, "decompress_image", decompress_image)
    return calls


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list]:
    """`fake_api(ladder=..., fail_at=...)` installs a stand-in for ncodec.api (JPEG in a tiny
    header, model "fake") and returns the list of compress calls."""
    return lambda **kwargs: _install_fake_api(monkeypatch, **kwargs)
