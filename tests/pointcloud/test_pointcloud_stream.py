"""The shipped lidar-octree writes the same bytes as the fourth release's code did: speed work
on the decoder and encoder must not change a single byte (digests of files written by the
commit that shipped these weights). A new release of the weights changes these digests."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
from clouds import lidar_like

from ncodec import api
from ncodec.pointcloud import codec  # noqa: F401  (registers lidar-octree)
from ncodec.pointcloud.quantize import quantize

DIGESTS = {2.0: "1fafca2ae5fa5442", 20.0: "28125eb67abcdd58", 200.0: "284f0cb3479eb7d9"}


@pytest.mark.parametrize("step_mm", sorted(DIGESTS))
def test_shipped_model_bytes_are_unchanged(step_mm):
    xyz = lidar_like(6000, seed=7)
    data = api.compress(xyz, "lidar-octree", options={"step_mm": step_mm})
    assert hashlib.sha256(data).hexdigest()[:16] == DIGESTS[step_mm]
    decoded = api.decode(data).data
    cells = np.unique(quantize(xyz, xyz.min(axis=0).astype(np.float64), step_mm), axis=0)
    assert len(decoded) == len(cells)
