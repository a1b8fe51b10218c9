"""The ``chat``, ``models`` and ``image`` commands: call the API, print the result."""

from __future__ import annotations

import argparse
import base64
import binascii
from pathlib import Path

from .._client import TokenClient
from .._types import NOT_GIVEN
from ..types.chat_create_params import ChatCompletionCreateParams
from ..types.chat_params import MessageInput
from .errors import EXIT_USAGE, CliError, safe_url
from .files import download, new_file, numbered, write_atomic
from .runtime import Runtime

__all__ = ["chat", "image", "models"]


def _message(args: argparse.Namespace, runtime: Runtime) -> str:
    text: str | None = args.text
    if text is None:
        if runtime.stdin.isatty():
            runtime.stderr.write("tokenclient: type the message, then Ctrl-D\n")
            runtime.stderr.flush()
        text = runtime.stdin.read()
    if not text.strip():
        raise CliError("chat: the message is empty (give TEXT or pipe it to stdin)", EXIT_USAGE)
    return text.rstrip()


def _chat_params(args: argparse.Namespace, runtime: Runtime) -> ChatCompletionCreateParams:
    messages: list[MessageInput] = []
    system: str | None = args.system
    if system:
        messages.append({"role": "system", "content": system})
    messages.append({"role": "user", "content": _message(args, runtime)})
    params: ChatCompletionCreateParams = {"model": args.model, "messages": messages}
    if args.max_tokens is not None:
        params["max_tokens"] = args.max_tokens
    if args.temperature is not None:
        params["temperature"] = args.temperature
    return params


def chat(client: TokenClient, args: argparse.Namespace, runtime: Runtime) -> None:
    """Send the message; print the reply as it streams in (or whole, with ``--no-stream``)."""
    params = _chat_params(args, runtime)
    out = runtime.stdout
    if args.no_stream:
        reply = client.chat.completions.create(**params)
        content = reply.choices[0].message.content if reply.choices else None
        out.write((content or "") + "\n")
        return
    pending_newline = False
    try:
        with client.chat.completions.create(stream=True, **params) as stream:
            for chunk in stream:
                for choice in chunk.choices:
                    if choice.index == 0 and choice.delta.content:
                        out.write(choice.delta.content)
                        out.flush()
                        pending_newline = True
    finally:
        if pending_newline:  # also when the stream breaks: the error goes on its own line
            out.write("\n")
            out.flush()
    if not pending_newline:
        out.write("\n")


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
