"""A local OpenAI-compatible API for tests, examples and demos; no network, no key needed.

``FakeAPI`` is one pure function, ``httpx.Request -> httpx.Response``, that speaks the
providers' API: chat completions (plain and SSE streams, tool calls, ``reasoning_content``),
``/models``, ``/images/generations`` (real PNG files), video tasks that move ``queued`` ->
``running`` -> ``succeeded`` over time, bearer keys, and scripted faults chosen by model name
(``error-429``, ``flaky-2``, ``stream-drop``, ``slow``, ... see ``docs/testing.md``).

Mount it in process::

    from tokenclient.testing import FakeAPI, make_client

    client = make_client(FakeAPI(video_seconds=0))
    client.models.list()

or on a loopback socket, for anything that needs a real URL::

    from tokenclient.testing import serve

    with serve() as base_url:  # http://127.0.0.1:PORT/v1, key "sk-test"
        ...

or from a shell: ``python -m tokenclient.testing --port 8000``.
"""

from __future__ import annotations

from ._faults import FAULTS, FaultSpec
from ._handler import FakeAPI, FakeAPIOptions
from ._media import sample_png
from ._mount import ClientOptions, make_async_client, make_client, mock_transport
from ._server import serve

__all__ = [
    "FAULTS",
    "ClientOptions",
    "FakeAPI",
    "FakeAPIOptions",
    "FaultSpec",
    "make_async_client",
    "make_client",
    "mock_transport",
    "sample_png",
    "serve",
]
