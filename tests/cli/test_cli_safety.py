"""A safe command line: standard input and output, never the input as output, quiet closed
pipes, Ctrl-C at any moment (one line, exit 130, nothing left behind), no stray temporaries
after a kill, one quality rule, decoder limits. Signals and pipes go through real processes."""

from __future__ import annotations

import os
import pty
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from ncodec import api
from ncodec.cli import main
from ncodec.errors import InputError

NCODEC = [sys.executable, "-m", "ncodec"]


def run(*args: str, stdin: bytes | None = None):
    return CliRunner().invoke(main, list(args), input=stdin)


def one_error_line(result, pattern: str) -> None:
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("ncodec: error:"), result.stderr
    assert pattern in lines[0], lines[0]


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(set(os.listdir(folder)) - keep)


@pytest.fixture
def photo_png(tmp_path, photo) -> Path:
    path = tmp_path / "photo.png"
    Image.fromarray(photo).save(path)
    return path


@pytest.fixture
def photo_ncz(installed, photo_png, tmp_path) -> Path:
    out = tmp_path / "photo.ncz"
    assert run("compress", str(photo_png), "-o", str(out), "--model", "tiny-hp").exit_code == 0
    return out


def test_output_equal_to_input_is_refused_even_with_force(installed, photo_png, tmp_path):
    # Regression: `compress X -o X --force` replaced the input image with .ncz bytes.
    before = photo_png.read_bytes()
    one_error_line(
        run("compress", str(photo_png), "-o", str(photo_png), "--force"), "is the input file"
    )
    other_spelling = tmp_path / "." / "sub" / ".." / "photo.png"
    (tmp_path / "sub").mkdir()
    one_error_line(
        run("compress", str(photo_png), "-o", str(other_spelling), "--force"), "is the input"
    )
    link = tmp_path / "link.png"
    link.symlink_to(photo_png)
    one_error_line(run("compress", str(link), "-o", str(photo_png), "--force"), "is the input")
    hard = tmp_path / "hard.png"
    os.link(photo_png, hard)
    one_error_line(run("compress", str(photo_png), "-o", str(hard), "--force"), "is the input")
    assert photo_png.read_bytes() == before


def test_decompress_refuses_its_input_as_output(photo_ncz, tmp_path):
    disguised = tmp_path / "photo-ncz.png"
    disguised.write_bytes(photo_ncz.read_bytes())
    one_error_line(
        run("decompress", str(disguised), "-o", str(disguised), "--force"), "is the input"
    )
    assert disguised.read_bytes() == photo_ncz.read_bytes()


def test_dash_reads_standard_input_and_writes_standard_output(installed, photo_png, tmp_path):
    # Regression: `-o -` created a file named `-`, and `-` as input was "no such file".
    os.chdir(tmp_path)
    png = photo_png.read_bytes()
    compressed = run("compress", "-", "-o", "-", "--model", "tiny-hp", stdin=png)
    assert compressed.exit_code == 0, compressed.stderr
    ncz = compressed.stdout_bytes
    assert ncz.startswith(b"\x89NCZ") and "<stdout>:" in compressed.stderr
    assert api.decode(ncz).header.width == 128
    decompressed = run("decompress", "-", "-o", "-", stdin=ncz)
    assert decompressed.exit_code == 0, decompressed.stderr
    assert decompressed.stdout_bytes.startswith(b"\x89PNG\r\n\x1a\n")
    assert np.array_equal(
        np.asarray(Image.open(__import__("io").BytesIO(decompressed.stdout_bytes))),
        api.decode(ncz).rgb,
    )
    info = run("info", "-", stdin=ncz)
    assert info.exit_code == 0 and "tiny-hp" in info.stdout
    assert not (tmp_path / "-").exists()
    one_error_line(run("decompress", "-", "-o", "-", stdin=b""), "empty file")
    one_error_line(run("compress", "-", "-o", "-", stdin=b""), "empty input")


def test_a_real_pipeline_through_processes(installed, photo_png, tmp_path):
    png = photo_png.read_bytes()
    ncz = subprocess.run(
        [*NCODEC, "compress", "-", "-o", "-", "--model", "tiny-fp"],
        input=png,
        capture_output=True,
        check=True,
    ).stdout
    back = subprocess.run(
        [*NCODEC, "decompress", "-", "-o", "-"], input=ncz, capture_output=True, check=True
    )
    assert back.stdout.startswith(b"\x89PNG") and b"128x96" in back.stderr


def test_binary_output_is_not_written_to_a_terminal(installed, photo_ncz):
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [*NCODEC, "decompress", str(photo_ncz), "-o", "-"],
            stdout=follower,
            stderr=subprocess.PIPE,
            timeout=120,
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert done.stderr.decode().strip().endswith("give -o FILE)")


def test_binary_input_is_not_read_from_a_terminal(installed, tmp_path):
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [*NCODEC, "info", "-"], stdin=follower, stderr=subprocess.PIPE, timeout=120
        )
    finally:
        os.close(follower)
        os.close(leader)
    assert done.returncode == 2
    assert done.stderr.decode().strip().endswith("(redirect standard input)")


def _closed_pipe_run(args: list[str]) -> subprocess.CompletedProcess:
    """Run with standard output a pipe whose reader has already gone."""
    reader, writer = os.pipe()
    os.close(reader)
    try:
        return subprocess.run(args, stdout=writer, stderr=subprocess.PIPE, timeout=120)
    finally:
        os.close(writer)


def test_a_closed_pipe_ends_quietly_with_141(photo_ncz):
    # Regression: `ncodec info f.ncz | head -1` printed "internal error: BrokenPipeError", exit 1.
    for args in (["info", str(photo_ncz)], ["decompress", str(photo_ncz), "-o", "-"]):
        done = _closed_pipe_run([*NCODEC, *args])
        assert done.returncode == 141, done.stderr
        assert done.stderr == b""


@pytest.mark.parametrize("delay", [0.0, 0.3, 1.2])
def test_ctrl_c_during_startup_imports_is_one_line(tmp_path, delay):
    # Regression: Ctrl-C in the first seconds (importing torch) printed a Python traceback;
    # later, Ctrl-C while the subcommand's module imported torch could abort the process
    # (SIGABRT) from inside torch's C++ initialization.
    # `info -` waits on an open pipe once started, so the signal lands during the imports or
    # during the read, never after the process has finished (a race on a busy machine).
    process = subprocess.Popen(
        [*NCODEC, "info", "-"], stdin=subprocess.PIPE, stderr=subprocess.PIPE, cwd=tmp_path
    )
    _wait_until_importing_torch(process.pid)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert (process.returncode, err) == (130, b"ncodec: interrupted\n")


def _wait_until_importing_torch(pid: int, timeout: float = 120.0) -> None:
    """Poll the process's memory map (Linux /proc) until torch's libraries are loaded: its
    start-up imports are then under way, after ncodec's first lines have run (before them,
    only Python itself could handle a signal)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if "libtorch" in Path(f"/proc/{pid}/maps").read_text():
                return
        except (FileNotFoundError, ProcessLookupError):
            break
        time.sleep(0.005)
    raise AssertionError("the process never started importing torch")


@pytest.mark.parametrize("delay", [3.0, 6.0, 9.0])
def test_ctrl_c_while_compressing_leaves_nothing(tmp_path, photo, delay, monkeypatch):
    monkeypatch.delenv("NCODEC_WEIGHTS_PATH", raising=False)
    Image.fromarray(np.tile(photo, (2, 2, 1))).save(tmp_path / "in.png")
    process = subprocess.Popen(
        [*NCODEC, "compress", "in.png", "-o", "out.ncz", "--effort", "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
    )
    _wait_until_importing_torch(process.pid)
    time.sleep(delay)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=300)
    if process.returncode == 0:  # finished before the signal (a fast machine): a whole file
        assert api.decode((tmp_path / "out.ncz").read_bytes()).header.width == 2 * photo.shape[1]
        return
    assert (process.returncode, err) == (130, b"ncodec: interrupted\n")
    assert leftovers(tmp_path, {"in.png"}) == []


def test_subcommand_imports_torch_before_ctrl_c_starts_raising():
    # The deterministic form of the abort above: once a command runs, Ctrl-C raises
    # KeyboardInterrupt, which must never land inside torch's import (its C++ initialization
    # aborted the process). So the subcommand's module, torch with it, is imported first.
    script = (
        "import contextlib, sys\n"
        "from ncodec import interrupts\n"
        "seen, original = [], interrupts.raising\n"
        "@contextlib.contextmanager\n"
        "def spy():\n"
        "    seen.append(('torch' in sys.modules, 'ncodec.commands' in sys.modules))\n"
        "    with original():\n        yield\n"
        "interrupts.raising = spy\n"
        "from ncodec.cli import main\n"
        "try:\n    main(['models'], prog_name='ncodec')\nexcept SystemExit:\n    pass\n"
        "print(seen, file=sys.stderr)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)
    assert done.stderr.decode().strip().splitlines()[-1] == "[(True, True)]"


def test_ctrl_c_after_the_command_has_finished_changes_nothing(tmp_path):
    # Once the command is over, a Ctrl-C while Python shuts down must neither kill the process
    # by signal nor print anything: the status stays the command's own.
    script = (
        "import os, signal, sys; sys.argv = ['ncodec', '--help']\n"
        "from ncodec.__main__ import main\n"
        "try:\n    main()\nexcept SystemExit as done:\n"
        "    os.kill(os.getpid(), signal.SIGINT)\n    raise done\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, timeout=120, cwd=tmp_path
    )
    assert done.returncode == 0 and done.stderr == b"" and b"compress" in done.stdout


@pytest.mark.parametrize("delay", [2.5, 4.0, 5.5, 7.0])
def test_a_killed_write_leaves_no_temporary_file(installed, tmp_path, photo, delay):
    Image.fromarray(np.tile(photo, (3, 3, 1))).save(tmp_path / "in.png")
    process = subprocess.Popen(
        [*NCODEC, "compress", "in.png", "-o", "out.ncz", "--model", "tiny-hp", "--effort", "5"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    time.sleep(delay)
    process.kill()
    process.wait(timeout=60)
    left = leftovers(tmp_path, {"in.png"})
    assert left in ([], ["out.ncz"])
    if left:
        assert api.decode((tmp_path / "out.ncz").read_bytes()).header.width == 384


def test_stale_temporaries_of_killed_runs_are_removed(installed, photo_png, tmp_path):
    stale = tmp_path / ".out.ncz.ncodec-999999999-deadbeef.tmp"
    stale.write_bytes(b"half a file")
    alive = tmp_path / f".out.ncz.ncodec-{os.getpid()}-cafebabe.tmp"
    alive.write_bytes(b"a running writer's")
    foreign = tmp_path / ".out.ncz.1234.tmp"
    foreign.write_bytes(b"not ours")
    assert run("compress", str(photo_png), "-o", str(tmp_path / "out.ncz")).exit_code == 0
    assert not stale.exists() and alive.exists() and foreign.exists()


@pytest.mark.parametrize("text", ["50.5", "0.6", "0.5", "100.4", "nan", "inf", "abc", "0", "101"])
def test_quality_must_be_a_whole_number_from_1_to_100(installed, photo_png, tmp_path, text):
    # Regression: 50.5 was coded as 50 and 0.6 as 1, while 0.5 was an error.
    out = tmp_path / "q.ncz"
    one_error_line(
        run("compress", str(photo_png), "-o", str(out), "-q", text), "whole number from 1 to 100"
    )
    assert not out.exists()
    with pytest.raises(InputError, match="whole number from 1 to 100"):
        api.check_quality(float(text) if text != "abc" else text)


def test_integral_qualities_are_accepted_everywhere(installed, photo_png, tmp_path):
    result = run("compress", str(photo_png), "-o", str(tmp_path / "q.ncz"), "-q", "75.0")
    assert result.exit_code == 0 and "quality 75" in result.stdout
    assert api.check_quality(np.int64(3)) == 3 and api.check_quality(99.0) == 99


def test_max_pixels_limits_decoding(photo_ncz, tmp_path):
    out = tmp_path / "big.png"
    one_error_line(
        run("decompress", str(photo_ncz), "-o", str(out), "--max-pixels", "12287"),
        "exceeds the decoder limit of 12287 pixels",
    )
    assert not out.exists()
    assert run("decompress", str(photo_ncz), "-o", str(out), "--max-pixels", "12288").exit_code == 0
    other = tmp_path / "other.png"
    one_error_line(run("decompress", str(photo_ncz), "-o", str(other), "--max-pixels", "0"), "1 to")


def test_a_hostile_header_fails_fast_through_the_cli(tmp_path, monkeypatch):
    # Regression: a 47-byte file announcing 4096x4096 decoded for 50 s using 7.3 GB.
    from ncodec.format import ImageInfo, NczHeader, write_ncz

    monkeypatch.delenv("NCODEC_WEIGHTS_PATH", raising=False)
    model = api.load_model("hyperprior-mse")
    header = NczHeader("hyperprior-mse", model.weights_hash, ImageInfo(4096, 4096, "RGB", 50))
    bomb = tmp_path / "bomb.ncz"
    bomb.write_bytes(write_ncz(header, [b"", b""]))
    start = time.perf_counter()
    one_error_line(
        run("decompress", str(bomb), "-o", str(tmp_path / "b.png")), "does not match the coded"
    )
    assert time.perf_counter() - start < 5


@pytest.mark.parametrize(
    "failure",
    [
        MemoryError(),
        RuntimeError(
            "[enforce fail at alloc_cpu.cpp:119] data. DefaultCPUAllocator: can't allocate "
            "memory: you tried to allocate 15032385536 bytes. Error code 12"
        ),
    ],
)
def test_running_out_of_memory_is_one_line(photo_ncz, tmp_path, monkeypatch, failure):
    # Regression: a huge header made torch fail with "internal error: RuntimeError".
    codec = api.load_model("tiny-hp")

    def fail(*_args):
        raise failure

    monkeypatch.setattr(type(codec), "decompress", fail)
    one_error_line(
        run("decompress", str(photo_ncz), "-o", str(tmp_path / "x.png")),
        "not enough memory to decode a 128x96 image",
    )
