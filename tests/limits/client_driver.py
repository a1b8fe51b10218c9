"""A worker process for the client tests: a ``TokenClient`` with a shared store, in a loop.

Run as ``python client_driver.py '<json config>'``; appends JSON lines to ``out``: ``ready``
(the client is built), one ``done`` per answered request, ``held`` (``mode="hold"``: two
streams are open; then it sleeps until killed) or ``error`` (a ``LimitsStoreError``; exit 3).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from typing import TypedDict

from tokenclient import TokenClient
from tokenclient.limits import LimitsStore, LimitsStoreError, RedisStore, SQLiteStore

STORE_FAILED = 3


class Config(TypedDict):
    base_url: str
    store: str  # "sqlite" or "redis"
    target: str  # the SQLite path or the Redis URL
    on_error: str  # RedisStore(on_error=...)
    scope: str
    max_concurrency: int | None
    requests_per_minute: float | None
    lease_ttl: float
    n: int
    mode: str  # "loop" or "hold"
    start_at: float
    out: str


def make_store(config: Config) -> LimitsStore:
    if config["store"] == "sqlite":
        return SQLiteStore(config["target"], timeout=2.0)
    if config["on_error"] == "local":
        return RedisStore(config["target"], timeout=1.0, on_error="local")
    return RedisStore(config["target"], timeout=1.0, on_error="raise")


def main() -> int:
    config: Config = json.loads(sys.argv[1])
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    store = make_store(config)
    client = TokenClient(
        api_key="sk-test",
        base_url=config["base_url"],
        max_retries=0,
        max_concurrency=config["max_concurrency"],
        requests_per_minute=config["requests_per_minute"],
        limits_store=store,
        limits_scope=config["scope"],
        limits_lease_ttl=config["lease_ttl"],
    )
    with open(config["out"], "a", encoding="utf-8") as out:

        def write(**line: object) -> None:
            out.write(json.dumps(line) + "\n")
            out.flush()

        write(ready=time.time())
        time.sleep(max(0.0, config["start_at"] - time.time()))
        if config["mode"] == "hold":
            streams = [
                client.chat.completions.create(
                    model="qwen3-8b", messages=[{"role": "user", "content": "hi"}], stream=True
                )
                for _ in range(2)
            ]
            write(held=time.time(), streams=len(streams))
            time.sleep(600)  # until SIGKILLed
            return 0
        for _ in range(config["n"]):
            try:
                client.chat.completions.create(
                    model="qwen3-8b", messages=[{"role": "user", "content": "hi"}]
                )
            except LimitsStoreError as exc:
                write(error=type(exc).__name__, message=str(exc), at=time.time())
                return STORE_FAILED
            write(done=time.time())
    client.close()
    store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
