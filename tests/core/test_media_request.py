"""Image and video request bodies: only given arguments, and every refusal names its field."""

from __future__ import annotations

import re
from collections import UserList

import pytest

from tokenclient import NOT_GIVEN, InvalidRequestError
from tokenclient._core.media_request import (
    image_generation_body,
    video_content,
    video_generation_body,
)
from tokenclient._core.validation import check_model_id


def image_body(**given: object) -> dict[str, object]:
    args: dict[str, object] = {
        "model": "m",
        "prompt": "a cat",
        "n": NOT_GIVEN,
        "size": NOT_GIVEN,
        "response_format": NOT_GIVEN,
        "quality": NOT_GIVEN,
        "style": NOT_GIVEN,
        "user": NOT_GIVEN,
        "background": NOT_GIVEN,
        "moderation": NOT_GIVEN,
        "output_format": NOT_GIVEN,
        "output_compression": NOT_GIVEN,
    }
    return image_generation_body(**{**args, **given})


def video_body(**given: object) -> dict[str, object]:
    args: dict[str, object] = {
        "model": "m",
        "prompt": "a dog",
        "duration": NOT_GIVEN,
        "resolution": NOT_GIVEN,
        "aspect_ratio": NOT_GIVEN,
        "content": NOT_GIVEN,
    }
    return video_generation_body(**{**args, **given})


def image(url: str = "https://x/a.jpg", role: str | None = None) -> dict[str, object]:
    item: dict[str, object] = {"type": "image_url", "image_url": {"url": url}}
    if role is not None:
        item["role"] = role
    return item


def test_image_body_sends_only_given_arguments() -> None:
    assert image_body() == {"model": "m", "prompt": "a cat"}
    full = image_body(
        n=2,
        size="1024x1024",
        response_format="b64_json",
        quality="hd",
        style="vivid",
        user="u-1",
        background="transparent",
        moderation="low",
        output_format="png",
        output_compression=0,
    )
    assert full == {
        "model": "m",
        "prompt": "a cat",
        "n": 2,
        "size": "1024x1024",
        "response_format": "b64_json",
        "quality": "hd",
        "style": "vivid",
        "user": "u-1",
        "background": "transparent",
        "moderation": "low",
        "output_format": "png",
        "output_compression": 0,
    }


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"prompt": ""}, "prompt: String should have at least 1 character"),
        ({"prompt": "  \n"}, "prompt: String should have a non-blank character"),
        ({"prompt": None}, "prompt: Input should be a valid string"),
        ({"model": ""}, "model: String should have at least 1 character"),
        ({"model": "m\r\nX-Injected: 1"}, "model: must not contain control characters"),
        ({"n": 0}, "n: Input should be greater than or equal to 1"),
        ({"n": -3}, "n: Input should be greater than or equal to 1"),
        ({"n": True}, "n: Input should be a valid integer"),
        ({"n": 1.0}, "n: Input should be a valid integer"),
        ({"size": 1024}, "size: Input should be a valid string"),
        ({"response_format": "png"}, "response_format: Input should be 'url' or 'b64_json'"),
        ({"output_compression": 101}, "output_compression: Input should be less than or equal to"),
        ({"output_compression": -1}, "output_compression: Input should be greater than or equal"),
        ({"quality": ""}, "quality: String should have at least 1 character"),
        ({"user": b"u"}, "user: Input should be a valid string"),
    ],
)
def test_image_body_refuses_bad_values_naming_the_field(
    given: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidRequestError, match=re.escape(message)):
        image_body(**given)


def test_invalid_request_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"^n: "):
        image_body(n=0)


def test_video_body_sends_only_given_arguments() -> None:
    assert video_body() == {"model": "m", "prompt": "a dog"}
    content = [image(role="first_frame"), image(role="last_frame")]
    assert video_body(duration=5, resolution="720p", aspect_ratio="16:9", content=content) == {
        "model": "m",
        "prompt": "a dog",
        "duration": 5,
        "resolution": "720p",
        "aspect_ratio": "16:9",
        "content": content,
    }


def test_video_duration_sends_whole_seconds_as_integers() -> None:
    whole = video_body(duration=5.0)["duration"]
    assert whole == 5
    assert isinstance(whole, int)
    assert video_body(duration=2.5)["duration"] == 2.5


@pytest.mark.parametrize(
    ("duration", "message"),
    [
        (0, "Input should be greater than 0"),
        (-1, "Input should be greater than 0"),
        (0.0, "Input should be greater than 0"),
        (float("nan"), "Input should be a finite number"),
        (float("inf"), "Input should be a finite number"),
        (True, "Input should be a valid number"),
        ("5", "Input should be a valid number"),
        (None, "Input should be a valid number"),
    ],
)
def test_video_duration_must_be_a_positive_number(duration: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match=f"^duration: {message}$"):
        video_body(duration=duration)


def test_video_content_accepts_every_documented_role_and_keeps_extra_keys() -> None:
    content: list[dict[str, object]] = [
        image(role="first_frame"),
        image(role="last_frame"),
        image(role="reference_image"),
        image(role="reference_image"),
        {"type": "video_url", "video_url": {"url": "https://x/v.mp4"}, "role": "reference_video"},
        {"type": "audio_url", "audio_url": {"url": "https://x/a.mp3"}, "role": "reference_audio"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,AAAA"}, "weight": 0.5},
    ]
    checked = video_content(content)
    assert checked == content
    assert checked[0] is not content[0]  # copies: the caller's dicts are not shared


def test_video_content_accepts_any_sequence_kind_as_a_list() -> None:
    assert video_content((image(),)) == [image()]
    assert video_content(UserList([image()])) == [image()]
    checked = video_content(UserList([image(role="first_frame")]))
    assert checked == [image(role="first_frame")]
    assert type(checked) is list


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("image", "content: Input should be a valid list"),
        ({"type": "image_url"}, "content: Input should be a valid list"),
        (None, "content: Input should be a valid list"),
        ({image()["type"]}, "content: Input should be a valid list"),
        ([image(), "x"], "content[1]: Input should be an object, not str"),
        ([{"image_url": {"url": "u"}}], "content[0].type: Field required"),
        (
            [{"type": "text", "text": "hi"}],
            "content[0].type: Input should be 'image_url', 'video_url' or 'audio_url', not 'text'",
        ),
        ([{"type": "image_url"}], "content[0].image_url: Field required"),
        (
            [{"type": "image_url", "video_url": {"url": "u"}}],
            "content[0].image_url: Field required",
        ),
        (
            [{"type": "image_url", "image_url": "https://x"}],
            "content[0].image_url: Input should be a valid dictionary",
        ),
        (
            [{"type": "image_url", "image_url": dict[str, object]()}],
            "content[0].image_url.url: Field required",
        ),
        (
            [{"type": "image_url", "image_url": {"url": ""}}],
            "content[0].image_url.url: String should have at least 1 character",
        ),
        (
            [image(), image(role="hero")],
            "content[1].role: Input should be 'first_frame', 'last_frame' or 'reference_image'",
        ),
        ([image(role=None), {**image(), "role": 3}], "content[1].role: Input should be 'first_"),
        (
            [{"type": "video_url", "video_url": {"url": "u"}, "role": "first_frame"}],
            "content[0].role: Input should be 'reference_video'",
        ),
        (
            [image(role="reference_audio")],
            "content[0].role: Input should be 'first_frame', 'last_frame' or 'reference_image'",
        ),
        (
            [image(role="first_frame"), image(role="first_frame")],
            "content[1].role: at most one 'first_frame' is allowed (content[0] is one already)",
        ),
        (
            [image(role="last_frame"), image(), image(role="last_frame")],
            "content[2].role: at most one 'last_frame' is allowed (content[0] is one already)",
        ),
    ],
)
def test_video_content_refuses_bad_items_naming_the_field(content: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match="^" + re.escape(message)):
        video_body(content=content)


def test_video_body_checks_model_and_prompt() -> None:
    with pytest.raises(InvalidRequestError, match=r"^prompt: "):
        video_body(prompt="")
    with pytest.raises(InvalidRequestError, match=r"^model: "):
        video_body(model=None)
    with pytest.raises(InvalidRequestError, match=r"^resolution: "):
        video_body(resolution="")


@pytest.mark.parametrize("model", ["m", "openai/gpt-4.1", "claude sonnet 4.6", "模型"])
def test_check_model_id_passes_usable_ids(model: str) -> None:
    assert check_model_id(model) == model


@pytest.mark.parametrize(
    ("model", "message"),
    [
        ("gpt\r\nX-Injected: 1", "model: must not contain control characters"),
        ("gpt\t4", "model: must not contain control characters"),
        ("", "model: String should have at least 1 character"),
        (None, "model: Input should be a valid string"),
    ],
)
def test_check_model_id_refuses_what_every_endpoint_refuses(model: object, message: str) -> None:
    with pytest.raises(InvalidRequestError, match="^" + re.escape(message)):
        check_model_id(model)
    with pytest.raises(InvalidRequestError, match="^" + re.escape(message)):
        image_body(model=model)
    with pytest.raises(InvalidRequestError, match="^" + re.escape(message)):
        video_body(model=model)
    with pytest.raises(InvalidRequestError, match=r"^model_id: must not"):
        check_model_id("a\nb", "model_id")
