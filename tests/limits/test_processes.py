"""Limits hold across real processes: four workers share one SQLite file or one Redis."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from .conftest import RedisServer
from .driver import Config

DRIVER = Path(__file__).with_name("driver.py")
SRC = Path(__file__).resolve().parents[2] / "src"

pytestmark = pytest.mark.slow


def spawn(config: Config) -> subprocess.Popen[bytes]:
    """Start one driver process."""
    return subprocess.Popen(
        [sys.executable, str(DRIVER), json.dumps(config)],
        env={**os.environ, "PYTHONPATH": str(SRC)},
    )


def config(target: tuple[str, str], out: Path, **overrides: object) -> Config:
    """A driver config for ``target`` writing to ``out``."""
    base: Config = {
        "store": target[0],
        "target": target[1],
        "scope": "s:procs-" + uuid.uuid4().hex,
        "max_concurrency": None,
        "requests_per_minute": None,
        "lease_ttl": 60.0,
        "n": 25,
        "hold": 0.0,
        "start_at": time.time() + 2.0,  # every worker imported before the first acquire
        "mode": "loop",
        "out": str(out),
    }
    base.update(overrides)  # type: ignore[typeddict-item]  # keys checked by the driver
    return base


def finish(processes: list[subprocess.Popen[bytes]], timeout: float) -> None:
    """Wait for every process; all must exit 0 in time. None is left running."""
    deadline = time.monotonic() + timeout
    try:
        for process in processes:
            try:
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                pytest.fail("a worker did not finish in time")
            assert process.returncode == 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.kill()
                process.wait(timeout=10)


def records(out: Path) -> list[dict[str, float]]:
    """The driver's lines."""
    return [json.loads(line) for line in out.read_text().splitlines()]


def most_in_window(times: list[float], width: float) -> int:
    """The most ``times`` in any closed window ``[t, t + width]``."""
    ordered = sorted(times)
    best, j = 0, 0
    for i, start in enumerate(ordered):
        j = max(j, i)
        while j + 1 < len(ordered) and ordered[j + 1] <= start + width:
            j += 1
        best = max(best, j - i + 1)
    return best


def most_overlapping(spans: list[tuple[float, float]]) -> int:
    """The most spans open at one instant."""
    events = sorted([(a, 1) for a, _ in spans] + [(b, -1) for _, b in spans])
    best = current = 0
    for _, step in events:  # an exit sorts before an enter at the same instant
        current += step
        best = max(best, current)
    return best


def test_four_processes_share_one_request_bucket(target: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "starts.jsonl"
    cfg = config(target, out, requests_per_minute=600, n=25)
    finish([spawn(cfg) for _ in range(4)], timeout=60)
    got = records(out)
    assert len(got) == 100
    # 600 a minute: a bucket of 10, then 10 a second, so at most 20 in any second.
    planned = [r["planned"] for r in got]
    assert most_in_window(planned, 1.0 - 1e-3) <= 20
    # What really started, allowing 100 ms for a late wake-up: still never more.
    assert most_in_window([r["enter"] for r in got], 0.9) <= 20
    # And it was the shared bucket that paced them: 100 starts take 9 s, not 4 x 2.25 s.
    assert max(planned) - min(planned) >= 9.0 - 0.05


def test_four_processes_share_three_slots(target: tuple[str, str], tmp_path: Path) -> None:
    out = tmp_path / "spans.jsonl"
    cfg = config(target, out, max_concurrency=3, n=8, hold=0.05)
    finish([spawn(cfg) for _ in range(4)], timeout=60)
    got = records(out)
    assert len(got) == 32
    peak = most_overlapping([(r["enter"], r["exit"]) for r in got])
    assert 2 <= peak <= 3


def test_slots_of_a_killed_process_come_back_within_the_ttl(
    target: tuple[str, str], tmp_path: Path
) -> None:
    ttl = 1.5
    held_out, out = tmp_path / "held.jsonl", tmp_path / "spans.jsonl"
    holder_cfg = config(
        target, held_out, max_concurrency=2, lease_ttl=ttl, n=2, mode="hold", start_at=0.0
    )
    holder = spawn(holder_cfg)
    try:
        deadline = time.monotonic() + 30
        while not (held_out.exists() and held_out.read_text().strip()):
            assert time.monotonic() < deadline, "the holder never took its slots"
            assert holder.poll() is None
            time.sleep(0.02)
        held_at = records(held_out)[0]["held"]
    finally:
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    workers_cfg = config(
        target,
        out,
        scope=holder_cfg["scope"],
        max_concurrency=2,
        lease_ttl=ttl,
        n=3,
        hold=0.02,
        start_at=0.0,
    )
    finish([spawn(workers_cfg) for _ in range(2)], timeout=30)
    got = records(out)
    assert len(got) == 6
    first = min(r["enter"] for r in got)
    # Nobody got a slot while the dead process's leases were alive ...
    assert first >= held_at + ttl - 0.05
    # ... and they came back by the TTL (plus a poll and a process start).
    assert first <= held_at + ttl + 2.0


def test_workers_fail_loudly_when_redis_stops_mid_run(
    own_redis_server: RedisServer, tmp_path: Path
) -> None:
    out = tmp_path / "starts.jsonl"
    cfg = config(("redis", own_redis_server.url), out, requests_per_minute=600, n=1000)
    workers = [
        subprocess.Popen(
            [sys.executable, str(DRIVER), json.dumps(cfg)],
            env={**os.environ, "PYTHONPATH": str(SRC)},
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    try:
        deadline = time.monotonic() + 30
        while not (out.exists() and len(out.read_text().splitlines()) >= 10):
            assert time.monotonic() < deadline, "the workers never started"
            time.sleep(0.05)
        own_redis_server.stop()
        stopped = time.monotonic()
        for worker in workers:
            _, err = worker.communicate(timeout=30)
            assert worker.returncode != 0
            assert b"LimitsStoreError" in err
            assert b"unreachable" in err
        # Within the store's timeout (5 s) of the outage, plus a start delay of at most 0.1 s.
        assert time.monotonic() - stopped < 6.0
        # And nothing was sent unlimited: every recorded start still follows the bucket.
        starts = [r["planned"] for r in records(out)]
        assert most_in_window(starts, 1.0 - 1e-3) <= 20
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
                worker.wait(timeout=10)
