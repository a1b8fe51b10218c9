"""Every spec-valid chat completion and stream chunk parses into our models.

Payloads are generated from the OpenAI schema subset (``tests/fixtures/openai-chat-subset.json``,
a verbatim copy of the shared spec). ``hypothesis-jsonschema`` cannot be used here: version
0.23.1 calls ``many.more()``, which the installed Hypothesis no longer has, so every object
schema fails. A small generator below covers the keywords these two schemas use (``$ref``,
``type``, ``enum``, ``anyOf``, ``oneOf``, ``properties``, ``required``, ``additionalProperties``,
``items``); each payload is also checked with ``jsonschema`` so only spec-valid ones count.

Generated objects carry unknown ``x-`` keys too, since the spec allows extra keys everywhere.
"""

from __future__ import annotations

import importlib
import json
import warnings
from pathlib import Path
from typing import Protocol, cast

import pydantic
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tokenclient._core.chat_request import PARAM_NAMES, build_chat_body
from tokenclient.types.chat import ChatCompletion, ChatCompletionChunk

SPEC = json.loads(
    (Path(__file__).parent / "fixtures" / "openai-chat-subset.json").read_text(encoding="utf-8")
)
DEFS = cast("dict[str, dict[str, object]]", SPEC["$defs"])

JSONSchema = dict[str, object]

_STRUCTURAL = {"type", "properties", "items", "enum", "anyOf", "oneOf", "$ref"}

_leaves: st.SearchStrategy[object] = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=8)
)
_json: st.SearchStrategy[object] = st.recursive(
    _leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)
# Integers have no bounds in the spec: include ones beyond int64 and negative ones. JSON Schema
# also counts integral floats (``3.0``) as integers; pydantic-core accepts those within int64
# only (``1e20`` fails), which no provider sends, so they are drawn within 2**53.
_integers: st.SearchStrategy[object] = st.one_of(
    st.integers(),
    st.integers(min_value=2**63, max_value=2**200),
    st.integers(min_value=-(2**53), max_value=2**53).map(float),
)
# Numbers: integers only within float precision, so the round trip below compares exactly.
_numbers: st.SearchStrategy[object] = st.one_of(
    st.integers(min_value=-(2**53), max_value=2**53),
    st.floats(allow_nan=False, allow_infinity=False),
)
_extra_keys = st.text(max_size=6).map(lambda s: "x-" + s)


def from_schema(schema: JSONSchema) -> st.SearchStrategy[object]:
    """A strategy for values valid under ``schema`` (the subset of keywords used here)."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return from_schema(DEFS[ref.removeprefix("#/$defs/")])
    if "enum" in schema:
        return st.sampled_from(cast("list[object]", schema["enum"]))
    for combinator in ("anyOf", "oneOf"):
        if combinator in schema:
            assert not _STRUCTURAL & (schema.keys() - {combinator}), schema
            branches = cast("list[JSONSchema]", schema[combinator])
            return st.one_of([from_schema(branch) for branch in branches])
    kind = schema.get("type")
    if kind is None:
        return _json
    if isinstance(kind, list):
        return st.one_of([from_schema({**schema, "type": k}) for k in cast("list[str]", kind)])
    if kind == "string":
        return st.text(max_size=12)
    if kind == "integer":
        return _integers
    if kind == "number":
        return _numbers
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        items = cast("JSONSchema", schema.get("items", {}))
        return st.lists(from_schema(items), max_size=3)
    assert kind == "object", schema
    return _object(schema)


def _object(schema: JSONSchema) -> st.SearchStrategy[object]:
    properties = cast("dict[str, JSONSchema]", schema.get("properties", {}))
    required = set(cast("list[str]", schema.get("required", [])))
    additional = schema.get("additionalProperties")
    fixed = st.fixed_dictionaries(
        {name: from_schema(sub) for name, sub in properties.items() if name in required},
        optional={
            name: from_schema(sub) for name, sub in properties.items() if name not in required
        },
    )
    if additional is False:
        return fixed
    values = from_schema(cast("JSONSchema", additional)) if isinstance(additional, dict) else _json
    extras = st.dictionaries(_extra_keys, values, max_size=2)
    return st.builds(_merge, fixed, extras)


def _merge(known: dict[str, object], extra: dict[str, object]) -> dict[str, object]:
    return {**extra, **known}


class _Validator(Protocol):
    def validate(self, instance: object) -> None: ...


# jsonschema ships no type information and its stubs are not installed: reach it as a module
# object and give the one method used a Protocol.
_jsonschema = importlib.import_module("jsonschema")
_ValidationError: type[Exception] = _jsonschema.ValidationError


def _validator(name: str) -> _Validator:
    schema = {"$ref": f"#/$defs/{name}", "$defs": SPEC["$defs"]}
    return cast("_Validator", _jsonschema.Draft202012Validator(schema))


_CASES = [
    ("CreateChatCompletionResponse", ChatCompletion),
    ("CreateChatCompletionStreamResponse", ChatCompletionChunk),
]


@pytest.mark.slow  # 200 generated payloads each: 4-11 s on a loaded 2-core machine
@pytest.mark.parametrize(("name", "model"), _CASES)
def test_generated_payloads_parse(name: str, model: type[pydantic.BaseModel]) -> None:
    validator = _validator(name)

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(payload=from_schema({"$ref": f"#/$defs/{name}"}))
    def check(payload: object) -> None:
        validator.validate(payload)  # the generator makes spec-valid payloads only
        parsed = model.model_validate_json(json.dumps(payload))
        assert parsed.model_dump(exclude_unset=True, by_alias=True) == payload

    check()


def test_generator_is_checked_by_jsonschema() -> None:
    """The validator used above does reject what the spec forbids (so the check can fail)."""
    validator = _validator("CreateChatCompletionStreamResponse")
    with pytest.raises(_ValidationError):
        validator.validate({"id": "x", "model": "m", "created": 1, "object": "nope", "choices": []})
    validator.validate(
        {"id": "x", "model": "m", "created": 1, "object": "chat.completion.chunk", "choices": []}
    )


def _request_properties(schema: JSONSchema) -> set[str]:
    """The property names of a request schema, through ``$ref`` and ``allOf``."""
    ref = schema.get("$ref")
    if isinstance(ref, str):
        return _request_properties(DEFS[ref.removeprefix("#/$defs/")])
    names = set(cast("dict[str, object]", schema.get("properties", {})))
    for part in cast("list[JSONSchema]", schema.get("allOf", [])):
        names |= _request_properties(part)
    return names


def test_every_spec_request_parameter_is_accepted() -> None:
    """``create()`` takes every parameter of the spec's chat request, and no other."""
    spec = _request_properties({"$ref": "#/$defs/CreateChatCompletionRequest"})
    assert len(spec) >= 37
    assert spec == PARAM_NAMES


@pytest.mark.slow  # 200 generated conversations: about 5 s on a loaded 2-core machine
def test_generated_request_messages_are_accepted_and_sent_as_given() -> None:
    """Every spec-valid message (extra ``x-`` keys too) passes the check and is sent unchanged."""
    validator = _validator("ChatCompletionRequestMessage")

    @settings(
        max_examples=200,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
        ],
    )
    @given(
        messages=st.lists(
            from_schema({"$ref": "#/$defs/ChatCompletionRequestMessage"}), min_size=1, max_size=3
        )
    )
    def check(messages: list[object]) -> None:
        for message in messages:
            try:
                validator.validate(message)
            except _ValidationError:
                assume(False)  # the generator ignores minItems; only spec-valid ones count
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            body = build_chat_body({"model": "m", "messages": messages})
        assert json.loads(json.dumps(body)) == {"model": "m", "messages": messages}

    check()
