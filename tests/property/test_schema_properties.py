"""Spec-valid payloads the conformance test does not generate: images, models, error envelopes.

``tests/test_conformance.py`` generates chat completions and chunks from the OpenAI schema
subset; its generator is reused here for the other response shapes the SDK parses: every
spec-valid ``ImagesResponse``, ``ListModelsResponse`` and ``Model`` parses and dumps back to
the same JSON, and every spec-valid ``ErrorResponse`` becomes an error carrying its fields.
"""

from __future__ import annotations

import json
from typing import cast

import httpx
import pydantic
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tokenclient._core.response import MAX_MESSAGE_LENGTH, make_status_error, shorten
from tokenclient.types.images import ImagesResponse
from tokenclient.types.models import Model, ModelList

from ..test_conformance import _validator, from_schema

_SETTINGS = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.parametrize(
    ("name", "model"),
    [("ImagesResponse", ImagesResponse), ("ListModelsResponse", ModelList), ("Model", Model)],
)
def test_generated_payloads_parse(name: str, model: type[pydantic.BaseModel]) -> None:
    validator = _validator(name)

    @_SETTINGS
    @given(payload=from_schema({"$ref": f"#/$defs/{name}"}))
    def check(payload: object) -> None:
        validator.validate(payload)  # spec-valid only
        parsed = model.model_validate_json(json.dumps(payload))
        assert parsed.model_dump(exclude_unset=True, by_alias=True) == payload

    check()


@_SETTINGS
@given(
    payload=from_schema({"$ref": "#/$defs/ErrorResponse"}),
    status=st.integers(min_value=400, max_value=599),
)
def test_generated_error_envelopes_give_their_fields(payload: object, status: int) -> None:
    _validator("ErrorResponse").validate(payload)
    error = cast("dict[str, object]", cast("dict[str, object]", payload)["error"])
    message = error["message"]
    assert isinstance(message, str)
    response = httpx.Response(
        status,
        content=json.dumps(payload).encode(),
        request=httpx.Request("GET", "https://api.example.test/v1/models"),
    )
    made = make_status_error(response, now=0.0)
    assert made.type == error["type"]
    assert made.param == error["param"]
    assert made.code == error["code"]
    assert len(made.message) <= MAX_MESSAGE_LENGTH
    if message.strip():
        assert made.message == shorten(message)
