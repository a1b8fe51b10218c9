"""The models ``GET /models`` lists: the seed providers' ids, some with vendor extras."""

from __future__ import annotations

__all__ = ["MODELS", "model_entry"]

_CREATED = 1_714_000_000


def _model(owner: str, model_id: str, **extras: object) -> dict[str, object]:
    return {"id": model_id, "object": "model", "created": _CREATED, "owned_by": owner, **extras}


def _pricing(prompt: str, completion: str) -> dict[str, str]:
    # OpenRouter-style per-token prices in USD, sent as strings.
    return {"prompt": prompt, "completion": completion}


MODELS: tuple[dict[str, object], ...] = (
    _model("qwen", "qwen3-8b", context_length=32768, pricing=_pricing("0.0000001", "0.0000004")),
    _model("google", "gemma-3-9b", context_length=8192),
    _model(
        "openai", "openai/gpt-4.1", context_length=1047576, pricing=_pricing("0.000002", "0.000008")
    ),
    _model(
        "openai", "openai/gpt-5.4", context_length=400000, pricing=_pricing("0.0000025", "0.000015")
    ),
    _model(
        "anthropic",
        "anthropic/claude-sonnet-4-6",
        context_length=200000,
        pricing=_pricing("0.000003", "0.000015"),
    ),
    _model("google", "google/gemini-2.5-pro", context_length=1048576),
    _model("openai", "gpt-5.2", context_length=200000),
    _model("anthropic", "claude-sonnet-4-6", context_length=200000),
    _model("openai", "gpt-4.1", context_length=1047576),
    _model("deepseek", "deepseek-reasoner", context_length=65536),
    _model("bytedance", "bytedance/doubao-seedream-5.0", type="image"),
    _model(
        "bytedance", "bytedance/doubao-seedance-2.0", type="video", pricing={"per_second": "0.168"}
    ),
)
"""Every model the fake lists, in order."""


def model_entry(model_id: str) -> dict[str, object] | None:
    """The listed entry for ``model_id``, or None."""
    return next((entry for entry in MODELS if entry["id"] == model_id), None)
