"""The conversation ``chat -c`` continues: a small JSON file in the user's cache directory.

Where: ``$TOKENCLIENT_CACHE_DIR``, else ``$XDG_CACHE_HOME/tokenclient``, else
``~/.cache/tokenclient``; the file is ``conversation.json``. It holds the model and the
messages (system, user, assistant text), never the key or any other option. It is replaced
atomically (a temporary file renamed over it), readable by its owner only, and bounded: the
last ``MAX_MESSAGES`` messages and at most ``MAX_BYTES``, dropping the oldest exchanges first
(a system message stays).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, cast

from .errors import EXIT_USAGE, CliError

__all__ = [
    "ENV_CACHE_DIR",
    "MAX_BYTES",
    "MAX_MESSAGES",
    "Conversation",
    "Message",
    "conversation_path",
    "load",
    "save",
]

ENV_CACHE_DIR = "TOKENCLIENT_CACHE_DIR"
"""Overrides the directory of the conversation file."""
MAX_MESSAGES = 50
"""The most messages kept (a system message counts)."""
MAX_BYTES = 256 * 1024
"""The largest conversation file written."""
_FILE = "conversation.json"
_VERSION = 1

Role = Literal["system", "user", "assistant"]
_ROLES: dict[str, Role] = {"system": "system", "user": "user", "assistant": "assistant"}


@dataclass(frozen=True)
class Message:
    """One message of the conversation."""

    role: Role
    content: str


@dataclass(frozen=True)
class Conversation:
    """A model and the messages exchanged with it, oldest first."""

    model: str
    messages: tuple[Message, ...]


def conversation_path(environ: Mapping[str, str]) -> Path:
    """Where the conversation is kept, from ``environ`` (see the module docstring)."""
    if directory := environ.get(ENV_CACHE_DIR):
        return Path(directory) / _FILE
    if xdg := environ.get("XDG_CACHE_HOME"):
        return Path(xdg) / "tokenclient" / _FILE
    return Path.home() / ".cache" / "tokenclient" / _FILE


def _message(item: object) -> Message | None:
    if not isinstance(item, dict):
        return None
    fields = cast("dict[str, object]", item)
    role, content = fields.get("role"), fields.get("content")
    known = _ROLES.get(role) if isinstance(role, str) else None
    return Message(known, content) if known and isinstance(content, str) else None


def load(path: Path) -> Conversation:
    """The conversation in ``path``; a usage error when there is none to continue."""
    try:
        data: object = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CliError(
            "chat -c: there is no conversation to continue (start one without -c)", EXIT_USAGE
        ) from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise CliError(f"chat -c: cannot read {path}: {exc}", EXIT_USAGE) from None
    if isinstance(data, dict):
        fields = cast("dict[str, object]", data)
        model, items = fields.get("model"), fields.get("messages")
        if isinstance(model, str) and isinstance(items, list):
            messages = [_message(item) for item in cast("list[object]", items)]
            if messages and all(message is not None for message in messages):
                return Conversation(model, tuple(m for m in messages if m is not None))
    raise CliError(
        f"chat -c: {path} is not a conversation tokenclient wrote; delete it", EXIT_USAGE
    )


def _encode(conversation: Conversation) -> bytes:
    messages = [{"role": m.role, "content": m.content} for m in conversation.messages]
    body = {"version": _VERSION, "model": conversation.model, "messages": messages}
    return json.dumps(body, ensure_ascii=False, indent=1).encode()


def _bounded(conversation: Conversation) -> bytes | None:
    """The file content, trimmed to the bounds; None when even the last message is too big."""
    messages: Sequence[Message] = conversation.messages
    system = [m for m in messages[:1] if m.role == "system"]
    rest = list(messages[len(system) :])
    while True:
        kept = Conversation(conversation.model, (*system, *rest))
        data = _encode(kept)
        if len(kept.messages) <= MAX_MESSAGES and len(data) <= MAX_BYTES:
            return data
        # Drop the oldest exchange: a user message and the replies that follow it.
        rest.pop(0)
        while rest and rest[0].role != "user":
            rest.pop(0)
        if not rest:
            return None


def save(path: Path, conversation: Conversation) -> None:
    """Replace the file at ``path`` with ``conversation``, atomically and bounded."""
    data = _bounded(conversation)
    if data is None:  # nothing sensible to continue from: leave no stale conversation either
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".conversation-")
    try:
        with os.fdopen(descriptor, "wb") as file:  # mkstemp: readable by the owner only
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
