"""The realism knob: beta = 0 is the MSE decoder bit for bit, the integer head follows the float
one within rounding, bands change nothing, beta is a decode-time choice, bad betas fail cleanly."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from ncodec import api
from ncodec.cli import main
from ncodec.errors import FormatError, InputError, ModelNotFoundError
from ncodec.format.container import read_ncz, write_ncz
from ncodec.models import fixed_realism, realism
from ncodec.models.realism_head import RealismHead
from ncodec.zoo import ENV_PATH

MODEL = "hyperprior-mse"


@pytest.fixture(scope="module")
def codec():
    return api.load_model(MODEL)


def _install_random_head(codec, folder, monkeypatch, smooth: bool) -> RealismHead:
    """A head with random weights installed for the shipped model (in a temporary folder)."""
    torch.manual_seed(3)
    head = RealismHead(192, smooth=smooth)
    with torch.no_grad():
        for p in head.parameters():
            p.add_(torch.randn_like(p) * 0.05)
        for p in head.out.parameters():
            p.mul_(1 / 16)  # residuals of a few grey levels, as trained heads give
    realism.save_head(head.state_dict(), codec.weights_hash, folder, {"test": True})
    monkeypatch.setattr(realism, "DATA_DIR", folder)
    monkeypatch.delattr(codec, "_realism_head", raising=False)
    return head


@pytest.fixture
def random_head(codec, tmp_path, monkeypatch):
    yield _install_random_head(codec, tmp_path, monkeypatch, smooth=False)
    codec.__dict__.pop("_realism_head", None)


@pytest.fixture(params=[False, True], ids=["phases", "smooth"])
def any_head(codec, tmp_path, monkeypatch, request):
    """Random heads with and without the full-resolution output conv."""
    yield _install_random_head(codec, tmp_path, monkeypatch, smooth=request.param)
    codec.__dict__.pop("_realism_head", None)


@pytest.fixture(scope="module")
def image():
    from skimage.data import astronaut

    return np.ascontiguousarray(astronaut()[100:170, 150:240])


def test_beta_zero_is_the_plain_decoder(random_head, image):
    plain = api.compress_image(image, MODEL, 30)
    with_default = api.compress_image(image, MODEL, 30, options={"realism": 0.5})
    header, streams = read_ncz(with_default)
    assert read_ncz(plain)[1] == streams  # the same coded latents for every beta
    assert header.extra["realism"]["beta"] == 0.5
    base = api.decompress_image(plain)
    assert np.array_equal(api.decompress_image(with_default, realism=0), base)
    realistic = api.decompress_image(with_default)
    assert np.array_equal(realistic, api.decompress_image(plain, realism=0.5))
    assert np.abs(realistic.astype(int) - base).mean() > 0.5


def test_integer_head_follows_the_float_head(codec, any_head, image):
    data = api.compress_image(image, MODEL, 30)
    header, streams = read_ncz(data)
    _, y_hat = codec.realism_inputs(streams, header)
    padded = (y_hat.shape[-2] * 16, y_hat.shape[-1] * 16)
    base = api.decompress_image(data)
    fixed = api.decompress_image(data, realism=0.8)
    extend = ((0, padded[0] - base.shape[0]), (0, padded[1] - base.shape[1]), (0, 0))
    pixels = torch.from_numpy(np.pad(base, extend, "edge")).permute(2, 0, 1)[None].float() / 255
    with torch.no_grad():
        ref = any_head(pixels, y_hat.float(), torch.tensor([0.8])).clamp(0, 1) * 255
    ref = ref[0, :, : base.shape[0], : base.shape[1]].permute(1, 2, 0).numpy()
    error = np.abs(fixed.astype(float) - ref)
    assert error.max() <= 1.0 and error.mean() < 0.3


def test_bands_give_the_whole_image_integers(any_head, image, monkeypatch):
    data = api.compress_image(image, MODEL, 30)
    whole = api.decompress_image(data, realism=1)
    monkeypatch.setattr(fixed_realism, "BAND_ROWS", 5)
    assert np.array_equal(api.decompress_image(data, realism=1), whole)


@pytest.mark.parametrize("beta", [1.5, -0.1, 0.333, "x", True])
def test_bad_beta_is_an_input_error(random_head, image, beta):
    data = api.compress_image(image, MODEL, 30)
    with pytest.raises(InputError):
        api.decompress_image(data, realism=beta)
    with pytest.raises(InputError):
        api.compress_image(image, MODEL, 30, options={"realism": beta})


def test_header_naming_another_head_or_malformed_is_a_format_error(random_head, image):
    data = api.compress_image(image, MODEL, 30, options={"realism": 0.4})
    header, streams = read_ncz(data)
    bad = [{"beta": 0.4, "head": "0" * 16}, {"beta": 7}, [1], {"beta": "0.4", "head": "x"}]
    bad += [{"beta": True, "head": "x"}, {"beta": 0.4, "head": 3}, {"beta": 0.005, "head": "x"}]
    for value in bad:
        forged = write_ncz(
            header.__class__(**{**header.__dict__, "extra": {"realism": value}}), streams
        )
        with pytest.raises(FormatError):
            api.decompress_image(forged)


def test_model_without_head_refuses_realism(codec, image, monkeypatch, tmp_path):
    monkeypatch.setattr(realism, "DATA_DIR", tmp_path)  # nothing installed there
    monkeypatch.delattr(codec, "_realism_head", raising=False)
    data = api.compress_image(image, MODEL, 30)
    with pytest.raises(InputError, match="no decode option"):
        api.decompress_image(data, realism=0.5)
    header, streams = read_ncz(data)
    forged = write_ncz(
        header.__class__(**{**header.__dict__, "extra": {"realism": {"beta": 0.5, "head": "a"}}}),
        streams,
    )
    with pytest.raises(ModelNotFoundError):
        api.decompress_image(forged)


def test_cli_realism_flags(random_head, image, tmp_path):
    from ncodec.io import save_image

    source = tmp_path / "in.png"
    save_image(str(source), image, "RGB", False)
    runner = CliRunner()
    out = tmp_path / "a.ncz"
    result = runner.invoke(
        main, ["compress", str(source), "-o", str(out), "-q", "30", "--realism", "0.7"]
    )
    assert result.exit_code == 0, result.output
    for args, name in (
        (["--realism", "0"], "b0.png"),
        ([], "default.png"),
        (["--realism", "0.7"], "b7.png"),
    ):
        result = runner.invoke(main, ["decompress", str(out), "-o", str(tmp_path / name), *args])
        assert result.exit_code == 0, result.output
    read = lambda n: (tmp_path / n).read_bytes()  # noqa: E731
    assert read("default.png") == read("b7.png") != read("b0.png")
    result = runner.invoke(
        main, ["decompress", str(out), "-o", str(tmp_path / "x.png"), "--realism", "2"]
    )
    assert result.exit_code != 0 and "realism must be from 0 to 1" in result.output
    assert "Traceback" not in result.output


DECODE = textwrap.dedent(
    """
    import hashlib, sys, torch
    torch.set_num_threads(int(sys.argv[2]))
    from ncodec import api
    data = open(sys.argv[1], "rb").read()
    print(hashlib.sha256(api.decompress_image(data, realism=1.0).tobytes()).hexdigest())
    """
)


@pytest.mark.skipif(not realism.has_head(api.load_model(MODEL)), reason="no shipped head")
def test_shipped_head_decodes_identically_with_1_and_2_threads(tmp_path):
    """The shipped head on a 512x512 photo at beta 1, in fresh processes."""
    from skimage.data import astronaut

    path = tmp_path / "a.ncz"
    path.write_bytes(api.compress_image(astronaut(), MODEL, 20))
    env = {k: v for k, v in os.environ.items() if k != ENV_PATH}
    digests = set()
    for threads in (1, 2):
        run = subprocess.run(
            [sys.executable, "-c", DECODE, str(path), str(threads)],
            env=env,
            capture_output=True,
            check=True,
            timeout=300,
        )
        digests.add(run.stdout.decode().strip())
    here = hashlib.sha256(api.decompress_image(path.read_bytes(), realism=1.0).tobytes())
    assert digests == {here.hexdigest()}


def test_eval_spec_decodes_at_beta(random_head, image):
    from ncodec.eval.registry import resolve_codec

    codec = resolve_codec(f"ncodec:{MODEL}:q=30:realism=0.50")
    plain = resolve_codec(f"ncodec:{MODEL}:q=30")
    assert codec.spec == f"ncodec:{MODEL}:realism=0.5" and plain.spec == f"ncodec:{MODEL}"
    data = codec.encode(image, 30)
    assert data == plain.encode(image, 30)  # the same file for every beta
    assert np.array_equal(codec.decode(data), api.decompress_image(data, realism=0.5))
    with pytest.raises(InputError):
        resolve_codec(f"ncodec:{MODEL}:realism=3")


def test_decode_macs_count_the_head_when_the_file_asks_for_it(codec, random_head, image):
    plain = read_ncz(api.compress_image(image, MODEL, 30))[0]
    realistic = read_ncz(api.compress_image(image, MODEL, 30, options={"realism": 0.3}))[0]
    assert "realism_head" not in codec.decode_macs(plain)
    macs = codec.decode_macs(realistic)
    assert macs["realism_head"] == random_head.decode_macs_per_pixel() > 10_000


def test_edge_sizes_and_bits_back_files(random_head):
    for shape in ((1, 1, 3), (17, 33, 3)):
        tiny = np.full(shape, 120, np.uint8)
        data = api.compress_image(tiny, MODEL, 30)
        assert api.decompress_image(data, realism=1).shape == shape
    bits_back = api.compress_image(
        np.full((40, 40, 3), 90, np.uint8), MODEL, 30, options={"bits_back": True}
    )
    with pytest.raises(InputError, match="bits-back"):
        api.decompress_image(bits_back, realism=0.5)
    assert api.decompress_image(bits_back, realism=0).shape == (40, 40, 3)
