"""Codec-to-bound distances in dB at equal rate, checked against hand-computed values."""

import math

import pytest

from ncodec.bounds.report import codec_distances, lower_psnr_ceiling, psnr_at_rate
from ncodec.metrics import psnr_from_mse


def _mse(psnr: float) -> float:
    """MSE on the 0..255 scale with this PSNR."""
    return 255.0**2 / 10 ** (psnr / 10)


def test_psnr_at_rate_is_linear_in_log_rate():
    """Rates 0.1 → 20 dB and 0.4 → 30 dB: the log midpoint 0.2 is 25 dB; outside gives None."""
    curve = [
        {"rate_bits": 0.4, "distortion": _mse(30.0)},
        {"rate_bits": 0.1, "distortion": _mse(20)},
    ]
    assert psnr_at_rate(curve, 0.2) == pytest.approx(25.0)
    assert psnr_at_rate(curve, 0.1) == pytest.approx(20.0)
    assert psnr_at_rate(curve, 0.05) is None and psnr_at_rate(curve, 0.5) is None
    assert psnr_at_rate([{"rate_bits": 0.2, "error": "x"}], 0.2) is None
    assert psnr_from_mse(_mse(31.5)) == pytest.approx(31.5) and psnr_from_mse(0.0) == math.inf


def test_lower_ceiling_inverts_the_tightest_line():
    """Line c = 2 ln2 + 1, λ = 1000, n = 1: at R = 1 bit, D ≥ (c - ln2)/λ = (ln2 + 1)/1000."""
    line = {"intercept_nats": 2 * math.log(2) + 1, "lambda": 1000.0, "dim": 1}
    d_floor = (math.log(2) + 1) / 1000 * 255.0**2
    assert lower_psnr_ceiling([line], 1.0) == pytest.approx(psnr_from_mse(d_floor))
    weaker = {"intercept_nats": 0.5, "lambda": 10.0, "dim": 1}  # vacuous at 1 bit
    assert lower_psnr_ceiling([line, weaker], 1.0) == pytest.approx(psnr_from_mse(d_floor))
    assert lower_psnr_ceiling([weaker], 1.0) == math.inf
    assert lower_psnr_ceiling([], 1.0) == math.inf


def test_codec_distances_signs_and_gaps():
    """Codec 2 dB below the upper bound (+2) and beating it elsewhere (negative); lower ≥ codec."""
    line = {
        "intercept_nats": 2 * math.log(2) + 0.5,
        "lambda": 1e5,
        "dim": 1,
    }  # vacuous > 2.7 bit
    result = {
        "upper": [
            {"rate_bits": 0.5, "distortion": _mse(30)},
            {"rate_bits": 2, "distortion": _mse(40)},
        ],
        "lower_lines": [line],
        "codecs": {
            "a": [
                {"rate_bits": 0.5, "distortion": _mse(28)},
                {"rate_bits": 2, "distortion": _mse(43)},
            ],
            "b": [
                {"rate_bits": 1.5, "distortion": _mse(35)},
                {"rate_bits": 3, "distortion": _mse(45)},
            ],
        },
    }
    rows = codec_distances(result, [0.5, 1.0, 2.0, 3.0])
    assert [(r["codec"], r["rate_bits"]) for r in rows] == [
        ("a", 0.5), ("a", 1.0), ("a", 2.0), ("b", 2.0), ("b", 3.0)
    ]  # fmt: skip
    assert rows[0]["db_to_upper"] == pytest.approx(2.0)
    assert rows[1]["upper_psnr"] == pytest.approx(35.0)
    assert rows[1]["codec_psnr"] == pytest.approx(35.5)
    assert rows[1]["db_to_upper"] == pytest.approx(-0.5)
    assert rows[2]["db_to_upper"] == pytest.approx(-3.0)
    ceiling = psnr_from_mse((math.log(2) + 0.5) / 1e5 * 255.0**2)
    assert rows[1]["lower_psnr_ceiling"] == pytest.approx(ceiling)
    assert rows[1]["db_to_lower"] == pytest.approx(ceiling - 35.5)
    assert rows[4]["upper_psnr"] is None and rows[4]["db_to_upper"] is None
    assert rows[4]["db_to_lower"] == math.inf  # no ceiling above 2.7 bit
    assert all(r["db_to_lower"] >= 0 for r in rows)
