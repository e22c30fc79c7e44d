"""Which files a batch run works on and where each output goes; finished outputs are skipped.

The input is a folder (searched recursively: images, or `.ncz` files to decompress) or a
manifest: a text file with one path per line (relative paths are relative to the manifest's
folder; blank lines and lines starting with '#' are ignored). Each output keeps the input's
path relative to that folder (or its file name, for a path outside it), with the output's
suffix: `.ncz` (compress), `.png` (decompress) or `.json` (eval).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ncodec.batch.jobs import Job
from ncodec.errors import InputError
from ncodec.io import find_images

OUTPUT_SUFFIX = {"compress": ".ncz", "decompress": ".png", "eval": ".json"}


@dataclass(frozen=True)
class Plan:
    """The jobs still to do, and the outputs an earlier run already finished."""

    todo: list[Job]
    finished: list[Path]

    @property
    def total(self) -> int:
        return len(self.todo) + len(self.finished)


def read_inputs(source: Path, kind: str) -> tuple[list[Path], Path]:
    """The input files of a folder or manifest, and the folder outputs are named relative to."""
    if source.is_dir():
        if kind == "decompress":
            files = sorted(p for p in source.rglob("*.ncz") if p.is_file())
            if not files:
                raise InputError(f"no .ncz files found in {source}")
            return files, source
        return find_images(source, recursive=True), source
    if not source.is_file():
        raise InputError(f"input not found: {source} (give a folder or a manifest file)")
    try:
        lines = source.read_text().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"cannot read manifest {source}: {err}") from None
    root = source.parent
    files = [(root / line.strip()) for line in lines if line.strip() and not line.startswith("#")]
    if not files:
        raise InputError(f"manifest {source} lists no files")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise InputError(f"manifest {source} lists a missing file: {missing[0]}{more}")
    return files, root


def output_path(source: Path, root: Path, out: Path, kind: str) -> Path:
    """Where the output of `source` goes."""
    try:
        relative = source.resolve().relative_to(root.resolve())
    except ValueError:
        relative = Path(source.name)
    return out / relative.with_suffix(OUTPUT_SUFFIX[kind])


def plan_jobs(
    kind: str,
    source: Path,
    out: Path,
    model: str | None = None,
    quality: int = 75,
    threads: int = 1,
) -> Plan:
    """Jobs for every input whose output does not exist yet (finished outputs are skipped)."""
    files, root = read_inputs(source, kind)
    targets: dict[Path, Path] = {}
    for file in files:
        target = output_path(file, root, out, kind)
        if target in targets:
            raise InputError(f"{targets[target]} and {file} would both write {target} (rename one)")
        targets[target] = file
    todo, finished = [], []
    for target, file in targets.items():
        if target.exists():
            finished.append(target)
        else:
            job = Job(kind, str(file), str(target), model, quality, threads)
            todo.append(job)
    return Plan(todo, finished)
