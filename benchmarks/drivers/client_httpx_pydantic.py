"""Raw httpx with pydantic models: the floor of any client whose replies are pydantic objects.

The same calls as ``client_httpx``, but each reply and each stream chunk is validated from its
JSON bytes into minimal pydantic models (only the fields the driver reads). It shows what
pydantic itself costs on top of raw httpx (its import, its compiled core and a first model),
which no pydantic-typed client can go below: the peak RSS row's target is measured against it.
"""

from __future__ import annotations

import httpx
from pydantic import BaseModel

from benchmarks.drivers.client_httpx import _HEADERS, LIMITS
from benchmarks.payloads import CHUNK_HEADER, MODEL, conversation

__all__ = ["async_client", "sync_client"]


class _Message(BaseModel):
    content: str | None = None


class _Choice(BaseModel):
    message: _Message


class _Completion(BaseModel):
    choices: list[_Choice]


class _Delta(BaseModel):
    content: str | None = None


class _ChunkChoice(BaseModel):
    delta: _Delta


class _Chunk(BaseModel):
    choices: list[_ChunkChoice]


def _body(messages: list[dict[str, str]], *, stream: bool = False) -> bytes:
    import json

    return json.dumps({"model": MODEL, "messages": messages, "stream": stream}).encode()


class HttpxPydanticSync:
    """Chat completions over a plain ``httpx.Client``, replies as pydantic models."""

    def __init__(self, http: httpx.Client, base_url: str, messages: int) -> None:
        self._http = http
        self._url = base_url + "/chat/completions"
        self._messages = conversation(messages)

    def request(self) -> int:
        """One chat completion."""
        response = self._http.post(self._url, content=_body(self._messages), headers=_HEADERS)
        response.raise_for_status()
        reply = _Completion.model_validate_json(response.content)
        return len(reply.choices[0].message.content or "")

    def stream(self, chunks: int) -> int:
        """One streamed completion: each ``data:`` line validated into a chunk model."""
        headers = {**_HEADERS, CHUNK_HEADER: str(chunks)}
        content = _body(self._messages, stream=True)
        seen = 0
        with self._http.stream("POST", self._url, content=content, headers=headers) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = _Chunk.model_validate_json(data)
                if chunk.choices and chunk.choices[0].delta.content is not None:
                    seen += 1
        return seen

    def close(self) -> None:
        """Close the pool."""
        self._http.close()


class HttpxPydanticAsync:
    """Chat completions over a plain ``httpx.AsyncClient``, replies as pydantic models."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, messages: int) -> None:
        self._http = http
        self._url = base_url + "/chat/completions"
        self._messages = conversation(messages)

    async def request(self) -> int:
        """One chat completion."""
        response = await self._http.post(self._url, content=_body(self._messages), headers=_HEADERS)
        response.raise_for_status()
        reply = _Completion.model_validate_json(response.content)
        return len(reply.choices[0].message.content or "")

    async def stream(self, chunks: int) -> int:
        """One streamed completion: each ``data:`` line validated into a chunk model."""
        headers = {**_HEADERS, CHUNK_HEADER: str(chunks)}
        content = _body(self._messages, stream=True)
        seen = 0
        async with self._http.stream(
            "POST", self._url, content=content, headers=headers
        ) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = _Chunk.model_validate_json(data)
                if chunk.choices and chunk.choices[0].delta.content is not None:
                    seen += 1
        return seen

    async def close(self) -> None:
        """Close the pool."""
        await self._http.aclose()


def sync_client(base_url: str, messages: int) -> HttpxPydanticSync:
    """A driver over a fresh ``httpx.Client``."""
    return HttpxPydanticSync(httpx.Client(limits=LIMITS), base_url, messages)


def async_client(base_url: str, messages: int) -> HttpxPydanticAsync:
    """A driver over a fresh ``httpx.AsyncClient``."""
    return HttpxPydanticAsync(httpx.AsyncClient(limits=LIMITS), base_url, messages)
