"""Run one client call in this process under an address-space limit; print what happened.

``python limited_client.py '<json>'`` with ``url``, ``kind`` (``sync``/``async``), ``action``
(``create``; ``stream`` reads every chunk; ``final`` reads every chunk, discarding them, then
calls ``get_final_completion()``), ``limit_mb`` (``RLIMIT_AS``) and ``max_response_bytes``.
Prints one JSON line: the exception class and its bases (or ``null``), its message, the chunks
read and the peak RSS in MB. A ``MemoryError`` is reported like any other exception, so the
test sees an untyped failure instead of a crash.
"""

from __future__ import annotations

import json
import resource
import sys
from typing import cast

import anyio

from tokenclient import AsyncTokenClient, TokenClient
from tokenclient.types import ChatCompletionMessageParam

HELLO: list[ChatCompletionMessageParam] = [{"role": "user", "content": "hi"}]


class Run:
    """One call and what it gave."""

    def __init__(self, url: str, action: str, max_response_bytes: int) -> None:
        self.url = url
        self.action = action
        self.max_response_bytes = max_response_bytes
        self.chunks = 0

    def sync(self) -> None:
        with TokenClient(
            api_key="sk-limited",
            base_url=self.url,
            max_retries=0,
            max_response_bytes=self.max_response_bytes,
        ) as client:
            if self.action == "create":
                client.chat.completions.create(model="m", messages=HELLO)
                return
            with client.chat.completions.create(model="m", messages=HELLO, stream=True) as stream:
                for _ in stream:
                    self.chunks += 1
                if self.action == "final":
                    stream.get_final_completion()

    async def async_(self) -> None:
        async with AsyncTokenClient(
            api_key="sk-limited",
            base_url=self.url,
            max_retries=0,
            max_response_bytes=self.max_response_bytes,
        ) as client:
            if self.action == "create":
                await client.chat.completions.create(model="m", messages=HELLO)
                return
            stream = await client.chat.completions.create(model="m", messages=HELLO, stream=True)
            async with stream:
                async for _ in stream:
                    self.chunks += 1
                if self.action == "final":
                    await stream.get_final_completion()


def main() -> None:
    args = cast("dict[str, object]", json.loads(sys.argv[1]))
    limit = int(str(args["limit_mb"])) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    run = Run(str(args["url"]), str(args["action"]), int(str(args["max_response_bytes"])))
    result: dict[str, object] = {"error": None, "bases": [], "message": ""}
    try:
        if args["kind"] == "sync":
            run.sync()
        else:
            anyio.run(run.async_)
    except BaseException as exc:  # report everything, MemoryError included
        result["error"] = type(exc).__name__
        result["bases"] = [cls.__name__ for cls in type(exc).__mro__]
        result["message"] = str(exc)[:500]
    result["chunks"] = run.chunks
    result["max_rss_mb"] = _peak_rss_mb()
    print(json.dumps(result), flush=True)


def _peak_rss_mb() -> int:
    """This process's peak RSS since it started this program.

    Not ``getrusage().ru_maxrss``: Linux carries the parent's peak across fork and exec into
    it, so a child of a large pytest process would report the parent's size. ``VmHWM`` is the
    high-water mark of this program's own memory.
    """
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024  # not Linux


if __name__ == "__main__":
    main()
