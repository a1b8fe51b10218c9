"""Check the arguments of ``chat.completions.create()`` and build its JSON body (pure, no I/O).

The check is ``ChatCompletionBodyParams`` itself (plus ``stream``): one pydantic pass over a
``TypeAdapter`` of the public ``TypedDict``, built on first use. Its output is the body that
is sent: plain JSON data equal to what the caller gave, whatever ``Mapping`` or ``Sequence``
kinds were used, with message models dumped (``model_dump(mode="json", exclude_unset=True)``)
and unknown keys inside messages and parts (``cache_control``, vendor fields) kept.

An unknown keyword is refused with the closest known one (``did you mean 'temperature'?``)
and a pointer to ``extra_body=`` for provider-specific fields. The deprecated ``functions``
and ``function_call`` are sent as given, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Mapping

from .._exceptions import InvalidRequestError
from ..types.chat_create_params import ChatCompletionBodyParams
from .validation import Schema

__all__ = ["PARAM_NAMES", "build_chat_body"]

_MAX_ECHO = 80
_DEPRECATED = {"functions": "tools", "function_call": "tool_choice"}


class _ChatBody(ChatCompletionBodyParams, total=False):
    stream: bool | None


_SCHEMA = Schema(_ChatBody)
PARAM_NAMES: frozenset[str] = _ChatBody.__required_keys__ | _ChatBody.__optional_keys__
"""Every body parameter ``create()`` takes (``stream`` included)."""


def _unknown(names: set[str]) -> InvalidRequestError:
    name = min(names)
    text = f"{name[:_MAX_ECHO]}: not a chat completion parameter"
    close = difflib.get_close_matches(name, PARAM_NAMES, n=1)
    if close:
        text += f" (did you mean `{close[0]}`?)"
    if len(names) > 1:
        text += f" (and {len(names) - 1} more)"
    return InvalidRequestError(f"{text}; send provider-specific fields with extra_body={{...}}")


def build_chat_body(params: Mapping[str, object]) -> dict[str, object]:
    """The JSON body of ``POST /chat/completions`` from the arguments the caller gave.

    ``params`` holds only given arguments (an explicit ``None`` is sent as ``null``).
    ``messages`` may be any iterable of dicts and message models. Raises
    ``InvalidRequestError`` naming the first few invalid fields.
    """
    unknown = params.keys() - PARAM_NAMES
    if unknown:
        raise _unknown(set(map(str, unknown)))
    for name in _DEPRECATED.keys() & params.keys():
        warnings.warn(
            f"`{name}` is deprecated by OpenAI in favour of `{_DEPRECATED[name]}`; "
            "it is still sent as given",
            DeprecationWarning,
            stacklevel=4,
        )
    validated: Mapping[str, object] = _SCHEMA.validate(params)
    # The caller's order, not the TypedDict's: the body reads as the call was written.
    return {name: validated[name] for name in params}
