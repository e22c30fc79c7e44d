"""load_image on real files of every common kind: exact pixels, original mode, notices, errors."""

from __future__ import annotations

import struct
import zlib

import imagecodecs
import numpy as np
import pytest
from PIL import Image

from ncodec.errors import InputError
from ncodec.format import NczHeader, write_ncz
from ncodec.io import load_image
from ncodec.io.arrays import ALPHA_NOTICE, DEPTH16_NOTICE, GRAY_NOTICE

RNG = np.random.default_rng(1234)
RGB = RNG.integers(0, 256, (7, 13, 3), dtype=np.uint8)
RGB16 = RNG.integers(0, 65536, (7, 13, 3), dtype=np.uint16)
RGB16_AS_8 = np.rint(RGB16 * (255 / 65535)).astype(np.uint8)  # the documented rounding


def _gray3(gray: np.ndarray) -> np.ndarray:
    return np.repeat(gray[:, :, np.newaxis], 3, axis=2)


@pytest.mark.parametrize(
    ("suffix", "options"),
    [
        (".png", {}),
        (".bmp", {}),
        (".ppm", {}),
        (".tif", {}),
        (".webp", {"lossless": True}),
    ],
)
def test_lossless_rgb_files_load_exactly(tmp_path, suffix, options):
    path = tmp_path / f"rgb{suffix}"
    Image.fromarray(RGB).save(path, **options)
    loaded = load_image(path)
    assert loaded.rgb.dtype == np.uint8 and loaded.rgb.flags.c_contiguous
    np.testing.assert_array_equal(loaded.rgb, RGB)
    assert (loaded.mode, loaded.notices, loaded.height, loaded.width) == ("RGB", [], 7, 13)


def test_jpeg_loads_as_decoded_by_pillow(tmp_path):
    path = tmp_path / "rgb.jpg"
    Image.fromarray(RGB).save(path, quality=90)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, np.asarray(Image.open(path).convert("RGB")))
    assert (loaded.mode, loaded.source_format) == ("RGB", "JPEG")


@pytest.mark.parametrize("shape", [(1, 1), (7, 13), (13, 7)])
def test_grayscale_png_is_replicated_and_remembered(tmp_path, shape):
    gray = RNG.integers(0, 256, shape, dtype=np.uint8)
    path = tmp_path / "gray.png"
    Image.fromarray(gray).save(path)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, _gray3(gray))
    assert loaded.mode == "L"
    assert loaded.notices == [GRAY_NOTICE]


def test_pgm_loads_as_gray(tmp_path):
    path = tmp_path / "gray.pgm"
    Image.fromarray(RGB[:, :, 1]).save(path)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, _gray3(RGB[:, :, 1]))
    assert loaded.mode == "L"


def test_rgba_png_drops_alpha_keeping_colors(tmp_path):
    alpha = RNG.integers(0, 256, (7, 13, 1), dtype=np.uint8)
    path = tmp_path / "rgba.png"
    Image.fromarray(np.concatenate([RGB, alpha], axis=2)).save(path)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, RGB)
    assert (loaded.mode, loaded.notices) == ("RGBA", [ALPHA_NOTICE])


def test_la_png_is_gray_without_alpha(tmp_path):
    path = tmp_path / "la.png"
    Image.fromarray(np.stack([RGB[:, :, 0], RGB[:, :, 1]], axis=2), "LA").save(path)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, _gray3(RGB[:, :, 0]))
    assert loaded.mode == "LA"
    assert loaded.notices == [GRAY_NOTICE, ALPHA_NOTICE]


def test_palette_png_expands_to_its_palette_colors(tmp_path):
    palette_image = Image.fromarray(RGB).quantize(colors=16)
    path = tmp_path / "p.png"
    palette_image.save(path)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, np.asarray(palette_image.convert("RGB")))
    assert loaded.mode == "P"
    assert loaded.notices == ["palette image converted to RGB"]


def test_transparent_gif_drops_alpha(tmp_path):
    palette_image = Image.fromarray(RGB).quantize(colors=8)
    path = tmp_path / "t.gif"
    palette_image.save(path, transparency=0)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, np.asarray(palette_image.convert("RGB")))
    assert loaded.notices == ["palette image converted to RGB", ALPHA_NOTICE]


def test_animated_gif_uses_first_frame(tmp_path):
    frames = [Image.fromarray(np.full((4, 5, 3), value, np.uint8)) for value in (10, 200)]
    path = tmp_path / "anim.gif"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    loaded = load_image(path)
    assert np.all(loaded.rgb == loaded.rgb[0, 0]) and loaded.rgb[0, 0, 0] < 50
    assert "multi-frame input (2 frames): only the first frame is used" in loaded.notices


def test_one_bit_png_is_black_and_white_gray(tmp_path):
    bits = RGB[:, :, 0] > 127
    path = tmp_path / "bw.png"
    Image.fromarray(bits).save(path)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, _gray3(bits.astype(np.uint8) * 255))
    assert loaded.mode == "1"
    assert loaded.notices[0] == "1-bit input converted to 8-bit grayscale"


def test_cmyk_jpeg_is_converted_with_notice(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(RGB).convert("CMYK").save(path)
    loaded = load_image(path)
    assert loaded.mode == "CMYK" and loaded.rgb.shape == (7, 13, 3)
    assert loaded.notices == ["CMYK input converted to RGB (no color management)"]


def test_exif_orientation_is_applied(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "rotated.png"
    Image.fromarray(RGB).save(path, exif=exif)
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, np.rot90(RGB, k=-1))
    assert loaded.notices == ["rotated/flipped according to EXIF orientation 6"]


# ---- 16-bit input: scaled with rounding, never truncated or wrapped ----------------------------


def test_16_bit_known_answers(tmp_path):
    values = np.array([[0, 128, 129, 257, 385, 386, 65406, 65407, 65535]], np.uint16)
    path = tmp_path / "known16.png"
    path.write_bytes(imagecodecs.png_encode(values))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb[0, :, 0], [0, 0, 1, 1, 1, 2, 254, 255, 255])
    assert (loaded.mode, loaded.notices) == ("I;16", [GRAY_NOTICE, DEPTH16_NOTICE])


def test_16_bit_rgb_png_is_scaled_not_truncated(tmp_path):
    path = tmp_path / "rgb16.png"
    path.write_bytes(imagecodecs.png_encode(RGB16))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, RGB16_AS_8)
    assert loaded.notices == [DEPTH16_NOTICE]


def test_16_bit_rgba_png(tmp_path):
    alpha = np.full((7, 13, 1), 65535, np.uint16)
    path = tmp_path / "rgba16.png"
    path.write_bytes(imagecodecs.png_encode(np.concatenate([RGB16, alpha], axis=2)))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, RGB16_AS_8)
    assert loaded.notices == [DEPTH16_NOTICE, ALPHA_NOTICE]


def test_16_bit_gray_png(tmp_path):
    gray = np.ascontiguousarray(RGB16[:, :, 2])
    path = tmp_path / "gray16.png"
    path.write_bytes(imagecodecs.png_encode(gray))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, _gray3(RGB16_AS_8[:, :, 2]))
    assert loaded.mode == "I;16"


@pytest.mark.parametrize("planar", [False, True])
def test_16_bit_rgb_tiff(tmp_path, planar):
    path = tmp_path / "rgb16.tif"
    if planar:
        data = np.ascontiguousarray(np.moveaxis(RGB16, -1, 0))
        path.write_bytes(imagecodecs.tiff_encode(data, photometric="rgb", planarconfig="separate"))
    else:
        path.write_bytes(imagecodecs.tiff_encode(RGB16, photometric="rgb"))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, RGB16_AS_8)
    assert loaded.notices == [DEPTH16_NOTICE]


def test_16_bit_gray_tiff(tmp_path):
    path = tmp_path / "gray16.tif"
    path.write_bytes(imagecodecs.tiff_encode(np.ascontiguousarray(RGB16[:, :, 0])))
    loaded = load_image(path)
    np.testing.assert_array_equal(loaded.rgb, _gray3(RGB16_AS_8[:, :, 0]))
    assert loaded.notices == [GRAY_NOTICE, DEPTH16_NOTICE]


def test_16_bit_ppm_and_pgm(tmp_path):
    ppm = tmp_path / "rgb16.ppm"
    ppm.write_bytes(b"P6\n13 7\n65535\n" + RGB16.astype(">u2").tobytes())
    np.testing.assert_array_equal(load_image(ppm).rgb, RGB16_AS_8)
    pgm = tmp_path / "gray16.pgm"
    pgm.write_bytes(b"P5\n13 7\n65535\n" + RGB16[:, :, 1].astype(">u2").tobytes())
    loaded = load_image(pgm)
    np.testing.assert_array_equal(loaded.rgb, _gray3(RGB16_AS_8[:, :, 1]))
    assert loaded.notices == [GRAY_NOTICE, DEPTH16_NOTICE]


# ---- errors: one line, naming the file -------------------------------------------------------


def _png_with_ihdr(width: int, height: int) -> bytes:
    """A PNG whose header claims `width`x`height` (no real pixel data)."""

    def chunk(kind: bytes, payload: bytes) -> bytes:
        body = kind + payload
        return struct.pack(">I", len(payload)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"cannot read .*nope\.png: no such file"):
        load_image(tmp_path / "nope.png")


def test_directory(tmp_path):
    with pytest.raises(InputError, match="it is a directory"):
        load_image(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(InputError, match=r"empty\.png: empty file"):
        load_image(path)


def test_text_file_named_png(tmp_path):
    path = tmp_path / "notes.png"
    path.write_text("this is not a picture\n")
    with pytest.raises(InputError, match=r"^not an image file \(or unsupported format\): .*notes"):
        load_image(path)


def test_ncz_file_given_as_image(tmp_path):
    path = tmp_path / "coded.png"
    path.write_bytes(write_ncz(NczHeader.image("m", "0" * 16, 2, 2), [b"x"]))
    with pytest.raises(InputError, match=r"compressed \.ncz file, not an image"):
        load_image(path)


@pytest.mark.parametrize("fraction", [0.3, 0.6, 0.9])
def test_truncated_png(tmp_path, fraction):
    data = imagecodecs.png_encode(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8), level=0)
    path = tmp_path / "cut.png"
    path.write_bytes(data[: int(len(data) * fraction)])
    with pytest.raises(InputError, match=r"cut\.png: truncated or corrupt image data"):
        load_image(path)


def test_truncated_jpeg(tmp_path):
    path = tmp_path / "cut.jpg"
    Image.fromarray(RNG.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(path)
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(InputError, match="truncated or corrupt"):
        load_image(path)


def test_truncated_16_bit_png(tmp_path):
    data = imagecodecs.png_encode(RGB16, level=0)
    path = tmp_path / "cut16.png"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="truncated or corrupt"):
        load_image(path)


def test_too_many_pixels_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(_png_with_ihdr(12_000, 12_000))  # 144 Mpixels > 2**27
    with pytest.raises(InputError, match=r"too large: 12000x12000 = 144000000 pixels"):
        load_image(path)


def test_decompression_bomb_is_refused(tmp_path):
    path = tmp_path / "bomb.png"
    path.write_bytes(_png_with_ihdr(50_000, 50_000))  # Pillow's own bomb check fires first
    with pytest.raises(InputError, match="too large"):
        load_image(path)


def test_zero_size_png_is_refused(tmp_path):
    path = tmp_path / "zero.png"
    path.write_bytes(_png_with_ihdr(0, 5))
    with pytest.raises(InputError, match=r"zero\.png"):
        load_image(path)
