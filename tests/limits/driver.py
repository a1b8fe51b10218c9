"""A worker process for the multi-process tests: acquire, record, release, in a loop.

Run as ``python driver.py '<json config>'``; appends one JSON line per acquisition to
``out``: ``planned`` (when the store said it may start), ``enter`` and ``exit`` (wall clock).
``mode="hold"`` takes ``n`` leases, writes one ``held`` line and sleeps until killed.
"""

from __future__ import annotations

import json
import sys
import time
from typing import TypedDict

from tokenclient.limits import Grant, Limits, LimitsStore, RedisStore, SQLiteStore


class Config(TypedDict):
    store: str  # "sqlite" or "redis"
    target: str  # the SQLite path or the Redis URL
    scope: str
    max_concurrency: int | None
    requests_per_minute: float | None
    lease_ttl: float
    n: int
    hold: float
    start_at: float
    mode: str  # "loop" or "hold"
    out: str


def acquire(store: LimitsStore, scope: str, limits: Limits) -> Grant:
    """Ask until admitted, sleeping the store's poll delay in between."""
    attempt = 0
    while True:
        grant = store.acquire(scope, limits, attempt=attempt)
        if grant.admitted:
            return grant
        time.sleep(grant.wait)
        attempt += 1


def main() -> None:
    config: Config = json.loads(sys.argv[1])
    store: LimitsStore = (
        SQLiteStore(config["target"])
        if config["store"] == "sqlite"
        else RedisStore(config["target"])
    )
    limits = Limits(
        max_concurrency=config["max_concurrency"],
        requests_per_minute=config["requests_per_minute"],
        lease_ttl=config["lease_ttl"],
    )
    time.sleep(max(0.0, config["start_at"] - time.time()))
    with open(config["out"], "a", encoding="utf-8") as out:
        if config["mode"] == "hold":
            for _ in range(config["n"]):
                acquire(store, config["scope"], limits)
            out.write(json.dumps({"held": time.time()}) + "\n")
            out.flush()
            time.sleep(600)  # until SIGKILLed
            return
        for _ in range(config["n"]):
            grant = acquire(store, config["scope"], limits)
            planned = time.time() + grant.wait
            time.sleep(grant.wait)
            enter = time.time()
            time.sleep(config["hold"])
            leave = time.time()
            store.release(config["scope"], limits, grant)
            out.write(json.dumps({"planned": planned, "enter": enter, "exit": leave}) + "\n")
            out.flush()
    store.close()


if __name__ == "__main__":
    main()
