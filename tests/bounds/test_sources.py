"""Gaussian and patch samplers: statistics, shapes and the user errors they raise."""

import json

import numpy as np
import pytest
from PIL import Image
from skimage import data

from ncodec.bounds.codecs import codec_curve, mosaic
from ncodec.bounds.sources import GaussianSource, PatchSource, default_variances
from ncodec.errors import InputError


def test_gaussian_sample_variances():
    """Sample variances match the requested ones."""
    src = GaussianSource(np.array([2.0, 0.5]))
    x = src.sample(200_000, np.random.default_rng(0))
    assert x.shape == (200_000, 2)
    np.testing.assert_allclose(x.var(0), [2.0, 0.5], rtol=0.02)


def test_default_variances_fixed_by_seed():
    """U(0, 2) variances, identical for the same seed."""
    v = default_variances(1000, seed=3)
    assert np.array_equal(v, default_variances(1000, seed=3))
    assert v.min() > 0 and v.max() < 2 and abs(v.mean() - 1) < 0.1


def test_gaussian_rejects_bad_variances():
    """Negative or zero variances are user errors."""
    with pytest.raises(InputError):
        GaussianSource(np.array([1.0, 0.0]))


@pytest.fixture
def image_dir(tmp_path):
    """Two small PNGs cut from skimage's astronaut."""
    img = data.astronaut()
    Image.fromarray(img[:64, :80]).save(tmp_path / "a.png")
    Image.fromarray(img[100:148, 200:260]).save(tmp_path / "b.png")
    return tmp_path


def test_patches_come_from_the_images(image_dir):
    """Gray 8x8 patches are 64-dim, on the 0..1 scale, and each occurs in a source image."""
    x = PatchSource(image_dir, 8).sample(50, np.random.default_rng(0))
    assert x.shape == (50, 64) and x.min() >= 0 and x.max() <= 1
    gray = np.asarray(Image.open(image_dir / "a.png").convert("L"), dtype=np.float32) / 255
    gray_b = np.asarray(Image.open(image_dir / "b.png").convert("L"), dtype=np.float32) / 255
    windows = [
        np.lib.stride_tricks.sliding_window_view(g, (8, 8)).reshape(-1, 64) for g in (gray, gray_b)
    ]
    allw = np.concatenate(windows)
    assert all(np.any(np.all(allw == p, axis=1)) for p in x[:10])


def test_rgb_patches(image_dir):
    """RGB 4x4 patches have 48 dimensions."""
    assert PatchSource(image_dir, 4, gray=False).sample(5, np.random.default_rng(0)).shape == (
        5,
        48,
    )


def test_empty_folder_and_oversized_patch(tmp_path, image_dir):
    """An empty folder and a patch larger than every image are clear user errors."""
    with pytest.raises(InputError, match="image folder not found"):
        PatchSource(tmp_path / "missing", 8).sample(1, np.random.default_rng(0))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no images"):
        PatchSource(tmp_path / "empty", 8).sample(1, np.random.default_rng(0))
    with pytest.raises(InputError, match="larger than every image"):
        PatchSource(image_dir, 100).sample(1, np.random.default_rng(0))


def test_mosaic_places_patches_in_reading_order():
    """Patch k lands at tile (k // cols, k % cols), with cols = isqrt(N)."""
    patches = np.random.default_rng(0).random((12, 16)).astype(np.float32)
    img = mosaic(patches, 4, gray=True)
    assert img.shape == (16, 12)  # 4 rows x 3 cols of 4x4 tiles
    np.testing.assert_array_equal(img[8:12, 0:4], np.rint(patches[6].reshape(4, 4) * 255))
    np.testing.assert_array_equal(img[4:8, 8:12], np.rint(patches[5].reshape(4, 4) * 255))


def test_jpeg_curve_is_real_and_monotone():
    """JPEG on a mosaic: rates are file sizes; more quality gives more bits and less error."""
    img = data.camera()[:128, :128]
    pts = codec_curve("jpeg", img, (20, 60, 95))
    assert [p["rate_bits"] for p in pts] == sorted(p["rate_bits"] for p in pts)
    assert pts[0]["distortion"] > pts[-1]["distortion"]
    assert pts[0]["rate_bits"] == pytest.approx(8 * pts[0]["bytes"] / img.size)
    with pytest.raises(InputError):
        codec_curve("gif", img)


def test_registry_codecs_sweep_only_their_valid_qualities_and_take_gray_mosaics():
    """JPEG 2000 (target PSNR 10..80) skips 5, 90 and 95; WebP codes gray as replicated RGB."""
    img = data.camera()[:64, :64]
    assert [p["quality"] for p in codec_curve("jpeg2000", img)] == [10, 20, 30, 40, 50, 60, 70, 80]
    (point,) = codec_curve("webp", img, (50,))
    assert point["rate_bits"] > 0 and 0 < point["distortion"] < 100


def test_eval_records_become_per_value_curves(tmp_path):
    """bpp/3 and MSE from PSNR, averaged over images; incomplete qualities are skipped."""
    from ncodec.bounds.codecs import eval_record_curves

    recs = [
        {"image": "a", "codec": "jpeg", "quality": 50, "bpp": 0.3, "psnr_rgb": 30.0},
        {"image": "b", "codec": "jpeg", "quality": 50, "bpp": 0.9, "psnr_rgb": 40.0},
        {"image": "a", "codec": "jpeg", "quality": 90, "bpp": 2.0, "psnr_rgb": 45.0},
    ]
    path = tmp_path / "records.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in recs))
    curves = eval_record_curves(str(path))
    (point,) = curves["jpeg (full Kodak images)"]
    assert point["rate_bits"] == pytest.approx(0.2)
    assert point["distortion"] == pytest.approx((65.025 + 6.5025) / 2)
    with pytest.raises(InputError):
        eval_record_curves(str(tmp_path / "missing.jsonl"))
