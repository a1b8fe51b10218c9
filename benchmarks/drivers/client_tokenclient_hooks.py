"""tokenclient with a hook on every event: the cost of observability when it is switched on.

The hook does what a light real one does: it keeps the last event of each kind (a metrics hook
would add a number). Usage accounting (``client.usage``) is always on, hooks or not.
"""

from __future__ import annotations

from benchmarks.drivers.client_tokenclient import TokenclientAsync, TokenclientSync
from tokenclient import AsyncTokenClient, TokenClient
from tokenclient.hooks import (
    ErrorEvent,
    RequestEvent,
    ResponseEvent,
    RetryEvent,
    StreamEndEvent,
)

__all__ = ["LastEvents", "async_client", "sync_client"]


class LastEvents:
    """A hook on every event that keeps the last one of each kind."""

    def __init__(self) -> None:
        self.last: dict[str, object] = {}

    def on_request(self, event: RequestEvent) -> None:
        self.last["request"] = event

    def on_retry(self, event: RetryEvent) -> None:
        self.last["retry"] = event

    def on_response(self, event: ResponseEvent) -> None:
        self.last["response"] = event

    def on_error(self, event: ErrorEvent) -> None:
        self.last["error"] = event

    def on_stream_end(self, event: StreamEndEvent) -> None:
        self.last["stream_end"] = event


def sync_client(base_url: str, messages: int) -> TokenclientSync:
    """A driver over a fresh ``TokenClient`` with the hook."""
    client = TokenClient(api_key="sk-bench", base_url=base_url, hooks=[LastEvents()])
    return TokenclientSync(client, messages)


def async_client(base_url: str, messages: int) -> TokenclientAsync:
    """A driver over a fresh ``AsyncTokenClient`` with the hook."""
    client = AsyncTokenClient(api_key="sk-bench", base_url=base_url, hooks=[LastEvents()])
    return TokenclientAsync(client, messages)
