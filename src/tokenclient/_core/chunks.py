"""Turn the bytes of an SSE response into typed chunks: the pure half of a stream.

``ChunkParser.feed(bytes, now)`` returns the chunks those bytes completed. It ends the stream
at ``data: [DONE]``, raises ``APIStreamError`` for an ``{"error": ...}`` event (after the
chunks before it have been returned by earlier calls), ``APIResponseValidationError`` for a
data event that is not a chunk, and ``APITimeoutError`` when no data event has arrived for
``idle_timeout`` seconds although bytes (keep-alive comments) keep coming.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Generic, TypeVar, cast

import httpx
import pydantic

from .._exceptions import APIResponseValidationError, APIStreamError, APITimeoutError
from ..types.errors import ErrorObject
from .response import shorten
from .sse import ServerSentEvent, SSEDecoder

__all__ = ["ChunkParser"]

ChunkT = TypeVar("ChunkT", bound=pydantic.BaseModel)

_DONE = "[DONE]"


class ChunkParser(Generic[ChunkT]):
    """Incremental SSE -> ``ChunkT`` conversion for one response."""

    def __init__(
        self,
        model: type[ChunkT],
        response: httpx.Response,
        *,
        idle_timeout: float | None,
        now: float,
    ) -> None:
        self._model = model
        self._validate_json: Callable[[str], ChunkT] = model.__pydantic_validator__.validate_json
        self._response = response
        self._decoder = SSEDecoder()
        self._idle_timeout = idle_timeout
        self._last_data = now
        self._error: Exception | None = None
        self.done = False
        """True once ``[DONE]`` arrived: the caller stops reading."""

    def feed(self, data: bytes, now: float) -> list[ChunkT]:
        """The chunks completed by ``data``; ``now`` is a monotonic time in seconds."""
        if self._error is not None:
            raise self._error
        chunks = self._convert(self._decoder.feed(data))
        if chunks or self.done:
            self._last_data = now
        elif self._idle_timeout is not None and now - self._last_data > self._idle_timeout:
            raise APITimeoutError(
                f"Stream idle: no data for {now - self._last_data:.1f}s "
                f"(stream_idle_timeout={self._idle_timeout:g}s).",
                request=self._response.request,
            )
        return chunks

    def end(self) -> list[ChunkT]:
        """The body ended: the last chunks, even without a final blank line or ``[DONE]``."""
        if self._error is not None:
            raise self._error
        return self._convert(self._decoder.flush())

    def _convert(self, events: list[ServerSentEvent]) -> list[ChunkT]:
        chunks: list[ChunkT] = []
        try:
            self._convert_into(chunks, events)
        except (APIStreamError, APIResponseValidationError) as exc:
            if not chunks:
                raise
            # Hand out the chunks that came before the error first; raise on the next call.
            self._error = exc
        return chunks

    def _convert_into(self, chunks: list[ChunkT], events: list[ServerSentEvent]) -> None:
        for event in events:
            if self.done:
                break
            data = event.data
            if data[:1] != "{" and data.strip() == _DONE:  # chunks are objects: skip the strip
                self.done = True
                break
            if event.event == "error":
                raise self._stream_error(data, whole=True)
            chunk = self._parse(data)
            extra = chunk.__pydantic_extra__
            if extra and extra.get("error") is not None:
                raise self._stream_error(event.data)
            chunks.append(chunk)

    def _parse(self, data: str) -> ChunkT:
        try:
            # The validator itself: `model_validate_json` is a Python wrapper around this call.
            return self._validate_json(data)
        except pydantic.ValidationError as exc:
            # Not a chunk; an `{"error": {...}}` object has no id or choices, so it lands here.
            if _error_field(data) is not None:
                raise self._stream_error(data) from None
            raise APIResponseValidationError(
                shorten(f"stream event is not a valid {self._model.__name__}: {data}"),
                response=self._response,
                body=_decode(data),
            ) from exc

    def _stream_error(self, data: str, *, whole: bool = False) -> APIStreamError:
        error = _error_field(data)
        if error is None and whole:
            error = _decode(data)
        envelope = ErrorObject()
        if isinstance(error, dict):
            try:
                envelope = ErrorObject.model_validate(error)
            except pydantic.ValidationError:
                envelope = ErrorObject(message=data)
        elif isinstance(error, str):
            envelope = ErrorObject(message=error)
        return APIStreamError(
            shorten(envelope.message or envelope.type or data or "error event in the stream"),
            request=self._response.request,
            body=_decode(data),
            type=envelope.type,
            param=envelope.param,
            code=envelope.code,
        )


def _decode(data: str) -> object:
    try:
        return cast("object", json.loads(data))
    except ValueError:
        return data


def _error_field(data: str) -> object:
    """The ``error`` member of a JSON object, or ``None``."""
    decoded = _decode(data)
    if isinstance(decoded, dict):
        return cast("dict[str, object]", decoded).get("error")
    return None
