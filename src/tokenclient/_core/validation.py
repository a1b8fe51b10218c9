"""Request validation built from the public ``TypedDict`` s, with errors that name the field.

A ``Schema`` wraps one pydantic ``TypeAdapter``, built on first use (building one costs
milliseconds; ``import tokenclient`` should not) and then reused. Its output is what is sent:
plain JSON data, whatever ``Mapping``/``Sequence`` kinds the caller used (see
``tokenclient.types._constraints``).

Every invalid argument raises ``InvalidRequestError`` naming the field by its path, e.g.
``temperature: Input should be less than or equal to 2`` or
``messages[0].content[1].type: Input should be 'text', 'image_url', ...``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Generic, TypeVar, cast

from pydantic import TypeAdapter, ValidationError
from pydantic_core import ErrorDetails, PydanticCustomError

from .._exceptions import InvalidRequestError
from ..types._constraints import check_model_id_value

__all__ = ["Schema", "check_model_id", "describe"]

_T = TypeVar("_T")
_MAX_ERRORS = 3
_MAX_ECHO = 80


class Schema(Generic[_T]):
    """A lazily built validator for ``kind`` (a ``TypedDict``)."""

    __slots__ = ("_adapter", "_kind")

    def __init__(self, kind: type[_T]) -> None:
        self._kind = kind
        self._adapter: TypeAdapter[_T] | None = None

    def validate(self, value: object) -> _T:
        """``value`` checked and converted to plain data; ``InvalidRequestError`` otherwise."""
        adapter = self._adapter
        if adapter is None:
            adapter = self._adapter = TypeAdapter(self._kind)
        try:
            return adapter.validate_python(value)
        except ValidationError as exc:
            raise InvalidRequestError(describe(exc)) from None


def check_model_id(value: object, name: str = "model") -> str:
    """``value`` if it is a usable model id, else ``InvalidRequestError`` naming ``name``.

    A model id is a non-empty string without control characters (a CR/LF in it is a mistake
    or a header-injection attempt). Every endpoint that takes a model id checks it this way.
    """
    if not isinstance(value, str):
        raise InvalidRequestError(f"{name}: Input should be a valid string")
    if not value:
        raise InvalidRequestError(f"{name}: String should have at least 1 character")
    try:
        return check_model_id_value(value)
    except PydanticCustomError as exc:
        raise InvalidRequestError(f"{name}: {exc.message()}") from None


# --- readable errors ------------------------------------------------------------------------


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= _MAX_ECHO else text[: _MAX_ECHO - 3] + "..."


def _path(loc: tuple[int | str, ...]) -> str:
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif part.startswith("@"):
            continue  # a union tag (types._constraints.tagged), not a field
        elif part == "[key]":
            path += "[key]"
        elif part.isidentifier() and len(part) <= _MAX_ECHO:
            path += f".{part}" if path else part
        else:
            path += f"[{_short(part)}]"
    return path


def _describe_one(error: ErrorDetails) -> str:
    path = _path(error["loc"])
    kind = error["type"]
    value: object = error["input"]
    if kind == "path_suffix":  # the message goes on with the path: "[1].role: ..."
        return f"{path}{error['msg']}"
    if kind.startswith("union:"):
        # types._constraints.tagged: "union:<key>:<what the value should be>".
        _, key, shape = kind.split(":", 2)
        if key and isinstance(value, Mapping):
            fields = cast("Mapping[str, object]", value)
            where = f"{path}.{key}" if path else key
            if key not in fields:
                return f"{where}: Field required"
            return f"{where}: {error['msg']}, not {_short(fields[key])}"
        if key:
            return f"{path}: Input should be {shape}, not {type(value).__name__}"
        return f"{path}: {error['msg']}, not {type(value).__name__}"
    return f"{path}: {error['msg']}" if path else error["msg"]


def describe(exc: ValidationError) -> str:
    """The first few errors of ``exc``, each as ``path: message``."""
    errors = exc.errors(include_url=False, include_context=False)
    text = "; ".join(_describe_one(error) for error in errors[:_MAX_ERRORS])
    if len(errors) > _MAX_ERRORS:
        more = len(errors) - _MAX_ERRORS
        text += f" (and {more} more error{'s' if more > 1 else ''})"
    return text
