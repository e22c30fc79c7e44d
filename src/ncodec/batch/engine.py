"""Run batch jobs on Dask distributed: a local cluster of worker processes, or a real cluster.

Dask was chosen over Ray: it is pure Python and small (about 25 MB installed with its
dependencies, against several hundred for Ray's native runtime), installs from PyPI like any
package, a local cluster is one `LocalCluster(n_workers=N)` with nothing else to start, and a
real cluster is `dask scheduler` on one machine and `dask worker tcp://HOST:8786` on the others
(or dask-jobqueue / dask-kubernetes), which `--scheduler tcp://HOST:8786` connects to.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tqdm import tqdm

from ncodec.batch.jobs import Job, run_job
from ncodec.errors import InputError, NcodecError


@dataclass(frozen=True)
class ClusterSettings:
    """Where jobs run: a running scheduler's address, or a local cluster of `workers`."""

    scheduler: str | None = None
    workers: int = 2
    processes: bool = True
    """False: the local workers are threads of this process (tests)."""


@dataclass
class Outcome:
    """What a run did: one record per finished job, one message per failed job, wall time."""

    records: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    workers: int = 0


@contextmanager
def connect(settings: ClusterSettings) -> Iterator[Any]:
    """A Dask client for the settings; a local cluster lives as long as the block."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise InputError(
            "ncodec batch needs Dask distributed: pip install 'ncodec[cluster]'"
        ) from None
    if settings.scheduler:
        try:
            client = Client(settings.scheduler, timeout="20s")
        except OSError as err:
            raise InputError(f"cannot reach scheduler {settings.scheduler}: {err}") from None
        with client:
            yield client
        return
    if settings.workers < 1:
        raise InputError(f"--workers must be at least 1, got {settings.workers}")
    # Worker processes talk over TCP on localhost only; worker threads in memory.
    where = {"host": "127.0.0.1"} if settings.processes else {}
    cluster = LocalCluster(
        n_workers=settings.workers,
        threads_per_worker=1,
        processes=settings.processes,
        dashboard_address="127.0.0.1:0",  # its HTTP server: localhost, any free port
        silence_logs=logging.ERROR,
        **where,
    )
    with cluster, Client(cluster) as client:
        yield client


def run_jobs(
    client: Any, jobs: Sequence[Job], done_before: int = 0, progress: bool = True
) -> Outcome:
    """Run the jobs on the cluster; a failed job is reported, never stops the others."""
    from dask.distributed import as_completed

    outcome = Outcome(workers=len(client.scheduler_info().get("workers", {})))
    start = time.perf_counter()
    futures = client.map(run_job, list(jobs), pure=False)
    sources = {future.key: job.source for future, job in zip(futures, jobs, strict=True)}
    total = done_before + len(jobs)
    with tqdm(total=total, initial=done_before, unit="file", disable=not progress) as bar:
        for future in as_completed(futures):
            try:
                outcome.records.append(future.result())
            except NcodecError as err:
                outcome.failures.append(f"{sources[future.key]}: {err}")
            except Exception as err:  # a worker's bug must not lose the other files
                outcome.failures.append(f"{sources[future.key]}: {type(err).__name__}: {err}")
            bar.update(1)
    outcome.seconds = time.perf_counter() - start
    return outcome
