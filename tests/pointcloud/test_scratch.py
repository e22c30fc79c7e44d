"""Reused buffers and cache-line aligned arrays of the lidar coder."""

import numpy as np
import pytest

from ncodec import api
from ncodec.pointcloud.first_layer import first_layer
from ncodec.pointcloud.scratch import CACHE_LINE, Scratch, aligned_empty


@pytest.mark.parametrize("dtype", [np.uint8, np.int16, np.float32, np.float64])
@pytest.mark.parametrize("shape", [(1,), (3, 5), (1000, 64), (0, 7)])
def test_aligned_empty_starts_on_a_cache_line(shape, dtype):
    array = aligned_empty(shape, dtype)
    assert array.shape == shape and array.dtype == dtype and array.flags.c_contiguous
    assert array.size == 0 or array.ctypes.data % CACHE_LINE == 0
    array[...] = 1  # writable, and exactly its own size
    assert array.nbytes == np.prod(shape, dtype=np.int64) * np.dtype(dtype).itemsize


def test_scratch_reuses_one_aligned_buffer_per_name():
    scratch = Scratch()
    first = scratch.array("rows", (100, 64), np.float32)
    first[...] = 3
    smaller = scratch.array("rows", (10, 64), np.float32)
    assert np.shares_memory(first, smaller) and smaller.ctypes.data % CACHE_LINE == 0
    bigger = scratch.array("rows", (300, 64), np.float32)  # grows: a new buffer
    assert not np.shares_memory(first, bigger) and bigger.ctypes.data % CACHE_LINE == 0
    other = scratch.array("weights", (10, 9), np.float64)
    assert not np.shares_memory(other, bigger) and other.ctypes.data % CACHE_LINE == 0


def test_first_layer_table_is_aligned_and_exact():
    network = api.load_model("lidar-octree").network
    table = first_layer(network).table.numpy()
    assert table.ctypes.data % CACHE_LINE == 0 and table.dtype == np.float32
    # every entry an integer number of the layer's units, as the exactness argument needs
    unit = np.min(np.abs(table[table != 0]))
    assert np.array_equal(table / unit, np.round(table / unit))
