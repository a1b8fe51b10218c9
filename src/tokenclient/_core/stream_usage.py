"""``stream_options: {"include_usage": true}`` on streamed chat requests, and who refuses it.

``TokenClient(stream_usage=True)`` (the default) asks for the usage chunk on every streamed
chat request whose caller did not set ``stream_options``. A provider that answers 400 naming
``stream_options`` is remembered per ``(base_url, model)``: the request is sent again once
without it, and that pair never gets it again.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from .._exceptions import BadRequestError

__all__ = ["StreamUsage"]

_INCLUDE_USAGE = {"include_usage": True}


class StreamUsage:
    """The stream-usage policy of one client (shared by its ``with_options`` copies)."""

    __slots__ = ("_lock", "_refused", "enabled")

    def __init__(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(f"stream_usage: expected True or False, got {enabled!r}")
        self.enabled = enabled
        self._lock = threading.Lock()
        self._refused: set[tuple[str, str]] = set()

    def body(self, body: Mapping[str, object] | None, base_url: str) -> Mapping[str, object] | None:
        """``body`` with ``stream_options`` added when wanted (the same object otherwise)."""
        if body is None or not self.enabled or "stream_options" in body:
            return body
        model = body.get("model")
        if not isinstance(model, str) or (base_url, model) in self._refused:
            return body
        return {**body, "stream_options": _INCLUDE_USAGE}

    def refused(
        self, error: BaseException, body: Mapping[str, object] | None, base_url: str
    ) -> bool:
        """Whether ``error`` refuses ``stream_options``; if so, remember it for this model."""
        if not isinstance(error, BadRequestError):
            return False
        said = f"{error.param or ''} {error.code or ''} {error.message}"
        if "stream_options" not in said:
            return False
        model = body.get("model") if body is not None else None
        if isinstance(model, str):
            with self._lock:
                self._refused.add((base_url, model))
        return True
