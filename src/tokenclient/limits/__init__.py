"""Limits shared by several clients, processes or machines that use one API key.

```python
from tokenclient.limits import RedisStore, SQLiteStore

SQLiteStore("~/.cache/tokenclient/limits.db")   # the processes of one host
RedisStore("redis://10.0.0.5:6379/0")           # processes on any number of hosts
```

A store keeps, per *scope* (``scope_for(base_url, api_key)`` or an explicit name), the
requests-per-minute and tokens-per-minute buckets, the pause after a 429 and one lease per
request in flight. ``LimitsStore`` is the protocol a limiter calls; ``LocalStore`` keeps the
same state in this process's memory.

Importing this package imports neither ``sqlite3`` nor ``redis``: each store's module is
loaded when its class is first used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .._core.limits import (
    DEFAULT_LEASE_TTL,
    Limits,
    check_scope,
    estimate_tokens,
    scope_for,
)
from .._exceptions import LimitsStoreError
from ._base import Grant, LimitsStore
from ._local import LocalStore
from ._wait import aacquire_and_wait, acquire_and_wait

if TYPE_CHECKING:
    from ._redis import RedisStore
    from ._sqlite import SQLiteStore

__all__ = [
    "DEFAULT_LEASE_TTL",
    "Grant",
    "Limits",
    "LimitsStore",
    "LimitsStoreError",
    "LocalStore",
    "RedisStore",
    "SQLiteStore",
    "aacquire_and_wait",
    "acquire_and_wait",
    "check_scope",
    "estimate_tokens",
    "scope_for",
]


def __getattr__(name: str) -> object:
    if name == "SQLiteStore":
        from ._sqlite import SQLiteStore

        return SQLiteStore
    if name == "RedisStore":
        from ._redis import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
