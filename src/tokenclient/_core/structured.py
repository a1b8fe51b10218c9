"""Structured outputs, pure: strict schemas, the three strategies, parsing and repair prompts.

Nothing here sends a request. The client's ``parse()`` asks this module:

1. what to send: :func:`output_spec` turns the requested type into an :class:`OutputSpec`
   (a strict JSON schema, a name, a validator) and :func:`apply_strategy` rewrites a request
   body for one of the :data:`STRATEGIES`;
2. what to do when the provider refuses: :func:`is_unsupported_response_format` reads a 400
   and :func:`next_strategy` names the fallback; :class:`StrategyMemo` remembers, per
   ``(base_url, model)``, the strategy that worked;
3. what came back: :func:`output_text` takes the raw JSON text out of a message,
   :func:`validate_output` gives the typed value or pydantic's errors, and
   :func:`repair_messages` builds the turn that sends those errors back to the model;
4. the typed result: :func:`parse_completion` builds a ``ParsedChatCompletion[T]``,
   validates typed tools' arguments and raises the finish-reason errors.

A root that is not an object (``list[Item]``, ``int``, a union) is wrapped, because OpenAI
requires an object root: the schema sent is ``{"type": "object", "properties": {"value":
<schema>}, "required": ["value"], "additionalProperties": false}`` and the ``value`` member is
unwrapped when parsing (a bare value is accepted too, for models that skip the wrapper).
"""

from __future__ import annotations

import copy
import functools
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, Literal, TypeAlias, TypeVar, cast, get_args, overload

from pydantic import BaseModel, PydanticUserError, TypeAdapter, ValidationError
from pydantic_core import ErrorDetails

from .._exceptions import (
    ContentFilterFinishReasonError,
    InvalidRequestError,
    LengthFinishReasonError,
    StructuredOutputError,
    ToolArgumentsError,
)
from ..types.chat import ChatCompletion, ChatCompletionMessage
from ..types.parsed import (
    ParsedChatCompletion,
    ParsedChatCompletionMessage,
    ParsedChoice,
    ParsedFunction,
    ParsedFunctionToolCall,
)

__all__ = [
    "STRATEGIES",
    "WRAPPER_KEY",
    "Invalid",
    "OutputSpec",
    "Strategy",
    "StrategyMemo",
    "ToolRegistry",
    "ToolSpec",
    "apply_strategy",
    "error_field",
    "extract_json_text",
    "format_errors",
    "is_unsupported_response_format",
    "next_strategy",
    "output_spec",
    "output_text",
    "parse_completion",
    "repair_messages",
    "schema_name",
    "strategy_order",
    "strict_json_schema",
    "tool_registry",
    "validate_output",
]

T = TypeVar("T")

Strategy: TypeAlias = Literal["json_schema", "json_object", "tool"]
"""How the schema is put to the model."""

STRATEGIES: tuple[Strategy, ...] = ("json_schema", "json_object", "tool")
"""The fallback order: native structured outputs, then JSON mode, then a forced tool call."""

WRAPPER_KEY = "value"
"""The property a non-object root is wrapped in."""

_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_NAME_INVALID = re.compile(r"[^a-zA-Z0-9_-]+")
_MODULE_PATH = re.compile(r"\b(?:[A-Za-z_]\w*\.)+")
_FENCE = re.compile(r"```[ \t]*(?:json5?|JSON)?[ \t]*\r?\n?(.*?)```", re.DOTALL)
_MAX_ERRORS = 20  # errors listed in a repair prompt
_MAX_INPUT = 80  # characters of an offending input quoted in a repair prompt


# --- strict schemas ------------------------------------------------------------------------


def _as_dict(value: object) -> dict[str, object] | None:
    return cast("dict[str, object]", value) if isinstance(value, dict) else None


def _as_list(value: object) -> list[object] | None:
    return cast("list[object]", value) if isinstance(value, list) else None


def _resolve(root: Mapping[str, object], ref: str) -> dict[str, object]:
    if not ref.startswith("#/"):
        raise ValueError(f"unsupported $ref {ref!r}: only local '#/...' references are")
    node: object = root
    for part in ref[2:].split("/"):
        found = _as_dict(node)
        if found is None or part not in found:
            raise ValueError(f"$ref {ref!r} does not resolve")
        node = found[part]
    resolved = _as_dict(node)
    if resolved is None:
        raise ValueError(f"$ref {ref!r} does not point at a schema object")
    return resolved


class _Strictifier:
    """Rewrites a schema in place to OpenAI's strict subset; notes what cannot be strict."""

    def __init__(self, root: dict[str, object]) -> None:
        self.root = root
        self.strict = True
        """False when something (an open ``dict[str, X]``) has no strict form."""

    def fix(self, schema: dict[str, object]) -> dict[str, object]:
        for key in ("$defs", "definitions"):
            defs = _as_dict(schema.get(key))
            if defs is not None:
                for name, sub in defs.items():
                    sub_dict = _as_dict(sub)
                    if sub_dict is not None:
                        defs[name] = self.fix(sub_dict)
        # Strict mode takes anyOf, not oneOf; the discriminator mapping is pydantic's own.
        one_of = schema.pop("oneOf", None)
        if one_of is not None and "anyOf" not in schema:
            schema["anyOf"] = one_of
        schema.pop("discriminator", None)
        schema.pop("default", None)  # every property is required, so a default means nothing
        properties = _as_dict(schema.get("properties"))
        if schema.get("type") == "object" or properties is not None:
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict) and extra:
                self.strict = False  # dict[str, X]: no strict form; keep it open
                schema["additionalProperties"] = self.fix(cast("dict[str, object]", extra))
            else:
                schema["additionalProperties"] = False
        if properties is not None:
            schema["properties"] = {
                key: self.fix(sub) if (sub := _as_dict(value)) is not None else value
                for key, value in properties.items()
            }
            schema["required"] = list(properties)
        items = _as_dict(schema.get("items"))
        if items is not None:
            schema["items"] = self.fix(items)
        for key in ("prefixItems", "anyOf"):
            variants = _as_list(schema.get(key))
            if variants is not None:
                schema[key] = [
                    self.fix(sub) if (sub := _as_dict(item)) is not None else item
                    for item in variants
                ]
        all_of = _as_list(schema.get("allOf"))
        if all_of is not None:
            if len(all_of) == 1 and (only := _as_dict(all_of[0])) is not None:
                del schema["allOf"]
                schema.update({**self.fix(only), **schema})
            else:
                schema["allOf"] = [
                    self.fix(sub) if (sub := _as_dict(item)) is not None else item
                    for item in all_of
                ]
        ref = schema.get("$ref")
        if isinstance(ref, str) and len(schema) > 1:
            # A $ref with siblings (a field's description) is not allowed: inline the target,
            # the siblings winning, and fix the result again.
            target = copy.deepcopy(_resolve(self.root, ref))
            del schema["$ref"]
            merged = {**target, **schema}
            schema.clear()
            schema.update(merged)
            return self.fix(schema)
        return schema


def _raw_schema(adapter: TypeAdapter[object]) -> dict[str, object]:
    try:
        return cast("dict[str, object]", adapter.json_schema())
    except PydanticUserError as exc:  # a type with no JSON schema (a callable, say)
        raise InvalidRequestError(f"response_format: no JSON schema for this type ({exc})") from exc


def _strict_from(raw: dict[str, object]) -> tuple[dict[str, object], bool, bool]:
    """(strict schema, wrapped, fully strict) from a pydantic JSON schema."""
    schema = copy.deepcopy(raw)
    root_all_of = _as_list(schema.get("allOf")) or []
    if len(root_all_of) == 1 and isinstance(root_all_of[0], dict):
        only = cast("dict[str, object]", root_all_of[0])
        if set(only) == {"$ref"}:  # pydantic < 2.9 wraps a recursive root's $ref in allOf
            del schema["allOf"]
            schema["$ref"] = only["$ref"]
    ref = schema.get("$ref")
    if isinstance(ref, str):  # a recursive model's root points into $defs
        target = copy.deepcopy(_resolve(schema, ref))
        del schema["$ref"]
        schema = {**target, **schema}
    wrapped = schema.get("type") != "object" or "anyOf" in schema
    if wrapped:
        defs = schema.pop("$defs", None)
        inner = schema
        outer: dict[str, object] = {
            "type": "object",
            "properties": {WRAPPER_KEY: inner},
            "required": [WRAPPER_KEY],
            "additionalProperties": False,
        }
        schema = outer
        if defs is not None:
            schema["$defs"] = defs
    fixer = _Strictifier(schema)
    return fixer.fix(schema), wrapped, fixer.strict


def _adapter(type_: object) -> TypeAdapter[object]:
    if isinstance(type_, TypeAdapter):
        return cast("TypeAdapter[object]", type_)
    try:
        return TypeAdapter(cast("type[object]", type_))
    except (PydanticUserError, TypeError) as exc:
        raise InvalidRequestError(
            f"response_format: {type_!r} is not a type pydantic can validate ({exc})"
        ) from exc


def strict_json_schema(type_: object) -> dict[str, object]:
    """The strict-compatible JSON schema of a pydantic model, dataclass, TypedDict or any type.

    Every object lists all its properties as ``required`` and has ``additionalProperties:
    false``; ``$ref`` s with siblings are inlined, ``$defs`` kept; ``oneOf`` becomes
    ``anyOf``; defaults are removed; a non-object root is wrapped under ``"value"``.
    """
    schema, _, _ = _strict_from(_raw_schema(_adapter(type_)))
    return schema


def schema_name(type_: object) -> str:
    """A ``json_schema.name`` for ``type_``, cleaned to ``^[a-zA-Z0-9_-]{1,64}$``.

    A class gives its name (``Person``, ``Page[Item]`` -> ``Page_Item``), an alias its spelling
    without module paths (``list[Item]`` -> ``list_Item``), a ``TypeAdapter`` its schema's
    ``title``; anything else, or nothing usable, gives ``"response"``.
    """
    if isinstance(type_, TypeAdapter):
        title = _raw_schema(cast("TypeAdapter[object]", type_)).get("title")
        name = title if isinstance(title, str) else ""
    elif isinstance(type_, type) and not get_args(type_):
        name = type_.__name__
    else:
        name = _MODULE_PATH.sub("", repr(type_))
    cleaned = _NAME_INVALID.sub("_", name).strip("_")[:64]
    return cleaned if _NAME_PATTERN.match(cleaned) else "response"


@dataclass(frozen=True, slots=True)
class OutputSpec(Generic[T]):
    """What ``parse()`` needs about the requested type."""

    name: str
    """The ``json_schema.name`` (and the tool's name in the ``tool`` strategy)."""
    schema: dict[str, object]
    """The strict-compatible JSON schema (an object root)."""
    wrapped: bool
    """Whether the type's own schema sits under ``"value"``."""
    strict: bool
    """Whether the schema has a strict form (False for open ``dict[str, X]`` objects)."""
    adapter: TypeAdapter[T]
    """Validates the type itself."""
    description: str | None = None
    """The type's docstring, sent as the schema's description."""


def output_spec(type_: type[T] | TypeAdapter[T], *, name: str | None = None) -> OutputSpec[T]:
    """Everything needed to request and validate ``type_`` (a class, alias or ``TypeAdapter``).

    Building a schema costs about a millisecond, so specs of hashable types are cached.
    """
    try:
        spec = _cached_spec(cast("Hashable", type_), name)
    except TypeError:  # an unhashable alias (Annotated metadata, say)
        spec = _build_spec(type_, name)
    return cast("OutputSpec[T]", spec)


@functools.lru_cache(maxsize=256)
def _cached_spec(type_: Hashable, name: str | None) -> OutputSpec[object]:
    return _build_spec(type_, name)


def _build_spec(type_: object, name: str | None) -> OutputSpec[object]:
    adapter = _adapter(type_)
    raw = _raw_schema(adapter)
    schema, wrapped, strict = _strict_from(raw)
    description = schema.pop("description", None) if not wrapped else None
    chosen = name if name is not None else schema_name(type_)
    if not _NAME_PATTERN.match(chosen):
        raise InvalidRequestError(f"name: {chosen!r} must match ^[a-zA-Z0-9_-]{{1,64}}$")
    return OutputSpec(
        name=chosen,
        schema=schema,
        wrapped=wrapped,
        strict=strict,
        adapter=adapter,
        description=description if isinstance(description, str) else None,
    )


# --- strategies as request transformations -------------------------------------------------


def _instruction(spec: OutputSpec[object]) -> str:
    schema = json.dumps(spec.schema, ensure_ascii=False, separators=(",", ":"))
    lines = [
        "Answer with one JSON object and nothing else: no prose, no Markdown code fence.",
        f"The object must be valid against this JSON Schema (named {spec.name}):",
        schema,
    ]
    if spec.description:
        lines.insert(1, f"It describes: {spec.description}")
    return "\n".join(lines)


def apply_strategy(
    body: Mapping[str, object], spec: OutputSpec[T], strategy: Strategy
) -> dict[str, object]:
    """A copy of the JSON request ``body`` asking for ``spec`` the ``strategy`` way.

    - ``json_schema``: ``response_format: {"type": "json_schema", "json_schema": {name,
      schema, strict}}``;
    - ``json_object``: ``response_format: {"type": "json_object"}`` and a system message
      holding the schema, placed after the leading system/developer messages;
    - ``tool``: no ``response_format``; a function tool named ``spec.name`` whose parameters
      are the schema, appended to ``tools``, and ``tool_choice`` forcing it.
    """
    result = dict(body)
    result.pop("response_format", None)
    generic = cast("OutputSpec[object]", spec)
    if strategy == "json_schema":
        json_schema: dict[str, object] = {"name": spec.name, "schema": spec.schema}
        if spec.description:
            json_schema["description"] = spec.description
        json_schema["strict"] = spec.strict
        result["response_format"] = {"type": "json_schema", "json_schema": json_schema}
    elif strategy == "json_object":
        messages = list(_as_list(body.get("messages")) or [])
        at = 0
        while at < len(messages) and (_as_dict(messages[at]) or {}).get("role") in (
            "system",
            "developer",
        ):
            at += 1
        messages.insert(at, {"role": "system", "content": _instruction(generic)})
        result["messages"] = messages
        result["response_format"] = {"type": "json_object"}
    else:
        tools = list(_as_list(body.get("tools")) or [])
        for tool in tools:
            function = _as_dict((_as_dict(tool) or {}).get("function")) or {}
            if function.get("name") == spec.name:
                raise InvalidRequestError(
                    f"tools: a tool is already named {spec.name!r}, the name the structured "
                    "output's tool needs; rename it or pass name= for the output"
                )
        function_def: dict[str, object] = {"name": spec.name, "parameters": spec.schema}
        function_def["description"] = spec.description or f"Report the answer as {spec.name}."
        function_def["strict"] = spec.strict
        tools.append({"type": "function", "function": function_def})
        result["tools"] = tools
        result["tool_choice"] = {"type": "function", "function": {"name": spec.name}}
    return result


def next_strategy(strategy: Strategy) -> Strategy | None:
    """The strategy to try after ``strategy`` was refused, or None after the last one."""
    index = STRATEGIES.index(strategy)
    return STRATEGIES[index + 1] if index + 1 < len(STRATEGIES) else None


def strategy_order(
    requested: Strategy | Literal["auto"], remembered: Strategy | None = None
) -> tuple[Strategy, ...]:
    """The strategies to try, in order: only ``requested`` when forced, else from ``remembered``
    (or ``json_schema``) down the fallback order."""
    if requested != "auto":
        return (requested,)
    start = STRATEGIES.index(remembered) if remembered is not None else 0
    return STRATEGIES[start:]


_UNSUPPORTED_STATUSES = frozenset({400, 422})
_FORMAT_WORDS = re.compile(
    r"response[_ .-]?format|json[_ -]?schema|json[_ -]?object|json[_ ]mode|structured[_ ]output"
    r"|guided[_ ]json",
    re.IGNORECASE,
)


def _strings(value: object, depth: int = 0) -> list[str]:
    if depth > 8:
        return []
    if isinstance(value, str):
        return [value]
    found: list[str] = []
    if isinstance(value, dict):
        for item in cast("dict[object, object]", value).values():
            found.extend(_strings(item, depth + 1))
    elif isinstance(value, list):
        for item in cast("list[object]", value):
            found.extend(_strings(item, depth + 1))
    return found


def is_unsupported_response_format(status: int, body: object) -> bool:
    """Whether an error answer means "this provider/model does not take the response format".

    True for a 400 (or 422, which FastAPI-based servers send) whose body names
    ``response_format``, ``json_schema``, ``json_object``, JSON mode or structured outputs
    anywhere: ``error.message``, ``error.param``, a FastAPI ``detail[].loc``, OpenRouter's
    nested ``metadata.raw``, or a plain-text body.
    """
    if status not in _UNSUPPORTED_STATUSES:
        return False
    return any(_FORMAT_WORDS.search(text) for text in _strings(body))


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


# --- what came back ------------------------------------------------------------------------


def extract_json_text(text: str) -> str:
    """The JSON inside ``text``: a fenced ```` ```json ```` block's body, or the text from its
    first ``{`` / ``[`` to the matching last ``}`` / ``]`` when prose surrounds it."""
    stripped = text.strip()
    fence = _FENCE.search(stripped)
    if fence is not None:
        return fence.group(1).strip()
    if not stripped or stripped[0] in "{[":
        return stripped
    starts = [i for i in (stripped.find("{"), stripped.find("[")) if i >= 0]
    if not starts:
        return stripped
    start = min(starts)
    end = stripped.rfind("}" if stripped[start] == "{" else "]")
    return stripped[start : end + 1] if end > start else stripped


def output_text(
    message: ChatCompletionMessage, strategy: Strategy, spec: OutputSpec[T]
) -> str | None:
    """The raw JSON text of the answer: the content, or the forced tool call's arguments.

    In the ``tool`` strategy the content is used when the model ignored the forced call.
    """
    if strategy == "tool":
        for call in message.tool_calls or []:
            if call.function is not None and call.function.name == spec.name:
                return call.function.arguments
    return message.content


@dataclass(frozen=True, slots=True)
class Invalid:
    """Output that did not validate."""

    raw: str
    """The text that was validated."""
    errors: list[ErrorDetails]
    """Pydantic's errors (``json_invalid`` when the text is not JSON)."""


def validate_output(spec: OutputSpec[T], raw: str) -> T | Invalid:
    """The typed value of ``raw`` (fences and surrounding prose tolerated), or :class:`Invalid`."""
    text = extract_json_text(raw)
    if not spec.wrapped:
        try:
            return spec.adapter.validate_json(text)
        except ValidationError as exc:
            return Invalid(raw, exc.errors(include_url=False))
    try:
        data = json.loads(text)
    except ValueError:
        try:
            spec.adapter.validate_json(text)
        except ValidationError as exc:
            return Invalid(raw, exc.errors(include_url=False))
        raise  # pragma: no cover - json.loads and pydantic disagree on validity
    wrapper = _as_dict(data)
    inner: object = data  # a model that skipped the wrapper: take the bare value
    prefix: tuple[str, ...] = ()
    if wrapper is not None and set(wrapper) == {WRAPPER_KEY}:
        inner, prefix = wrapper[WRAPPER_KEY], (WRAPPER_KEY,)
    try:
        return spec.adapter.validate_python(inner)
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        for error in errors:
            error["loc"] = (*prefix, *error["loc"])
        return Invalid(raw, errors)


def error_field(errors: Sequence[ErrorDetails]) -> str | None:
    """The dotted path of the first error with a location (``address.zip``, ``items.0``)."""
    for error in errors:
        if error["loc"]:
            return ".".join(str(part) for part in error["loc"])
    return None


def _quote(value: object) -> str:
    text = json.dumps(value, ensure_ascii=False, default=repr)
    return text if len(text) <= _MAX_INPUT else text[: _MAX_INPUT - 3] + "..."


def format_errors(errors: Sequence[ErrorDetails]) -> str:
    """One line per error: ``- address.zip: Field required``, the input quoted (shortened)."""
    lines: list[str] = []
    for error in errors[:_MAX_ERRORS]:
        where = ".".join(str(part) for part in error["loc"]) or "(root)"
        line = f"- {where}: {error['msg']}"
        if error["type"] not in ("missing", "json_invalid"):
            line += f" (got {_quote(error.get('input'))})"
        lines.append(line)
    if len(errors) > _MAX_ERRORS:
        lines.append(f"- ... and {len(errors) - _MAX_ERRORS} more")
    return "\n".join(lines)


def repair_messages(
    message: ChatCompletionMessage, strategy: Strategy, spec: OutputSpec[T], invalid: Invalid
) -> list[dict[str, object]]:
    """The messages to append to ask the model to fix ``invalid`` output.

    The model's own answer goes back as an assistant message, then the errors: as the tool's
    result when the answer was the forced tool call (so the conversation stays well-formed),
    else as a user message.
    """
    problems = format_errors(invalid.errors)
    request = (
        f"That answer does not match the {spec.name} schema:\n{problems}\n"
        "Answer again with the corrected JSON only."
    )
    if strategy == "tool":
        call = next(
            (
                item
                for item in message.tool_calls or []
                if item.function is not None and item.function.name == spec.name
            ),
            None,
        )
        if call is not None and call.function is not None:
            assistant: dict[str, object] = {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": call.id,
                        "type": "function",
                        "function": {"name": spec.name, "arguments": call.function.arguments},
                    }
                ],
            }
            return [assistant, {"role": "tool", "tool_call_id": call.id, "content": request}]
    return [
        {"role": "assistant", "content": invalid.raw},
        {"role": "user", "content": request},
    ]


# --- typed tools ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ToolSpec:
    """How to validate the arguments of one typed tool."""

    name: str
    """The function's name."""
    adapter: TypeAdapter[object]
    """Validates the arguments object."""
    as_dict: bool
    """True for a plain function: ``parsed_arguments`` is a dict of its arguments."""


def _definition_key(function: Mapping[str, object]) -> str:
    return json.dumps(
        {key: function.get(key) for key in ("name", "parameters", "strict")},
        sort_keys=True,
        default=repr,
    )


class ToolRegistry:
    """Typed tools built by ``function_tool``, found again from the tool definitions sent.

    The key is the definition itself (name, parameters, strict), so a copied or re-serialised
    tool dict still finds its validator. Thread-safe; the oldest entries are dropped.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, ToolSpec] = OrderedDict()
        self._lock = threading.Lock()

    def register(self, function: Mapping[str, object], spec: ToolSpec) -> None:
        """Remember ``spec`` for the function definition ``function``."""
        key = _definition_key(function)
        with self._lock:
            self._entries[key] = spec
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def lookup(self, tools: Sequence[Mapping[str, object]]) -> dict[str, ToolSpec]:
        """The typed tools among ``tools`` (request ``tools`` entries), by function name."""
        found: dict[str, ToolSpec] = {}
        with self._lock:
            for tool in tools:
                function = _as_dict(tool.get("function"))
                if function is None:
                    continue
                spec = self._entries.get(_definition_key(function))
                if spec is not None:
                    found[spec.name] = spec
        return found


_TOOLS = ToolRegistry()


def tool_registry() -> ToolRegistry:
    """The process-wide registry ``function_tool`` fills."""
    return _TOOLS


def _parse_arguments(spec: ToolSpec, arguments: str, completion: ChatCompletion) -> object:
    try:
        value = spec.adapter.validate_json(extract_json_text(arguments) or "{}")
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        field = error_field(errors)
        where = f" (field {field!r})" if field else ""
        raise ToolArgumentsError(
            f"tool {spec.name!r}: the arguments do not validate{where}:\n{format_errors(errors)}",
            tool=spec.name,
            field=field,
            raw=arguments,
            errors=errors,
            completion=completion,
        ) from None
    if spec.as_dict:
        return dict(vars(value))
    return value


# --- the typed completion ------------------------------------------------------------------


_M = TypeVar("_M", bound=BaseModel)
# Parametrised once: ``parsed`` holds any validated value (``object`` serialises by its run-time
# type), and subscripting per call would cost more than the rest of the work.
_Message = ParsedChatCompletionMessage[object]
_Choice = ParsedChoice[object]
_Completion = ParsedChatCompletion[object]


def _construct(cls: type[_M], values: Mapping[str, object]) -> _M:
    """``cls`` built from already-validated values, without validating them again."""
    construct: Callable[..., _M] = cls.model_construct
    return construct(**values)


def _fields(model: object) -> dict[str, object]:
    values = dict(cast("dict[str, object]", vars(model)))
    values.update(getattr(model, "__pydantic_extra__", None) or {})
    return values


@overload
def parse_completion(
    completion: ChatCompletion,
    spec: OutputSpec[T],
    *,
    strategy: Strategy = ...,
    tools: Sequence[Mapping[str, object]] = ...,
    registry: ToolRegistry | None = ...,
) -> ParsedChatCompletion[T]: ...
@overload
def parse_completion(
    completion: ChatCompletion,
    spec: None,
    *,
    strategy: Strategy = ...,
    tools: Sequence[Mapping[str, object]] = ...,
    registry: ToolRegistry | None = ...,
) -> ParsedChatCompletion[None]: ...
def parse_completion(
    completion: ChatCompletion,
    spec: OutputSpec[T] | None,
    *,
    strategy: Strategy = "json_schema",
    tools: Sequence[Mapping[str, object]] = (),
    registry: ToolRegistry | None = None,
) -> ParsedChatCompletion[T]:
    """``completion`` as a ``ParsedChatCompletion[T]``.

    Raises ``LengthFinishReasonError`` / ``ContentFilterFinishReasonError`` for a choice that
    stopped on those reasons, ``StructuredOutputError`` when a choice's output does not
    validate, and ``ToolArgumentsError`` when a typed tool's arguments do not. A refusal
    leaves ``parsed`` as ``None``. In the ``tool`` strategy the output's own tool call is
    removed from ``tool_calls`` (it was the answer, not a call to act on).
    """
    typed_tools = (registry or _TOOLS).lookup(tools) if tools else {}
    choices: list[ParsedChoice[object]] = []
    for choice in completion.choices:
        if choice.finish_reason == "length":
            raise LengthFinishReasonError(completion=completion)
        if choice.finish_reason == "content_filter":
            raise ContentFilterFinishReasonError(completion=completion)
        message = choice.message
        parsed: T | None = None
        if spec is not None and not message.refusal:
            raw = output_text(message, strategy, spec)
            result: T | Invalid = Invalid("", _no_output())
            if raw is not None:
                result = validate_output(spec, raw)
            if isinstance(result, Invalid):
                raise StructuredOutputError(
                    f"the output does not match {spec.name}:\n{format_errors(result.errors)}",
                    raw=raw,
                    errors=result.errors,
                    completion=completion,
                )
            parsed = result
        calls: list[ParsedFunctionToolCall] | None = None
        if message.tool_calls is not None:
            calls = []
            for call in message.tool_calls:
                function = call.function
                if function is None:
                    calls.append(_construct(ParsedFunctionToolCall, _fields(call)))
                    continue
                if spec is not None and strategy == "tool" and function.name == spec.name:
                    continue
                typed = typed_tools.get(function.name)
                arguments = (
                    _parse_arguments(typed, function.arguments, completion)
                    if typed is not None
                    else None
                )
                parsed_function = _construct(
                    ParsedFunction, {**_fields(function), "parsed_arguments": arguments}
                )
                calls.append(
                    _construct(
                        ParsedFunctionToolCall, {**_fields(call), "function": parsed_function}
                    )
                )
        parsed_message = _construct(
            _Message, {**_fields(message), "parsed": parsed, "tool_calls": calls or None}
        )
        choices.append(_construct(_Choice, {**_fields(choice), "message": parsed_message}))
    whole = _construct(_Completion, {**_fields(completion), "choices": choices})
    return cast("ParsedChatCompletion[T]", whole)


def _no_output() -> list[ErrorDetails]:
    return [
        {
            "type": "missing",
            "loc": (),
            "msg": "The model sent no output (no content and no tool call)",
            "input": None,
        }
    ]
