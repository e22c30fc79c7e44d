"""Blahut–Arimoto against closed forms: Bernoulli/Hamming and a discretised Gaussian."""

import numpy as np
import pytest

from ncodec.bounds.blahut_arimoto import (
    bernoulli_problem,
    blahut_arimoto,
    discretized_gaussian_problem,
)
from ncodec.bounds.exact import bernoulli_rate, gaussian_rate
from ncodec.errors import InputError


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5])
def test_bernoulli_matches_closed_form(p):
    """Every BA point with 0 < D < min(p, 1-p) is within 1e-4 bit of h(p) - h(D)."""
    p_x, dist = bernoulli_problem(p)
    curve = blahut_arimoto(p_x, dist, np.linspace(0.5, 9.0, 40))
    inside = [
        (d, r)
        for d, r in zip(curve.distortion, curve.rate_bits, strict=True)
        if 1e-6 < d < min(p, 1 - p)
    ]
    assert len(inside) >= 20
    for d, r in inside:
        assert abs(r - bernoulli_rate(p, d)) < 1e-4


def test_discretized_gaussian_approaches_gaussian_curve():
    """A finely discretised N(0, 1) follows ½ log2(1/D) to a few thousandths of a bit."""
    p_x, dist = discretized_gaussian_problem(1.0, bins=161)
    curve = blahut_arimoto(p_x, dist, np.array([1.0, 2.0, 5.0]), tol=1e-9)
    for d, r in zip(curve.distortion, curve.rate_bits, strict=True):
        assert r == pytest.approx(gaussian_rate([1.0], d), abs=5e-3)


def test_points_are_sorted_dicts():
    """`points()` gives the JSON curve format sorted by distortion."""
    curve = blahut_arimoto(*bernoulli_problem(0.3), np.array([5.0, 1.0, 2.0]))
    pts = curve.points()
    assert [sorted(p) for p in pts] == [["distortion", "rate_bits"]] * 3
    assert pts[0]["distortion"] < pts[1]["distortion"] < pts[2]["distortion"]


def test_bad_inputs():
    """Non-probabilities, mismatched shapes and non-positive slopes are user errors."""
    with pytest.raises(InputError):
        blahut_arimoto(np.array([0.5, 0.6]), np.eye(2), np.array([1.0]))
    with pytest.raises(InputError):
        blahut_arimoto(np.array([0.5, 0.5]), np.eye(3), np.array([1.0]))
    with pytest.raises(InputError):
        blahut_arimoto(np.array([0.5, 0.5]), np.eye(2), np.array([0.0]))
