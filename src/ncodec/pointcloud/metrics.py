"""Geometry distortion of a decoded point cloud: D1 (point-to-point) and D2 (point-to-plane) PSNR.

Both are symmetric, as in MPEG's pc_error: the error of each direction (original -> decoded and
decoded -> original) is the mean over a cloud's points of the squared distance to the nearest
point of the other cloud (D2: projected on the normal of the original point involved), and the
larger of the two counts. PSNR = 10 log10(3 peak^2 / error), peak in the points' unit.
Normals are estimated on the original cloud only: the smallest principal axis of each point's
NORMAL_NEIGHBOURS nearest neighbours.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.spatial import cKDTree

#: Peak of the LiDAR PSNR (metres), the value used by the Draco anchors of issue 18.
KITTI_PEAK = 59.70
NORMAL_NEIGHBOURS = 12


def estimate_normals(points: np.ndarray, tree: cKDTree | None = None) -> np.ndarray:
    """Unit normals (N, 3): the eigenvector of the smallest eigenvalue of each point's
    neighbourhood covariance (NORMAL_NEIGHBOURS nearest points, itself included)."""
    points = points.astype(np.float64)
    tree = tree or cKDTree(points)
    k = min(NORMAL_NEIGHBOURS, len(points))
    _, index = tree.query(points, k=k)
    index = index.reshape(len(points), k)
    around = points[index] - points[index].mean(axis=1, keepdims=True)
    covariance = np.einsum("nki,nkj->nij", around, around)
    _, vectors = np.linalg.eigh(covariance)
    return vectors[:, :, 0]


@dataclass(frozen=True)
class Distortion:
    """Symmetric D1/D2 errors (mean squared, unit^2) and their PSNRs (dB)."""

    d1_mse: float
    d2_mse: float
    d1_psnr: float
    d2_psnr: float


def _psnr(mse: float, peak: float) -> float:
    return math.inf if mse <= 0 else 10 * math.log10(3 * peak * peak / mse)


def distortion(
    original: np.ndarray,
    decoded: np.ndarray,
    peak: float = KITTI_PEAK,
    normals: np.ndarray | None = None,
) -> Distortion:
    """D1 and D2 of `decoded` against `original` (normals of the original, estimated if None)."""
    a = original.astype(np.float64)
    b = decoded.astype(np.float64)
    tree_a = cKDTree(a)
    normals = estimate_normals(a, tree_a) if normals is None else normals
    _, to_b = cKDTree(b).query(a)
    _, to_a = tree_a.query(b)
    ab = b[to_b] - a
    ba = b - a[to_a]
    d1 = max(float(np.mean(np.sum(ab * ab, axis=1))), float(np.mean(np.sum(ba * ba, axis=1))))
    plane_ab = np.einsum("ij,ij->i", ab, normals)
    plane_ba = np.einsum("ij,ij->i", ba, normals[to_a])
    d2 = max(float(np.mean(plane_ab**2)), float(np.mean(plane_ba**2)))
    return Distortion(d1, d2, _psnr(d1, peak), _psnr(d2, peak))
