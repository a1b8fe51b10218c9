"""Output files: numbered names, atomic writes, and bounded downloads of result URLs.

Downloads go through a plain ``httpx.Client``, never the API client, so the key is never sent
to the (often third-party) host of a signed URL. Each download is bounded: 10 s to connect,
60 s between bytes, ``DOWNLOAD_DEADLINE`` in all and ``DOWNLOAD_MAX_BYTES`` of body.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Generator
from pathlib import Path
from typing import BinaryIO

import httpx

from .errors import EXIT_CONNECTION, CliError, safe_url

__all__ = [
    "DOWNLOAD_DEADLINE",
    "DOWNLOAD_MAX_BYTES",
    "DOWNLOAD_TIMEOUT",
    "download",
    "new_file",
    "numbered",
    "write_atomic",
]

DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
"""Per-phase timeouts of a download."""
DOWNLOAD_DEADLINE = 600.0
"""Seconds a whole download may take."""
DOWNLOAD_MAX_BYTES = 2 * 1024**3
"""The largest file a download accepts (2 GiB)."""


def numbered(path: str, index: int, count: int) -> Path:
    """``path`` itself when there is one file; else ``name-<index>.ext`` (from 1)."""
    target = Path(path)
    if count == 1:
        return target
    return target.with_name(f"{target.stem}-{index}{target.suffix}")


@contextlib.contextmanager
def write_atomic(path: Path) -> Generator[BinaryIO, None, None]:
    """Write to ``path.part``, then rename it to ``path``; no half-written file is left."""
    part = path.with_name(path.name + ".part")
    try:
        with part.open("wb") as file:
            yield file
        part.replace(path)
    except BaseException:
        with contextlib.suppress(OSError):
            part.unlink()
        raise


def new_file(data: bytes, *, prefix: str, suffix: str, directory: str = ".") -> Path:
    """Write ``data`` to a new file with a unique name in ``directory``; return its path."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=directory)
    with os.fdopen(fd, "wb") as file:
        file.write(data)
    return Path(name)


def download(http: httpx.Client, url: str, path: Path, *, clock: Callable[[], float]) -> int:
    """Save the body of ``GET url`` to ``path``; return its size in bytes.

    Raises ``CliError``: exit 3 when the host cannot be reached or is too slow, exit 1 for
    an error status, a body over ``DOWNLOAD_MAX_BYTES`` or a URL that is not http(s).
    """
    where = safe_url(url)
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        raise CliError(f"cannot download {where}: not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise CliError(f"cannot download {where}: only http(s) URLs are downloaded")
    deadline = clock() + DOWNLOAD_DEADLINE
    size = 0
    try:
        with http.stream("GET", parsed, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True) as reply:
            if reply.status_code >= 400:
                raise CliError(f"cannot download {where}: HTTP {reply.status_code}")
            with write_atomic(path) as file:
                for piece in reply.iter_bytes():
                    size += len(piece)
                    if size > DOWNLOAD_MAX_BYTES:
                        raise CliError(
                            f"cannot download {where}: larger than {DOWNLOAD_MAX_BYTES} bytes"
                        )
                    if clock() > deadline:
                        raise CliError(
                            f"cannot download {where}: took over {DOWNLOAD_DEADLINE:g}s",
                            EXIT_CONNECTION,
                        )
                    file.write(piece)
    except httpx.TimeoutException as exc:
        raise CliError(
            f"cannot download {where}: timed out ({type(exc).__name__})", EXIT_CONNECTION
        ) from exc
    except httpx.RequestError as exc:  # connection, protocol, redirects, decoding
        raise CliError(
            f"cannot download {where}: {type(exc).__name__}: {exc}", EXIT_CONNECTION
        ) from exc
    return size
