"""The official ``openai`` SDK, with its defaults, when it is installed.

It is imported by name at run time and used untyped (``Any``), so the benchmarks type-check
without the package installed.
"""

from __future__ import annotations

import importlib
from typing import Any

from benchmarks.payloads import CHUNK_HEADER, MODEL, conversation

__all__ = ["OpenAIAsync", "OpenAISync", "async_client", "sync_client"]

openai: Any = importlib.import_module("openai")


class OpenAISync:
    """Chat completions through ``openai.OpenAI``."""

    def __init__(self, base_url: str, messages: int) -> None:
        self._client: Any = openai.OpenAI(api_key="sk-bench", base_url=base_url)
        self._messages = conversation(messages)

    def request(self) -> int:
        """One chat completion."""
        reply = self._client.chat.completions.create(model=MODEL, messages=self._messages)
        return len(reply.choices[0].message.content or "")

    def stream(self, chunks: int) -> int:
        """One streamed completion, chunk by chunk."""
        seen = 0
        with self._client.chat.completions.create(
            model=MODEL,
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


class OpenAIAsync:
    """Chat completions through ``openai.AsyncOpenAI``."""

    def __init__(self, base_url: str, messages: int) -> None:
        self._client: Any = openai.AsyncOpenAI(api_key="sk-bench", base_url=base_url)
        self._messages = conversation(messages)

    async def request(self) -> int:
        """One chat completion."""
        reply = await self._client.chat.completions.create(model=MODEL, messages=self._messages)
        return len(reply.choices[0].message.content or "")

    async def stream(self, chunks: int) -> int:
        """One streamed completion, chunk by chunk."""
        seen = 0
        async with await self._client.chat.completions.create(
            model=MODEL,
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


def sync_client(base_url: str, messages: int) -> OpenAISync:
    """A driver over a fresh ``openai.OpenAI``."""
    return OpenAISync(base_url, messages)


def async_client(base_url: str, messages: int) -> OpenAIAsync:
    """A driver over a fresh ``openai.AsyncOpenAI``."""
    return OpenAIAsync(base_url, messages)
