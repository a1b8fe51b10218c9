"""``cost``: the property the priced results (completions, images, video tasks) share."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from .._core.cost import Cost, Pricing

__all__ = ["Priced"]


class Priced:
    """A result whose ``cost`` the client can tell.

    ``_pricing`` and ``_request_model`` are ClassVars (``None``) whose instance values the
    client sets on the objects it returns, like ``_request_id``: no pydantic private
    attribute, so parsing stays as fast as before.
    """

    __slots__ = ()

    _pricing: ClassVar[Pricing | None] = None
    """The client's price table (``None``: only a provider-reported cost is known)."""
    _request_model: ClassVar[str | None] = None
    """The model the request named (image responses do not repeat it)."""

    @property
    def cost(self) -> Cost | None:
        """What this result cost: the provider's ``usage.cost``, else your ``Pricing``, else
        ``None`` (never a guess). See ``tokenclient.Cost``."""
        from .._core.cost import result_cost

        return result_cost(self, self._pricing, self._request_model)
