"""tokenclient through a ``Router`` (one route): the cost of routing when it is switched on."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from benchmarks.payloads import CHUNK_HEADER, MODEL, conversation
from tokenclient import AsyncRouter, AsyncTokenClient, Route, Router, TokenClient

if TYPE_CHECKING:  # importing ``tokenclient.types`` at run time would load every model
    from tokenclient.types import ChatCompletionMessageParam

__all__ = ["RouterAsync", "RouterSync", "async_client", "sync_client"]

_NAME = "bench"
"""The logical model the router serves (one route: the bench server's model)."""


def _messages(count: int) -> list[ChatCompletionMessageParam]:
    return cast("list[ChatCompletionMessageParam]", conversation(count))


class RouterSync:
    """Chat completions through ``Router``."""

    def __init__(self, client: TokenClient, messages: int) -> None:
        self._client = client
        self._router = Router({_NAME: [Route(client, MODEL)]})
        self._messages = _messages(messages)

    def request(self) -> int:
        """One chat completion."""
        reply = self._router.chat.completions.create(model=_NAME, messages=self._messages)
        return len(reply.choices[0].message.content or "")

    def stream(self, chunks: int) -> int:
        """One streamed completion, chunk by chunk."""
        seen = 0
        with self._router.chat.completions.create(
            model=_NAME,
            messages=self._messages,
            stream=True,
            extra_headers={CHUNK_HEADER: str(chunks)},
        ) as stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content is not None:
                    seen += 1
        return seen

    def close(self) -> None:
        """Close the client."""
        self._client.close()


class RouterAsync:
    """Chat completions through ``AsyncRouter``."""

    def __init__(self, client: AsyncTokenClient, messages: int) -> None:
        self._client = client
        self._router = AsyncRouter({_NAME: [Route(client, MODEL)]})
        self._messages = _messages(messages)

    async def request(self) -> int:
        """One chat completion."""
        reply = await self._router.chat.completions.create(model=_NAME, messages=self._messages)
        return len(reply.choices[0].message.content or "")

    async def stream(self, chunks: int) -> int:
        """One streamed completion, chunk by chunk."""
        seen = 0
        async with await self._router.chat.completions.create(
            model=_NAME,
            messages=self._messages,
            stream=True,
            extra_headers={CHUNK_HEADER: str(chunks)},
        ) as stream:
            async for chunk in stream:
                if chunk.choices and chunk.choices[0].delta.content is not None:
                    seen += 1
        return seen

    async def close(self) -> None:
        """Close the client."""
        await self._client.close()


def sync_client(base_url: str, messages: int) -> RouterSync:
    """A driver over a fresh ``TokenClient`` behind a ``Router``."""
    return RouterSync(TokenClient(api_key="sk-bench", base_url=base_url), messages)


def async_client(base_url: str, messages: int) -> RouterAsync:
    """A driver over a fresh ``AsyncTokenClient`` behind an ``AsyncRouter``."""
    return RouterAsync(AsyncTokenClient(api_key="sk-bench", base_url=base_url), messages)
