"""Octree geometry coding: walk the levels, code each group's occupancy bytes under a context model.

Decoding order: level 0 (root) to the leaves, and within a level the 8 groups of
`ncodec.pointcloud.context`. Stateless (learned) contexts are pushed in the reverse order
straight onto the stack; adaptive contexts are computed in decoding order and queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np

from ncodec.coding import AnsStack, DecodeOrderWriter
from ncodec.errors import FormatError
from ncodec.pointcloud.context import GROUPS, LevelContext
from ncodec.pointcloud.far import FarContext
from ncodec.pointcloud.neighbours import next_level, root_neighbours
from ncodec.pointcloud.octree import Octree, expand
from ncodec.pointcloud.scratch import Scratch

SENSOR_LIMIT = 1 << 40


class Contexts(Protocol):
    """A context model: learned (stateless) or adaptive."""

    stateless: bool

    def pop(self, stack: AnsStack, features: np.ndarray) -> np.ndarray: ...


def _inputs(
    contexts: object, level: LevelContext, group: int, buffer: Scratch | None
) -> tuple[np.ndarray, np.ndarray]:
    """A group's node indices and what `contexts` codes them from: its own `inputs` if it
    has them (the learned split contexts: the first layer's outputs), else the features."""
    if hasattr(contexts, "inputs"):
        return contexts.inputs(level, group)
    return level.features(group, buffer)


def sensor_cell(origin: np.ndarray, step_mm: float) -> np.ndarray:
    """The grid cell (int64, 3) of the coordinate origin (where the LiDAR sits)."""
    cell = np.rint(-np.asarray(origin, dtype=np.float64) / (step_mm / 1000.0))
    return np.clip(cell, -SENSOR_LIMIT, SENSOR_LIMIT).astype(np.int64)


def _groups(child: np.ndarray) -> list[np.ndarray]:
    """A level's node indices by child position (the coding groups)."""
    return [np.flatnonzero(child == g) for g in range(GROUPS)]


def walk(
    depth: int, step_mm: float, sensor: np.ndarray, occupancy: list[np.ndarray] | None = None
) -> Iterator[LevelContext]:
    """The levels' contexts, root first. With `occupancy` (encoder) each level's bytes are
    filled in; without (decoder) the caller fills `level.occupancy` before the next level."""
    coords = np.zeros((1, 3), dtype=np.int64)
    child = np.zeros(1, dtype=np.int64)
    neighbours = root_neighbours()
    parent_rows = root_neighbours()
    far = FarContext(_groups(child))
    for d in range(depth):
        level = LevelContext(
            coords, child, neighbours, parent_rows, depth - d, step_mm, sensor, far
        )
        if occupancy is not None:
            level.occupancy[:] = occupancy[d]
        yield level
        if d + 1 < depth:
            coords, parent, child = expand(coords, level.occupancy)
            slots, owners, owner_bytes, next_neighbours = next_level(
                neighbours, level.occupancy_with_zero(), parent, child
            )
            parent_rows = owners[:, :26]
            far = FarContext(_groups(child), owners, owner_bytes, slots, parent, far)
            neighbours = next_neighbours


def examples(tree: Octree, step_mm: float, sensor: np.ndarray) -> Iterator[tuple]:
    """(features, symbols) of every coded group, in decoding order (training data)."""
    for level in walk(tree.depth, step_mm, sensor, tree.occupancy):
        for g in range(GROUPS):
            index, features = level.features(g)
            if len(index):
                yield features, level.occupancy[index].astype(np.int64) - 1


def encode(tree: Octree, step_mm: float, sensor: np.ndarray, contexts: object) -> bytes:
    """The entropy-coded occupancy bytes of the whole octree."""
    if getattr(contexts, "stateless", False):
        levels = list(walk(tree.depth, step_mm, sensor, tree.occupancy))
        stack = AnsStack()
        buffer = Scratch()
        for level in reversed(levels):
            for g in reversed(range(GROUPS)):
                index, features = _inputs(contexts, level, g, buffer)
                contexts.push(stack, features, level.occupancy[index].astype(np.int64) - 1)
        return stack.to_bytes()
    writer = DecodeOrderWriter()
    for features, symbols in examples(tree, step_mm, sensor):
        contexts.write(writer, features, symbols)
    return writer.to_bytes()


def decode(
    data: bytes, depth: int, step_mm: float, sensor: np.ndarray, contexts: Contexts
) -> np.ndarray:
    """The leaf cells (Morton order) of an octree coded by `encode`."""
    if depth < 1:
        raise FormatError(f"invalid octree depth {depth}")
    stack = AnsStack.from_bytes(data)
    buffer = Scratch() if getattr(contexts, "stateless", False) else None
    for level in walk(depth, step_mm, sensor):
        for g in range(GROUPS):
            index, features = _inputs(contexts, level, g, buffer)
            if len(index):
                level.occupancy[index] = contexts.pop(stack, features) + 1
    if not stack.is_empty():
        raise FormatError("corrupt geometry stream (data left after the last octree level)")
    return expand(level.coords, level.occupancy)[0]
