"""Helpers for the ``tokenclient.testing`` tests: requests, SSE parsing, PNG decoding, schemas."""

from __future__ import annotations

import functools
import importlib
import json
import struct
import zlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Protocol, cast

import httpx

from tokenclient.testing import FakeAPI

BASE = "http://testserver/v1"
KEY = "sk-test"
SPEC = Path(__file__).parent / "data" / "openai-chat-subset.json"


def request(
    method: str,
    path: str,
    *,
    body: object = None,
    key: str | None = KEY,
    base: str = BASE,
    extensions: Mapping[str, object] | None = None,
) -> httpx.Request:
    """A request as a client would send it (``body`` as JSON unless None)."""
    headers = {"authorization": f"Bearer {key}"} if key is not None else {}
    content = json.dumps(body).encode() if body is not None else None
    if content is not None:
        headers["content-type"] = "application/json"
    return httpx.Request(
        method, base + path, headers=headers, content=content, extensions=dict(extensions or {})
    )


def call(
    api: FakeAPI,
    method: str,
    path: str,
    *,
    body: object = None,
    key: str | None = KEY,
    base: str = BASE,
    extensions: Mapping[str, object] | None = None,
) -> httpx.Response:
    """Call the handler directly and read the whole body."""
    response = api(request(method, path, body=body, key=key, base=base, extensions=extensions))
    response.read()
    return response


def chat_body(text: str = "Hello!", **extra: object) -> dict[str, object]:
    """A minimal chat request body."""
    return {"model": "qwen3-8b", "messages": [{"role": "user", "content": text}], **extra}


def json_of(response: httpx.Response) -> dict[str, object]:
    """The response body as a JSON object."""
    value = response.json()
    assert isinstance(value, dict)
    return cast("dict[str, object]", value)


def sse_blocks(raw: bytes) -> list[str]:
    """The SSE events of a body, one string per blank-line-separated block."""
    text = raw.decode()
    assert text.endswith("\n\n") or not text, "every event ends with a blank line"
    return [block for block in text.split("\n\n") if block]


def sse_data(raw: bytes) -> list[str]:
    """The ``data:`` payloads of a body, comments skipped."""
    return [block.removeprefix("data: ") for block in sse_blocks(raw) if block.startswith("data:")]


def chunks_of(raw: bytes) -> list[dict[str, object]]:
    """The JSON chunk objects of a stream, ``[DONE]`` excluded."""
    return [cast("dict[str, object]", json.loads(d)) for d in sse_data(raw) if d != "[DONE]"]


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Check a PNG (signature, chunk CRCs, IHDR, IDAT size) and return width, height, rows."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, chunks = 8, list[tuple[bytes, bytes]]()
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        tag = data[offset + 4 : offset + 8]
        payload = data[offset + 8 : offset + 8 + length]
        (crc,) = struct.unpack(">I", data[offset + 8 + length : offset + 12 + length])
        assert crc == zlib.crc32(tag + payload) & 0xFFFFFFFF, f"bad CRC in {tag!r}"
        chunks.append((tag, payload))
        offset += 12 + length
    assert offset == len(data)
    tags = [tag for tag, _ in chunks]
    assert tags[0] == b"IHDR"
    assert tags[-1] == b"IEND"
    assert b"IDAT" in tags
    width, height, depth, colour, compression, filtering, interlace = struct.unpack(
        ">IIBBBBB", chunks[0][1]
    )
    assert (depth, colour, compression, filtering, interlace) == (8, 2, 0, 0, 0)
    raw = zlib.decompress(b"".join(payload for tag, payload in chunks if tag == b"IDAT"))
    stride = 1 + 3 * width
    assert len(raw) == height * stride
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows), "filter type 0 on every scanline"
    return width, height, [row[1:] for row in rows]


class _Validator(Protocol):
    def iter_errors(self, instance: object) -> Iterable[object]: ...


@functools.cache
def _spec() -> dict[str, object]:
    return cast("dict[str, object]", json.loads(SPEC.read_text()))


def assert_spec_valid(schema_name: str, instance: object) -> None:
    """Check ``instance`` against ``$defs[schema_name]`` of the OpenAI spec subset."""
    # jsonschema ships no type information; reach it through a small protocol.
    module = importlib.import_module("jsonschema")
    validator_class = cast("type", module.Draft202012Validator)
    schema = {"$ref": f"#/$defs/{schema_name}", "$defs": _spec()["$defs"]}
    validator = cast("_Validator", validator_class(schema))
    errors = [str(error)[:300] for error in validator.iter_errors(instance)]
    assert not errors, errors


def assert_schema_valid(schema: Mapping[str, object], instance: object) -> None:
    """Check ``instance`` against a JSON schema (draft 2020-12), and the schema itself."""
    module = importlib.import_module("jsonschema")
    validator_class = cast("type", module.Draft202012Validator)
    check_schema = cast("Callable[[object], None]", module.Draft202012Validator.check_schema)
    check_schema(schema)
    validator = cast("_Validator", validator_class(schema))
    errors = [str(error)[:300] for error in validator.iter_errors(instance)]
    assert not errors, errors
