"""Turn the bytes of an SSE response into typed chunks: the pure half of a stream.

``ChunkParser.feed(bytes, now)`` returns the chunks those bytes completed (and
``ChunkParser.single(bytes, now)`` the chunk of the common piece, one event holding one chunk,
without any list). It ends the stream at ``data: [DONE]``, raises ``APIStreamError`` for an
``{"error": ...}`` event (after the chunks before it have been returned by earlier calls),
``APIResponseValidationError`` for a data event that is not a chunk, and ``APITimeoutError``
when no data event has arrived for ``idle_timeout`` seconds although bytes (keep-alive
comments) keep coming.

Hostile or broken servers get a typed error, never an untyped one: an event (or a line that never
ends) past ``max_event_bytes`` is an ``APIResponseValidationError`` raised as soon as the
decoder's buffer passes the cap; JSON nested too deep to decode is "not a valid chunk". A
``stream=True`` request answered with a plain ``application/json`` completion (some gateways
ignore ``stream``) gives that completion as one chunk per choice; its body counts as one event.
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
from .sse import DEFAULT_MAX_EVENT_BYTES, EventTooLarge, RawEvent, SSEDecoder

__all__ = ["ChunkParser", "completion_chunks"]

ChunkT = TypeVar("ChunkT", bound=pydantic.BaseModel)

_DONE = b"[DONE]"


class ChunkParser(Generic[ChunkT]):
    """Incremental SSE -> ``ChunkT`` conversion for one response."""

    def __init__(
        self,
        model: type[ChunkT],
        response: httpx.Response,
        *,
        idle_timeout: float | None,
        now: float,
        max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES,
    ) -> None:
        self._model = model
        # The compiled validator itself, given each event's bytes as they came: no text, no dict.
        self._validate_json: Callable[[bytes], ChunkT] = model.__pydantic_validator__.validate_json
        self._response = response
        self._decoder = SSEDecoder(max_event_bytes=max_event_bytes)
        self._limit = max_event_bytes
        content_type = response.headers.get("content-type", "")
        self._json: list[bytes] | None = [] if "json" in content_type.lower() else None
        """The body so far when the server answered JSON instead of an event stream."""
        self._json_size = 0
        self._idle_timeout = idle_timeout
        self._last_data = now
        self._error: Exception | None = None
        # :meth:`single` may run: the decoder holds nothing, no error waits, no ``[DONE]`` yet.
        self._quick = False
        self.done = False
        """True once ``[DONE]`` arrived: the caller stops reading."""

    def single(self, data: bytes, now: float) -> ChunkT | None:
        """The chunk ``data`` holds when it is the common piece of a stream, else ``None``.

        The common piece is exactly one ``data: {...}`` event (servers send one event per HTTP
        chunk) arriving while nothing is pending, holding a valid chunk that is not an error
        object. Its chunk is returned without building a list of events or of chunks. For any
        other piece, ``None``: the caller gives that same piece to :meth:`feed`, which reports
        whatever it is (an invalid chunk is validated once more there, to say why).
        """
        end = len(data) - 2
        if (
            self._quick
            and data.startswith(b"data: {")
            and data.find(b"\n", 7) == end
            and data[-1] == 0x0A
            and data.find(b"\r", 7, end) < 0
            and end <= self._limit
        ):
            try:
                chunk = self._validate_json(data[6:end])
            except pydantic.ValidationError:
                return None
            extra = chunk.__pydantic_extra__
            if not extra or extra.get("error") is None:
                self._last_data = now
                return chunk
        return None

    def feed(self, data: bytes, now: float) -> list[ChunkT]:
        """The chunks completed by ``data``; ``now`` is a monotonic time in seconds."""
        self._quick = False
        chunks = self._feed(data, now)
        # Only a feed that returned normally leaves the parser where :meth:`single` may run.
        self._quick = self._decoder.idle and not self.done and self._error is None
        return chunks

    def _feed(self, data: bytes, now: float) -> list[ChunkT]:
        if self._error is not None:
            raise self._error
        if self._json is not None:
            self._add_json(data)
            return []
        try:
            events = self._decoder.feed_raw(data)
        except EventTooLarge as exc:
            raise self._too_large(exc) from None
        chunks = self._convert(events)
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
        self._quick = False
        if self._error is not None:
            raise self._error
        if self._json is not None:
            return self._from_json(b"".join(self._json))
        try:
            events = self._decoder.flush_raw()
        except EventTooLarge as exc:
            raise self._too_large(exc) from None
        return self._convert(events)

    def _too_large(self, exc: EventTooLarge) -> APIResponseValidationError:
        return APIResponseValidationError(
            f"stream event larger than max_event_bytes={exc.limit} bytes; stopped reading",
            response=self._response,
        )

    def _add_json(self, data: bytes) -> None:
        assert self._json is not None
        self._json_size += len(data)
        if self._json_size > self._limit:
            self._json = []
            raise self._too_large(EventTooLarge(self._json_size, self._limit))
        self._json.append(data)

    def _from_json(self, body: bytes) -> list[ChunkT]:
        """A JSON answer to a stream request: its completion as chunks, or the typed error."""
        self.done = True
        text = body.decode("utf-8", "replace")
        decoded = _decode(text)
        if isinstance(decoded, dict):
            mapping = cast("dict[str, object]", decoded)
            if mapping.get("error") is not None:
                raise self._stream_error(text)
            chunks = completion_chunks(mapping)
            if chunks:
                try:
                    validate = self._model.__pydantic_validator__.validate_python
                    return [cast("ChunkT", validate(chunk)) for chunk in chunks]
                except pydantic.ValidationError:
                    pass
        raise APIResponseValidationError(
            shorten(
                "a stream was requested; the server answered "
                f"{self._response.headers.get('content-type')} that is not a completion: " + text
            ),
            response=self._response,
            body=_decode(text),
        )

    def _convert(self, events: list[RawEvent]) -> list[ChunkT]:
        chunks: list[ChunkT] = []
        validate = self._validate_json
        try:
            for name, data, _, _ in events:
                if self.done:
                    break
                if data[:1] != b"{" and data.strip() == _DONE:  # chunks are objects: skip strip
                    self.done = True
                    break
                if name is not None and name == "error":
                    raise self._stream_error(_text(data), whole=True)
                try:
                    chunk = validate(data)
                except pydantic.ValidationError as exc:
                    text = _text(data)
                    # Not a chunk; an `{"error": {...}}` object has no id or choices: it lands here.
                    if _error_field(text) is not None:
                        raise self._stream_error(text) from None
                    raise APIResponseValidationError(
                        shorten(f"stream event is not a valid {self._model.__name__}: {text}"),
                        response=self._response,
                        body=_decode(text),
                    ) from exc
                extra = chunk.__pydantic_extra__
                if extra and extra.get("error") is not None:
                    raise self._stream_error(_text(data))
                chunks.append(chunk)
        except (APIStreamError, APIResponseValidationError) as exc:
            if not chunks:
                raise
            # Hand out the chunks that came before the error first; raise on the next call.
            self._error = exc
        return chunks

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


def completion_chunks(completion: dict[str, object]) -> list[dict[str, object]]:
    """A ``chat.completion`` object as the chunks a stream of it would have sent.

    One chunk per choice, its ``message`` as the ``delta`` (tool calls numbered by ``index``);
    ``usage`` rides on the last chunk. Empty when ``completion`` has no list of choices.
    """
    choices = completion.get("choices")
    if not isinstance(choices, list) or not choices:
        return []
    head = {k: v for k, v in completion.items() if k not in {"choices", "usage", "object"}}
    head["object"] = "chat.completion.chunk"
    chunks: list[dict[str, object]] = []
    for position, choice in enumerate(cast("list[object]", choices)):
        if not isinstance(choice, dict):
            return []
        choice = cast("dict[str, object]", choice)
        delta = choice.get("message")
        delta = dict(cast("dict[str, object]", delta)) if isinstance(delta, dict) else {}
        calls = delta.get("tool_calls")
        if isinstance(calls, list):
            delta["tool_calls"] = [
                {**cast("dict[str, object]", call), "index": n} if isinstance(call, dict) else call
                for n, call in enumerate(cast("list[object]", calls))
            ]
        piece: dict[str, object] = {
            "index": choice.get("index", position),
            "delta": delta,
            "finish_reason": choice.get("finish_reason"),
            "logprobs": choice.get("logprobs"),
        }
        chunks.append({**head, "choices": [piece]})
    if completion.get("usage") is not None:
        chunks[-1]["usage"] = completion["usage"]
    return chunks


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _decode(data: str) -> object:
    try:
        return cast("object", json.loads(data))
    except (ValueError, RecursionError):  # RecursionError: JSON nested too deep to decode
        return data


def _error_field(data: str) -> object:
    """The ``error`` member of a JSON object, or ``None``."""
    decoded = _decode(data)
    if isinstance(decoded, dict):
        return cast("dict[str, object]", decoded).get("error")
    return None
