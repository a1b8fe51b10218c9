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

Bytes are split into lines before decoding, so a multi-byte character split across feeds is
decoded correctly; invalid UTF-8 becomes U+FFFD. Each byte is scanned a constant number of
times, so the cost is linear however the stream is cut up, and a feed full of complete events
is handled by a few C-level passes (``rfind``, ``decode``, ``split``) plus one cheap Python
step per line.
"""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["SSEDecoder", "ServerSentEvent"]

_BOM = b"\xef\xbb\xbf"


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


class SSEDecoder:
    """Decode an SSE byte stream: :meth:`feed` each chunk, :meth:`flush` at the end.

    At the end of the stream WHATWG discards an event that lacks its terminating blank line.
    This decoder deliberately departs from that in :meth:`flush`: servers that close the stream
    right after the last ``data:`` line (no trailing blank line, sometimes no line ending) are
    common enough that dropping their last event would lose real data, so :meth:`flush` treats
    an unterminated last line as complete and dispatches a pending event that has data.
    """

    __slots__ = (
        "_data",
        "_event",
        "_head",
        "_last_id",
        "_latest_retry",
        "_pending_cr",
        "_pieces",
        "_retry",
        "_started",
    )

    def __init__(self) -> None:
        self._started = False  # past the place where a byte order mark may stand
        self._head = b""  # the first bytes of the stream while they might still be a BOM
        self._pending_cr = False  # the last feed ended in CR: a leading LF next completes it
        self._pieces: list[bytes] = []  # the unterminated last line, in pieces
        self._data: list[str] = []
        self._event: str | None = None
        self._last_id: str | None = None
        self._retry: int | None = None  # the retry of the event being read
        self._latest_retry: int | None = None

    @property
    def retry(self) -> int | None:
        """The latest valid ``retry:`` value of the stream (milliseconds), dispatched or not."""
        return self._latest_retry

    def feed(self, data: bytes) -> list[ServerSentEvent]:
        """Add the next bytes of the stream; return the events they complete (often none)."""
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
            self._pieces.append(data)
            return []
        if self._pieces:
            self._pieces.append(data[:end])
            complete = b"".join(self._pieces)
            self._pieces = []
        else:
            complete = data if end == len(data) else data[:end]
        if end < len(data):
            self._pieces.append(data[end:])
        elif data[-1] == 0x0D:
            self._pending_cr = True  # the feed ends in CR: an LF starting the next one is its pair
        if b"\r" in complete:
            complete = complete.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        lines = complete.decode("utf-8", "replace").split("\n")
        lines.pop()  # the empty string after the last line ending
        return self._lines(lines)

    def flush(self) -> list[ServerSentEvent]:
        """End of stream: complete an unterminated last line and dispatch a pending event.

        Afterwards the decoder is ready for a new stream (the last event id is kept).
        """
        lines: list[str] = []
        if not self._started and self._head:
            self._pieces.append(self._head)  # fewer than three bytes, a prefix of the BOM
        if self._pieces:
            lines.append(b"".join(self._pieces).decode("utf-8", "replace"))
        lines.append("")  # the blank line the server left out
        events = self._lines(lines)
        self._started = False
        self._head = b""
        self._pending_cr = False
        self._pieces = []
        self._data = []
        self._event = None
        self._retry = None
        return events

    def _lines(self, lines: list[str]) -> list[ServerSentEvent]:
        events: list[ServerSentEvent] = []
        data = self._data
        for line in lines:
            if line.startswith("data: "):  # the hot path: one test per data line
                data.append(line[6:])
            elif not line:
                if data:
                    text = data[0] if len(data) == 1 else "\n".join(data)
                    events.append(ServerSentEvent(self._event, text, self._last_id, self._retry))
                    data = self._data = []
                self._event = None
                self._retry = None
            else:
                self._field(line)
        return events

    def _field(self, line: str) -> None:
        name, colon, value = line.partition(":")
        if not name and colon:
            return  # a comment
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value or None
        elif name == "id":
            if "\0" not in value:
                self._last_id = value or None
        elif name == "retry" and value.isascii() and value.isdigit():
            self._retry = self._latest_retry = int(value)
