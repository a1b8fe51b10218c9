"""The SSE decoder against generated events: what is encoded is what comes back.

``tests/core/test_sse.py`` checks the decoder against a reference reading of streams built
from a fixed list of lines. Here the events themselves are generated (any field value,
unicode included, multi-line data, ids that persist, retries, comments and unknown fields
between the lines), encoded with random line endings and ``field:value`` spacing, and cut
into random pieces, possibly inside a multi-byte character: decoding must give back exactly
the generated events, whatever the cuts, with or without a byte order mark and a last blank
line.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenclient._core.sse import ServerSentEvent, SSEDecoder

# Any text but CR and LF (they end lines) and lone surrogates (not encodable as UTF-8).
_value = st.text(
    st.characters(blacklist_characters="\r\n", blacklist_categories=["Cs"]), max_size=12
)
_name = _value.filter(
    lambda s: ":" not in s and "\ufeff" not in s and s not in {"data", "event", "id", "retry", ""}
)
_newline = st.sampled_from(["\n", "\r", "\r\n"])


@dataclass(frozen=True)
class _Event:
    """What one generated event sends; ``None`` fields are not sent."""

    data: tuple[str, ...]
    event: str | None
    id: str | None
    retry: int | None
    noise: tuple[str, ...]
    """Comment and unknown-field lines mixed in; they must change nothing."""


_events = st.builds(
    _Event,
    data=st.lists(_value, min_size=1, max_size=4).map(tuple),
    event=st.none() | _value,
    id=st.none() | _value.filter(lambda s: "\0" not in s),
    retry=st.none() | st.integers(min_value=0, max_value=10**12),
    noise=st.lists(
        st.one_of(_value.map(lambda s: ":" + s), st.tuples(_name, _value).map(":".join)),
        max_size=3,
    ).map(tuple),
)


def _field(name: str, value: str, spaced: bool) -> str:
    # Exactly one space after the colon is dropped by the decoder, so a value starting with a
    # space must be written with the separating space.
    return f"{name}: {value}" if spaced or value.startswith(" ") else f"{name}:{value}"


def _lines(event: _Event, draw: st.DrawFn) -> list[str]:
    data = [_field("data", part, draw(st.booleans())) for part in event.data]
    others = list(event.noise)
    if event.event is not None:
        others.append(_field("event", event.event, draw(st.booleans())))
    if event.id is not None:
        others.append(_field("id", event.id, draw(st.booleans())))
    if event.retry is not None:
        others.append(_field("retry", str(event.retry), draw(st.booleans())))
    # Shuffle the other fields in between the data lines; data lines keep their order.
    order = draw(st.permutations([True] * len(data) + [False] * len(others)))
    data_lines, other_lines = iter(data), iter(draw(st.permutations(others)))
    return [next(data_lines) if is_data else next(other_lines) for is_data in order]


@st.composite
def _event_pieces(draw: st.DrawFn) -> tuple[list[bytes], list[ServerSentEvent]]:
    """A stream of generated events, one piece per event, and the events a decoder must return.

    A piece holds an event's lines and the blank line after it (the first also the byte order
    mark, if any): how servers frame a stream, one event per HTTP chunk.
    """
    events = draw(st.lists(_events, max_size=6))
    pieces: list[bytes] = []
    expected: list[ServerSentEvent] = []
    last_id: str | None = None
    ending = ""
    for index, event in enumerate(events):
        text: list[str] = []
        for line in _lines(event, draw):
            ending = draw(_newline)
            text.append(line + ending)
        if event.id is not None:
            last_id = event.id or None
        expected.append(
            ServerSentEvent(event.event or None, "\n".join(event.data), last_id, event.retry)
        )
        last = index == len(events) - 1
        if not last or draw(st.booleans()):  # the last blank line may be missing
            # After a CR, a lone LF would only complete that CRLF, not make a blank line.
            text.append(draw(st.sampled_from(["\r", "\r\n"]) if ending == "\r" else _newline))
        pieces.append("".join(text).encode())
    if draw(st.booleans()) and pieces:
        pieces[0] = b"\xef\xbb\xbf" + pieces[0]
    return pieces, expected


@st.composite
def _streams(draw: st.DrawFn) -> tuple[bytes, list[ServerSentEvent]]:
    """A stream of generated events and the events a decoder must return for it."""
    pieces, expected = draw(_event_pieces())
    return b"".join(pieces), expected


def _decode(stream: bytes, cuts: list[int]) -> list[ServerSentEvent]:
    bounds = sorted({min(cut, len(stream)) for cut in cuts})
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for start, end in zip([0, *bounds], [*bounds, len(stream)], strict=True):
        events += decoder.feed(stream[start:end])
    return events + decoder.flush()


@pytest.mark.slow
@settings(max_examples=400, deadline=None)
@given(stream=_streams(), cuts=st.lists(st.integers(min_value=0, max_value=2000), max_size=12))
def test_generated_events_come_back_whatever_the_cuts(
    stream: tuple[bytes, list[ServerSentEvent]], cuts: list[int]
) -> None:
    data, expected = stream
    assert _decode(data, cuts) == expected


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(stream=_streams())
def test_byte_by_byte_equals_whole(stream: tuple[bytes, list[ServerSentEvent]]) -> None:
    data, expected = stream
    assert _decode(data, list(range(len(data)))) == expected


@settings(max_examples=300, deadline=None)
@given(stream=_event_pieces())
def test_one_event_per_feed_as_servers_frame_them(
    stream: tuple[list[bytes], list[ServerSentEvent]],
) -> None:
    """Whole events fed one at a time (the decoder's fast path for a lone ``data:`` event)."""
    pieces, expected = stream
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events += decoder.feed(piece)
    assert events + decoder.flush() == expected


@settings(max_examples=300, deadline=None)
@given(
    data=st.binary(max_size=300), cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=8)
)
def test_arbitrary_bytes_never_crash_and_do_not_depend_on_the_cuts(
    data: bytes, cuts: list[int]
) -> None:
    """Garbage in (invalid UTF-8, NULs, lone CRs): events out, the same however it is cut."""
    whole = _decode(data, [])
    assert _decode(data, cuts) == whole
    for event in whole:
        assert isinstance(event.data, str)
        assert "\r" not in event.data
