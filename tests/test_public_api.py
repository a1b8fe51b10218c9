"""The public surface, pinned: adding or removing a public name is a deliberate edit here.

For ``tokenclient``, ``tokenclient.types`` and ``tokenclient.testing``: ``__all__`` is sorted
(ruff's isort-style order), complete (every public name the module binds is listed, and every
name of the ``types`` submodules is re-exported) and resolvable (lazy names included), and
every public object is documented. Docstrings are read from the source with griffe, as the
API reference is built, so the documentation of fields, type aliases and constants (string
literals under them, which Python drops at run time) is checked too: every field of a
response model and every key of a request ``TypedDict`` has one.
"""

from __future__ import annotations

import importlib
import types
from functools import cache
from pathlib import Path

import griffe
import pydantic
import pytest

import tokenclient
import tokenclient.testing
import tokenclient.types

SRC = Path(__file__).resolve().parents[1] / "src"

TOKENCLIENT = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIError",
    "APIResponseValidationError",
    "APIStatusError",
    "APIStreamError",
    "APITimeoutError",
    "AllRoutesFailedError",
    "AsyncChatCompletionStream",
    "AsyncRouter",
    "AsyncStream",
    "AsyncTokenClient",
    "AuthenticationError",
    "BadRequestError",
    "ChatCompletionStream",
    "ConfigurationError",
    "ConflictError",
    "ContentFilterFinishReasonError",
    "Cost",
    "InsecureTransportWarning",
    "InsufficientBalanceError",
    "InternalServerError",
    "InvalidRequestError",
    "LengthFinishReasonError",
    "ModelPrice",
    "NotFoundError",
    "NotGiven",
    "PermissionDeniedError",
    "Pricing",
    "RateLimitError",
    "RateLimitInfo",
    "RawResponse",
    "Route",
    "Router",
    "ServiceUnavailableError",
    "Stream",
    "StructuredOutputError",
    "TokenClient",
    "TokenClientError",
    "ToolArgumentsError",
    "UnprocessableEntityError",
    "UsageTotals",
    "VideoTaskError",
    "VideoTaskFailedError",
    "VideoTaskTimeoutError",
    "__version__",
    "function_tool",
]

TYPES = [
    "Annotation",
    "AnnotationURLCitation",
    "AssistantAudio",
    "AssistantMessage",
    "AudioURLContentParam",
    "ChatCompletion",
    "ChatCompletionAllowedToolChoiceParam",
    "ChatCompletionAllowedToolsParam",
    "ChatCompletionAssistantMessageParam",
    "ChatCompletionAudio",
    "ChatCompletionAudioParam",
    "ChatCompletionBodyParams",
    "ChatCompletionChunk",
    "ChatCompletionContentPartFileParam",
    "ChatCompletionContentPartImageParam",
    "ChatCompletionContentPartInputAudioParam",
    "ChatCompletionContentPartParam",
    "ChatCompletionContentPartRefusalParam",
    "ChatCompletionContentPartTextParam",
    "ChatCompletionContentPartVideoParam",
    "ChatCompletionCreateParams",
    "ChatCompletionCustomToolParam",
    "ChatCompletionDeveloperMessageParam",
    "ChatCompletionFunctionCallOptionParam",
    "ChatCompletionFunctionMessageParam",
    "ChatCompletionFunctionParam",
    "ChatCompletionMessage",
    "ChatCompletionMessageCustomToolCallParam",
    "ChatCompletionMessageParam",
    "ChatCompletionMessageToolCall",
    "ChatCompletionMessageToolCallParam",
    "ChatCompletionNamedToolChoiceCustomParam",
    "ChatCompletionNamedToolChoiceParam",
    "ChatCompletionParseBodyParams",
    "ChatCompletionParseParams",
    "ChatCompletionPredictionContentParam",
    "ChatCompletionStreamEvent",
    "ChatCompletionStreamOptionsParam",
    "ChatCompletionSystemMessageParam",
    "ChatCompletionTokenLogprob",
    "ChatCompletionToolChoiceOptionParam",
    "ChatCompletionToolMessageParam",
    "ChatCompletionToolParam",
    "ChatCompletionToolUnionParam",
    "ChatCompletionUserMessageParam",
    "Choice",
    "ChoiceDelta",
    "ChoiceDeltaFunctionCall",
    "ChoiceDeltaToolCall",
    "ChoiceDeltaToolCallFunction",
    "ChoiceLogprobs",
    "ChunkChoice",
    "ChunkEvent",
    "CompletionTokensDetails",
    "CompletionUsage",
    "ContentDeltaEvent",
    "ContentDoneEvent",
    "Custom",
    "CustomToolCall",
    "CustomToolDefinition",
    "CustomToolFormat",
    "CustomToolGrammar",
    "CustomToolGrammarFormat",
    "CustomToolTextFormat",
    "CustomVoice",
    "DeveloperMessage",
    "ErrorObject",
    "ErrorResponse",
    "FileContent",
    "Function",
    "FunctionCall",
    "FunctionCallChoiceParam",
    "FunctionCallParam",
    "FunctionDefinition",
    "Image",
    "ImageGenerateParams",
    "ImageURL",
    "ImageURLContentParam",
    "ImagesResponse",
    "ImagesUsage",
    "InputAudio",
    "JSONSchema",
    "MediaURLParam",
    "MessageInput",
    "MessageModel",
    "MessagesParam",
    "MetadataParam",
    "Model",
    "ModelList",
    "ModerationConfigParam",
    "ModerationParam",
    "ModerationPolicyParam",
    "NamedCustomTool",
    "NamedToolChoiceFunction",
    "ParsedChatCompletion",
    "ParsedChatCompletionMessage",
    "ParsedChoice",
    "ParsedFunction",
    "ParsedFunctionToolCall",
    "PromptCacheOptionsParam",
    "PromptTokensDetails",
    "ReasoningDeltaEvent",
    "ReasoningDoneEvent",
    "ReasoningEffort",
    "RefusalDeltaEvent",
    "RefusalDoneEvent",
    "RequestOptionsParams",
    "ResponseFormat",
    "ResponseFormatJSONObject",
    "ResponseFormatJSONSchema",
    "ResponseFormatText",
    "ServiceTier",
    "StopParam",
    "SystemMessage",
    "ToolCallArgumentsDeltaEvent",
    "ToolCallDoneEvent",
    "ToolMessage",
    "TopLogprob",
    "UserMessage",
    "Verbosity",
    "VideoContentParam",
    "VideoContentRole",
    "VideoGenerateParams",
    "VideoResult",
    "VideoTask",
    "VideoTaskErrorInfo",
    "VideoTaskStatus",
    "VideoURL",
    "VideoURLContentParam",
    "VoiceParam",
    "WebSearchLocationParam",
    "WebSearchOptionsParam",
    "WebSearchUserLocationParam",
]

TESTING = [
    "FAULTS",
    "ClientOptions",
    "FakeAPI",
    "FakeAPIOptions",
    "FaultSpec",
    "make_async_client",
    "make_client",
    "mock_transport",
    "sample_png",
    "serve",
]

MODULES = {
    "tokenclient": (tokenclient, TOKENCLIENT),
    "tokenclient.types": (tokenclient.types, TYPES),
    "tokenclient.testing": (tokenclient.testing, TESTING),
}
TYPES_SUBMODULES = (
    "chat",
    "chat_create_params",
    "chat_params",
    "chat_stream_events",
    "errors",
    "images",
    "models",
    "video_params",
    "videos",
)
NOT_REEXPORTED = {
    "tokenclient.types.videos.KNOWN_STATUSES",
}
"""Submodule names deliberately left out of ``tokenclient.types``."""
IMPORT_HELPERS = {"TYPE_CHECKING", "annotations", "importlib"}
"""Names a module binds by importing, not to export."""


def _isort_key(name: str) -> tuple[int, str]:
    """ruff's RUF022 order: SCREAMING_CASE, then CamelCase, then everything else."""
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


@cache
def _package() -> griffe.Object:
    loaded = griffe.load("tokenclient", search_paths=[str(SRC)], resolve_aliases=True)
    assert isinstance(loaded, griffe.Object)
    return loaded


def _documented(obj: griffe.Object | griffe.Alias) -> bool:
    return obj.docstring is not None and bool(obj.docstring.value.strip())


@pytest.mark.parametrize("name", MODULES)
def test_all_is_pinned_and_sorted(name: str) -> None:
    module, expected = MODULES[name]
    assert module.__all__ == expected
    assert module.__all__ == sorted(module.__all__, key=_isort_key)
    assert len(set(module.__all__)) == len(module.__all__)


@pytest.mark.parametrize("name", MODULES)
def test_all_is_complete_and_resolves(name: str) -> None:
    module, _ = MODULES[name]
    for listed in module.__all__:
        getattr(module, listed)  # lazy names are imported here
    bound = {
        attribute
        for attribute in dir(module)
        if not attribute.startswith("_")
        and attribute not in IMPORT_HELPERS
        and not isinstance(getattr(module, attribute), types.ModuleType)
    }
    assert bound - set(module.__all__) == set()


def test_types_reexports_every_submodule_name() -> None:
    for submodule in TYPES_SUBMODULES:
        module = importlib.import_module(f"tokenclient.types.{submodule}")
        for name in module.__all__:
            if f"{module.__name__}.{name}" in NOT_REEXPORTED:
                continue
            assert name in tokenclient.types.__all__, f"{module.__name__}.{name}"
            assert getattr(tokenclient.types, name) is getattr(module, name)


@pytest.mark.parametrize("name", MODULES)
def test_every_public_object_is_documented(name: str) -> None:
    module, _ = MODULES[name]
    package = _package()
    prefix = name.removeprefix("tokenclient").lstrip(".")
    missing = [
        listed
        for listed in module.__all__
        if listed != "__version__"
        and not _documented(package[f"{prefix}.{listed}" if prefix else listed])
    ]
    assert missing == []


def _members(path: str) -> list[tuple[str, griffe.Object | griffe.Alias]]:
    """The public members of a class, its bases' included."""
    target = _package()[path]
    cls = target.final_target if isinstance(target, griffe.Alias) else target
    assert isinstance(cls, griffe.Class), path
    return [
        (member, value)
        for member, value in cls.all_members.items()
        if not member.startswith("_") and member not in {"model_config", "args"}
    ]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_member_is_documented(name: str) -> None:
    """Methods, properties and fields: pydantic fields, TypedDict keys, attributes."""
    module, _ = MODULES[name]
    prefix = name.removeprefix("tokenclient").lstrip(".")
    missing: list[str] = []
    for listed in module.__all__:
        if not isinstance(getattr(module, listed), type):
            continue
        path = f"{prefix}.{listed}" if prefix else listed
        missing.extend(
            f"{path}.{member}" for member, value in _members(path) if not _documented(value)
        )
    assert missing == []


def test_resources_are_documented() -> None:
    missing: list[str] = []
    for resource in ("chat", "models", "images", "videos"):
        module = _package()[f"resources.{resource}"]
        for name, value in module.members.items():
            if name.startswith("_") or not isinstance(value, griffe.Class):
                continue
            if not _documented(value):
                missing.append(value.path)
            path = f"resources.{resource}.{name}"
            missing.extend(
                f"{path}.{member}" for member, doc in _members(path) if not _documented(doc)
            )
    assert missing == []


def test_the_check_sees_missing_docstrings() -> None:
    package = _package()
    # ``__version__`` is the one public name without a docstring (a version string needs none).
    assert not _documented(package["__version__"])
    assert _documented(package["types.ChatCompletion.choices"])
    assert _documented(package["types.ChatCompletionCreateParams.temperature"])
    assert "choices" in dict(_members("types.ChatCompletion"))
    assert "temperature" in dict(_members("types.ChatCompletionCreateParams"))
    assert "with_options" in dict(_members("TokenClient"))  # inherited from the shared base


def test_every_model_field_is_documented() -> None:
    """The fields pydantic builds, matched against the docstrings in the source."""
    missing: list[str] = []
    models = 0
    for name in tokenclient.types.__all__:
        value = getattr(tokenclient.types, name)
        if not (isinstance(value, type) and issubclass(value, pydantic.BaseModel)):
            continue
        models += 1
        documented = {member for member, doc in _members(f"types.{name}") if _documented(doc)}
        missing.extend(f"{name}.{field}" for field in value.model_fields if field not in documented)
    assert models >= 30
    assert missing == []
