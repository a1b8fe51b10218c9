"""``GET /models``: the models a key can use."""

from __future__ import annotations

from collections.abc import Iterator

from ._base import ResponseModel

__all__ = ["Model", "ModelList"]


class Model(ResponseModel):
    """One model. Vendor fields such as ``context_length`` or ``pricing`` are kept as extras."""

    id: str
    """The id to pass as ``model=`` (e.g. ``qwen3-8b``, ``openai/gpt-4.1``)."""
    object: str | None = "model"
    """Always ``"model"`` when sent."""
    created: int | None = None
    """Unix time the model was added, when the provider says."""
    owned_by: str | None = None
    """The organisation that owns the model, when the provider says."""


class ModelList(ResponseModel):
    """The list of models; iterate it, index it or take its ``len()``."""

    object: str | None = "list"
    """Always ``"list"`` when sent."""
    data: list[Model]
    """The models."""

    # BaseModel.__iter__ yields (field, value) pairs; a list of models should iterate its models,
    # as the OpenAI SDK's pages do. The override is deliberate.
    def __iter__(self) -> Iterator[Model]:  # type: ignore[override]  # pyright: ignore[reportIncompatibleMethodOverride]
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)

    def __getitem__(self, index: int) -> Model:
        return self.data[index]
