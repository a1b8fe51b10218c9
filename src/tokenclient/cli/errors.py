"""Turn an exception into an exit code and ONE line for stderr, never leaking the key.

Exit codes: 0 success, 1 the API (or a file) failed, 2 usage or configuration, 3 no answer
(connection, timeout, a video wait that ran out of time), 130 interrupted.
"""

from __future__ import annotations

from collections.abc import Iterable

import httpx

from .._exceptions import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APIStreamError,
    TokenClientError,
    VideoTaskError,
    VideoTaskTimeoutError,
)

__all__ = [
    "EXIT_API",
    "EXIT_CONNECTION",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "CliError",
    "describe",
    "one_line",
    "safe_url",
]

EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_CONNECTION = 3
EXIT_INTERRUPTED = 130

_MAX_LINE = 1000
_REDACTED = "[redacted]"


class CliError(Exception):
    """A failure the command line explains itself: a message and an exit code."""

    def __init__(self, message: str, code: int = EXIT_API) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def safe_url(url: httpx.URL | str) -> str:
    """``url`` without user info, query or fragment (signed URLs carry secrets there)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        return "<invalid URL>"
    return str(parsed.copy_with(username=None, password=None, query=None, fragment=None))


def one_line(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` on one line, bounded in length, with every secret replaced."""
    for secret in secrets:
        if len(secret) >= 4:
            text = text.replace(secret, _REDACTED)
    line = " ".join(text.split())
    return line if len(line) <= _MAX_LINE else line[: _MAX_LINE - 3] + "..."


def _status_line(exc: APIStatusError) -> str:
    line = f"{exc.status_code} {type(exc).__name__}: {exc.message}"
    if exc.request_id:
        line += f" (request id {exc.request_id})"
    if exc.retry_after is not None:
        line += f"; the server asks to wait {exc.retry_after:g}s"
    return line


def describe(exc: Exception) -> tuple[int, str]:
    """The exit code and the message (not yet one-lined nor redacted) for ``exc``."""
    if isinstance(exc, CliError):
        return exc.code, exc.message
    if isinstance(exc, APIStatusError):
        return EXIT_API, _status_line(exc)
    if isinstance(exc, APIConnectionError):
        where = f"{exc.request.method} {safe_url(exc.request.url)}"
        return EXIT_CONNECTION, f"{type(exc).__name__}: {exc.message} ({where})"
    if isinstance(exc, APIStreamError):
        code = f" (code {exc.code})" if exc.code is not None else ""
        return EXIT_API, f"{type(exc).__name__}: the stream broke off: {exc.message}{code}"
    if isinstance(exc, APIError):
        return EXIT_API, f"{type(exc).__name__}: {exc.message}"
    if isinstance(exc, VideoTaskTimeoutError):
        task = exc.task.id
        return (
            EXIT_CONNECTION,
            f"{type(exc).__name__}: video task {task} did not finish in time; it keeps "
            f"running: tokenclient video-status {task} --wait",
        )
    if isinstance(exc, VideoTaskError):
        return EXIT_API, f"{type(exc).__name__}: {exc}"
    if isinstance(exc, TokenClientError):  # missing key or base URL, invalid arguments
        return EXIT_USAGE, str(exc)
    if isinstance(exc, OSError):
        name = f": {exc.filename}" if exc.filename else ""
        return EXIT_API, f"{type(exc).__name__}: {exc.strerror or exc}{name}"
    return EXIT_API, f"unexpected {type(exc).__name__}: {exc}"
