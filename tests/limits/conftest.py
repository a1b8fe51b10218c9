"""A real ``redis-server`` on a free loopback port, and one fresh store per test.

No test here is skipped when ``redis-server`` is missing: the fixture fails with a message
saying how to install it (``./scripts/test`` installs it with ``apt-get``).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import cast

import pytest
import redis

from tokenclient.limits import LimitsStore, LocalStore, RedisStore, SQLiteStore


class RedisServer:
    """A ``redis-server`` process with persistence off, stopped by its PID."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail(
                "redis-server is not installed; the limits tests need a real one:"
                " apt-get install -y redis-server (./scripts/test does this)",
                pytrace=False,
            )
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            [
                binary,
                "--save",
                "",
                "--appendonly",
                "no",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=self.port, socket_connect_timeout=0.5)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()  # pyright: ignore[reportUnknownMemberType]  # untyped kwargs
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline or self.process.poll() is not None:
                        self.stop()
                        pytest.fail(f"redis-server did not start on port {self.port}")
                    time.sleep(0.02)
        finally:
            client.close()

    def client(self) -> redis.Redis:
        """A plain client of this server, for inspecting what the stores wrote."""
        return redis.Redis(host="127.0.0.1", port=self.port)

    def dump(self) -> dict[bytes, tuple[int, list[bytes]]]:
        """Every key with its time to live (ms) and every field, value and member it holds."""
        client = self.client()
        found: dict[bytes, tuple[int, list[bytes]]] = {}
        try:
            keys = cast("list[bytes]", list(client.scan_iter(match="*")))  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]  # untyped in redis-py
            for key in keys:
                kind = cast("bytes", client.type(key))
                items: list[bytes] = []
                if kind == b"hash":
                    fields = cast("dict[bytes, bytes]", client.hgetall(key.decode()))  # pyright: ignore[reportUnknownMemberType]  # untyped in redis-py
                    for field, value in fields.items():
                        items += [field, value]
                elif kind == b"zset":
                    items += cast("list[bytes]", client.zrange(key, 0, -1))  # pyright: ignore[reportUnknownMemberType]  # untyped in redis-py
                found[key] = (cast("int", client.pttl(key)), items)
        finally:
            client.close()
        return found

    def stop(self) -> None:
        """Terminate the server by its PID and wait for it (bounded)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def running_server() -> Iterator[RedisServer]:
    """A started server, stopped when the fixture ends."""
    server = RedisServer()
    try:
        yield server
    finally:
        server.stop()


# One server for the whole session (tests keep apart by using fresh scopes), and one of a
# test's own, which the test may stop.
redis_server = pytest.fixture(scope="session", name="redis_server")(running_server)
own_redis_server = pytest.fixture(name="own_redis_server")(running_server)


@pytest.fixture
def scope() -> str:
    """A scope no other test uses."""
    return "s:test-" + uuid.uuid4().hex


def make_store(kind: str, tmp_path: Path, server: RedisServer) -> LimitsStore:
    """A fresh store of ``kind``: ``local``, ``sqlite`` or ``redis``."""
    if kind == "local":
        return LocalStore()
    if kind == "sqlite":
        return SQLiteStore(tmp_path / "limits.db")
    return RedisStore(server.url)


@pytest.fixture(params=["local", "sqlite", "redis"])
def store_kind(request: pytest.FixtureRequest) -> str:
    """Each store in turn."""
    return str(request.param)


@pytest.fixture
def store(store_kind: str, tmp_path: Path, redis_server: RedisServer) -> Iterator[LimitsStore]:
    """A fresh store of each kind in turn, closed afterwards."""
    made = make_store(store_kind, tmp_path, redis_server)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture(params=["sqlite", "redis"])
def target(
    request: pytest.FixtureRequest, tmp_path: Path, redis_server: RedisServer
) -> tuple[str, str]:
    """Each shared store in turn (the process tests): its kind and its path or URL."""
    if request.param == "sqlite":
        return "sqlite", str(tmp_path / "limits.db")
    return "redis", redis_server.url
