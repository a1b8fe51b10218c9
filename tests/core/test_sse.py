"""The SSE decoder: the WHATWG rules, and every split of the bytes gives the same events."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tokenclient._core.sse import EventTooLarge, ServerSentEvent, SSEDecoder

FIXTURES = Path(__file__).parent.parent / "fixtures"


def ev(
    data: str, event: str | None = None, id: str | None = None, retry: int | None = None
) -> ServerSentEvent:
    return ServerSentEvent(event=event, data=data, id=id, retry=retry)


def decode(pieces: Iterable[bytes]) -> list[ServerSentEvent]:
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for piece in pieces:
        events.extend(decoder.feed(piece))
    events.extend(decoder.flush())
    return events


def decode_whole(stream: bytes) -> list[ServerSentEvent]:
    return decode([stream])


def decode_bytewise(stream: bytes) -> list[ServerSentEvent]:
    return decode(stream[i : i + 1] for i in range(len(stream)))


REALISTIC = (
    "\ufeff: connected\r\n"
    "retry: 3000\r\n"
    "\r\n"
    'data: {"id":"c1","choices":[{"index":0,"delta":{"content":"你好"}}]}\n'
    "\n"
    ": ping\r"
    "\r"
    "event: progress\n"
    "id: 7\n"
    "data: first line\r\n"
    "data:second line é\n"
    "\n"
    'data: {"id":"c1","choices":[],"usage":{"total_tokens":3}}\r'
    "\r"
    "data: [DONE]\n"
    "\n"
).encode()

REALISTIC_EVENTS = [
    ev('{"id":"c1","choices":[{"index":0,"delta":{"content":"你好"}}]}'),
    ev("first line\nsecond line é", event="progress", id="7"),
    ev('{"id":"c1","choices":[],"usage":{"total_tokens":3}}', id="7"),
    ev("[DONE]", id="7"),
]


def test_realistic_stream_whole() -> None:
    assert decode_whole(REALISTIC) == REALISTIC_EVENTS


def test_realistic_stream_every_split_into_two_pieces() -> None:
    for offset in range(len(REALISTIC) + 1):
        pieces = [REALISTIC[:offset], REALISTIC[offset:]]
        assert decode(pieces) == REALISTIC_EVENTS, offset


def test_realistic_stream_every_split_into_three_pieces() -> None:
    size = len(REALISTIC)
    for first in range(0, size + 1, 7):
        for second in range(first, size + 1):
            pieces = [REALISTIC[:first], REALISTIC[first:second], REALISTIC[second:]]
            assert decode(pieces) == REALISTIC_EVENTS, (first, second)


def test_realistic_stream_byte_by_byte() -> None:
    assert decode_bytewise(REALISTIC) == REALISTIC_EVENTS


@pytest.mark.parametrize("name", ["stream_supertoken.txt", "stream_tokenoff.txt"])
def test_seed_streams_any_split(name: str) -> None:
    stream = (FIXTURES / name).read_bytes()
    events = decode_whole(stream)
    assert events[-1] == ev("[DONE]")
    assert all(e.data.startswith("{") for e in events[:-1])
    assert decode_bytewise(stream) == events
    for offset in range(len(stream) + 1):
        assert decode([stream[:offset], stream[offset:]]) == events, offset


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_each_line_ending(newline: str) -> None:
    text = newline.join(["event: a", "data: 1", "data: 2", "", "data: 3", "", ""])
    expected = [ev("1\n2", event="a"), ev("3")]
    assert decode_whole(text.encode()) == expected
    assert decode_bytewise(text.encode()) == expected


def test_mixed_line_endings() -> None:
    assert decode_whole(b"data: a\r\ndata: b\rdata: c\n\r\n") == [ev("a\nb\nc")]


def test_crlf_split_between_feeds_is_one_line_ending() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    # The LF completes the CRLF; it is not a blank line, so nothing is dispatched yet.
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"data: b\r") == []
    assert decoder.feed(b"\n\r\n") == [ev("a\nb")]


def test_cr_then_empty_feed_then_lf() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"") == []
    assert decoder.feed(b"\n") == []
    assert decoder.feed(b"\n") == [ev("a")]


def test_cr_cr_is_two_line_endings() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\r") == []
    assert decoder.feed(b"\r") == [ev("a")]


def test_multi_line_data_joined_with_newline() -> None:
    stream = b'data: {\ndata:   "a": 1\ndata: }\n\n'
    assert decode_whole(stream) == [ev('{\n  "a": 1\n}')]


def test_one_leading_space_is_removed_only() -> None:
    assert decode_whole(b"data:no space\n\ndata:  two spaces\n\n") == [
        ev("no space"),
        ev(" two spaces"),
    ]


def test_value_may_contain_colons() -> None:
    assert decode_whole(b"data: a: b:c\n\n") == [ev("a: b:c")]


def test_comments_are_ignored() -> None:
    stream = b": ping\n:\n: keepalive\n\ndata: x\n: in the middle\ndata: y\n\n"
    assert decode_whole(stream) == [ev("x\ny")]


def test_only_comments_dispatch_nothing() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b": ping\n\n: ping\n\n") == []
    assert decoder.flush() == []


def test_line_without_colon_is_a_field_with_empty_value() -> None:
    assert decode_whole(b"data\n\n") == [ev("")]
    assert decode_whole(b"data\ndata\n\n") == [ev("\n")]
    assert decode_whole(b"event\ndata: x\n\n") == [ev("x")]


def test_empty_data_is_an_event_but_no_data_is_not() -> None:
    assert decode_whole(b"data:\n\n") == [ev("")]
    assert decode_whole(b"data: \n\n") == [ev("")]
    assert decode_whole(b"event: ping\n\n") == []
    assert decode_whole(b"id: 1\n\n") == []


def test_event_type_is_reset_after_each_event_and_after_blank_line() -> None:
    stream = b"event: a\ndata: 1\n\ndata: 2\n\nevent: b\n\ndata: 3\n\n"
    assert decode_whole(stream) == [ev("1", event="a"), ev("2"), ev("3")]


def test_empty_event_name_is_the_default() -> None:
    assert decode_whole(b"event:\ndata: x\n\n") == [ev("x")]


def test_id_persists_across_events_and_can_be_reset() -> None:
    stream = b"id: 1\ndata: a\n\ndata: b\n\nid\ndata: c\n\n"
    assert decode_whole(stream) == [ev("a", id="1"), ev("b", id="1"), ev("c")]


def test_id_with_nul_is_ignored() -> None:
    assert decode_whole(b"id: 1\ndata: a\n\nid: 2\x003\ndata: b\n\n") == [
        ev("a", id="1"),
        ev("b", id="1"),
    ]


def test_id_without_data_still_sets_the_last_id() -> None:
    assert decode_whole(b"id: 9\n\ndata: a\n\n") == [ev("a", id="9")]


def test_retry_digits_only() -> None:
    decoder = SSEDecoder()
    events = decoder.feed(b"retry: 1500\ndata: a\n\ndata: b\n\n")
    assert events == [ev("a", retry=1500), ev("b")]
    assert decoder.retry == 1500
    for bad in (b"retry: 15.5", b"retry: -1", b"retry: 1e3", b"retry:", b"retry: \xd9\xa3"):
        decoder = SSEDecoder()
        assert decoder.feed(bad + b"\ndata: x\n\n") == [ev("x")], bad
        assert decoder.retry is None


def test_retry_without_data_is_remembered_by_the_decoder() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"retry: 10\n\n") == []
    assert decoder.retry == 10
    assert decoder.feed(b"data: a\n\n") == [ev("a")]


def test_unknown_fields_are_ignored() -> None:
    assert decode_whole(b"foo: bar\ndata: a\nDATA: b\n\n") == [ev("a")]


def test_bom_is_stripped_once_at_start() -> None:
    bom = b"\xef\xbb\xbf"
    assert decode_whole(bom + b"data: a\n\n") == [ev("a")]
    assert decode_bytewise(bom + b"data: a\n\n") == [ev("a")]
    # A second BOM is part of the first line: the field is then not "data".
    assert decode_whole(bom + bom + b"data: a\n\n") == []
    # A BOM later in the stream is ordinary text.
    assert decode_whole(b"data: \xef\xbb\xbfa\n\n") == [ev("\ufeffa")]


def test_bom_prefix_then_other_bytes() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"\xef") == []
    assert decoder.feed(b"\xbb") == []
    # An incomplete BOM is not a BOM: its bytes become U+FFFD in the first line's field name.
    assert decoder.feed(b"data: a\n\ndata: b\n\n") == [ev("b")]
    assert decode([b"\xef\xbb", b"data: a\n\n"]) == []
    assert decode([b"\xef\xbbdata: a\n\n"]) == []
    assert decode([b"\xef\xbb"]) == []


def test_utf8_split_across_feeds() -> None:
    text = "data: 你好, 世界 🎉 é\n\n".encode()
    expected = [ev("你好, 世界 🎉 é")]
    for offset in range(len(text) + 1):
        assert decode([text[:offset], text[offset:]]) == expected, offset
    assert decode_bytewise(text) == expected


def test_invalid_utf8_becomes_replacement_character() -> None:
    assert decode_whole(b"data: a\xffb\n\n") == [ev("a\ufffdb")]
    # A truncated sequence at the end of a line does not swallow the line ending.
    assert decode_whole(b"data: a\xe4\xbd\ndata: b\n\n") == [ev("a\ufffd\nb")]


def test_flush_dispatches_event_without_final_blank_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: b\n") == [ev("a")]
    assert decoder.flush() == [ev("b")]


def test_flush_completes_an_unterminated_last_line() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: a\n\ndata: [DO") == [ev("a")]
    assert decoder.feed(b"NE]") == []
    assert decoder.flush() == [ev("[DONE]")]


def test_flush_with_nothing_pending() -> None:
    decoder = SSEDecoder()
    assert decoder.flush() == []
    assert decoder.feed(b"data: a\n\n") == [ev("a")]
    assert decoder.flush() == []


def test_flush_does_not_dispatch_an_event_without_data() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"event: x\nid: 3") == []
    assert decoder.flush() == []


def test_decoder_is_reusable_after_flush() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"id: 5\nevent: e\ndata: a") == []
    assert decoder.flush() == [ev("a", event="e", id="5")]
    assert decoder.feed(b"\xef\xbb\xbfdata: b\n\n") == [ev("b", id="5")]


def test_many_events_in_one_feed() -> None:
    stream = b"".join(b"data: %d\n\n" % i for i in range(1000))
    assert decode_whole(stream) == [ev(str(i)) for i in range(1000)]


def test_long_line_in_one_byte_feeds_is_reassembled() -> None:
    payload = "x" * 100_000
    stream = f"data: {payload}\n\n".encode()
    decoder = SSEDecoder()
    events: list[ServerSentEvent] = []
    for i in range(len(stream)):
        events.extend(decoder.feed(stream[i : i + 1]))
    assert events == [ev(payload)]


def test_event_is_frozen() -> None:
    event = ev("a")
    with pytest.raises(AttributeError):
        event.data = "b"  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]  # the run-time guard


def reference_decode(stream: bytes) -> list[ServerSentEvent]:
    """A direct, non-incremental reading of the WHATWG algorithm (plus the flush rule)."""
    stream = stream.removeprefix(b"\xef\xbb\xbf")
    lines = re.split(r"\r\n|\r|\n", stream.decode("utf-8", "replace"))
    events: list[ServerSentEvent] = []
    data: list[str] = []
    event: str | None = None
    last_id: str | None = None
    retry: int | None = None
    for line in [*lines, ""]:
        if not line:
            if data:
                events.append(ServerSentEvent(event, "\n".join(data), last_id, retry))
            data, event, retry = [], None, None
            continue
        if line.startswith(":"):
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "data":
            data.append(value)
        elif name == "event":
            event = value or None
        elif name == "id" and "\0" not in value:
            last_id = value or None
        elif name == "retry" and value and all("0" <= c <= "9" for c in value):
            retry = int(value)
    return events


_LINES = st.sampled_from(
    [
        "data: x",
        "data:y",
        "data",
        "data: ",
        "data: 你好",
        ": ping",
        ":",
        "event: e",
        "event:",
        "id: 1",
        "id",
        "id: a\0b",
        "retry: 25",
        "retry: x",
        "other: z",
        "",
        "",
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    lines=st.lists(st.tuples(_LINES, st.sampled_from(["\n", "\r", "\r\n"])), max_size=25),
    bom=st.booleans(),
    cuts=st.lists(st.integers(min_value=0, max_value=400), max_size=8),
    tail=st.sampled_from([b"", b"data: end", b"\xe4\xbd"]),
)
def test_any_stream_any_split_matches_reference(
    lines: list[tuple[str, str]], bom: bool, cuts: list[int], tail: bytes
) -> None:
    stream = (b"\xef\xbb\xbf" if bom else b"") + "".join(a + b for a, b in lines).encode() + tail
    expected = reference_decode(stream)
    assert decode_whole(stream) == expected
    bounds = sorted({min(cut, len(stream)) for cut in cuts})
    pieces = [stream[a:b] for a, b in zip([0, *bounds], [*bounds, len(stream)], strict=True)]
    assert decode(pieces) == expected


# -- max_event_bytes: memory bounded by the cap, whatever the server sends --------------------


def test_a_line_that_never_ends_raises_once_past_the_cap() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    assert decoder.feed(b"data: " + b"a" * 50) == []
    with pytest.raises(EventTooLarge) as info:
        decoder.feed(b"a" * 50)  # 106 pending bytes
    assert info.value.limit == 100
    with pytest.raises(EventTooLarge):  # and it stays failed
        decoder.feed(b"\n\n")


def test_the_events_before_the_oversized_one_come_first() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    assert decoder.feed(b"data: ok\n\ndata: " + b"a" * 200) == [ev("ok")]
    with pytest.raises(EventTooLarge):
        decoder.feed(b"more")


def test_an_event_of_many_data_lines_counts_them_together() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    decoder.feed(b"data: " + b"a" * 60 + b"\n")
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data:" + b"b" * 60 + b"\n")  # the `data:x` form counts too


def test_a_complete_event_past_the_cap_in_one_feed_is_refused() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + b"a" * 200 + b"\n\n")


def test_events_under_the_cap_and_comments_never_add_up() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    for _ in range(100):  # 100 events of 90 bytes and 100 comments: each is under the cap
        assert decoder.feed(b": ping " + b"p" * 80 + b"\ndata: " + b"a" * 84 + b"\n\n") == [
            ev("a" * 84)
        ]
    assert decoder.flush() == []


def test_flush_raises_when_the_cap_was_passed() -> None:
    decoder = SSEDecoder(max_event_bytes=10)
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + b"a" * 20)
    with pytest.raises(EventTooLarge):
        decoder.flush()


# -- one event per feed: the hot path must not skip what came before -------------------------


@pytest.mark.parametrize(
    ("before", "expected"),
    [
        (b"", [ev("x")]),  # the first feed: a BOM could still be coming
        (b"data: a\n\n", [ev("a"), ev("x")]),
        (b"event: delta\n", [ev("x", event="delta")]),  # a pending event name
        (b"retry: 5\n", [ev("x", retry=5)]),
        (b"id: 7\n\n", [ev("x", id="7")]),  # an id without data: kept for the next event
        (b"data: a\n", [ev("a\nx")]),  # a pending data line joins this event
        (b"data: a\r", [ev("a\nx")]),  # a CR whose LF could start this feed
        (b"data: pa", [ev("padata: x")]),  # a partial line: this feed continues it
    ],
)
def test_a_lone_data_event_after_any_state(before: bytes, expected: list[ServerSentEvent]) -> None:
    decoder = SSEDecoder()
    events = decoder.feed(before)
    events += decoder.feed(b"data: x\n\n")
    assert events + decoder.flush() == expected


def test_a_lone_data_event_past_the_cap_is_refused() -> None:
    decoder = SSEDecoder(max_event_bytes=100)
    assert decoder.feed(b"data: ok\n\n") == [ev("ok")]
    with pytest.raises(EventTooLarge):
        decoder.feed(b"data: " + b"a" * 200 + b"\n\n")


def test_raw_events_carry_the_bytes_as_sent() -> None:
    decoder = SSEDecoder()
    assert decoder.feed_raw(b"data: \xc3\xa9\n\n") == [(None, b"\xc3\xa9", None, None)]
    assert decoder.feed_raw(b"event: e\ndata: \xff\n\n") == [("e", b"\xff", None, None)]
    assert decoder.feed(b"data: \xff\n\n") == [ev("\ufffd")]
    assert decoder.flush_raw() == []
