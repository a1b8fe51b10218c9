"""The sync and async twins expose the same public names, signatures and docstrings.

Hand-written twins drift; this test is what stops it. Names differ only where the language
makes them (``__iter__``/``__aiter__``...), and text differs only by the words async/await.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from functools import cached_property
from typing import cast

import pytest

TWINS = [
    ("tokenclient._client", "TokenClient", "AsyncTokenClient"),
    ("tokenclient._transport", "Requester", "AsyncRequester"),
    ("tokenclient._limiter", "Limiter", "AsyncLimiter"),
    ("tokenclient._streaming", "Stream", "AsyncStream"),
    ("tokenclient._chat_stream", "ChatCompletionStream", "AsyncChatCompletionStream"),
    ("tokenclient._chat_stream", "ChatCompletionStreamManager", "AsyncChatCompletionStreamManager"),
    ("tokenclient.resources.models", "Models", "AsyncModels"),
    ("tokenclient.resources.chat", "Chat", "AsyncChat"),
    ("tokenclient.resources.chat", "Completions", "AsyncCompletions"),
    ("tokenclient.resources.images", "Images", "AsyncImages"),
    ("tokenclient.resources.videos", "Videos", "AsyncVideos"),
]

DUNDER_TWINS = {
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
}

# Words that may differ between twins; everything else must match.
_ASYNC_WORDS = re.compile(
    r"\b(?:A|a)sync(?=[A-Z_])|\basync\s+|\bawait\s+|\ba(?=(?:iter|next|read|close|enter|exit)\b)"
    r"|\ba?synchronous\b|\s*\(asyncio or trio\)|time\.sleep|anyio\.sleep|\bsync\b"
)


def normalise(text: str) -> str:
    text = re.sub(r"Awaitable\[([^\[\]]*)\]", r"\1", text)
    text = re.sub(r"<[^<>]*>", "<default>", text)  # reprs of default callables
    text = _ASYNC_WORDS.sub("", text)
    text = re.sub(r"\b[Aa]n\b", "a", text)
    text = re.sub(r"\bA\b", "a", text)
    return re.sub(r"\s+", " ", text).strip()


def public_names(cls: type) -> set[str]:
    names = {n for n in vars(cls) if not n.startswith("_") or n in DUNDER_TWINS.values()}
    names |= {DUNDER_TWINS[n] for n in vars(cls) if n in DUNDER_TWINS}
    return names


@pytest.mark.parametrize(("module", "sync_name", "async_name"), TWINS)
def test_twins_have_the_same_public_names(module: str, sync_name: str, async_name: str) -> None:
    mod = importlib.import_module(module)
    assert public_names(getattr(mod, sync_name)) == public_names(getattr(mod, async_name))


def function_of(member: object) -> Callable[..., object] | None:
    """The function behind a class attribute (method, property, cached_property...)."""
    if isinstance(member, property):
        return member.fget
    if isinstance(member, cached_property):
        return cast("Callable[..., object]", member.func)
    return member if callable(member) else None


@pytest.mark.parametrize(("module", "sync_name", "async_name"), TWINS)
def test_twins_have_the_same_signatures_and_docstrings(
    module: str, sync_name: str, async_name: str
) -> None:
    mod = importlib.import_module(module)
    sync_cls, async_cls = getattr(mod, sync_name), getattr(mod, async_name)
    assert normalise(inspect.getdoc(sync_cls) or "") == normalise(inspect.getdoc(async_cls) or "")
    for name in sorted(public_names(sync_cls) | {"__init__"}):
        async_name_of = next((a for a, s in DUNDER_TWINS.items() if s == name), name)
        sync_fn = function_of(inspect.getattr_static(sync_cls, name, None))
        async_fn = function_of(inspect.getattr_static(async_cls, async_name_of, None))
        assert (sync_fn is None) == (async_fn is None), name
        if sync_fn is None or async_fn is None:
            continue
        sync_sig = normalise(str(inspect.signature(sync_fn)))
        async_sig = normalise(str(inspect.signature(async_fn)))
        assert sync_sig == async_sig, f"{sync_name}.{name}"
        sync_doc = normalise(inspect.getdoc(sync_fn) or "")
        assert sync_doc == normalise(inspect.getdoc(async_fn) or ""), f"{sync_name}.{name} doc"


def _source(function: Callable[..., object]) -> str:
    text = re.sub(r"\basync_(?=\w)", "", inspect.getsource(function))  # async_sleep -> sleep
    text = re.sub(r"__a(iter|next|enter|exit)__", r"__\1__", text)
    text = normalise(text)
    # Line breaks that ruff format adds to the longer async lines.
    return re.sub(r"\(\s+", "(", re.sub(r",?\s+\)", ")", text))


@pytest.mark.parametrize(
    ("module", "sync_name", "async_name"),
    [("tokenclient._client", "TokenClient", "AsyncTokenClient")],
)
def test_twin_clients_have_the_same_code(module: str, sync_name: str, async_name: str) -> None:
    """Every method the client twins define, private ones and ``__init__`` included, is the
    same code but for the words async/await: the rest lives once, in ``_ClientBase``."""
    mod = importlib.import_module(module)
    sync_cls: type = getattr(mod, sync_name)
    async_cls: type = getattr(mod, async_name)
    sync_members = {n: m for n, m in vars(sync_cls).items() if inspect.isfunction(function_of(m))}
    async_names = {
        DUNDER_TWINS.get(n, n)
        for n, m in vars(async_cls).items()
        if inspect.isfunction(function_of(m))
    }
    assert set(sync_members) == async_names
    for name, member in sync_members.items():
        async_name_of = next((a for a, s in DUNDER_TWINS.items() if s == name), name)
        sync_fn = function_of(member)
        async_fn = function_of(vars(async_cls)[async_name_of])
        assert sync_fn is not None
        assert async_fn is not None
        assert _source(sync_fn) == _source(async_fn), f"{sync_name}.{name}"
