"""Run-time constraints carried by the public request ``TypedDict`` s (inside ``Annotated``).

Type checkers see through ``Annotated``: ``Array[str]`` is ``Sequence[str]`` to them. pydantic
reads the metadata, so the validator built from the ``TypedDict`` s (``_core.validation``)
checks exactly what the types say, and its output is plain JSON data (``dict``, ``list``,
``str``, numbers, ``bool``, ``None``) whatever container the caller used: a ``tuple`` or a
``UserList`` where a ``Sequence`` is typed, a ``MappingProxyType`` where a ``Mapping`` is.

Unions are tagged (``Discriminator`` + ``Tag``), so a wrong value gets one error that names the
tag field (``messages[0].content[1].type``) instead of one error per union member.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Annotated, TypeVar, cast, get_args

from pydantic import AfterValidator, Discriminator, Field, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

__all__ = [
    "Array",
    "AsList",
    "IterableArray",
    "JSONObject",
    "ModelId",
    "NonEmptyArray",
    "Text",
    "check_model_id_value",
    "tagged",
]

_T = TypeVar("_T")
_NOT_ARRAYS = (str, bytes, bytearray, Mapping)
_MAX_DEPTH = 64


class AsList:
    """Validate ``Sequence[X]`` / ``Iterable[X]`` into a plain ``list`` of validated items.

    pydantic's own ``Sequence`` validation refuses a ``UserList`` in strict mode and hands
    back the caller's container type otherwise; ``Iterable`` becomes a lazy iterator. Neither
    can be sent as JSON, so the container is turned into a ``list`` first.
    """

    __slots__ = ("iterable", "max_length", "min_length")

    def __init__(
        self,
        *,
        iterable: bool = False,
        min_length: int | None = None,
        max_length: int | None = None,
    ) -> None:
        self.iterable = iterable
        self.min_length = min_length
        self.max_length = max_length

    def __get_pydantic_core_schema__(
        self, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        (item,) = get_args(source)
        items = handler.generate_schema(item)
        kind = Iterable if self.iterable else Sequence

        def as_list(value: object) -> object:
            original = value
            if (
                type(value) is not list
                and not isinstance(value, _NOT_ARRAYS)
                and isinstance(value, kind)
            ):
                return list(cast("Iterable[object]", value))
            return original  # a list, or what the list schema refuses ("a valid list")

        return core_schema.no_info_before_validator_function(
            as_list,
            core_schema.list_schema(
                items, min_length=self.min_length, max_length=self.max_length, strict=True
            ),
        )


Array = Annotated[Sequence[_T], AsList()]
"""``Sequence[T]``, sent as a JSON array (any sequence but ``str``/``bytes``)."""
NonEmptyArray = Annotated[Sequence[_T], AsList(min_length=1)]
"""``Sequence[T]`` with at least one item."""
IterableArray = Annotated[Iterable[_T], AsList(iterable=True)]
"""``Iterable[T]``, read once and sent as a JSON array."""


class _NotJSON(Exception):
    """Raised inside ``_plain_json``; ``path`` grows as the recursion unwinds."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str] = []


_SCALARS = frozenset((str, int, bool, type(None)))


def _leaf(item: object) -> bool:
    """Whether ``item`` is a JSON scalar (a non-finite float raises)."""
    kind = type(item)
    if kind in _SCALARS:
        return True
    if kind is float:
        if math.isfinite(cast("float", item)):
            return True
        raise _NotJSON("NaN and infinity are not JSON")
    return False


def _plain_json(value: object, depth: int = 0) -> object:
    """``value`` as plain JSON data: itself when it already is (no copy), else a copy.

    Exact type checks, and no call per scalar: a JSON Schema is walked on every request, and
    ``isinstance`` against the ``collections.abc`` classes is several times slower.
    """
    original = value
    if _leaf(value):
        return original
    if depth > _MAX_DEPTH:
        raise _NotJSON(f"nested more than {_MAX_DEPTH} levels deep")
    kind = type(value)
    if kind is dict or (kind is not list and isinstance(value, Mapping)):
        items = cast("Mapping[object, object]", value)
        replaced: dict[object, object] = {}
        for key, item in items.items():
            if type(key) is not str:
                raise _NotJSON(f"keys must be strings, not {type(key).__name__}")
            try:
                if _leaf(item):
                    continue
                converted = _plain_json(item, depth + 1)
            except _NotJSON as exc:
                exc.path.append(f"[{key!r}]")
                raise
            if converted is not item:
                replaced[key] = converted
        if kind is dict and not replaced:
            return original
        return {str(key): replaced.get(key, item) for key, item in items.items()}
    if kind is list or (
        isinstance(value, Sequence) and not isinstance(value, (str, bytes, bytearray))
    ):
        sequence = cast("Sequence[object]", value)
        array = None if kind is list else list(sequence)
        for index, item in enumerate(sequence):
            try:
                if _leaf(item):
                    continue
                converted = _plain_json(item, depth + 1)
            except _NotJSON as exc:
                exc.path.append(f"[{index}]")
                raise
            if converted is not item:
                if array is None:
                    array = list(sequence)
                array[index] = converted
        return original if array is None else array
    if isinstance(value, float | int | str):  # subclasses: an IntEnum, a str Enum
        return original
    raise _NotJSON(f"{kind.__name__} is not JSON data")


def _json_object(value: object) -> object:
    if not isinstance(value, Mapping):
        raise PydanticCustomError("dict_type", "Input should be a valid dictionary")
    try:
        return _plain_json(cast("object", value))
    except _NotJSON as exc:
        where = "".join(reversed(exc.path))
        raise PydanticCustomError(
            "json_value", "{where}: {reason}", {"where": where or "value", "reason": exc.reason}
        ) from None


class _JSONObjectSchema:
    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: object, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(_json_object)


JSONObject = Annotated[Mapping[str, object], _JSONObjectSchema()]
"""A JSON object (e.g. a JSON Schema): any ``Mapping`` of JSON values, sent as plain dicts."""


def check_model_id_value(value: str) -> str:
    """``value`` unchanged; a control character (CR, LF, tab, NUL, ...) is refused."""
    if not value.isprintable():
        raise PydanticCustomError(
            "model_id", "must not contain control characters (CR, LF, tab, ...)"
        )
    return value


ModelId = Annotated[str, Field(min_length=1), AfterValidator(check_model_id_value)]
"""A model id: a non-empty string without control characters."""


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("string_blank", "String should have a non-blank character")
    return value


Text = Annotated[str, Field(min_length=1), AfterValidator(_not_blank)]
"""A string with at least one non-blank character (a prompt, a size, ...)."""


def _shape(value: object) -> str | None:
    if isinstance(value, str):
        return "@str"
    if isinstance(value, Mapping):
        return "@object"
    if isinstance(value, Sequence) and not isinstance(value, (bytes, bytearray)):
        return "@array"
    return None


def tagged(key: str | None, expected: str, shape: str = "an object") -> Discriminator:
    """A ``Discriminator`` picking the union member by ``value[key]`` (``@<value>``).

    Strings tag as ``@str`` and arrays as ``@array``; with ``key=None`` objects tag as
    ``@object``. A value no member takes raises one error, ``union:<key>:<shape>``: for an
    object, ``expected`` says what ``value[key]`` should be; for anything else, ``shape`` says
    what the value should be (the error formatter adds the path and the offending value).
    """

    def tag(value: object) -> str | None:
        # Exact types first: this runs for every message and content part of every call.
        kind = type(value)
        if kind is dict:
            if key is None:
                return "@object"
            found = cast("dict[str, object]", value).get(key)
            return f"@{found}" if type(found) is str else None
        if kind is str:
            return "@str"
        if kind is list:
            return "@array"
        if key is not None and isinstance(value, Mapping):
            found = value.get(key)  # pyright: ignore[reportUnknownMemberType,reportUnknownVariableType]
            return f"@{found}" if isinstance(found, str) else None
        return _shape(value)

    check: Callable[[object], str | None] = tag
    return Discriminator(
        check, custom_error_type=f"union:{key or ''}:{shape}", custom_error_message=expected
    )
