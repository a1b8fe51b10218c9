"""Tiny real media files: a PNG built with zlib and struct, and an MP4 header stub."""

from __future__ import annotations

import functools
import struct
import zlib

__all__ = ["MP4_STUB", "PNG_SIGNATURE", "encode_png", "sample_png"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
"""The eight bytes every PNG file starts with."""

MP4_STUB = struct.pack(">I", 24) + b"ftypisom" + struct.pack(">I", 0x200) + b"isomiso2"
"""An ISO BMFF ``ftyp`` box: enough for tools that sniff the file type, not a playable video."""


def _chunk(tag: bytes, data: bytes) -> bytes:
    # Length, type, data, then the CRC-32 of type + data (PNG spec, section 5.3).
    crc = zlib.crc32(tag + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", crc)


def encode_png(width: int, height: int, rows: list[bytes]) -> bytes:
    """Encode 8-bit RGB ``rows`` (``3 * width`` bytes each) as a PNG file."""
    if width < 1 or height < 1 or len(rows) != height:
        raise ValueError("encode_png: need at least 1x1 pixels and one row per line")
    if any(len(row) != 3 * width for row in rows):
        raise ValueError("encode_png: every row must hold 3 * width bytes")
    # Bit depth 8, colour type 2 (truecolour RGB), deflate, adaptive filtering, no interlace.
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    # Each scanline starts with its filter type; 0 means "none".
    raw = b"".join(b"\x00" + row for row in rows)
    return (
        PNG_SIGNATURE
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(raw, 9))
        + _chunk(b"IEND", b"")
    )


@functools.cache
def sample_png(size: int = 8) -> bytes:
    """A ``size`` x ``size`` colour gradient (computed once per size)."""
    step = 255 // max(size - 1, 1)
    rows = [
        bytes(channel for x in range(size) for channel in (x * step, y * step, 128))
        for y in range(size)
    ]
    return encode_png(size, size, rows)
