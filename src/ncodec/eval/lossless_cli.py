"""The `--lossless` branch of `ncodec eval`: run, write the reports, fail on a bad round trip."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ncodec.errors import NcodecError
from ncodec.eval.codec import split_codec_list
from ncodec.eval.harness import TimingSettings
from ncodec.eval.lossless import run_lossless
from ncodec.eval.lossless_codecs import LOSSLESS_DEFAULT
from ncodec.eval.lossless_report import (
    build_lossless_results,
    plot_lossless,
    render_lossless_markdown,
)


def run_lossless_command(
    data_dir: Path,
    codecs: str | None,
    out_dir: Path,
    threads: int,
    warmup: int,
    repeats: int,
    report_only: bool,
    fresh: bool,
    no_progress: bool,
) -> None:
    """Measure, write OUT/results.json, OUT/lossless.md and OUT/lossless.png; a codec whose
    file decoded to other pixels makes the command fail after the reports are written."""

    def warn(message: str) -> None:
        """Print a non-fatal problem (skipped image, a codec refusing an image) to stderr."""
        click.echo(f"ncodec: warning: {message}", err=True)

    run = run_lossless(
        data_dir,
        split_codec_list(codecs or LOSSLESS_DEFAULT),
        out_dir,
        TimingSettings(threads=threads, warmup=warmup, repeats=repeats),
        fresh=fresh,
        progress=not no_progress,
        warn=warn,
        report_only=report_only,
    )
    results = build_lossless_results(run)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n")
    (out_dir / "lossless.md").write_text(render_lossless_markdown(results))
    plot = plot_lossless(results, out_dir / "lossless.png")
    written = ", ".join(
        str(p) for p in (out_dir / "results.json", out_dir / "lossless.md", plot) if p
    )
    click.echo(
        f"evaluated {results['dataset']['n_common']} images x {len(run.codecs)} lossless "
        f"codecs; wrote {written}"
    )
    broken = sorted({f["codec"] for f in run.failures if f.get("round_trip")})
    if broken:
        raise NcodecError(f"lossless round trip failed for {', '.join(broken)} (see lossless.md)")
