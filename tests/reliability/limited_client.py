"""Run one client call in this process under an address-space limit; print what happened.

``python limited_client.py '<json>'`` with ``url``, ``kind`` (``sync``/``async``), ``action``
(``create``, ``stream`` to read every chunk, ``final`` to read every chunk, discarding them,
then call ``get_final_completion()``), ``limit_mb`` (``RLIMIT_AS``) and ``options`` (client
keyword arguments). Prints one JSON line: the exception class and its bases (or ``null``),
its message, and the chunks read. A ``MemoryError`` is reported like any other exception, so
the test sees an untyped failure instead of a crash.
"""

from __future__ import annotations

import json
import resource
import sys

import anyio


def main() -> None:
    args = json.loads(sys.argv[1])
    limit = int(args["limit_mb"]) << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from tokenclient import AsyncTokenClient, TokenClient

    result: dict[str, object] = {"error": None, "bases": [], "message": "", "chunks": 0}
    messages = [{"role": "user", "content": "hi"}]
    options = {"api_key": "sk-limited", "base_url": args["url"], "max_retries": 0}
    options.update(args["options"])
    action = args["action"]
    try:
        if args["kind"] == "sync":
            with TokenClient(**options) as client:
                if action == "create":
                    client.chat.completions.create(model="m", messages=messages)
                else:
                    with client.chat.completions.create(
                        model="m", messages=messages, stream=True
                    ) as stream:
                        for _ in stream:
                            result["chunks"] = int(str(result["chunks"])) + 1
                        if action == "final":
                            stream.get_final_completion()
        else:

            async def run() -> None:
                async with AsyncTokenClient(**options) as client:
                    if action == "create":
                        await client.chat.completions.create(model="m", messages=messages)
                        return
                    stream = await client.chat.completions.create(
                        model="m", messages=messages, stream=True
                    )
                    async with stream:
                        async for _ in stream:
                            result["chunks"] = int(str(result["chunks"])) + 1
                        if action == "final":
                            await stream.get_final_completion()

            anyio.run(run)
    except BaseException as exc:  # report everything, MemoryError included
        result["error"] = type(exc).__name__
        result["bases"] = [cls.__name__ for cls in type(exc).__mro__]
        result["message"] = str(exc)[:500]
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
