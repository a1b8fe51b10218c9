"""A deterministic instance of a JSON schema: what the fake model answers for structured output.

Rules, applied recursively: ``const``, then the first ``enum`` value; ``$ref`` followed into
``$defs``/``definitions``; ``anyOf``/``oneOf`` take the first branch that does not loop back
into a reference being expanded; ``allOf`` merges its parts; an object gets every property
(an optional one that would loop is left out); a string is the given text (or a sample of its
``format``), padded or cut to ``minLength``/``maxLength``; a number is 1 moved inside
``minimum``/``maximum`` (exclusive too) and onto ``multipleOf``; a boolean is ``true``; an
array has ``minItems`` items (``prefixItems`` first). ``pattern`` is not followed.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import cast

__all__ = ["instance_of"]

_FORMATS: dict[str, str] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00Z",
    "duration": "P1D",
    "email": "user@example.com",
    "hostname": "example.com",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
_MAX_DEPTH = 32


class _Loop(Exception):
    """The branch being generated refers back to a ``$ref`` that is being expanded."""


def _dict(value: object) -> dict[str, object]:
    return cast("dict[str, object]", value) if isinstance(value, dict) else {}


def _list(value: object) -> list[object]:
    return cast("list[object]", value) if isinstance(value, list) else []


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


class _Generator:
    def __init__(self, root: Mapping[str, object], text: str) -> None:
        self.root = root
        self.text = text

    def resolve(self, ref: str) -> dict[str, object]:
        node: object = self.root
        for part in ref.removeprefix("#/").split("/") if ref.startswith("#/") else [""]:
            node = _dict(node).get(part.replace("~1", "/").replace("~0", "~"))
        return _dict(node)

    def value(self, schema: Mapping[str, object], refs: tuple[str, ...]) -> object:
        if len(refs) > _MAX_DEPTH:
            raise _Loop
        if "const" in schema:
            return schema["const"]
        enum = _list(schema.get("enum"))
        if enum:
            return enum[0]
        ref = schema.get("$ref")
        if isinstance(ref, str):
            if ref in refs:
                raise _Loop
            target = {**self.resolve(ref), **{k: v for k, v in schema.items() if k != "$ref"}}
            return self.value(target, (*refs, ref))
        for key in ("anyOf", "oneOf"):
            branches = _list(schema.get(key))
            if branches:
                return self.branch(schema, key, branches, refs)
        all_of = _list(schema.get("allOf"))
        if all_of:
            return self.merge(schema, all_of, refs)
        kind = schema.get("type")
        if isinstance(kind, list):
            kinds = [k for k in cast("list[object]", kind) if isinstance(k, str)]
            kind = kinds[0] if kinds else None
        if kind is None:
            if "properties" in schema:
                kind = "object"
            elif "items" in schema or "prefixItems" in schema:
                kind = "array"
        if kind == "object":
            return self.object_(schema, refs)
        if kind == "array":
            return self.array(schema, refs)
        if kind in ("number", "integer"):
            return self.number(schema, integer=kind == "integer")
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return self.string(schema)

    def branch(
        self, schema: Mapping[str, object], key: str, branches: list[object], refs: tuple[str, ...]
    ) -> object:
        rest = {k: v for k, v in schema.items() if k != key}
        for branch in branches:
            try:
                return self.value({**rest, **_dict(branch)}, refs)
            except _Loop:
                continue
        raise _Loop

    def merge(
        self, schema: Mapping[str, object], parts: list[object], refs: tuple[str, ...]
    ) -> object:
        rest = {k: v for k, v in schema.items() if k != "allOf"}
        values = [self.value(_dict(part), refs) for part in parts]
        if rest:
            values.append(self.value(rest, refs))
        if all(isinstance(value, dict) for value in values):
            merged: dict[str, object] = {}
            for value in values:
                merged.update(cast("dict[str, object]", value))
            return merged
        return values[0]

    def object_(self, schema: Mapping[str, object], refs: tuple[str, ...]) -> dict[str, object]:
        required = {name for name in _list(schema.get("required")) if isinstance(name, str)}
        result: dict[str, object] = {}
        for name, sub in _dict(schema.get("properties")).items():
            try:
                result[name] = self.value(_dict(sub), refs)
            except _Loop:
                if name in required:
                    raise
        for name in sorted(required - set(result)):  # required but not described
            result[name] = self.text
        return result

    def array(self, schema: Mapping[str, object], refs: tuple[str, ...]) -> list[object]:
        prefix = [self.value(_dict(item), refs) for item in _list(schema.get("prefixItems"))]
        low = schema.get("minItems")
        count = low if isinstance(low, int) and not isinstance(low, bool) else 0
        items = _dict(schema.get("items"))
        while len(prefix) < count:
            prefix.append(self.value(items, refs))
        return prefix

    def number(self, schema: Mapping[str, object], *, integer: bool) -> int | float:
        step = 1.0 if integer else 0.5
        value = 1.0
        low, high = _number(schema.get("minimum")), _number(schema.get("maximum"))
        exclusive_low = _number(schema.get("exclusiveMinimum"))
        exclusive_high = _number(schema.get("exclusiveMaximum"))
        if exclusive_low is not None:
            low = max(low if low is not None else -math.inf, exclusive_low + step)
        if exclusive_high is not None:
            high = min(high if high is not None else math.inf, exclusive_high - step)
        if integer:
            low = math.ceil(low) if low is not None else None
            high = math.floor(high) if high is not None else None
        if low is not None and value < low:
            value = float(low)
        if high is not None and value > high:
            value = float(high)
        multiple = _number(schema.get("multipleOf"))
        if multiple:
            value = float(math.ceil(value / multiple) * multiple)
            if high is not None and value > high:
                value = float(math.floor(high / multiple) * multiple)
        return int(value) if integer or value.is_integer() else value

    def string(self, schema: Mapping[str, object]) -> str:
        form = schema.get("format")
        text = _FORMATS.get(form, self.text) if isinstance(form, str) else self.text
        low, high = schema.get("minLength"), schema.get("maxLength")
        if isinstance(low, int) and len(text) < low:
            text += "x" * (low - len(text))
        if isinstance(high, int) and len(text) > high:
            text = text[:high]
        return text


def instance_of(schema: Mapping[str, object], *, text: str = "example") -> object:
    """A value valid against ``schema`` (within the rules above); strings default to ``text``."""
    try:
        return _Generator(schema, text).value(schema, ())
    except _Loop:  # every branch loops: give up on this part, not on the answer
        return {}
