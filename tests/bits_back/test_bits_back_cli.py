"""`ncodec compress --bits-back`: a decodable file for the shipped hyperprior, one-line errors
for models that cannot do it; the stored tables are the ones the export code builds."""

from __future__ import annotations

import re

import numpy as np
from click.testing import CliRunner
from PIL import Image

from ncodec.cli import main
from ncodec.format import read_ncz
from ncodec.models.bits_back import BitsBackHyperprior
from ncodec.models.bits_back_tables import NARROW_SCALES, shifted_tables
from ncodec.zoo import find_model, load_codec


def run(*args: str):
    return CliRunner().invoke(main, list(args))


def one_line_error(result, pattern: str) -> None:
    assert result.exit_code != 0
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ncodec: error:"), result.output
    assert re.search(pattern, lines[0]), lines[0]


def test_cli_bits_back_file_round_trips(tmp_path, photo):
    source = tmp_path / "in.png"
    Image.fromarray(photo).save(source)
    out, back = tmp_path / "a.ncz", tmp_path / "b.png"
    result = run("compress", str(source), "-o", str(out), "--bits-back", "-q", "30")
    assert result.exit_code == 0, result.output
    header, streams = read_ncz(out.read_bytes())
    assert "bits_back" in header.extra and len(streams) == 1
    assert run("decompress", str(out), "-o", str(back)).exit_code == 0
    assert np.asarray(Image.open(back)).shape == photo.shape


def test_cli_bits_back_refused_where_it_does_not_apply(installed, tmp_path, photo):
    source = tmp_path / "in.png"
    Image.fromarray(photo).save(source)
    out = tmp_path / "a.ncz"
    result = run("compress", str(source), "-o", str(out), "--bits-back", "--model", "tiny-fp")
    one_line_error(result, "--bits-back does not apply")
    result = run("compress", str(source), "-o", str(out), "--bits-back", "--model", "tiny-hp")
    one_line_error(result, "no bits-back data")
    assert not out.exists()


def test_stored_tables_are_the_exported_ones():
    codec = load_codec(find_model("hyperprior-mse"))
    stored = BitsBackHyperprior.of(codec).companion.narrow
    built = shifted_tables(codec.scale_table[:NARROW_SCALES])
    assert np.array_equal(stored.cdf, built.cdf)
    assert np.array_equal(stored.offsets, built.offsets)
