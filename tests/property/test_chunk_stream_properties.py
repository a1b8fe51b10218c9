"""The stream's shortcut for the common piece changes nothing a stream yields or raises.

``Stream``/``AsyncStream`` hand a piece that is exactly one ``data: {...}`` event to
``ChunkParser.single``, which returns its chunk without going through the event decoder's
lists; any other piece goes to ``ChunkParser.feed``. Here streams of generated events (valid
chunks, chunks with extra fields, error objects, invalid JSON, JSON split by a raw CR or LF,
comments, named events, ``[DONE]``, with any line endings and a byte order mark) are framed
one event per piece as servers do, a few events per piece, or cut anywhere. What a stream
yields, and the error it ends with, must equal what ``ChunkParser.feed`` gives for the same
bytes in one piece. The cases the shortcut must turn down are also given as fixed examples.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import anyio
import httpx
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from tokenclient import APIError
from tokenclient._core.chunks import ChunkParser
from tokenclient._streaming import AsyncStream, Stream
from tokenclient.types.chat import ChatCompletionChunk

from ..support import ScriptedStream

_REQUEST = httpx.Request("POST", "https://api.example.test/v1/chat/completions")
_HEADERS = {"content-type": "text/event-stream"}

_text = st.text(st.characters(blacklist_categories=["Cs"]), max_size=8)


def _chunk(content: str, extra: dict[str, object]) -> str:
    body: dict[str, object] = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "created": 1,
        "model": "m",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": None}],
        **extra,
    }
    return json.dumps(body, ensure_ascii=False)


_ERROR = {"message": "boom", "type": "server_error"}


@st.composite
def _payload(draw: st.DrawFn) -> str:
    """One event's data: half the time a plain chunk, else one of the odd cases, evenly."""
    text = draw(_text)
    odd: list[Callable[[], str]] = [
        lambda: _chunk(text, {"provider": "x"}),  # extra fields are kept
        lambda: _chunk(text, {"error": _ERROR}),  # a chunk carrying an error
        lambda: _chunk(text, {"error": None}),  # ...or a null one, which is no error
        lambda: '{"error": {"message": "overloaded", "code": 529}}',
        lambda: '{"id": "c1"}',  # not a chunk: no model
        lambda: "{not json",
        lambda: "[DONE]",
        # A raw CR or LF inside the JSON ends the line there, whatever JSON thinks of it.
        lambda: _chunk(text, {}).replace(", ", ",\r", 1),
        lambda: _chunk(text, {}).replace(", ", ",\n", 1),
    ]
    if draw(st.booleans()):
        return _chunk(text, {})
    return draw(st.sampled_from(odd))()


# Weighted towards the common piece (``data: `` and LF endings), which takes the shortcut.
_ending = st.sampled_from(["\n", "\n", "\n", "\r", "\r\n"])
_prefix = st.sampled_from(["data: ", "data: ", "data: ", "data:"])


@st.composite
def _event(draw: st.DrawFn) -> str:
    """One event's text with its blank line: a data line, maybe a name, maybe a comment."""
    ending = draw(_ending)
    lines = [draw(_prefix) + draw(_payload())]
    if draw(st.integers(0, 9)) == 0:
        lines.insert(0, "event: " + draw(st.sampled_from(["error", "ping"])))
    if draw(st.integers(0, 9)) == 0:
        lines.insert(0, ": keep-alive")
    # After a lone CR, a LF would only complete it: keep the blank line a blank line.
    blank = draw(st.sampled_from(["\r", "\r\n"])) if ending == "\r" else ending
    return "".join(line + ending for line in lines) + blank


@st.composite
def _pieces(draw: st.DrawFn) -> list[bytes]:
    """A stream as one piece per event (how servers frame it), a few events per piece, or cut
    anywhere."""
    events = [event.encode() for event in draw(st.lists(_event(), min_size=1, max_size=8))]
    if draw(st.booleans()):
        events[0] = b"\xef\xbb\xbf" + events[0]
    framing = draw(st.sampled_from(["event", "event", "groups", "cuts"]))
    if framing == "event":
        return events
    if framing == "groups":  # e.g. chunks then an error in one piece, then a common piece
        sizes = draw(st.lists(st.integers(1, 3), min_size=len(events), max_size=len(events)))
        pieces: list[bytes] = []
        while events:
            size = sizes.pop()
            pieces.append(b"".join(events[:size]))
            events = events[size:]
        return pieces
    whole = b"".join(events)
    cuts = sorted(draw(st.lists(st.integers(0, len(whole)), max_size=6)))
    return [whole[a:b] for a, b in zip([0, *cuts], [*cuts, len(whole)], strict=True)]


_Outcome = tuple[list[dict[str, object]], "type[Exception] | None"]


def _reference(pieces: list[bytes]) -> _Outcome:
    """What ``ChunkParser.feed`` makes of the whole body in one piece (no shortcut)."""
    response = httpx.Response(200, headers=_HEADERS, request=_REQUEST)
    parser = ChunkParser(ChatCompletionChunk, response, idle_timeout=None, now=0.0)
    chunks: list[ChatCompletionChunk] = []
    error: type[Exception] | None = None
    try:
        chunks += parser.feed(b"".join(pieces), 0.0)
        if not parser.done:
            chunks += parser.end()
    except APIError as exc:
        error = type(exc)
    return [chunk.model_dump() for chunk in chunks], error


def _response(pieces: list[bytes]) -> httpx.Response:
    return httpx.Response(200, headers=_HEADERS, stream=ScriptedStream(pieces), request=_REQUEST)


def _sync(pieces: list[bytes]) -> _Outcome:
    seen: list[dict[str, object]] = []
    try:
        for chunk in Stream(_response(pieces), model=ChatCompletionChunk):
            seen.append(chunk.model_dump())
    except APIError as exc:
        return seen, type(exc)
    return seen, None


def _async(pieces: list[bytes]) -> _Outcome:
    seen: list[dict[str, object]] = []

    async def read() -> type[Exception] | None:
        try:
            async for chunk in AsyncStream(_response(pieces), model=ChatCompletionChunk):
                seen.append(chunk.model_dump())
        except APIError as exc:
            return type(exc)
        return None

    error = anyio.run(read)
    return seen, error


def _common(text: str, extra: dict[str, object] | None = None) -> bytes:
    return f"data: {_chunk(text, extra or {})}\n\n".encode()


_FIXED = [
    # Chunks, then an error object in the same piece: the error waits for the next piece,
    # which the shortcut must not take instead.
    [_common("a"), _common("b") + b'data: {"error": {"message": "x"}}\n\n', _common("c")],
    [_common("a"), _common("b", {"error": _ERROR}), _common("c")],
    [_common("a"), _common("b").replace(b", ", b",\n", 1), _common("c")],
    [_common("a"), _common("b").replace(b", ", b",\r", 1), _common("c")],
    [_common("a"), _common("b").replace(b"\n\n", b"\r\n\r\n"), _common("c")],
    [_common("a"), b"data: [DONE]\n\n", _common("c")],
    # One LF, then the start of the next line: the event is not over ("d" + "ata: ..." is a
    # second data line, and the two lines together are not JSON).
    [_common("a"), _common("b")[:-1] + b"d", b"ata: {}\n\n"],
]


@pytest.mark.parametrize("read", [_sync, _async], ids=["sync", "async"])
@settings(max_examples=400)
@given(pieces=_pieces())
@example(pieces=_FIXED[0])
@example(pieces=_FIXED[1])
@example(pieces=_FIXED[2])
@example(pieces=_FIXED[3])
@example(pieces=_FIXED[4])
@example(pieces=_FIXED[5])
@example(pieces=_FIXED[6])
def test_the_shortcut_changes_nothing(read: object, pieces: list[bytes]) -> None:
    assert callable(read)
    assert read(pieces) == _reference(pieces)


def test_the_shortcut_takes_the_common_piece_and_only_that() -> None:
    """``single`` answers for one plain event while nothing is pending, and only then."""
    response = httpx.Response(200, headers=_HEADERS, request=_REQUEST)
    parser = ChunkParser(ChatCompletionChunk, response, idle_timeout=None, now=0.0)
    common = f"data: {_chunk('hi', {})}\n\n".encode()
    assert parser.single(common, 0.0) is None  # the first piece: a byte order mark may lead
    assert [c.choices[0].delta.content for c in parser.feed(common, 0.0)] == ["hi"]
    chunk = parser.single(common, 0.0)
    assert chunk is not None
    assert chunk.choices[0].delta.content == "hi"
    for odd in (
        common.replace(b"\n\n", b"\r\n\r\n"),  # CRLF endings
        common + common,  # two events in one piece
        common[:-1],  # the blank line not yet here
        f"data: {_chunk('x', {'error': {'message': 'boom'}})}\n\n".encode(),  # an error object
        b'data: {"id": "c1"}\n\n',  # not a chunk
        f"data: {_chunk('x', {})}".replace(", ", ",\r", 1).encode() + b"\n\n",  # a raw CR
    ):
        assert parser.single(odd, 0.0) is None, odd
    assert parser.feed(b"data: {", 0.0) == []  # a partial line is now pending
    assert parser.single(common, 0.0) is None
    ended = ChunkParser(ChatCompletionChunk, response, idle_timeout=None, now=0.0)
    assert ended.feed(b"data: [DONE]\n\n", 0.0) == []
    assert ended.done
    assert ended.single(common, 0.0) is None  # nothing after [DONE]
