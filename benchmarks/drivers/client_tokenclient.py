"""tokenclient as a user would write it: defaults kept (retries on), typed replies."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

import httpx

from benchmarks.payloads import CHUNK_HEADER, MODEL, conversation
from tokenclient import AsyncTokenClient, TokenClient

if TYPE_CHECKING:  # importing ``tokenclient.types`` at run time would load every model
    from tokenclient import AsyncRouter, Router
    from tokenclient.types import ChatCompletionMessageParam

__all__ = ["ROUTED", "TokenclientAsync", "TokenclientSync", "async_client", "sync_client"]

ROUTED = "bench"
"""The logical model name a router driver serves (one route: the bench server's model)."""


def _messages(count: int) -> list[ChatCompletionMessageParam]:
    """The conversation as typed message dicts (they are plain dicts at run time)."""
    return cast("list[ChatCompletionMessageParam]", conversation(count))


class TokenclientSync:
    """Chat completions through ``TokenClient`` (or a ``Router`` over it)."""

    def __init__(self, client: TokenClient, messages: int, router: Router | None = None) -> None:
        self._client = client
        self._api: TokenClient | Router = router or client
        self._model = MODEL if router is None else ROUTED
        self._messages = _messages(messages)

    def request(self) -> int:
        """One chat completion."""
        reply = self._api.chat.completions.create(model=self._model, messages=self._messages)
        return len(reply.choices[0].message.content or "")

    def stream(self, chunks: int) -> int:
        """One streamed completion, chunk by chunk."""
        seen = 0
        with self._api.chat.completions.create(
            model=self._model,
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


class TokenclientAsync:
    """Chat completions through ``AsyncTokenClient`` (or an ``AsyncRouter`` over it)."""

    def __init__(
        self, client: AsyncTokenClient, messages: int, router: AsyncRouter | None = None
    ) -> None:
        self._client = client
        self._api: AsyncTokenClient | AsyncRouter = router or client
        self._model = MODEL if router is None else ROUTED
        self._messages = _messages(messages)

    async def request(self) -> int:
        """One chat completion."""
        reply = await self._api.chat.completions.create(model=self._model, messages=self._messages)
        return len(reply.choices[0].message.content or "")

    async def stream(self, chunks: int) -> int:
        """One streamed completion, chunk by chunk."""
        seen = 0
        async with await self._api.chat.completions.create(
            model=self._model,
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


def sync_client(base_url: str, messages: int) -> TokenclientSync:
    """A driver over a fresh ``TokenClient``."""
    return TokenclientSync(TokenClient(api_key="sk-bench", base_url=base_url), messages)


def async_client(
    base_url: str, messages: int, http_client: httpx.AsyncClient | None = None
) -> TokenclientAsync:
    """A driver over a fresh ``AsyncTokenClient`` (on ``http_client`` when given)."""
    client = AsyncTokenClient(api_key="sk-bench", base_url=base_url, http_client=http_client)
    return TokenclientAsync(client, messages)
