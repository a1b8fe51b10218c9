"""``tokenclient batch --limits-store``: a Redis URL or a SQLite path shared by the runs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tokenclient.cli import ClientSettings, default_client
from tokenclient.limits import RedisStore, SQLiteStore

from ..batch.test_cli_batch import ids_in, write_requests
from ..test_cli import BASE_URL, ENV, KEY, run
from .conftest import RedisServer

SUPERTOKEN = {**ENV, "TOKENCLIENT_PROVIDER": "supertoken"}  # 10 in flight, 60 a minute


def settings(limits_store: str | None) -> ClientSettings:
    return ClientSettings(
        api_key=KEY,
        base_url=BASE_URL,
        provider=None,
        timeout=None,
        max_retries=None,
        limits_store=limits_store,
    )


@pytest.mark.parametrize(
    ("target", "kind"),
    [
        ("redis://127.0.0.1:1/0", RedisStore),
        ("rediss://cache.example/0", RedisStore),
        ("unix:///run/redis.sock", RedisStore),
        ("limits.db", SQLiteStore),
    ],
)
def test_the_limits_store_url_picks_the_store(
    target: str, kind: type[object], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    with default_client(settings(target)) as client:
        shared = client._requester.limiter.shared
        assert shared is not None
        assert isinstance(shared.store, kind)
        shared.store.close()


def test_without_the_option_the_cli_client_keeps_its_limits_in_process() -> None:
    with default_client(settings(None)) as client:
        assert client._requester.limiter.shared is None


@pytest.mark.slow
def test_batch_with_a_sqlite_limits_store(tmp_path: Path) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    out, db = tmp_path / "out.jsonl", tmp_path / "limits.db"
    result = run(
        ["batch", str(source), "-o", str(out), "--limits-store", str(db)], environ=SUPERTOKEN
    )
    assert result.code == 0
    assert sorted(ids_in(out)) == ["q0", "q1"]
    with sqlite3.connect(db) as conn:  # the shared bucket was used: one scope, an HMAC
        scopes = [row[0] for row in conn.execute("SELECT scope FROM tokenclient_scopes")]
    assert len(scopes) == 1
    assert scopes[0].startswith("k:")
    assert KEY not in scopes[0]


@pytest.mark.slow
def test_batch_with_a_redis_limits_store(tmp_path: Path, redis_server: RedisServer) -> None:
    source = write_requests(tmp_path / "in.jsonl", 2)
    out = tmp_path / "out.jsonl"
    before = set(redis_server.dump())
    result = run(
        ["batch", str(source), "-o", str(out), "--limits-store", redis_server.url],
        environ=SUPERTOKEN,
    )
    assert result.code == 0
    assert sorted(ids_in(out)) == ["q0", "q1"]
    written = [key for key in redis_server.dump() if key not in before]
    assert written
    assert all(key.startswith(b"tokenclient:{k:") for key in written)
