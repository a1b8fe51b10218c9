"""Raw aiohttp (async only): the lean-pool reference for the concurrency question.

Imported by name at run time and used untyped, so the benchmarks type-check without it.
"""

from __future__ import annotations

import importlib
import json
from typing import Any

from benchmarks.payloads import CHUNK_HEADER, MODEL, conversation

__all__ = ["AiohttpAsync", "async_client", "sync_client"]

aiohttp: Any = importlib.import_module("aiohttp")

_HEADERS = {"authorization": "Bearer sk-bench", "content-type": "application/json"}


class AiohttpAsync:
    """Chat completions over an ``aiohttp.ClientSession`` (100 connections, like the others)."""

    def __init__(self, base_url: str, messages: int) -> None:
        connector = aiohttp.TCPConnector(limit=100)
        self._session: Any = aiohttp.ClientSession(connector=connector)
        self._url = base_url + "/chat/completions"
        self._messages = conversation(messages)

    async def request(self) -> int:
        """One chat completion."""
        body = json.dumps({"model": MODEL, "messages": self._messages}).encode()
        async with self._session.post(self._url, data=body, headers=_HEADERS) as response:
            response.raise_for_status()
            reply = json.loads(await response.read())
        return len(reply["choices"][0]["message"]["content"])

    async def stream(self, chunks: int) -> int:
        """One streamed completion, read line by line."""
        body = json.dumps({"model": MODEL, "messages": self._messages, "stream": True}).encode()
        headers = {**_HEADERS, CHUNK_HEADER: str(chunks)}
        seen = 0
        async with self._session.post(self._url, data=body, headers=headers) as response:
            response.raise_for_status()
            async for line in response.content:
                if not line.startswith(b"data: "):
                    continue
                data = line[6:].rstrip(b"\r\n")
                if data == b"[DONE]":
                    break
                chunk = json.loads(data)
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content") is not None:
                    seen += 1
        return seen

    async def close(self) -> None:
        """Close the session."""
        await self._session.close()


def sync_client(base_url: str, messages: int) -> None:
    """aiohttp has no sync client."""
    return None


def async_client(base_url: str, messages: int) -> AiohttpAsync:
    """A driver over a fresh ``aiohttp.ClientSession``; call inside the event loop."""
    return AiohttpAsync(base_url, messages)
