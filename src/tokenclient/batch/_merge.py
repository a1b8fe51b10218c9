"""``merge_outputs``: join the outputs of several shards, each ``custom_id`` exactly once."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from .._core import batch
from ._checkpoint import read_result
from ._runner import BatchInputError

__all__ = ["merge_outputs"]


def merge_outputs(
    outputs: Sequence[str | os.PathLike[str]],
    merged: str | os.PathLike[str],
    *,
    requests: str | os.PathLike[str] | None = None,
) -> int:
    """Write the lines of ``outputs`` to ``merged``; returns how many were written.

    Refuses (``BatchInputError``, nothing written) a ``custom_id`` found twice, and, given the
    ``requests`` file the shards ran, a request with no result. The ids are checked in a
    temporary SQLite table, so memory stays flat however long the files are.
    """
    target = Path(merged).expanduser()
    db = sqlite3.connect(":memory:")
    try:
        db.execute("CREATE TABLE seen (custom_id TEXT PRIMARY KEY, source TEXT)")
        for name in outputs:
            path = Path(name).expanduser()
            with path.open("rb") as file:
                for number, raw in enumerate(file, 1):
                    custom_id, _ = read_result(raw)
                    if custom_id is None:
                        raise BatchInputError(f"{path}:{number}: not a batch output line")
                    try:
                        db.execute("INSERT INTO seen VALUES (?, ?)", (custom_id, str(path)))
                    except sqlite3.IntegrityError:
                        (first,) = db.execute(
                            "SELECT source FROM seen WHERE custom_id = ?", (custom_id,)
                        ).fetchone()
                        raise BatchInputError(
                            f"custom_id {custom_id!r} is in {first} and again in {path}:{number}"
                        ) from None
        if requests is not None:
            _check_complete(db, Path(requests).expanduser())
        temporary = target.with_name(target.name + ".tmp")
        written = 0
        with temporary.open("wb") as out:
            for name in outputs:
                with Path(name).expanduser().open("rb") as file:
                    for raw in file:
                        out.write(raw if raw.endswith(b"\n") else raw + b"\n")
                        written += 1
        os.replace(temporary, target)
        return written
    finally:
        db.close()


def _check_complete(db: sqlite3.Connection, requests: Path) -> None:
    missing: list[str] = []
    count = 0
    with requests.open("rb") as file:
        for number, raw in enumerate(file, 1):
            entry = batch.parse_line(raw, number)
            if entry is None:
                continue
            row = db.execute("SELECT 1 FROM seen WHERE custom_id = ?", (entry.custom_id,))
            if row.fetchone() is None:
                count += 1
                if len(missing) < 5:
                    missing.append(entry.custom_id)
    if count:
        shown = ", ".join(repr(m) for m in missing)
        raise BatchInputError(f"{count} request(s) of {requests} have no result: {shown}")
