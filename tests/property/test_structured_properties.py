"""Generated schemas: the fake server's structured answers are always valid instances.

Schemas are built from the pieces providers and pydantic use (bounded numbers and strings,
formats, enums, consts, nullable unions, arrays with ``minItems``, nested objects with optional
properties, ``$ref`` into ``$defs``). For each, ``instance_of`` must give a value the schema
accepts, as ``jsonschema`` checks it.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from tokenclient.testing._instances import instance_of

from ..testing.support import assert_schema_valid

_Schema = dict[str, object]


def _number_schema(
    kind: str, low: int, span: int, exclusive: bool, multiple: int | None
) -> _Schema:
    schema: _Schema = {
        "type": kind,
        ("exclusiveMinimum" if exclusive else "minimum"): low,
        "maximum": low + span + (2 if exclusive else 0),
    }
    if multiple and span >= multiple * 2:
        schema["multipleOf"] = multiple
    return schema


def _bounded_number(kind: str) -> st.SearchStrategy[_Schema]:
    return st.builds(
        _number_schema,
        st.just(kind),
        st.integers(-50, 50),
        st.integers(0, 20),
        st.booleans(),
        st.sampled_from([None, 1, 2, 5]),
    )


def _string_schema(low: int, extra: int, form: str | None) -> _Schema:
    schema: _Schema = {"type": "string", "minLength": low, "maxLength": low + extra}
    if form:
        schema["format"] = form
    return schema


def _enum_schema(values: list[str]) -> _Schema:
    return {"type": "string", "enum": values}


def _const_schema(value: int) -> _Schema:
    return {"const": value}


def _array_schema(items: _Schema, low: int) -> _Schema:
    return {"type": "array", "items": items, "minItems": low}


def _any_of(branches: list[_Schema]) -> _Schema:
    return {"anyOf": branches}


def _nullable(schema: _Schema) -> _Schema:
    return {"anyOf": [schema, {"type": "null"}]}


_strings = st.builds(
    _string_schema,
    st.integers(0, 30),
    st.integers(0, 10),
    st.sampled_from([None, "date-time", "date", "email", "uuid", "ipv4"]),
)
_leaves: st.SearchStrategy[_Schema] = st.one_of(
    _strings,
    _bounded_number("integer"),
    _bounded_number("number"),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(st.text(max_size=5), min_size=1, max_size=4, unique=True).map(_enum_schema),
    st.integers().map(_const_schema),
)


def _object(properties: dict[str, _Schema]) -> st.SearchStrategy[_Schema]:
    def build(required: set[str]) -> _Schema:
        return {
            "type": "object",
            "properties": properties,
            "required": sorted(required),
            "additionalProperties": False,
        }

    return st.sets(st.sampled_from(sorted(properties))).map(build)


def _compose(inner: st.SearchStrategy[_Schema]) -> st.SearchStrategy[_Schema]:
    names = st.text("abcdefgh", min_size=1, max_size=6)
    return st.one_of(
        st.builds(_array_schema, inner, st.integers(0, 3)),
        st.dictionaries(names, inner, min_size=1, max_size=4).flatmap(_object),
        st.lists(inner, min_size=1, max_size=3).map(_any_of),
        inner.map(_nullable),
    )


_schemas = st.recursive(_leaves, _compose, max_leaves=10)


@settings(max_examples=60, deadline=None)
@given(_schemas, st.text(max_size=12))
def test_instances_of_generated_schemas_are_valid(schema: _Schema, text: str) -> None:
    assert_schema_valid(schema, instance_of(schema, text=text))


@settings(max_examples=25, deadline=None)
@given(_schemas)
def test_instances_through_refs_are_valid(schema: _Schema) -> None:
    wrapped: _Schema = {
        "type": "object",
        "properties": {"first": {"$ref": "#/$defs/Part"}, "second": {"$ref": "#/$defs/Part"}},
        "required": ["first"],
        "$defs": {"Part": schema},
    }
    assert_schema_valid(wrapped, instance_of(wrapped))
