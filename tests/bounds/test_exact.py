"""Known answers and input checks for the closed-form R(D) functions."""

import math

import numpy as np
import pytest

from ncodec.bounds.exact import (
    bernoulli_rate,
    binary_entropy,
    gaussian_rate,
    gaussian_slope_lambda,
    water_level,
)
from ncodec.errors import InputError


def test_scalar_gaussian_is_half_log_ratio():
    """One dimension: R(D) = ½ log2(σ²/D)."""
    assert gaussian_rate([4.0], 1.0) == pytest.approx(1.0, abs=1e-12)
    assert gaussian_rate([1.0], 0.25) == pytest.approx(1.0, abs=1e-12)


def test_reverse_water_filling_drops_small_components():
    """Variances (1, 0.1) at D = 0.3: θ = 0.5, only the first is coded: ¼ log2(2) bit/dim."""
    assert water_level([1.0, 0.1], 0.3) == pytest.approx(0.5, abs=1e-12)
    assert gaussian_rate([1.0, 0.1], 0.3) == pytest.approx(0.25, abs=1e-12)


def test_slope_matches_numerical_derivative():
    """λ = -dR/dD in nats per unit total squared error."""
    var = np.array([1.5, 0.7, 0.2])
    d, h = 0.4, 1e-6
    dr = (gaussian_rate(var, d + h) - gaussian_rate(var, d - h)) / (2 * h) * var.size
    assert gaussian_slope_lambda(var, d) == pytest.approx(-dr * math.log(2) / var.size, rel=1e-5)


def test_bernoulli_known_value():
    """R(D) = h(p) - h(D); h(0.5) = 1 bit."""
    assert binary_entropy(0.5) == pytest.approx(1.0)
    assert bernoulli_rate(0.5, 0.11) == pytest.approx(1.0 - binary_entropy(0.11))


@pytest.mark.parametrize("variances", [[1.0, -0.5], [0.0, 1.0], [], [float("nan")]])
def test_bad_variances(variances):
    """Zero, negative, missing or NaN variances are user errors."""
    with pytest.raises(InputError):
        gaussian_rate(variances, 0.1)


@pytest.mark.parametrize("distortion", [0.0, -0.1, 0.55, 3.0])
def test_distortion_outside_range(distortion):
    """D must lie in (0, D_max) with D_max the mean variance (0.55 here)."""
    with pytest.raises(InputError, match="distortion must lie in"):
        gaussian_rate([1.0, 0.1], distortion)


def test_bernoulli_bad_inputs():
    """p outside (0, 1) or D outside (0, min(p, 1-p)) are user errors."""
    with pytest.raises(InputError):
        bernoulli_rate(1.2, 0.1)
    with pytest.raises(InputError):
        bernoulli_rate(0.2, 0.25)
