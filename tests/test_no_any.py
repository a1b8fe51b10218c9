"""No ``typing.Any`` in the public API: what users' type checkers see stays precise.

Walks every name in ``tokenclient.__all__``, ``tokenclient.types.__all__`` and
``tokenclient.testing.__all__``, the resources and streams, and every public method,
property, field and type alias they expose, resolving annotations with
``typing.get_type_hints(..., include_extras=True)`` and descending into generic arguments,
``Callable`` signatures, ``Unpack``-ed and nested ``TypedDict``s, pydantic fields and
dataclass fields. ``object`` is the honest spelling of "anything"; ``Any`` switches checking
off for the caller.
"""

from __future__ import annotations

import dataclasses
import inspect
import sys
import types
import typing
from collections.abc import Callable, Iterator

import pydantic
import pytest
import typing_extensions

import tokenclient
import tokenclient.testing
import tokenclient.types
from tokenclient import AsyncStream, Stream
from tokenclient._runtime import Runtime
from tokenclient.resources import _api, chat, images, models, videos

_RESOURCES: tuple[type, ...] = (
    chat.Chat,
    chat.AsyncChat,
    chat.Completions,
    chat.AsyncCompletions,
    models.Models,
    models.AsyncModels,
    images.Images,
    images.AsyncImages,
    videos.Videos,
    videos.AsyncVideos,
)
_PUBLIC_DUNDERS = frozenset(
    {
        "__init__",
        "__call__",
        "__iter__",
        "__next__",
        "__aiter__",
        "__anext__",
        "__enter__",
        "__exit__",
        "__aenter__",
        "__aexit__",
        "__getitem__",
        "__len__",
    }
)


def _namespace() -> dict[str, object]:
    """Names that modules import only for type checking, so annotations can be resolved."""
    names: dict[str, object] = {"BaseModel": pydantic.BaseModel, "Runtime": Runtime}
    for module in (tokenclient, tokenclient.types, tokenclient.testing):
        names.update((name, getattr(module, name)) for name in module.__all__)
    for module in (_api, chat, models, images, videos):
        names.update(vars(module))
    return {name: value for name, value in names.items() if not name.startswith("__")}


_EXTRA = _namespace()


def _hints(obj: object) -> dict[str, object]:
    """The resolved annotations of a function, class or module."""
    if isinstance(obj, types.ModuleType):
        globalns = {**_EXTRA, **vars(obj)}
    else:
        target = obj
        module = sys.modules.get(getattr(target, "__module__", ""))
        module_names = vars(module) if module is not None else {}
        globalns = {**_EXTRA, **module_names, **getattr(target, "__globals__", {})}
    return dict(typing.get_type_hints(obj, globalns=globalns, include_extras=True))


def _is_class(obj: object) -> typing_extensions.TypeIs[type[object]]:
    # Before Python 3.11, `isinstance(list[int], type)` is true: a generic alias is no class.
    return isinstance(obj, type) and typing.get_origin(obj) is None


def _is_typeddict(obj: object) -> bool:
    return _is_class(obj) and typing_extensions.is_typeddict(obj)


def _function_of(member: object) -> object:
    """The function behind a property, a cached property, a static or a class method."""
    for attribute in ("fget", "func", "__func__"):
        inner: object = getattr(member, attribute, None)
        if inner is not None:
            return inner
    return member


class _Finder:
    """Collects where ``Any`` hides, descending into every type reachable from an annotation."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self._seen: set[int] = set()

    def annotation(self, where: str, hint: object) -> None:
        if hint is typing.Any or hint is typing_extensions.Any:
            self.found.append(where)
            return
        if isinstance(hint, (str, typing.ForwardRef)):
            self.found.append(f"{where}: unresolved annotation {hint!r}")
            return
        origin = typing.get_origin(hint)
        # Before Python 3.11, typing_extensions.Unpack[X] claims to be a TypeVar; it has an origin.
        if origin is None and isinstance(hint, typing.TypeVar):
            for bound in (hint.__bound__, *hint.__constraints__):
                # A bound spelt "BaseModel" keeps pydantic out of `import tokenclient`.
                resolved: object = bound
                if isinstance(bound, typing.ForwardRef) and bound.__forward_arg__ in _EXTRA:
                    resolved = _EXTRA[bound.__forward_arg__]
                if resolved is not None:
                    self.annotation(f"{where} (bound of {hint.__name__})", resolved)
            return
        if isinstance(hint, list):  # Callable[[A, B], R] argument list
            for item in typing.cast("list[object]", hint):
                self.annotation(where, item)
            return
        if origin is typing.Literal:
            return
        if origin is typing.Annotated:  # the metadata is not a type
            self.annotation(where, typing.get_args(hint)[0])
            return
        for arg in typing.get_args(hint):
            self.annotation(where, arg)
        value = getattr(hint, "__value__", None)  # a PEP 695 / TypeAliasType alias
        if value is not None:
            self.annotation(where, value)
        if _is_class(hint) and hint.__module__.startswith("tokenclient"):
            self.declared_type(hint)

    def declared_type(self, cls: type[object]) -> None:
        """A tokenclient class reached from an annotation: its fields are public too."""
        if id(cls) in self._seen:
            return
        self._seen.add(id(cls))
        name = f"{cls.__module__}.{cls.__qualname__}"
        if issubclass(cls, pydantic.BaseModel):
            for field, info in cls.model_fields.items():
                self.annotation(f"{name}.{field}", info.annotation)
        elif _is_typeddict(cls) or dataclasses.is_dataclass(cls):
            for field, hint in _hints(cls).items():
                if not field.startswith("_"):
                    self.annotation(f"{name}.{field}", hint)
        self.members(cls)

    def members(self, cls: type[object]) -> None:
        """Public methods and properties defined by tokenclient classes in ``cls``'s MRO."""
        name = f"{cls.__module__}.{cls.__qualname__}"
        for owner in cls.__mro__:
            if not owner.__module__.startswith("tokenclient"):
                continue
            for member, value in vars(owner).items():
                if member.startswith("_") and member not in _PUBLIC_DUNDERS:
                    continue
                function = _function_of(value)
                # Only our own code: pydantic 2.7 puts its `model_post_init(__context: Any)` on
                # models with private attributes.
                if inspect.isfunction(function) and function.__module__.startswith("tokenclient"):
                    self.callable(f"{name}.{member}", function)

    def callable(self, where: str, function: Callable[..., object]) -> None:
        overloads = typing_extensions.get_overloads(function)
        for index, variant in enumerate([function, *overloads]):
            label = where if index == 0 else f"{where} (overload {index})"
            for parameter, hint in _hints(variant).items():
                self.annotation(f"{label}({parameter})", hint)

    def public_object(self, where: str, obj: object) -> None:
        if _is_class(obj):
            self.declared_type(obj)
        elif inspect.isfunction(obj):
            self.callable(where, obj)
        elif typing.get_origin(obj) is not None or hasattr(obj, "__value__"):
            self.annotation(where, obj)  # a type alias: a Literal, a union, a Callable
        # Anything else is a constant; its annotation, if any, is checked by the caller.


def _public_objects() -> Iterator[tuple[str, object]]:
    for module in (tokenclient, tokenclient.types, tokenclient.testing):
        module_hints = _hints(module)
        for name in module.__all__:
            where = f"{module.__name__}.{name}"
            yield where, getattr(module, name)
            if name in module_hints:  # an annotated constant: FAULTS, NOT_GIVEN
                yield f"{where} (annotation)", module_hints[name]
    for cls in (*_RESOURCES, Stream, AsyncStream):
        yield f"{cls.__module__}.{cls.__qualname__}", cls
    yield "videos.ProgressCallback", videos.ProgressCallback
    yield "videos.AsyncProgressCallback", videos.AsyncProgressCallback


def test_no_any_in_public_signatures() -> None:
    finder = _Finder()
    for where, obj in _public_objects():
        finder.public_object(where, obj)
    assert finder.found == []


def test_the_walk_reaches_the_whole_api() -> None:
    finder = _Finder()
    for where, obj in _public_objects():
        finder.public_object(where, obj)
    reached = {
        f"{cls.__module__}.{cls.__qualname__}"
        for cls in (*_RESOURCES, Stream, AsyncStream)
        if id(cls) in finder._seen
    }
    assert len(reached) == len(_RESOURCES) + 2
    # Types reached only through annotations are walked too (a nested TypedDict, say).
    assert id(tokenclient.types.ChatCompletionCreateParams) in finder._seen
    assert id(tokenclient.types.ImageURLContentParam) in finder._seen


class _Leaky(typing_extensions.TypedDict):
    nested: dict[str, typing.Any]


def _leaky_function(callback: Callable[[int], typing.Any], *, options: _Leaky) -> None:
    """Fixtures for the detector itself: three hidden ``Any``s."""


@pytest.mark.parametrize(
    ("hint", "expected"),
    [
        (typing.Any, 1),
        (list[dict[str, typing.Any]], 1),
        (Callable[[typing.Any], None], 1),
        (typing.Annotated[int | typing.Any, "meta"], 1),
        (typing.Literal["Any"], 0),
        (dict[str, object], 0),
        (typing.TypeVar("T", bound=typing.Any), 1),
        (typing_extensions.Unpack[tuple[typing.Any, ...]], 1),
        (typing_extensions.Unpack[tuple[int, ...]], 0),
    ],
)
def test_the_detector_finds_any(hint: object, expected: int) -> None:
    finder = _Finder()
    finder.annotation("hint", hint)
    assert len(finder.found) == expected


def test_the_detector_reads_signatures_and_typeddicts() -> None:
    finder = _Finder()
    finder.callable("leaky", _leaky_function)
    _Leaky.__module__ = "tokenclient.fake"  # walked like one of ours
    finder.callable("leaky", _leaky_function)
    assert finder.found == ["leaky(callback)", "leaky(callback)", "tokenclient.fake._Leaky.nested"]


@pytest.mark.parametrize(
    "alias", [Callable[[int], typing.Any], list[typing.Any], dict[str, list[typing.Any]]]
)
def test_the_detector_takes_generic_aliases_for_types(alias: object) -> None:
    # Python 3.10 says `isinstance(list[int], type)`; the walk must not take it for a class.
    finder = _Finder()
    finder.public_object("alias", alias)
    assert finder.found == ["alias"]
