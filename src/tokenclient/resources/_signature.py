"""Spell out ``**params: Unpack[SomeTypedDict]`` for ``help()`` and ``inspect.signature``.

``create(*, stream=None, **params: Unpack[ChatCompletionCreateParams])`` is exact for type
checkers but tells a reader nothing. ``document_params`` gives the function an explicit
``__signature__`` (one keyword argument per key of the TypedDict, with its type) and appends
an ``Args:`` section with each key's docstring, read from the TypedDict's source. It runs at
import, so the parameters are always those of the TypedDict as it is.
"""

from __future__ import annotations

import ast
import contextlib
import inspect
import sys
import typing
from collections.abc import Callable, Iterable
from typing import TypeVar

from typing_extensions import NotRequired, Required

from .._types import NOT_GIVEN

__all__ = ["document_params", "field_docs"]

F = TypeVar("F", bound=Callable[..., object])


def _class_fields(source: str) -> dict[str, dict[str, str]]:
    """For every class in ``source``: its annotated fields, in order, with their docstrings."""
    classes: dict[str, dict[str, str]] = {}
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ClassDef):
            continue
        fields: dict[str, str] = {}
        body = node.body
        for index, statement in enumerate(body):
            if isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
                following = body[index + 1] if index + 1 < len(body) else None
                doc = ""
                if (
                    isinstance(following, ast.Expr)
                    and isinstance(following.value, ast.Constant)
                    and isinstance(following.value.value, str)
                ):
                    doc = inspect.cleandoc(following.value.value)
                fields[statement.target.id] = doc
        classes[node.name] = fields
    return classes


def field_docs(typed_dict: type) -> dict[str, str]:
    """Every key of ``typed_dict`` with its docstring ("" when none): its own keys first."""
    names: list[str] = list(typed_dict.__annotations__)
    modules = {typed_dict.__module__}
    modules.update(base.__module__ for base in getattr(typed_dict, "__orig_bases__", ()))
    found: dict[str, dict[str, str]] = {}
    for name in sorted(modules):
        module = sys.modules.get(name)
        with contextlib.suppress(OSError, TypeError, SyntaxError):  # no source: names only
            if module is not None:
                found.update(_class_fields(inspect.getsource(module)))
    own = [key for key in found.get(typed_dict.__name__, {}) if key in names]
    docs: dict[str, str] = {}
    for key in [*own, *(key for key in names if key not in own)]:
        docs[key] = next((fields[key] for fields in found.values() if fields.get(key)), "")
    return docs


def _is_required(hint: object, total: bool) -> bool:
    origin = typing.get_origin(hint)
    if origin in {Required, NotRequired}:
        return origin is Required
    if isinstance(hint, str) and hint.startswith(("Required[", "NotRequired[")):
        return hint.startswith("Required[")
    return total


def _hints(typed_dict: type) -> dict[str, tuple[object, bool]]:
    """Each key's type, as a reader writes it (no ``Annotated`` constraints, no
    ``Required[...]``), and whether it is required."""
    total = bool(getattr(typed_dict, "__total__", True))
    try:
        marked: dict[str, object] = typing.get_type_hints(typed_dict, include_extras=True)
        # Without extras: the validator's Annotated metadata and Required[...] come off.
        plain: dict[str, object] = typing.get_type_hints(typed_dict)
    except (NameError, TypeError):  # a name only imported for type checkers: show the text
        marked = plain = dict(typed_dict.__annotations__)
    return {key: (_unmarked(plain[key]), _is_required(marked[key], total)) for key in plain}


def _unmarked(hint: object) -> object:
    """``hint`` without ``Required[...]``/``NotRequired[...]`` (older typing_extensions and
    Python 3.10 leave them on even without extras)."""
    if typing.get_origin(hint) in {Required, NotRequired}:
        return typing.get_args(hint)[0]
    return hint


def _indented(text: str, prefix: str) -> str:
    first, *rest = text.splitlines() or [""]
    return "\n".join([first, *(prefix + line if line else line for line in rest)])


def document_params(
    function: F, typed_dict: type, *, leading: Iterable[tuple[inspect.Parameter, str]] = ()
) -> F:
    """Give ``function`` the explicit signature and ``Args:`` docs of ``**Unpack[typed_dict]``.

    ``leading`` are the parameters declared before ``**params`` (e.g. ``stream``), each with
    its description. ``function`` itself is returned, changed in place.
    """
    signature = inspect.signature(function)
    hints = _hints(typed_dict)
    described = list(leading)
    parameters = [p for p in signature.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
    parameters += [parameter for parameter, _ in described]
    args = [f"{parameter.name}: {_indented(doc, '        ')}" for parameter, doc in described]
    for key, doc in field_docs(typed_dict).items():
        annotation, required = hints.get(key, (inspect.Parameter.empty, False))
        default = inspect.Parameter.empty if required else NOT_GIVEN
        parameters.append(
            inspect.Parameter(
                key, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
            )
        )
        args.append(f"{key}: {_indented(doc or '(undocumented)', '        ')}")
    function.__dict__["__signature__"] = signature.replace(parameters=parameters)
    intro = inspect.cleandoc(function.__doc__ or "")
    function.__doc__ = intro + "\n\nArgs:\n" + "\n".join("    " + line for line in args)
    return function
