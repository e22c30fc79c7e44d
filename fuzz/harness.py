"""What the fuzz targets and the replay test share: the models, the limits and the contract.

Contract: every input ends in data that matches its header (pixels of the header's size within
the pixel limit, a tensor of its shape and dtype, a cloud of its point count) or in an
`ncodec.errors` exception; anything else (another exception, running out of memory below the
limits, a hang) is a defect. Inputs decode with a small pixel limit so that each one is fast.
"""

from __future__ import annotations

import importlib.util
import os
import resource
from pathlib import Path
from types import ModuleType

import numpy as np
import torch

from ncodec import api
from ncodec.errors import FormatError, NcodecError, ResourceError
from ncodec.format import NczHeader, PayloadKind
from ncodec.format.container import describe, read_ncz
from ncodec.zoo import ENV_PATH

FUZZ_MAX_PIXELS = int(os.environ.get("NCODEC_FUZZ_MAX_PIXELS", 1 << 14))
"""Pixel limit while fuzzing (default 2**14, e.g. 128x128, which keeps every decode short;
larger limits exercise the stream-length checks of big headers)."""
MEMORY_HEADROOM = (1 << 30) + 1024 * FUZZ_MAX_PIXELS
"""Address space allowed beyond what the process holds after loading the models (bytes): a
decode needs well under 1 KiB per pixel."""
TINY_MODELS = ("tiny-hp", "tiny-fp")
SHIPPED_MODEL = "hyperprior-mse"
KIND_MODELS = ("lossless-photo", "overfit", "pc-mnist", "lidar-octree")
"""Shipped models with decoders of their own (every payload kind), fuzzed beside the image
models."""
ROOT = Path(__file__).resolve().parents[1]


class DecoderDefect(AssertionError):
    """An input broke the contract in a way that is not an exception of its own."""


def install_models(folder: Path, write: bool = True) -> dict[str, bytes]:
    """Write the tiny test models into `folder` (unless there) and install them beside the
    shipped one; return model name -> weights hash bytes."""
    folder.mkdir(parents=True, exist_ok=True)
    if write and not all((folder / f"{name}.safetensors").exists() for name in TINY_MODELS):
        _tests_conftest().make_tiny_weights(folder)
    os.environ[ENV_PATH] = str(folder)
    torch.set_num_threads(1)
    return model_hashes()


def model_hashes() -> dict[str, bytes]:
    """Weights hash bytes of the fuzzed models, as installed now."""
    return {
        name: bytes.fromhex(api.load_model(name).weights_hash)
        for name in (*TINY_MODELS, SHIPPED_MODEL, *KIND_MODELS)
    }


def _tests_conftest() -> ModuleType:
    """tests/conftest.py, for `make_tiny_weights` (the same tiny models the tests use)."""
    path = ROOT / "tests" / "conftest.py"
    spec = importlib.util.spec_from_file_location("ncodec_tests_conftest", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def retarget(data: bytes, models: dict[str, bytes]) -> bytes:
    """A file naming a tiny model gets that model's current weights hash (the tiny weights are
    regenerated for each campaign), with its CRC recomputed; anything else is unchanged."""
    from ncz_mutator import image_fields, split

    parts = split(data)
    fields = image_fields(parts.header) if parts else None
    if fields is None:
        return data
    name = fields.model.decode("utf-8", "replace")
    if name not in TINY_MODELS or fields.weights_hash == models[name]:
        return data
    fields = type(fields)(**{**fields.__dict__, "weights_hash": models[name]})
    return type(parts)(parts.version, fields.to_bytes(), parts.streams).to_bytes()


def limit_memory(headroom: int = MEMORY_HEADROOM) -> int:
    """Cap this process's address space at what it holds now plus `headroom`; return the cap."""
    size = _vm_size()
    cap = size + headroom
    resource.setrlimit(resource.RLIMIT_AS, (cap, resource.getrlimit(resource.RLIMIT_AS)[1]))
    return cap


def _vm_size() -> int:
    """Current virtual memory size of this process in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmSize in /proc/self/status")


def decode_contract(data: bytes) -> str:
    """Decode under the fuzzing limits; the outcome's name ("pixels", "tensor", "points" or the
    error's class), or DecoderDefect."""
    try:
        decoded = api.decode(data, FUZZ_MAX_PIXELS)
    except ResourceError as err:
        if "memory" in str(err):
            raise DecoderDefect(f"ran out of memory below the pixel limit: {err}") from err
        return "ResourceError"
    except NcodecError as err:
        return type(err).__name__
    return _checked_output(decoded.header, np.asarray(decoded.data))


def _checked_output(header: NczHeader, data: np.ndarray) -> str:
    """The outcome's name if the decoded data matches the header, else DecoderDefect."""
    info = header.payload
    if header.kind == PayloadKind.INTEGER_TENSOR:
        if data.shape != tuple(info.shape) or data.dtype != np.dtype(info.dtype):
            raise DecoderDefect(f"decoded {data.shape} {data.dtype} for {info}")
        return "tensor"
    if header.kind == PayloadKind.POINT_CLOUD:
        if data.ndim != 2 or data.shape[0] != info.point_count or data.shape[1] not in (3, 4):
            raise DecoderDefect(f"decoded {data.shape} for {info}")
        if not np.isfinite(data).all():
            raise DecoderDefect(f"decoded non-finite points for {info}")
        return "points"
    if data.shape != (header.height, header.width, 3) or data.dtype != np.uint8:
        raise DecoderDefect(f"decoded {data.shape} {data.dtype} for {info}")
    if header.height * header.width > FUZZ_MAX_PIXELS:
        raise DecoderDefect(f"decoded more than {FUZZ_MAX_PIXELS} pixels")
    return "pixels"


def container_contract(data: bytes) -> str:
    """Parse and describe as `ncodec info` does; the outcome's name (FormatError or parsed)."""
    try:
        header, streams = read_ncz(data)
    except FormatError:
        return "FormatError"
    describe(header, streams, len(data))
    return "parsed"
