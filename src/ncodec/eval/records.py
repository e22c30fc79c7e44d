"""The resumable record store: one JSON line per finished (image, codec, quality) in `--out`."""

from __future__ import annotations

import json
from pathlib import Path

from ncodec.errors import InputError, OutputExistsError

RECORDS_FILE = "records.jsonl"
RUN_FILE = "run.json"

PointKey = tuple[str, str, float]


def point_key(record: dict) -> PointKey:
    """The identity of a measurement: image name, canonical codec spec, quality."""
    return (record["image"], record["codec"], float(record["quality"]))


class RecordStore:
    """Append-only JSONL of measurements plus the timing settings they were taken with."""

    def __init__(self, out_dir: Path, settings: dict, fresh: bool = False) -> None:
        """Open (or create) `out_dir`; refuse a foreign non-empty folder and mixed settings."""
        self.out_dir = out_dir
        self.path = out_dir / RECORDS_FILE
        run_path = out_dir / RUN_FILE
        if out_dir.exists() and not out_dir.is_dir():
            raise InputError(f"{out_dir}: exists and is not a directory")
        if out_dir.is_dir() and any(out_dir.iterdir()) and not run_path.exists():
            raise OutputExistsError(
                f"{out_dir}: not empty and not an ncodec eval folder; choose another --out"
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        if fresh:
            self.path.unlink(missing_ok=True)
        elif run_path.exists() and self.path.exists():
            previous = json.loads(run_path.read_text())
            if previous != settings:
                raise InputError(
                    f"{out_dir} holds results taken with other settings ({previous}); "
                    "use --fresh to start over or the same settings to resume"
                )
        run_path.write_text(json.dumps(settings, indent=1, sort_keys=True) + "\n")
        self._drop_partial_tail()

    def _drop_partial_tail(self) -> None:
        """Cut a last line left unfinished by an interrupt, so new lines start clean."""
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        if data and not data.endswith(b"\n"):
            self.path.write_bytes(data[: data.rfind(b"\n") + 1])

    def load(self) -> list[dict]:
        """All complete records written so far (a line cut short by an interrupt is ignored)."""
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text().splitlines():
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(record, dict) and {"image", "codec", "quality"} <= record.keys():
                records.append(record)
        return records

    def append(self, record: dict) -> None:
        """Write one record as a line and flush it, so an interrupt loses at most that line."""
        with self.path.open("a") as fh:
            fh.write(json.dumps(record) + "\n")
            fh.flush()
