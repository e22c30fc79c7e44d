"""`ncodec eval`: rate–distortion and speed of codecs on a folder of images."""

from __future__ import annotations

import json
import math
from pathlib import Path

import click

from ncodec.errors import InputError
from ncodec.eval.codec import split_codec_list

CLASSICAL_DEFAULT = "jpeg,jpeg2000,webp,avif,jpegxl"


def _default_codecs() -> str:
    """The five classical codecs, plus our default model when one is installed."""
    from ncodec import api

    return CLASSICAL_DEFAULT + (",ncodec" if api.list_models() else "")


def _strict_json(value: object) -> object:
    """Replace NaN/inf (not valid JSON) by null, recursively."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _strict_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_strict_json(v) for v in value]
    return value


@click.command()
@click.argument("data_dir", type=click.Path(path_type=Path))
@click.option(
    "--codecs",
    default=None,
    help="Comma-separated codecs: jpeg, jpeg2000, webp, avif, jpegxl, ncodec (default model) "
    "or ncodec:MODEL; options as name:key=value, e.g. avif:speed=0, jpegxl:effort=9, "
    "webp:method=6, jpeg:q=10/50/90. Default: the five classical codecs (+ ncodec if installed).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path),
    default=Path("eval-results"),
    show_default=True,
    help="Folder for records.jsonl, results.json, bd_rate.md, plots.",
)
@click.option(
    "--threads",
    type=int,
    default=1,
    show_default=True,
    help="Threads per codec (timings are single-threaded by default).",
)
@click.option(
    "--jobs",
    type=int,
    default=1,
    show_default=True,
    help="Parallel worker processes, one (image, codec, quality) point each; CPU times stay "
    "valid, wall times then compete for cores.",
)
@click.option(
    "--anchor",
    default=None,
    help="Curve the BD deltas are relative to: a codec of --codecs or a --reference "
    "curve. Default: jpeg.",
)
@click.option(
    "--reference",
    type=click.Path(path_type=Path),
    default=None,
    help="JSON of published curves to overlay and compare, labelled '(published)'.",
)
@click.option(
    "--reference-curves",
    default=None,
    help="Comma-separated names of the --reference curves to use (default: all).",
)
@click.option("--warmup", type=int, default=1, show_default=True, help="Untimed runs first.")
@click.option(
    "--repeats", type=int, default=3, show_default=True, help="Timed runs; the median is kept."
)
@click.option(
    "--timing-images",
    type=int,
    default=None,
    help="Time (warm-up + repeats) only the first N images; the others are coded once and "
    "left out of the time averages. Default: all.",
)
@click.option(
    "--report-only",
    is_flag=True,
    help="Measure nothing: rewrite the reports from the records already in --out.",
)
@click.option("--fresh", is_flag=True, help="Discard the records in --out and start over.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
@click.option(
    "--html",
    "html",
    is_flag=True,
    help="Also write OUT/index.html: the plots and tables on a static page.",
)
@click.option(
    "--lossless",
    is_flag=True,
    help="Lossless mode: bits per subpixel of real files and coding times of png, "
    "webp-lossless, jpegxl-lossless (default) or ncodec:MODEL of a lossless model; every file "
    "must decode to the exact pixels. Options: webp-lossless:method=0..6, "
    "jpegxl-lossless:effort=1..10.",
)
def eval_command(
    data_dir: Path,
    codecs: str | None,
    out_dir: Path,
    threads: int,
    jobs: int,
    anchor: str | None,
    reference: Path | None,
    reference_curves: str | None,
    warmup: int,
    repeats: int,
    timing_images: int | None,
    report_only: bool,
    fresh: bool,
    no_progress: bool,
    html: bool,
    lossless: bool,
) -> None:
    """Measure real bpp, PSNR, MS-SSIM and encode/decode time on every image in DATA_DIR.

    Each finished (image, codec, quality) is appended to OUT/records.jsonl, so an interrupted
    run resumes where it stopped; results.json, bd_rate.md and the plots are rewritten at the end.
    """
    from ncodec.eval.harness import TimingSettings, run_evaluation
    from ncodec.eval.plots import write_plots
    from ncodec.eval.reference import load_reference
    from ncodec.eval.registry import resolve_codec
    from ncodec.eval.report import build_results, choose_anchor, render_bd_markdown

    if lossless:
        from ncodec.eval.lossless_cli import run_lossless_command

        if anchor or reference or reference_curves or jobs != 1 or html or timing_images:
            raise InputError(
                "--lossless takes none of --anchor, --reference, --reference-curves, --jobs, "
                "--html, --timing-images"
            )
        run_lossless_command(
            data_dir, codecs, out_dir, threads, warmup, repeats, report_only, fresh, no_progress
        )
        return
    codec_texts = split_codec_list(codecs if codecs is not None else _default_codecs())
    if reference_curves and not reference:
        raise InputError("--reference-curves needs --reference FILE")
    names = split_codec_list(reference_curves, "--reference-curves") if reference_curves else None
    published = load_reference(reference, names) if reference else {}
    measured = [resolve_codec(text, max(threads, 1)).spec for text in codec_texts]
    anchor_name = choose_anchor(anchor, measured, list(published))

    def warn(message: str) -> None:
        """Print a non-fatal problem (skipped image, failed point) to stderr."""
        click.echo(f"ncodec: warning: {message}", err=True)

    run = run_evaluation(
        data_dir,
        codec_texts,
        out_dir,
        TimingSettings(threads=threads, warmup=warmup, repeats=repeats),
        jobs=jobs,
        fresh=fresh,
        progress=not no_progress,
        warn=warn,
        timing_images=timing_images,
        report_only=report_only,
    )
    results, rows = build_results(run, anchor_name, published)
    (out_dir / "results.json").write_text(json.dumps(_strict_json(results), indent=1) + "\n")
    (out_dir / "bd_rate.md").write_text(render_bd_markdown(results, rows))
    if results["perception_distortion"]:
        from ncodec.eval.perception import render_realism_markdown

        (out_dir / "realism.md").write_text(render_realism_markdown(results))
    plots = write_plots(results, rows, out_dir)
    if html:
        from ncodec.eval.html import render_eval_page

        page = out_dir / "index.html"
        page.write_text(render_eval_page(_strict_json(results), plots))
        plots = [*plots, page]
    click.echo(
        f"evaluated {results['dataset']['n_images']} images x {len(run.codecs)} codecs; "
        f"wrote {out_dir / 'results.json'}, {out_dir / 'bd_rate.md'}, "
        + ", ".join(p.name for p in plots)
    )
    if run.skipped:
        click.echo(
            f"skipped {len(run.skipped)} unreadable image(s): " + ", ".join(sorted(run.skipped)),
            err=True,
        )
