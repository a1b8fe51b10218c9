"""``function_tool``: a tool definition from a pydantic model or a plain typed function.

```python
def get_weather(city: str, unit: Literal["celsius", "fahrenheit"] = "celsius") -> str:
    '''The current weather in a city.

    Args:
        city: The city's name, e.g. "Paris".
        unit: The temperature unit.
    '''


tools = [function_tool(get_weather)]
```

The tool is registered, so when a completion calls it the parsing step validates
``tool_call.function.arguments``: into the model, or into a dict of the function's arguments
(``get_weather(**call.function.parsed_arguments)``); bad arguments raise
``ToolArgumentsError`` naming the tool and the field.
"""

from __future__ import annotations

import inspect
import re
import typing
from collections.abc import Callable

from pydantic import BaseModel, Field, PydanticUserError, TypeAdapter, create_model

from ._core.structured import ToolSpec, strict_json_schema, tool_registry
from ._exceptions import InvalidRequestError
from .types.chat_params import ChatCompletionToolParam, FunctionDefinition

__all__ = ["function_tool"]

_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_SECTION = re.compile(r"^(\w[\w ]*):\s*$")
_ARGS_SECTIONS = frozenset({"Args", "Arguments", "Parameters", "Params"})
_ARG_LINE = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")


def _first_paragraph(doc: str) -> str | None:
    lines: list[str] = []
    for line in doc.splitlines():
        if not line.strip() or _SECTION.match(line.strip()):
            if lines:
                break
            continue
        lines.append(line.strip())
    return " ".join(lines) or None


def _argument_docs(doc: str) -> dict[str, str]:
    """Parameter descriptions from a Google-style ``Args:`` section."""
    found: dict[str, str] = {}
    in_args = False
    indent: int | None = None
    current: str | None = None
    for line in doc.splitlines():
        stripped = line.strip()
        section = _SECTION.match(stripped)
        width = len(line) - len(line.lstrip())
        if section is not None and (indent is None or width < indent):
            in_args = section.group(1) in _ARGS_SECTIONS
            indent, current = None, None
            continue
        if not in_args or not stripped:
            continue
        if indent is None:
            indent = width
        match = _ARG_LINE.match(stripped)
        if width == indent and match is not None:
            current = str(match.group(1)).lstrip("*")
            found[current] = match.group(2).strip()
        elif width > indent and current is not None:  # a continuation line
            found[current] = f"{found[current]} {stripped}".strip()
        elif width < indent:
            in_args = False
    return {name: text for name, text in found.items() if text}


def _check_name(name: str) -> str:
    if not _NAME.match(name):
        raise InvalidRequestError(
            f"name: {name!r} is not a valid tool name (1-64 characters of a-z A-Z 0-9 _ -); "
            "pass name=..."
        )
    return name


def _model_of_function(function: Callable[..., object], name: str) -> type[BaseModel]:
    try:
        signature = inspect.signature(function)
        hints = typing.get_type_hints(function, include_extras=True)
    except (TypeError, ValueError, NameError) as exc:
        raise InvalidRequestError(
            f"function_tool: cannot read the signature of {name}: {exc}"
        ) from exc
    docs = _argument_docs(inspect.getdoc(function) or "")
    fields: dict[str, object] = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise InvalidRequestError(
                f"function_tool: {name} takes *{parameter.name}; a tool needs named parameters"
            )
        if parameter.kind is parameter.POSITIONAL_ONLY:
            raise InvalidRequestError(
                f"function_tool: parameter {parameter.name!r} of {name} is positional-only; "
                "parsed arguments are passed by keyword"
            )
        if parameter.name not in hints:
            raise InvalidRequestError(
                f"function_tool: parameter {parameter.name!r} of {name} has no type annotation"
            )
        default: object = ... if parameter.default is parameter.empty else parameter.default
        fields[parameter.name] = (
            hints[parameter.name],
            Field(default, description=docs.get(parameter.name)),
        )
    create: Callable[..., type[BaseModel]] = create_model
    return create(f"{name}_arguments", **fields)


def _is_model_class(obj: object) -> bool:
    return isinstance(obj, type) and issubclass(obj, BaseModel)


def _description_of(obj: object) -> str | None:
    doc = inspect.getdoc(obj)
    if not doc or (isinstance(obj, type) and obj.__doc__ is None):
        return None  # getdoc falls back to BaseModel's own docstring
    return _first_paragraph(doc)


def function_tool(
    obj: type[BaseModel] | Callable[..., object],
    *,
    name: str | None = None,
    description: str | None = None,
    strict: bool = True,
) -> ChatCompletionToolParam:
    """A function tool definition from a pydantic model class or a plain typed function.

    Args:
        obj: A ``BaseModel`` subclass (its fields are the arguments) or a function whose
            parameters all have type annotations.
        name: The tool's name; defaults to the class's or function's ``__name__``.
        description: What the tool does; defaults to the first paragraph of the docstring.
            A function's Google-style ``Args:`` section describes its parameters.
        strict: Send ``strict: true`` with a strict-compatible schema (every argument
            required, no extra keys); ``False`` sends pydantic's schema as it is.

    Returns:
        The ``{"type": "function", "function": {...}}`` dict to pass in ``tools=``.

    Raises:
        InvalidRequestError: ``obj`` cannot be a tool (no annotations, ``*args``, a name
            outside ``^[a-zA-Z0-9_-]{1,64}$``).
    """
    target = typing.cast("object", obj)
    is_model = _is_model_class(target)
    if not is_model and not callable(target):
        raise InvalidRequestError(
            f"function_tool: expected a pydantic model class or a function, got {obj!r}"
        )
    tool_name = _check_name(name if name is not None else getattr(target, "__name__", ""))
    if is_model:
        model = typing.cast("type[BaseModel]", target)
    else:
        model = _model_of_function(typing.cast("Callable[..., object]", target), tool_name)
    try:
        if strict:
            parameters = strict_json_schema(model)
        else:
            parameters = typing.cast("dict[str, object]", model.model_json_schema())
    except PydanticUserError as exc:
        raise InvalidRequestError(f"function_tool: no JSON schema for {tool_name}: {exc}") from exc
    parameters.pop("title", None)
    schema_description = parameters.pop("description", None)
    text = description
    if text is None:
        text = _description_of(target)
    if text is None and isinstance(schema_description, str):
        text = schema_description
    function: FunctionDefinition = {"name": tool_name, "parameters": parameters, "strict": strict}
    if text:
        function["description"] = text
    adapter = typing.cast("TypeAdapter[object]", TypeAdapter(model))
    tool_registry().register(function, ToolSpec(tool_name, adapter, as_dict=not is_model))
    return {"type": "function", "function": function}
