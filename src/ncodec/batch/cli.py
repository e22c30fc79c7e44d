"""`ncodec batch compress|decompress|eval INPUT --out DIR`: many files on a Dask cluster.

INPUT is a folder or a manifest (one path per line). Outputs that exist are finished work and
are skipped, so rerunning an interrupted command completes it.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from pathlib import Path

import click

from ncodec.errors import InputError


def _cluster_options(command: Callable) -> Callable:
    """INPUT, --out and where the work runs: shared by the three subcommands."""
    options = [
        click.argument("source", metavar="INPUT", type=click.Path(path_type=Path)),
        click.option(
            "--out", type=click.Path(path_type=Path), required=True, help="Output folder."
        ),
        click.option(
            "--workers",
            type=int,
            default=2,
            show_default=True,
            help="Worker processes of the local cluster (ignored with --scheduler).",
        ),
        click.option(
            "--scheduler",
            default=None,
            metavar="ADDRESS",
            help="A running Dask scheduler, e.g. tcp://10.0.0.5:8786 (inputs and --out must "
            "be on a file system every worker sees).",
        ),
        click.option(
            "--threads",
            type=int,
            default=1,
            show_default=True,
            help="PyTorch threads in each worker.",
        ),
        click.option("--no-progress", is_flag=True, help="Hide the progress bar."),
        click.option("--in-process", is_flag=True, hidden=True, help="Worker threads (tests)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _coding_options(command: Callable) -> Callable:
    """--model and --quality (compress and eval)."""
    command = click.option(
        "--quality", "-q", type=click.IntRange(1, 100), default=75, show_default=True
    )(command)
    return click.option("--model", default=None, help="Installed model (default model).")(command)


@click.group("batch")
def batch_command() -> None:
    """Compress, decompress or evaluate a folder or manifest on a Dask cluster (resumable)."""


@batch_command.command("compress")
@_cluster_options
@_coding_options
def compress_batch(**options) -> None:
    """Compress every image of INPUT into OUT/NAME.ncz."""
    _run("compress", **options)


@batch_command.command("decompress")
@_cluster_options
def decompress_batch(**options) -> None:
    """Decompress every .ncz file of INPUT into OUT/NAME.png."""
    _run("decompress", **options)


@batch_command.command("eval")
@_cluster_options
@_coding_options
def eval_batch(**options) -> None:
    """Code and decode every image of INPUT: OUT/NAME.json per image, OUT/summary.json."""
    _run("eval", **options)


def _run(
    kind: str,
    source: Path,
    out: Path,
    workers: int,
    scheduler: str | None,
    threads: int,
    no_progress: bool,
    in_process: bool,
    model: str | None = None,
    quality: int = 75,
) -> None:
    """Plan, run on the cluster, report."""
    from ncodec.batch.engine import ClusterSettings, connect, run_jobs
    from ncodec.batch.plan import plan_jobs
    from ncodec.batch.summary import write_summary

    if threads < 1:
        raise InputError(f"--threads must be at least 1, got {threads}")
    if model is not None or kind != "decompress":
        from ncodec.zoo import find_model

        find_model(model)  # an unknown model fails here, not in every worker
    plan = plan_jobs(kind, source, out, model, quality, threads)
    if kind == "eval" and out / "summary.json" in {Path(j.target) for j in plan.todo}:
        raise InputError(f"an input would write {out / 'summary.json'}, the run's summary")
    out.mkdir(parents=True, exist_ok=True)
    click.echo(
        f"{kind}: {plan.total} files, {len(plan.finished)} finished earlier, "
        f"{len(plan.todo)} to do",
        err=True,
    )
    settings = ClusterSettings(scheduler, workers, processes=not in_process)
    outcome = None
    if plan.todo:
        with connect(settings) as client:
            outcome = run_jobs(client, plan.todo, len(plan.finished), not no_progress)
        rate = len(outcome.records) / outcome.seconds if outcome.seconds else 0.0
        per_file = (
            statistics.median(r["seconds"] for r in outcome.records) if outcome.records else 0
        )
        click.echo(
            f"{kind}: {len(outcome.records)} files in {outcome.seconds:.1f} s "
            f"({rate:.2f} files/s, {outcome.workers} workers; median {per_file:.2f} s per file "
            "in a worker)"
        )
    if kind == "eval":
        summary = write_summary([*plan.finished, *(Path(j.target) for j in plan.todo)], out)
    if kind == "eval" and summary["images"]:
        click.echo(
            f"eval: {summary['images']} images, mean {summary['mean_bpp']:.4f} bpp, "
            f"PSNR {summary['mean_psnr']:.2f} dB; wrote {out / 'summary.json'}"
        )
    if outcome and outcome.failures:
        for failure in outcome.failures:
            click.echo(f"ncodec: failed: {failure}", err=True)
        raise InputError(
            f"{len(outcome.failures)} of {plan.total} files failed (listed above); "
            "rerun to retry them"
        )
