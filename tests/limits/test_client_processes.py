"""Clients in four real processes share one store; the bundled server counts what arrives."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import httpx
import pytest

from tokenclient.testing import FakeAPI, serve

from .client_driver import STORE_FAILED, Config
from .conftest import RedisServer
from .test_processes import SRC, finish, most_in_window, records

DRIVER = Path(__file__).with_name("client_driver.py")

pytestmark = pytest.mark.slow


class CountingAPI(FakeAPI):
    """The fake API, recording when each chat request arrived and how many were in flight.

    Each request is held ``hold`` seconds inside the handler, so requests of several
    processes overlap there and the count of requests being handled is what the server sees
    in flight.
    """

    def __init__(self, hold: float = 0.0) -> None:
        super().__init__()
        self.hold = hold
        self.arrivals: list[float] = []
        self.in_flight = 0
        self.most_in_flight = 0
        self._count_lock = threading.Lock()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/chat/completions"):
            return super().__call__(request)
        with self._count_lock:
            self.arrivals.append(time.time())
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.hold)
            return super().__call__(request)
        finally:
            with self._count_lock:
                self.in_flight -= 1


def config(base_url: str, target: tuple[str, str], out: Path, **overrides: object) -> Config:
    base: Config = {
        "base_url": base_url,
        "store": target[0],
        "target": target[1],
        "on_error": "raise",
        "scope": "procs-" + uuid.uuid4().hex,
        "max_concurrency": None,
        "requests_per_minute": None,
        "lease_ttl": 60.0,
        "n": 25,
        "mode": "loop",
        "start_at": time.time() + 2.0,  # every worker imported before the first request
        "out": str(out),
    }
    base.update(overrides)  # type: ignore[typeddict-item]  # keys checked by the driver
    return base


def spawn(config: Config, stderr: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    """Start one driver process (its stderr to ``stderr`` if given)."""
    return subprocess.Popen(
        [sys.executable, str(DRIVER), json.dumps(config)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
        stderr=stderr,
    )


def wait_for(out: Path, key: str, count: int, timeout: float = 30.0) -> None:
    """Until ``out`` holds ``count`` lines with ``key`` (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if out.exists() and sum(key in line for line in records(out)) >= count:
            return
        time.sleep(0.02)
    pytest.fail(f"the workers did not write {count} {key!r} lines in {timeout} s")


def test_four_processes_of_clients_stay_inside_one_request_bucket(
    target: tuple[str, str], tmp_path: Path
) -> None:
    api = CountingAPI()
    with serve(api=api) as base_url:
        cfg = config(base_url, target, tmp_path / "out.jsonl", requests_per_minute=600, n=25)
        finish([spawn(cfg) for _ in range(4)], timeout=90)
    assert len(api.arrivals) == 100
    # 600 a minute: a bucket of 10, then 10 a second; at most 20 arrive in any second
    # (the window is a hair shorter than a second: an arrival exactly one second after
    # another is the bucket's next token).
    assert most_in_window(api.arrivals, 1.0 - 1e-3) <= 20
    # The shared bucket paced them: 100 take 9 s, where four private buckets take 2.25 s.
    assert max(api.arrivals) - min(api.arrivals) >= 9.0 - 0.2


def test_four_processes_of_clients_share_three_slots(
    target: tuple[str, str], tmp_path: Path
) -> None:
    api = CountingAPI(hold=0.15)
    with serve(api=api) as base_url:
        cfg = config(base_url, target, tmp_path / "out.jsonl", max_concurrency=3, n=6)
        finish([spawn(cfg) for _ in range(4)], timeout=90)
    assert len(api.arrivals) == 24
    assert 2 <= api.most_in_flight <= 3


def test_a_killed_process_holding_two_streams_gives_its_slots_back_within_the_ttl(
    target: tuple[str, str], tmp_path: Path
) -> None:
    ttl = 1.5
    api = CountingAPI()
    held, out = tmp_path / "held.jsonl", tmp_path / "out.jsonl"
    with serve(api=api) as base_url:
        scope = "kill-" + uuid.uuid4().hex
        shared = {"max_concurrency": 2, "lease_ttl": ttl, "scope": scope, "start_at": 0.0}
        holder = spawn(config(base_url, target, held, mode="hold", **shared))
        try:
            wait_for(held, "held", 1)
            workers = [spawn(config(base_url, target, out, n=3, **shared)) for _ in range(2)]
            wait_for(out, "ready", 2)
            time.sleep(0.3)  # the workers are polling for a slot now
            assert len(api.arrivals) == 2  # only the holder's two streams got in
            os.kill(holder.pid, signal.SIGKILL)
            killed = time.time()
            holder.wait(timeout=10)
            finish(workers, timeout=30)
        finally:
            if holder.poll() is None:
                holder.kill()
                holder.wait(timeout=10)
    later = sorted(api.arrivals[2:])
    assert len(later) == 6
    # The leases were last renewed at most ttl/3 before the kill, so they expire between
    # 2/3 of the TTL and the TTL after it; a freed slot is noticed within one 50 ms poll.
    assert killed + ttl * 2 / 3 - 0.1 <= later[0] <= killed + ttl + 0.5


def paced(base_url: str, redis: RedisServer, out: Path, *, on_error: str, n: int) -> Config:
    """One worker sending ``n`` requests at 600 a minute through ``redis``, at once."""
    target = ("redis", redis.url)
    return config(
        base_url, target, out, on_error=on_error, requests_per_minute=600, n=n, start_at=0.0
    )


def test_redis_stopped_mid_run_raises_before_sending(
    own_redis_server: RedisServer, tmp_path: Path
) -> None:
    api = CountingAPI()
    out = tmp_path / "out.jsonl"
    with serve(api=api) as base_url:
        worker = spawn(paced(base_url, own_redis_server, out, on_error="raise", n=200))
        try:
            wait_for(out, "done", 15)
            own_redis_server.stop()
            stopped = time.time()
            assert worker.wait(timeout=30) == STORE_FAILED
        finally:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
    error: Mapping[str, object] = next(r for r in records(out) if "error" in r)
    assert error["error"] == "LimitsStoreError"
    assert own_redis_server.url.split("/")[2] in str(error["message"])
    # A request admitted just before the stop may still go; none is sent unlimited after it.
    assert sum(1 for t in api.arrivals if t > stopped) <= 1
    assert isinstance(error["at"], float)
    assert error["at"] - stopped < 5.0  # within the store's timeout (1 s), bounded


def test_redis_stopped_mid_run_degrades_to_local_limits_with_on_error_local(
    own_redis_server: RedisServer, tmp_path: Path
) -> None:
    api = CountingAPI()
    out = tmp_path / "out.jsonl"
    with serve(api=api) as base_url:
        cfg = paced(base_url, own_redis_server, out, on_error="local", n=40)
        log = tmp_path / "stderr.txt"
        with log.open("wb") as stderr:
            worker = spawn(cfg, stderr)
            try:
                wait_for(out, "done", 10)
                own_redis_server.stop()
                stopped = time.time()
                assert worker.wait(timeout=60) == 0
            finally:
                if worker.poll() is None:
                    worker.kill()
                    worker.wait(timeout=10)
    assert len(api.arrivals) == 40
    warnings = [line for line in log.read_text().splitlines() if line.startswith("WARNING")]
    assert len(warnings) == 1, warnings  # one warning when it degrades
    assert warnings[0].startswith("WARNING tokenclient.limits:")
    # Still limited, per process now: a fresh local bucket of 10, then 10 a second.
    after = [t for t in api.arrivals if t > stopped]
    assert most_in_window(after, 1.0 - 1e-3) <= 20
