"""An incremental Server-Sent Events decoder: bytes in, events out (WHATWG rules).

It follows https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation:

- lines end in CR, LF or CRLF, also when a CRLF is split between two feeds;
- a UTF-8 byte order mark at the very start of the stream is dropped;
- a line starting with ``:`` is a comment (``: ping`` keepalives) and is ignored;
- ``field:value`` loses one space after the colon; a line without a colon is a field with an
  empty value; unknown fields are ignored;
- ``data`` lines are joined with ``\\n``; ``event`` names the event; ``id`` sets the last event
  id (kept across events; ignored when it contains NUL); ``retry`` is kept only when it is all
  ASCII digits;
- a blank line dispatches the event, unless no ``data`` line arrived (then nothing is
  dispatched, as the spec says; ``data:`` with an empty value *is* an event, with data ``""``).

Memory is bounded: an event may hold at most ``max_event_bytes`` (its unterminated last line
while it arrives, then its lines together); past that :class:`EventTooLarge` is raised as soon
as the pending buffer passes the cap, so a ``data:`` line that never ends costs the cap, not the
stream. The events a feed completed before the cap was passed are returned first; the error
comes from the next call.

The decoder works on bytes: lines are split and fields parsed without decoding the stream, and
:meth:`SSEDecoder.feed_raw` hands out each event's data as the bytes the server sent (what a
JSON validator wants; no text is built). :meth:`SSEDecoder.feed` is the same decoder with the
data decoded to text. A multi-byte character split across feeds is therefore decoded
correctly, and invalid UTF-8 becomes U+FFFD when text is asked for. Each byte is scanned a
constant number of times, so the cost is linear however the stream is cut up; a feed full of
complete events costs a few C-level passes (``rfind``, ``split``) plus one cheap Python step
per line, and the common feed of exactly one ``data: ...`` event (servers send one event per
HTTP chunk) is recognised by three C-level checks and sliced out directly.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = [
    "DEFAULT_MAX_EVENT_BYTES",
    "EventTooLarge",
    "RawEvent",
    "SSEDecoder",
    "ServerSentEvent",
]

_BOM = b"\xef\xbb\xbf"

DEFAULT_MAX_EVENT_BYTES = 8 * 1024 * 1024
"""8 MiB: hundreds of times the largest real chunk (a long tool-call argument delta, a base64
image piece), small enough that a hostile stream cannot exhaust memory."""


class EventTooLarge(ValueError):
    """An event (or its unterminated line) grew past ``max_event_bytes``."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"an SSE event passed max_event_bytes={limit} ({size} bytes pending)")
        self.size = size
        self.limit = limit


class ServerSentEvent(NamedTuple):
    """One dispatched event (a NamedTuple: built once per event, twice as fast as a dataclass)."""

    event: str | None
    """The ``event:`` name, or ``None`` for the default (``"message"``)."""
    data: str
    """The ``data:`` lines joined with ``\\n``."""
    id: str | None
    """The last event id seen so far in the stream, or ``None`` when unset or reset to empty."""
    retry: int | None
    """The ``retry:`` reconnection time (milliseconds) sent with this event, if any."""


RawEvent = tuple[str | None, bytes, str | None, int | None]
"""An event as :meth:`SSEDecoder.feed_raw` gives it: ``(event, data, id, retry)`` as in
:class:`ServerSentEvent`, with ``data`` the undecoded bytes (a plain tuple: the cheapest object
to build once per event)."""


class SSEDecoder:
    """Decode an SSE byte stream: :meth:`feed` (or :meth:`feed_raw`) each chunk, then :meth:`flush`.

    At the end of the stream WHATWG discards an event that lacks its terminating blank line.
    This decoder deliberately departs from that in :meth:`flush`: servers that close the stream
    right after the last ``data:`` line (no trailing blank line, sometimes no line ending) are
    common enough that dropping their last event would lose real data, so :meth:`flush` treats
    an unterminated last line as complete and dispatches a pending event that has data.
    """

    __slots__ = (
        "_data",
        "_error",
        "_event",
        "_head",
        "_last_id",
        "_latest_retry",
        "_limit",
        "_pending",
        "_pending_cr",
        "_pieces",
        "_retry",
        "_size",
        "_started",
        "idle",
    )

    def __init__(self, *, max_event_bytes: int = DEFAULT_MAX_EVENT_BYTES) -> None:
        self._limit = max_event_bytes
        self._error: EventTooLarge | None = None  # raised by the next call
        self._pending = 0  # bytes in ``_pieces``
        self._size = 0  # bytes in the lines of the event being read
        self._started = False  # past the place where a byte order mark may stand
        self._head: bytes = b""  # the first bytes of the stream while they might still be a BOM
        self._pending_cr: bool = False  # the last feed ended in CR: a leading LF next completes it
        self._pieces: list[bytes] = []  # the unterminated last line, in pieces
        self._data: list[bytes] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None  # the retry of the event being read
        self._latest_retry: int | None = None
        self.idle = False
        """Nothing is pending (no partial line, no field of an undispatched event, no CR, no
        error): a feed that is exactly one ``data: ...`` event is that event, as it stands."""

    @property
    def retry(self) -> int | None:
        """The latest valid ``retry:`` value of the stream (milliseconds), dispatched or not."""
        return self._latest_retry

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Add the next bytes of the stream; return the events they complete (often none).

        Raises:
            EventTooLarge: the event being read passed ``max_event_bytes``.
        """
        return [
            ServerSentEvent(event, text.decode("utf-8", "replace"), last_id, retry)
            for event, text, last_id, retry in self.feed_raw(data)
        ]

    def feed_raw(self, data: bytes) -> list[RawEvent]:
        """:meth:`feed`, with each event's data as undecoded bytes (no text is built).

        Raises:
            EventTooLarge: the event being read passed ``max_event_bytes``.
        """
        end = len(data) - 2
        if (
            self.idle
            and data.find(b"\n", 6) == end
            and data.startswith(b"data: ")
            and data[-1] == 0x0A
            and data.find(b"\r", 6, end) < 0
            and end <= self._limit
        ):
            # Exactly one event, one ``data: `` line and its blank line, and nothing pending
            # before it: the hot path of every stream (one event per HTTP chunk).
            return [(None, data[6:end], self._last_id, None)]
        return self._feed(data)

    def _feed(self, data: bytes) -> list[RawEvent]:
        if self._error is not None:
            raise self._error
        self.idle = False
        if not self._started:
            data = self._head + data
            if len(data) < len(_BOM) and _BOM.startswith(data):
                self._head = data  # could still become a BOM: wait for more bytes
                return []
            self._started = True
            self._head = b""
            if data.startswith(_BOM):
                data = data[len(_BOM) :]
        if not data:
            return []
        if self._pending_cr:
            self._pending_cr = False
            if data[0] == 0x0A:  # the LF of a CRLF that was split between feeds
                data = data[1:]
                if not data:
                    return []
        end = max(data.rfind(b"\n"), data.rfind(b"\r")) + 1
        if not end:  # no line ends here: keep the piece (joined once, when the line ends)
            self._pending += len(data)
            if self._pending > self._limit:
                self._error = EventTooLarge(self._pending, self._limit)
                return self._checked([])
            self._pieces.append(data)
            return []
        if self._pieces:
            self._pieces.append(data[:end])
            complete = b"".join(self._pieces)
            self._pieces = []
            self._pending = 0
        else:
            complete = data if end == len(data) else data[:end]
        if end < len(data):
            self._pieces.append(data[end:])
            self._pending = len(data) - end
        elif data[-1] == 0x0D:
            self._pending_cr = True  # the feed ends in CR: an LF starting the next one is its pair
        if b"\r" in complete:
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = complete.split(b"\n")
        lines.pop()  # the empty piece after the last line ending
        events = self._lines(lines)
        if self._error is None and self._size + self._pending > self._limit:
            self._error = EventTooLarge(self._size + self._pending, self._limit)
        self.idle = not (
            self._pieces
            or self._pending_cr
            or self._data
            or self._error is not None
            or self._event is not None
            or self._retry is not None
        )
        return self._checked(events)

    def _checked(self, events: list[RawEvent]) -> list[RawEvent]:
        if self._error is not None:
            self._pieces = []  # free the buffers now, not when the decoder goes
            self._data = []
            if not events:
                raise self._error
            # the complete events first; the error comes from the next call
        return events

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: complete an unterminated last line and dispatch a pending event.

        Afterwards the decoder is ready for a new stream (the last event id is kept).
        """
        return [
            ServerSentEvent(event, text.decode("utf-8", "replace"), last_id, retry)
            for event, text, last_id, retry in self.flush_raw()
        ]

    def flush_raw(self) -> list[RawEvent]:
        """:meth:`flush`, with each event's data as undecoded bytes."""
        if self._error is not None:
            raise self._error
        lines: list[bytes] = []
        if not self._started and self._head:
            self._pieces.append(self._head)  # fewer than three bytes, a prefix of the BOM
        if self._pieces:
            lines.append(b"".join(self._pieces))
        lines.append(b"")  # the blank line the server left out
        events = self._checked(self._lines(lines))
        self._started = False
        self.idle = False
        self._head = b""
        self._pending_cr = False
        self._pieces = []
        self._pending = 0
        self._data = []
        self._size = 0
        self._event = None
        self._retry = None
        return events

    def _lines(self, lines: list[bytes]) -> list[RawEvent]:
        events: list[RawEvent] = []
        data = self._data
        size = self._size
        limit = self._limit
        for line in lines:
            if line.startswith(b"data: "):  # the hot path: one test per data line
                data.append(line[6:])
                size += len(line)
            elif not line:
                if data:
                    if size > limit:  # complete, but too large all the same
                        self._error = EventTooLarge(size, limit)
                        break
                    joined = data[0] if len(data) == 1 else b"\n".join(data)
                    events.append((self._event, joined, self._last_id, self._retry))
                    data = self._data = []
                size = 0
                self._event = None
                self._retry = None
            else:
                size += self._field(line)
        self._size = size
        return events

    def _field(self, line: bytes) -> int:
        """Apply one line that is not ``data: ...``; return the data bytes it added."""
        name, colon, value = line.partition(b":")
        if not name and colon:
            return 0  # a comment
        if value.startswith(b" "):
            value = value[1:]
        if name == b"data":
            self._data.append(value)
            return len(value)
        if name == b"event":
            self._event = value.decode("utf-8", "replace") or None
        elif name == b"id":
            if b"\0" not in value:
                self._last_id = value.decode("utf-8", "replace") or None
        elif name == b"retry" and value.isdigit():  # bytes.isdigit: ASCII digits only
            self._retry = self._latest_retry = int(value)
        return 0
