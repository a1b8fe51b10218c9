"""Which structured-output strategy worked, per ``(base_url, model)``.

Apart from :mod:`tokenclient._core.structured` (which re-exports both names) so that a client
can hold a memo without importing the structured-output machinery.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Literal, TypeAlias

__all__ = ["Strategy", "StrategyMemo"]

Strategy: TypeAlias = Literal["json_schema", "json_object", "tool"]
"""How the schema is put to the model."""


class StrategyMemo:
    """Which strategy worked, per ``(base_url, model)``; thread-safe, the oldest entries dropped.

    The client keeps one, so that after ``json_schema`` was refused once by a model, later
    calls to it go straight to the fallback that worked.
    """

    def __init__(self, max_entries: int = 1024) -> None:
        if max_entries < 1:
            raise ValueError("max_entries must be >= 1")
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str], Strategy] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, base_url: str, model: str) -> Strategy | None:
        """The remembered strategy, or None."""
        with self._lock:
            return self._entries.get((base_url, model))

    def remember(self, base_url: str, model: str, strategy: Strategy) -> None:
        """Note that ``strategy`` worked for ``model`` at ``base_url``."""
        with self._lock:
            self._entries[(base_url, model)] = strategy
            self._entries.move_to_end((base_url, model))
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def forget(self, base_url: str, model: str) -> None:
        """Drop what was remembered for ``model`` (no error when nothing was)."""
        with self._lock:
            self._entries.pop((base_url, model), None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)
