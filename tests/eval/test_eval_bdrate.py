"""Bjøntegaard delta known answers, including published Kodak curves (copied as literals)."""

from __future__ import annotations

import math

import pytest

from ncodec.eval.bdrate import bd_quality, bd_rate

# CompressAI results/image/kodak (as in kodak_published.json): bpp and PSNR-RGB per quality.
BPG444_BPP = [
    0.06776767306857638,
    0.1610234578450521,
    0.35155402289496523,
    0.6846966213650174,
    1.1996654934353295,
    1.9297120836046002,
    3.0578757392035594,
    4.703142801920573,
]
BPG444_PSNR = [
    26.19512806390954,
    28.68154930675666,
    31.5946565907943,
    34.857473813062924,
    38.259886899666974,
    41.47887283561703,
    44.70311031066196,
    47.63251604714922,
]
HYPERPRIOR_BPP = [
    0.13129340277777776,
    0.20889282226562503,
    0.3198581271701389,
    0.47835625542534727,
    0.6686842176649304,
    0.9388258192274304,
    1.2591722276475694,
    1.6602240668402775,
]
HYPERPRIOR_PSNR = [
    27.58153679333392,
    29.19669412138477,
    30.972168705499175,
    32.838191117040694,
    34.5262427611008,
    36.74336461762285,
    38.58385584443213,
    40.55687370015212,
]
JPEG_BPP = [
    0.22115325927734372,
    0.32661437988281244,
    0.42312622070312506,
    0.5083855523003472,
    0.5878660413953993,
    0.6601265801323783,
    0.728946261935764,
    0.786026848687066,
    0.8497187296549479,
    0.9060007731119791,
    0.9643800523546006,
    1.0372119479709203,
    1.1273964775933163,
    1.23984612358941,
    1.3688269721137154,
    1.5718070136176217,
    1.8588163587782118,
    2.350199381510416,
    3.4013400607638893,
]
JPEG_PSNR = [
    23.779894921045457,
    26.57723034342358,
    28.042246379237767,
    29.04180914810682,
    29.78473021842612,
    30.378313496658652,
    30.903164761925012,
    31.307827225129476,
    31.70484530103775,
    32.05865273799422,
    32.39929573599792,
    32.789915599755076,
    33.234742421489976,
    33.792594320368266,
    34.39429509119509,
    35.239001425077355,
    36.32886455167303,
    37.9121247026983,
    40.556657112988766,
]

RATES = [0.12, 0.25, 0.5, 0.9, 1.6]
PSNRS = [27.0, 29.5, 32.4, 35.1, 38.0]


def test_rates_times_0_9_give_minus_10_percent():
    result = bd_rate(RATES, PSNRS, [0.9 * r for r in RATES], PSNRS)
    assert result.value == pytest.approx(-10.0, abs=0.1)
    assert result.overlap == (27.0, 38.0)


def test_identical_curves_give_zero():
    assert bd_rate(RATES, PSNRS, RATES, PSNRS).value == pytest.approx(0.0, abs=1e-12)
    assert bd_quality(RATES, PSNRS, RATES, PSNRS).value == pytest.approx(0.0, abs=1e-12)


def test_psnr_shifted_by_one_db_gives_bd_psnr_of_one():
    result = bd_quality(RATES, PSNRS, RATES, [p + 1.0 for p in PSNRS])
    assert result.value == pytest.approx(1.0, abs=1e-9)
    assert result.overlap == pytest.approx((0.12, 1.6))


def test_point_order_does_not_matter():
    forward = bd_rate(RATES, PSNRS, [0.8 * r for r in RATES], PSNRS).value
    backward = bd_rate(RATES[::-1], PSNRS[::-1], [0.8 * r for r in RATES][::-1], PSNRS[::-1])
    assert backward.value == pytest.approx(forward)


def test_only_the_overlap_is_used():
    # The test curve covers only the upper half; the delta there is still -20 % (up to the
    # different PCHIP end slopes of a 3-point curve).
    result = bd_rate(RATES, PSNRS, [0.8 * r for r in RATES[2:]], PSNRS[2:])
    assert result.value == pytest.approx(-20.0, abs=0.05)
    assert result.overlap == (32.4, 38.0)


def test_curves_that_do_not_overlap_are_undefined():
    result = bd_rate(RATES[:2], PSNRS[:2], RATES[3:], PSNRS[3:])
    assert not result.defined
    assert math.isnan(result.value)


def test_published_hyperprior_vs_bpg444_is_about_plus_4_percent():
    result = bd_rate(BPG444_BPP, BPG444_PSNR, HYPERPRIOR_BPP, HYPERPRIOR_PSNR)
    assert result.value == pytest.approx(3.93, abs=0.05)
    assert result.overlap == pytest.approx((27.58, 40.56), abs=0.01)


def test_published_jpeg_vs_bpg444_is_about_plus_140_percent():
    result = bd_rate(BPG444_BPP, BPG444_PSNR, JPEG_BPP, JPEG_PSNR)
    assert result.value == pytest.approx(143.0, abs=0.5)
