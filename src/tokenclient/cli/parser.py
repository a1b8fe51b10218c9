"""The ``argparse`` parser: global options go before or after the command.

Every subcommand repeats the global options with ``argparse.SUPPRESS`` defaults, so a value
given after the command replaces the one given before it, and one not given there leaves the
global value alone.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeAlias

from .._config import ENV_API_KEY, ENV_BASE_URL, ENV_PROVIDER, PROVIDERS
from .._version import __version__

__all__ = ["DEFAULT_CHAT_MODEL", "build_parser"]

DEFAULT_CHAT_MODEL = "qwen3-8b"
"""The model ``chat`` uses without ``--model``: small, cheap, and served by every preset."""

_DESCRIPTION = f"""\
Talk to an OpenAI-compatible model aggregator from the shell.

configuration (global options, before or after the command, override these):
  {ENV_API_KEY}   the API key (keep it here rather than in --api-key)
  {ENV_BASE_URL}  the API root, e.g. https://tokenoff.com/api/v1
  {ENV_PROVIDER}  a provider preset instead of a URL (see --provider)
"""

_EPILOG = """\
exit codes: 0 success, 1 the API refused or failed, 2 usage or configuration error,
3 connection error or timeout, 130 interrupted.
"""


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}")
    return value


def _count(minimum: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"expected an integer >= {minimum}, got {value}")
        return value

    parse.__name__ = "integer"
    return parse


def _add_globals(parser: argparse.ArgumentParser, *, inherited: bool = False) -> None:
    """The options every command takes; ``inherited`` for a subcommand's copy of them."""
    default: object = argparse.SUPPRESS if inherited else None
    group = parser.add_argument_group("global options") if inherited else parser
    group.add_argument(
        "--api-key",
        metavar="KEY",
        default=default,
        help=f"the API key; discouraged: other users can read it in `ps`, so prefer {ENV_API_KEY}",
    )
    group.add_argument(
        "--base-url", metavar="URL", default=default, help=f"the API root (else {ENV_BASE_URL})"
    )
    group.add_argument(
        "-p",
        "--provider",
        choices=sorted(PROVIDERS),
        metavar="NAME",
        default=default,
        help=(
            f"a provider preset, for its URL and limits: {', '.join(sorted(PROVIDERS))} "
            f"(else {ENV_PROVIDER})"
        ),
    )
    group.add_argument(
        "--timeout",
        type=_positive_float,
        metavar="SECONDS",
        default=default,
        help="HTTP timeout of each request (default: 5 s to connect, 600 s to answer)",
    )
    group.add_argument(
        "--max-retries",
        type=_count(0),
        metavar="N",
        default=default,
        help="retries after a failed attempt (default 2; 0 disables)",
    )


_Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def _command(
    commands: _Commands, name: str, *, help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand's parser, with its own copy of the global options."""
    parser = commands.add_parser(name, help=help, description=description)
    _add_globals(parser, inherited=True)
    return parser


def _add_chat(commands: _Commands) -> None:
    chat = _command(
        commands,
        "chat",
        help="send one message and print the reply",
        description=(
            "Send one message and print the reply (streamed as it arrives by default). TEXT "
            "and piped stdin are joined: TEXT, a blank line, then stdin. The conversation is "
            "kept in a small file in the cache directory so -c can continue it."
        ),
    )
    chat.add_argument(
        "-m", "--model", help=f"the model (default {DEFAULT_CHAT_MODEL}, or the continued one)"
    )
    chat.add_argument("-s", "--system", metavar="TEXT", help="a system message sent first")
    chat.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="print the reply as it arrives (the default); --no-stream waits for all of it",
    )
    chat.add_argument(
        "-j",
        "--json",
        action="store_true",
        help="print the whole ChatCompletion as JSON (streamed: one chunk per line, JSON Lines)",
    )
    chat.add_argument(
        "-c",
        "--continue",
        dest="continue_",
        action="store_true",
        help="continue the last conversation (its messages, model and system message)",
    )
    chat.add_argument(
        "--no-log", action="store_true", help="do not keep this exchange for a later -c"
    )
    chat.add_argument("--max-tokens", type=_count(1), metavar="N", help="most tokens to generate")
    chat.add_argument("--temperature", type=float, metavar="T", help="sampling temperature, 0-2")
    chat.add_argument(
        "text", nargs="?", metavar="TEXT", help="the message (default: stdin; both are joined)"
    )


def _add_models(commands: _Commands) -> None:
    models = _command(
        commands,
        "models",
        help="list the models the key can use",
        description="Print the id of every model the key can use, one per line.",
    )
    models.add_argument(
        "-j", "--json", action="store_true", help="print each model as a JSON object (JSON Lines)"
    )


def _add_image(commands: _Commands) -> None:
    image = _command(
        commands,
        "image",
        help="generate images",
        description=(
            "Generate images. With --out, save them (FILE-1.png, FILE-2.png, ... when there are "
            "several), downloading any the provider returns as URLs; without, print their URLs."
        ),
    )
    image.add_argument("-m", "--model", required=True, help="the image model")
    image.add_argument("--prompt", required=True, help="what to draw")
    image.add_argument("--size", help="e.g. 1024x1024")
    image.add_argument("--n", type=_count(1), metavar="N", help="how many images")
    image.add_argument("-o", "--out", metavar="FILE", help="save the image(s) here")


def _add_wait_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--wait", action="store_true", help="wait for the video, showing progress on stderr"
    )
    parser.add_argument(
        "--poll-interval",
        type=_positive_float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between polls (default 5; a server's Retry-After wins)",
    )
    parser.add_argument(
        "--wait-timeout",
        type=_positive_float,
        default=600.0,
        metavar="SECONDS",
        help="how long --wait waits in all (default 600; --timeout is the HTTP timeout)",
    )
    parser.add_argument(
        "-o", "--out", metavar="FILE", help="with --wait: download the video here (FILE-2.mp4, ...)"
    )


def _add_video(commands: _Commands) -> None:
    video = _command(
        commands,
        "video",
        help="start a video task (and wait for it)",
        description=(
            "Start generating a video and print the task id; with --wait, wait for it and "
            "print the video URL."
        ),
    )
    video.add_argument("-m", "--model", required=True, help="the video model")
    video.add_argument("--prompt", required=True, help="what to film")
    video.add_argument("--duration", type=_positive_float, metavar="SECONDS", help="length")
    video.add_argument("--resolution", help="e.g. 720p, 1080p")
    video.add_argument("--aspect-ratio", metavar="RATIO", help="e.g. 16:9, 9:16")
    _add_wait_options(video)
    status = _command(
        commands,
        "video-status",
        help="show a video task (and wait for it)",
        description=(
            "Print a video task's status (and its URL once it succeeded); with --wait, wait "
            "for it as `video --wait` does."
        ),
    )
    status.add_argument("task_id", metavar="TASK_ID", help="the id `video` printed")
    _add_wait_options(status)


def _add_batch(commands: _Commands) -> None:
    run = _command(
        commands,
        "batch",
        help="run a JSONL file of requests (OpenAI batch format), resumably",
        description=(
            "Send every request of REQUESTS (one OpenAI batch line each: custom_id, method, "
            "url, body) and append one result line per custom_id to --output; a SQLite "
            "checkpoint next to it (OUTPUT.state) makes a rerun skip what is done. "
            "`tokenclient batch merge A B ... -o ALL` joins the outputs of --shard runs."
        ),
    )
    run.add_argument(
        "files", nargs="+", metavar="REQUESTS", help="the requests file (or: merge A B ...)"
    )
    run.add_argument(
        "-o", "--output", "--out", required=True, metavar="FILE", help="the results file"
    )
    run.add_argument(
        "--concurrency",
        type=_count(1),
        default=32,
        metavar="N",
        help="requests in flight (default 32)",
    )
    run.add_argument("--retry-failed", action="store_true", help="send the recorded failures again")
    run.add_argument(
        "--shard", metavar="K/N", help="only the K-th of N shares of the custom_ids (e.g. 2/4)"
    )
    run.add_argument(
        "--requests",
        metavar="FILE",
        help="with merge: the requests file, to check that every request has a result",
    )
    run.add_argument(
        "--limits-store",
        metavar="URL",
        help="share the provider's limits with other runs and processes: a redis:// URL, "
        "else a SQLite file path (see docs/rate-limits.md)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The parser of ``tokenclient``; ``args.command`` names the command."""
    parser = argparse.ArgumentParser(
        prog="tokenclient",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"tokenclient {__version__}")
    _add_globals(parser)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_chat(commands)
    _add_models(commands)
    _add_image(commands)
    _add_video(commands)
    _add_batch(commands)
    return parser
