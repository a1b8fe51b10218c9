"""Raw httpx: the floor. ``json.dumps`` the body, ``json.loads`` the reply and each SSE line.

The pool is sized like tokenclient's (100 connections, all kept alive), so the comparison
measures the client code, not a pool setting.
"""

from __future__ import annotations

import json

import httpx

from benchmarks.payloads import CHUNK_HEADER, MODEL, conversation

__all__ = ["HttpxAsync", "HttpxSync", "async_client", "sync_client"]

LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100)
"""The pool size tokenclient uses."""

_HEADERS = {"authorization": "Bearer sk-bench", "content-type": "application/json"}


class HttpxSync:
    """Chat completions over a plain ``httpx.Client``."""

    def __init__(self, http: httpx.Client, base_url: str, messages: int) -> None:
        self._http = http
        self._url = base_url + "/chat/completions"
        self._messages = conversation(messages)

    def request(self) -> int:
        """One chat completion."""
        body = json.dumps({"model": MODEL, "messages": self._messages}).encode()
        response = self._http.post(self._url, content=body, headers=_HEADERS)
        response.raise_for_status()
        reply = json.loads(response.content)
        return len(reply["choices"][0]["message"]["content"])

    def stream(self, chunks: int) -> int:
        """One streamed completion, read line by line."""
        body = json.dumps({"model": MODEL, "messages": self._messages, "stream": True}).encode()
        headers = {**_HEADERS, CHUNK_HEADER: str(chunks)}
        seen = 0
        with self._http.stream("POST", self._url, content=body, headers=headers) as response:
            response.raise_for_status()
            for line in response.iter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content") is not None:
                    seen += 1
        return seen

    def close(self) -> None:
        """Close the pool."""
        self._http.close()


class HttpxAsync:
    """Chat completions over a plain ``httpx.AsyncClient``."""

    def __init__(self, http: httpx.AsyncClient, base_url: str, messages: int) -> None:
        self._http = http
        self._url = base_url + "/chat/completions"
        self._messages = conversation(messages)

    async def request(self) -> int:
        """One chat completion."""
        body = json.dumps({"model": MODEL, "messages": self._messages}).encode()
        response = await self._http.post(self._url, content=body, headers=_HEADERS)
        response.raise_for_status()
        reply = json.loads(response.content)
        return len(reply["choices"][0]["message"]["content"])

    async def stream(self, chunks: int) -> int:
        """One streamed completion, read line by line."""
        body = json.dumps({"model": MODEL, "messages": self._messages, "stream": True}).encode()
        headers = {**_HEADERS, CHUNK_HEADER: str(chunks)}
        seen = 0
        async with self._http.stream("POST", self._url, content=body, headers=headers) as response:
            response.raise_for_status()
            async for line in response.aiter_lines():
                if not line.startswith("data: "):
                    continue
                data = line[6:]
                if data == "[DONE]":
                    break
                chunk = json.loads(data)
                if chunk["choices"] and chunk["choices"][0]["delta"].get("content") is not None:
                    seen += 1
        return seen

    async def close(self) -> None:
        """Close the pool."""
        await self._http.aclose()


def sync_client(base_url: str, messages: int) -> HttpxSync:
    """A driver over a fresh ``httpx.Client``."""
    return HttpxSync(httpx.Client(limits=LIMITS), base_url, messages)


def async_client(base_url: str, messages: int) -> HttpxAsync:
    """A driver over a fresh ``httpx.AsyncClient``."""
    return HttpxAsync(httpx.AsyncClient(limits=LIMITS), base_url, messages)
