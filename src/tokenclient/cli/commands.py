"""The ``chat``, ``models`` and ``image`` commands: call the API, print the result."""

from __future__ import annotations

import argparse
import base64
import binascii
from pathlib import Path
from typing import TextIO

from .._client import TokenClient
from .._types import NOT_GIVEN
from ..types.chat_create_params import ChatCompletionCreateParams
from ..types.chat_params import MessageInput
from .conversation import Conversation, Message, conversation_path, load, save
from .errors import EXIT_USAGE, CliError, safe_url
from .files import download, new_file, numbered, write_atomic
from .parser import DEFAULT_CHAT_MODEL
from .runtime import Runtime

__all__ = ["chat", "image", "models"]


def _message(args: argparse.Namespace, runtime: Runtime) -> str:
    """TEXT, then a blank line, then what was piped to stdin (stdin is read only when piped)."""
    text: str | None = args.text
    if text is not None and runtime.stdin.isatty():
        parts = [text]
    else:
        if runtime.stdin.isatty():
            runtime.stderr.write("tokenclient: type the message, then Ctrl-D\n")
            runtime.stderr.flush()
        parts = [part for part in (text, runtime.stdin.read()) if part is not None]
    message = "\n\n".join(part.strip("\n") for part in parts if part.strip())
    if not message.strip():
        raise CliError("chat: the message is empty (give TEXT or pipe it to stdin)", EXIT_USAGE)
    return message.rstrip()


def _conversation(args: argparse.Namespace, runtime: Runtime) -> Conversation:
    """The conversation to send: the continued one (with ``-c``) plus the new message."""
    system: str | None = args.system
    model: str | None = args.model
    before: tuple[Message, ...] = ()
    if args.continue_:
        previous = load(conversation_path(runtime.environ))
        model = model or previous.model
        before = previous.messages
        if system is not None:  # a new system message replaces the continued one
            before = tuple(m for m in before if m.role != "system")
    first = (Message("system", system),) if system else ()
    user = Message("user", _message(args, runtime))
    return Conversation(model or DEFAULT_CHAT_MODEL, (*first, *before, user))


def _input(message: Message) -> MessageInput:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "assistant":
        return {"role": "assistant", "content": message.content}
    return {"role": "user", "content": message.content}


def _chat_params(
    args: argparse.Namespace, conversation: Conversation
) -> ChatCompletionCreateParams:
    messages = [_input(message) for message in conversation.messages]
    params: ChatCompletionCreateParams = {"model": conversation.model, "messages": messages}
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        params["temperature"] = args.temperature
    return params


def _stream(
    client: TokenClient, params: ChatCompletionCreateParams, args: argparse.Namespace, out: TextIO
) -> str:
    """Print the reply as it arrives (or each chunk as a JSON line); return its text."""
    pieces: list[str] = []
    pending_newline = False
    try:
        with client.chat.completions.create(stream=True, **params) as stream:
            for chunk in stream:
                if args.json:
                    out.write(chunk.model_dump_json() + "\n")
                    out.flush()
                for choice in chunk.choices:
                    if choice.index == 0 and choice.delta.content:
                        pieces.append(choice.delta.content)
                        if not args.json:
                            out.write(choice.delta.content)
                            out.flush()
                            pending_newline = True
    finally:
        if pending_newline:  # also when the stream breaks: the error goes on its own line
            out.write("\n")
            out.flush()
    if not pending_newline and not args.json:
        out.write("\n")
    return "".join(pieces)


def chat(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> None:
    """Send the message; print the reply as it streams in (or whole, with ``--no-stream``).

    With ``--json`` the whole ``ChatCompletion`` is printed as JSON, or when streaming each
    chunk as one JSON line. Unless ``--no-log``, the exchange is kept for ``chat -c``.
    """
    conversation = _conversation(args, runtime)
    params = _chat_params(args, conversation)
    out = runtime.stdout
    if args.stream:
        answer = _stream(client, params, args, out)
    else:
        reply = client.chat.completions.create(**params)
        answer = (reply.choices[0].message.content if reply.choices else None) or ""
        out.write((reply.model_dump_json() if args.json else answer) + "\n")
    out.flush()
    if not args.no_log:
        messages = (*conversation.messages, Message("assistant", answer))
        path = conversation_path(runtime.environ)
        try:
            save(path, Conversation(conversation.model, messages))
        except OSError as exc:  # the reply is out; a cache that cannot be written is a note
            runtime.stderr.write(f"tokenclient: warning: cannot keep the conversation: {exc}\n")


def models(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> None:
    """Print each model id (or, with ``--json``, each model as one JSON line)."""
    for model in client.models.list():
        runtime.stdout.write((model.model_dump_json() if args.json else model.id) + "\n")


def _decode(data: str) -> bytes:
    try:
        return base64.b64decode(data)
    except (binascii.Error, ValueError):
        raise CliError("image: the provider sent image data that is not valid base64") from None


def image(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> None:
    """Generate images; save them with ``--out`` (downloading URLs), else print their URLs.

    Without ``--out`` the URLs are asked for; a provider that sends the image data anyway
    gets it saved to a new ``tokenclient-image-*.png`` in the current directory.
    """
    out: str | None = args.out
    result = client.images.generate(
        model=args.model,
        prompt=args.prompt,
        n=NOT_GIVEN if args.n is None else args.n,
        size=NOT_GIVEN if args.size is None else args.size,
        response_format="b64_json" if out else "url",
    )
    if not result.data:
        raise CliError("image: the provider returned no images")
    count = len(result.data)
    http = None
    try:
        for index, item in enumerate(result.data, start=1):
            if out is None and item.url:
                runtime.stdout.write(item.url + "\n")
                continue
            if item.b64_json:
                data = _decode(item.b64_json)
                if out is None:
                    path = new_file(data, prefix="tokenclient-image-", suffix=".png")
                else:
                    path = numbered(out, index, count)
                    with write_atomic(path) as file:
                        file.write(data)
            elif item.url and out is not None:
                http = http or runtime.make_http()
                path = numbered(out, index, count)
                runtime.stderr.write(
                    f"tokenclient: the provider returned a URL; downloading {safe_url(item.url)}\n"
                )
                download(http, item.url, path, clock=runtime.clock)
            else:
                raise CliError(f"image: image {index} has neither a URL nor data")
            runtime.stdout.write(f"{Path(path)}\n")
    finally:
        if http is not None:
            http.close()
