"""The variational upper bound on Gaussian sources: achievable, above R(D), and within 3 %."""

import numpy as np
import pytest
import torch

from ncodec.bounds.exact import gaussian_rate, gaussian_slope_lambda
from ncodec.bounds.fitting import Fit
from ncodec.bounds.sources import GaussianSource, default_variances
from ncodec.bounds.upper import evaluate_upper, linear_gaussian_model, mlp_model, train_upper
from ncodec.errors import InputError


def _upper_points(dim: int, fractions: list[float], steps: int, heldout: int):
    """Train the linear-Gaussian model at λ targeting each D and evaluate on held-out data."""
    torch.set_num_threads(1)
    src = GaussianSource(default_variances(dim, 0))
    rng = np.random.default_rng(0)
    train, test = src.sample(20_000, rng), src.sample(heldout, rng)
    out = []
    for frac in fractions:
        lam = gaussian_slope_lambda(src.variances, frac * src.variances.mean())
        model = train_upper(
            linear_gaussian_model(train), train, lam, Fit(steps, 512, progress=False)
        )
        point = evaluate_upper(model, test, lam).as_dict()
        out.append((point, gaussian_rate(src.variances, point["distortion"])))
    return out


@pytest.mark.parametrize(("dim", "heldout"), [(2, 400_000), (16, 100_000)])
def test_gaussian_upper_bound_is_above_and_within_3_percent(dim, heldout):
    """Reported points (estimate + 3 SE) lie above R(D) and within 3 % of it in rate."""
    for point, exact_rate in _upper_points(dim, [0.1, 0.4], steps=800, heldout=heldout):
        assert point["rate_bits"] >= exact_rate
        assert point["rate_bits"] <= 1.03 * exact_rate


def test_mlp_model_with_mixture_prior_is_an_upper_bound():
    """The nonlinear model's Monte Carlo rate on held-out data stays above R(D)."""
    torch.manual_seed(0)
    src = GaussianSource(np.array([1.0, 0.5]))
    rng = np.random.default_rng(1)
    train, test = src.sample(10_000, rng), src.sample(50_000, rng)
    lam = gaussian_slope_lambda(src.variances, 0.2)
    model = train_upper(mlp_model(train, 2, hidden=32), train, lam, Fit(300, 512, progress=False))
    point = evaluate_upper(model, test, lam).as_dict()
    assert 0 < point["distortion"] < src.variances.mean()
    assert point["rate_bits"] >= gaussian_rate(src.variances, point["distortion"])


def test_rejects_non_positive_lambda():
    """λ ≤ 0 is a user error."""
    x = np.zeros((4, 2), dtype=np.float32)
    with pytest.raises(InputError):
        train_upper(linear_gaussian_model(x + 1), x, 0.0, Fit(1, 512, progress=False))
