"""The output file and its SQLite checkpoint (``<output>.state``): what is done, crash-safely.

The output JSONL file is the record of results; the checkpoint indexes it. A result is
appended to the output (one ``write`` of a whole line, flushed to the OS) and only then
recorded in the checkpoint with the file offset it ends at. A process killed between the two
leaves a line the checkpoint does not know yet: ``open`` finds it past the last recorded
offset and records it, and cuts off a trailing partial line, so after any crash every
``custom_id`` is in the output exactly once and no request with a written result is resent.

A billable request (an image generation) is marked *started* before it is sent; one found
started but not finished on resume may have been billed, so it is recorded as failed rather
than sent again (``--retry-failed`` resends it deliberately).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from pathlib import Path
from typing import BinaryIO, cast

__all__ = ["Checkpoint", "read_result"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS done (
    custom_id TEXT PRIMARY KEY,
    ok INTEGER NOT NULL,
    end_offset INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS started (custom_id TEXT PRIMARY KEY);
"""


class Checkpoint:
    """The output file (opened for appending) and the state database next to it.

    Thread-safe: the sync runner records from worker threads, the async one from tasks.
    """

    def __init__(self, output: Path) -> None:
        self.output = output
        self.path = output.with_name(output.name + ".state")
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across a killed process
        self._db.executescript(_SCHEMA)
        output.parent.mkdir(parents=True, exist_ok=True)
        output.touch(exist_ok=True)
        self._recover()
        self._file: BinaryIO = output.open("ab")

    def _recover(self) -> None:
        """Cut a partial last line; record lines written after the last recorded offset."""
        with self.output.open("r+b") as file:
            data_end = _last_line_end(file)
            file.truncate(data_end)
            (covered,) = self._db.execute(
                "SELECT COALESCE(MAX(end_offset), 0) FROM done"
            ).fetchone()
            file.seek(min(int(covered), data_end))
            offset = file.tell()
            rows: list[tuple[str, int, int]] = []
            for raw in file:
                offset += len(raw)
                custom_id, ok = read_result(raw)
                if custom_id is not None:
                    rows.append((custom_id, int(ok), offset))
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO done VALUES (?, ?, ?)", rows)
            self._db.execute("DELETE FROM started WHERE custom_id IN (SELECT custom_id FROM done)")
            self._db.execute("COMMIT")

    def is_done(self, custom_id: str) -> bool:
        """True when ``custom_id`` has a result in the output."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM done WHERE custom_id = ?", (custom_id,))
            return row.fetchone() is not None

    def was_started(self, custom_id: str) -> bool:
        """True when a billable request was sent by an earlier run that never recorded it."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM started WHERE custom_id = ?", (custom_id,))
            return row.fetchone() is not None

    def start(self, custom_id: str) -> None:
        """Mark a billable request as (about to be) sent."""
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO started VALUES (?)", (custom_id,))

    def record(self, custom_id: str, line: bytes, *, ok: bool) -> None:
        """Append ``line`` to the output, then record ``custom_id`` as done."""
        with self._lock:
            self._file.write(line)
            self._file.flush()  # in the OS's hands: survives the process being killed
            end = self._file.tell()
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO done VALUES (?, ?, ?)", (custom_id, int(ok), end)
            )
            self._db.execute("DELETE FROM started WHERE custom_id = ?", (custom_id,))
            self._db.execute("COMMIT")

    def forget_failed(self) -> int:
        """Drop failed results from the output and the checkpoint, to run them again.

        The output is rewritten to a temporary file and renamed over the old one, so a crash
        leaves either the old or the new file. Returns how many results were dropped.
        """
        with self._lock:
            failed = {row[0] for row in self._db.execute("SELECT custom_id FROM done WHERE ok = 0")}
            started = {row[0] for row in self._db.execute("SELECT custom_id FROM started")}
            if not failed and not started:
                return 0
            self._file.close()
            temporary = self.output.with_name(self.output.name + ".tmp")
            with self.output.open("rb") as source, temporary.open("wb") as target:
                for raw in source:
                    custom_id, _ = read_result(raw)
                    if custom_id not in failed:
                        target.write(raw)
                target.flush()
                os.fsync(target.fileno())
            os.replace(temporary, self.output)
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute("DELETE FROM done")
            self._db.execute("DELETE FROM started")
            self._db.execute("COMMIT")
        self._recover()
        self._file = self.output.open("ab")
        return len(failed | started)

    def close(self) -> None:
        """Close the output file and the database."""
        with self._lock:
            self._file.close()
            self._db.close()


def _last_line_end(file: BinaryIO) -> int:
    """The offset just past the last newline of ``file`` (0 when it has none)."""
    end = file.seek(0, os.SEEK_END)
    position = end
    while position > 0:
        step = min(65536, position)
        file.seek(position - step)
        block = file.read(step)
        newline = block.rfind(b"\n")
        if newline >= 0:
            return position - step + newline + 1
        position -= step
    return 0


def read_result(raw: bytes) -> tuple[str | None, bool]:
    """``(custom_id, ok)`` of one output line; ``(None, False)`` for a line that is not one."""
    try:
        value = json.loads(raw)
    except (ValueError, RecursionError):
        return None, False
    if not isinstance(value, dict):
        return None, False
    fields = cast("dict[str, object]", value)
    custom_id = fields.get("custom_id")
    if not isinstance(custom_id, str):
        return None, False
    return custom_id, fields.get("error") is None
