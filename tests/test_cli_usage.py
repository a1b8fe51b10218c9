"""Command-line habits (issue 19): stdin joined to TEXT, options anywhere, short flags,
``chat --json``, ``--wait-timeout``, the resume hint, and conversations (``chat -c``).

Run in process through ``tokenclient.cli.main`` against the in-process fake API; what needs a
real terminal is in ``test_cli_terminal.py``.
"""

from __future__ import annotations

import io
import json
import stat
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import httpx
import pytest

from tests.test_cli import BASE_URL, ENV, KEY, TASK, Result, Steps, last_body, run
from tokenclient import TokenClient
from tokenclient.cli import main
from tokenclient.cli.conversation import (
    MAX_BYTES,
    MAX_MESSAGES,
    Conversation,
    Message,
    conversation_path,
    load,
    save,
)
from tokenclient.cli.errors import CliError
from tokenclient.cli.progress import ProgressDisplay
from tokenclient.cli.runtime import ClientSettings, default_client
from tokenclient.testing import FakeAPI, mock_transport
from tokenclient.types import ChatCompletion, ChatCompletionChunk
from tokenclient.types.videos import VideoTask


class TerminalInput(io.StringIO):
    """A stdin that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def settings_of(argv: Sequence[str], environ: dict[str, str] | None = None) -> ClientSettings:
    """The client settings ``tokenclient argv`` resolves (the command itself runs too)."""
    seen: list[ClientSettings] = []
    transport = mock_transport(FakeAPI(api_key=KEY))

    def factory(settings: ClientSettings) -> TokenClient:
        seen.append(settings)
        return default_client(settings, httpx.Client(transport=transport))

    err = io.StringIO()
    code = main(
        argv,
        stdin=io.StringIO(""),
        stdout=io.StringIO(),
        stderr=err,
        environ=environ if environ is not None else ENV,
        client_factory=factory,
    )
    assert code == 0, err.getvalue()
    (settings,) = seen
    return settings


# -- stdin and TEXT ---------------------------------------------------------------------------


def test_piped_stdin_follows_the_text_after_a_blank_line() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["chat", "--no-stream", "summarize this"], api=api, stdin="long text\nline 2\n")
    assert result.code == 0
    messages = last_body(api)["messages"]
    assert messages == [{"role": "user", "content": "summarize this\n\nlong text\nline 2"}]


def test_empty_piped_stdin_leaves_the_text_alone() -> None:
    api = FakeAPI(api_key=KEY)
    assert run(["chat", "--no-stream", "just this"], api=api, stdin="").code == 0
    assert last_body(api)["messages"] == [{"role": "user", "content": "just this"}]


def test_a_terminal_stdin_is_not_read_when_text_is_given() -> None:
    stdin = TerminalInput("typed ahead, not for us\n")
    out, err = io.StringIO(), io.StringIO()
    api = FakeAPI(api_key=KEY)
    code = main(
        ["chat", "--no-stream", "hi"],
        stdin=stdin,
        stdout=out,
        stderr=err,
        environ=ENV,
        client_factory=lambda s: default_client(s, httpx.Client(transport=mock_transport(api))),
    )
    assert (code, out.getvalue(), err.getvalue()) == (0, "You said: hi\n", "")
    assert stdin.tell() == 0  # untouched
    assert last_body(api)["messages"] == [{"role": "user", "content": "hi"}]


# -- options anywhere, short flags ------------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["--api-key", KEY, "--base-url", BASE_URL, "-p", "tokenoff", "--timeout", "7",
         "--max-retries", "0", "models"],
        ["models", "--api-key", KEY, "--base-url", BASE_URL, "-p", "tokenoff", "--timeout", "7",
         "--max-retries", "0"],
        ["--api-key", "sk-before", "--timeout", "1", "models", "--api-key", KEY,
         "--base-url", BASE_URL, "--provider", "tokenoff", "--timeout", "7", "--max-retries", "0"],
    ],
    ids=["before", "after", "after-wins"],
)  # fmt: skip
def test_global_options_work_before_or_after_the_command(argv: list[str]) -> None:
    assert settings_of(argv, environ={}) == ClientSettings(KEY, BASE_URL, "tokenoff", 7.0, 0)


def test_a_global_given_only_before_the_command_is_kept() -> None:
    settings = settings_of(["--max-retries", "0", "models", "--timeout", "3"])
    assert (settings.max_retries, settings.timeout) == (0, 3.0)


@pytest.mark.parametrize("command", [["chat", "hi"], ["image", "-m", "m", "--prompt", "p"]])
def test_every_command_takes_the_globals(command: list[str]) -> None:
    settings = settings_of([*command, "--api-key", KEY, "--base-url", BASE_URL])
    assert settings.api_key == KEY


def test_a_retry_count_after_the_command_reaches_the_client() -> None:
    api = FakeAPI(api_key=KEY)
    argv = ["--max-retries", "3", "chat", "--max-retries", "0", "-m", "error-500", "hi"]
    result = run(argv, api=api)
    assert result.code == 1
    assert len(api.requests) == 1


def test_short_flags(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["chat", "-m", "openai/gpt-4.1", "-s", "Be brief.", "--no-stream", "hi"], api=api)
    assert result.code == 0
    body = last_body(api)
    assert body["model"] == "openai/gpt-4.1"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "hi"},
    ]
    models = run(["models", "-j"], api=api)
    assert all(json.loads(line)["id"] for line in models.out.splitlines())
    out = tmp_path / "a.png"
    assert run(["image", "-m", "img", "--prompt", "p", "-o", str(out)], api=api).code == 0
    assert out.exists()
    assert settings_of(["-p", "tokenoff", "models", "--base-url", BASE_URL]).provider == "tokenoff"


# -- chat --json ------------------------------------------------------------------------------


def test_chat_json_prints_the_whole_completion() -> None:
    result = run(["chat", "--no-stream", "-j", "hello"])
    assert result.code == 0
    (line,) = result.out.splitlines()
    reply = ChatCompletion.model_validate_json(line)
    assert reply.choices[0].message.content == "You said: hello"
    assert reply.usage is not None


def test_chat_json_streamed_prints_one_chunk_per_line() -> None:
    result = run(["chat", "--json", "--stream", "one two three"])
    assert result.code == 0
    chunks = [ChatCompletionChunk.model_validate_json(line) for line in result.out.splitlines()]
    assert len(chunks) > 2
    text = "".join(c.delta.content or "" for chunk in chunks for c in chunk.choices)
    assert text == "You said: one two three"


# -- --timeout vs --wait-timeout --------------------------------------------------------------


def test_timeout_after_video_is_the_http_timeout() -> None:
    settings = settings_of(["video", "-m", "v", "--prompt", "p", "--timeout", "7"], environ={**ENV})
    assert settings.timeout == 7.0


def test_wait_timeout_bounds_the_wait_not_the_requests() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=3600, poll_retry_after=None)
    argv = ["video", "-m", "v", "--prompt", "slow", "--wait", "--poll-interval", "0.01"]
    result = run([*argv, "--timeout", "30", "--wait-timeout", "0.05"], api=api)
    assert result.code == 3
    assert "did not finish in 0.05s" in result.err


# -- the resume hint --------------------------------------------------------------------------


def _interrupting(api: FakeAPI) -> httpx.MockTransport:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            raise KeyboardInterrupt
        return api(request)

    return httpx.MockTransport(handler)


def test_the_resume_hint_repeats_base_url_and_provider_but_never_the_key() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=3600)
    argv = ["--api-key", KEY, "-p", "tokenoff", "video", "-m", "v", "--prompt", "p", "--wait"]
    result = run([*argv, "--base-url", BASE_URL], transport=_interrupting(api), environ={})
    assert result.code == 130
    task = TASK.search(result.err)
    assert task is not None
    hint = f"resume with: tokenclient video-status {task.group()} --wait"
    assert result.err.splitlines()[-1].endswith(f"{hint} --base-url {BASE_URL} --provider tokenoff")
    assert KEY not in result.err  # also checked by run() for every test


def test_the_resume_hint_leaves_out_what_came_from_the_environment() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=3600)
    result = run(["video", "-m", "v", "--prompt", "p", "--wait"], transport=_interrupting(api))
    assert result.err.rstrip().endswith(" --wait")


# -- the missing base URL ---------------------------------------------------------------------


def test_missing_base_url_names_the_flags_and_variables() -> None:
    result = run(["models"], environ={"TOKENCLIENT_API_KEY": KEY})
    assert (result.code, result.err) == (
        2,
        "tokenclient: error: No base URL: pass --base-url URL or --provider NAME, or set "
        "TOKENCLIENT_BASE_URL or TOKENCLIENT_PROVIDER.\n",
    )


# -- conversations ----------------------------------------------------------------------------


def chat(argv: list[str], api: FakeAPI, cache: Path, stdin: str = "") -> Result:
    return run(["chat", *argv], api=api, stdin=stdin,
               environ={**ENV, "TOKENCLIENT_CACHE_DIR": str(cache)})  # fmt: skip


def test_chat_c_continues_the_last_conversation(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    assert chat(["-m", "openai/gpt-4.1", "-s", "Be brief.", "first"], api, tmp_path).code == 0
    assert chat(["-c", "second"], api, tmp_path).code == 0
    body = last_body(api)
    assert body["model"] == "openai/gpt-4.1"  # the continued conversation's model
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "You said: first"},
        {"role": "user", "content": "second"},
    ]
    assert chat(["-c", "-s", "Be long.", "--no-stream", "third"], api, tmp_path).code == 0
    messages: list[dict[str, str]] = json.loads(api.requests[-1].content)["messages"]
    assert messages[0] == {"role": "system", "content": "Be long."}
    assert len(messages) == 6
    # A chat without -c starts over.
    assert chat(["fresh"], api, tmp_path).code == 0
    assert chat(["-c", "again"], api, tmp_path).code == 0
    assert [m["content"] for m in json.loads(api.requests[-1].content)["messages"]] == [
        "fresh",
        "You said: fresh",
        "again",
    ]


def test_the_conversation_file_is_private_and_holds_no_key(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    argv = ["--api-key", KEY, "--base-url", BASE_URL, "hi"]
    assert chat(argv, api, tmp_path).code == 0
    path = conversation_path({"TOKENCLIENT_CACHE_DIR": str(tmp_path)})
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert KEY not in path.read_text()
    assert load(path) == Conversation(
        "qwen3-8b", (Message("user", "hi"), Message("assistant", "You said: hi"))
    )


def test_no_log_keeps_nothing(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    assert chat(["first"], api, tmp_path).code == 0
    before = (tmp_path / "conversation.json").read_text()
    assert chat(["--no-log", "-c", "second"], api, tmp_path).code == 0
    assert (tmp_path / "conversation.json").read_text() == before


def test_chat_c_without_a_conversation_is_a_usage_error(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    result = chat(["-c", "hi"], api, tmp_path / "empty")
    assert result.code == 2
    assert "no conversation to continue" in result.err
    (tmp_path / "conversation.json").write_text('{"model": 1}')
    result = chat(["-c", "hi"], api, tmp_path)
    assert result.code == 2
    assert "is not a conversation tokenclient wrote" in result.err
    assert api.requests == []


def test_a_failed_reply_is_not_logged(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    assert chat(["-m", "error-402", "hi"], api, tmp_path).code == 1
    assert not (tmp_path / "conversation.json").exists()


def test_an_unwritable_cache_is_a_warning_after_the_reply(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = chat(["hi"], FakeAPI(api_key=KEY), blocker / "sub")
    assert result.code == 0
    assert result.out == "You said: hi\n"
    assert result.err.startswith("tokenclient: warning: cannot keep the conversation")


def test_the_cache_directory_follows_xdg_then_home(tmp_path: Path) -> None:
    assert conversation_path({"XDG_CACHE_HOME": "/x"}) == Path("/x/tokenclient/conversation.json")
    assert conversation_path({"TOKENCLIENT_CACHE_DIR": "/t", "XDG_CACHE_HOME": "/x"}) == Path(
        "/t/conversation.json"
    )
    assert conversation_path({}) == Path.home() / ".cache" / "tokenclient" / "conversation.json"


def test_the_conversation_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "c.json"
    messages = [Message("system", "sys")]
    for index in range(100):
        messages += [Message("user", f"q{index}"), Message("assistant", f"a{index}")]
    save(path, Conversation("m", tuple(messages)))
    kept = load(path).messages
    assert len(kept) <= MAX_MESSAGES
    assert kept[0] == Message("system", "sys")
    assert kept[1].role == "user"  # whole exchanges are dropped
    assert kept[-1] == Message("assistant", "a99")
    big = "x" * (MAX_BYTES // 4)
    save(path, Conversation("m", tuple(Message("user", big) for _ in range(8))))
    assert path.stat().st_size <= MAX_BYTES
    assert len(load(path).messages) < 8
    save(path, Conversation("m", (Message("user", "x" * MAX_BYTES),)))  # too big to keep
    assert not path.exists()
    with pytest.raises(CliError):
        load(path)


# -- the progress display ticks ---------------------------------------------------------------


def test_the_live_display_redraws_while_the_state_stays_the_same() -> None:
    class Terminal(io.StringIO):
        lock = threading.Lock()

    stream = Terminal()
    display = ProgressDisplay(stream, live=True, clock=time.monotonic, tick=0.02)
    display.update(VideoTask(id="t", status="queued", progress=0))
    deadline = time.monotonic() + 10
    while stream.getvalue().count("\r") < 4 and time.monotonic() < deadline:
        time.sleep(0.01)
    display.close()
    frames = stream.getvalue().rstrip("\n").split("\r")[1:]
    assert len(frames) >= 4
    assert all(frame.startswith("video t: queued 0% [") for frame in frames)
    assert len({frame.strip() for frame in frames}) > 1  # the elapsed time moved
    after = stream.getvalue()
    time.sleep(0.1)
    assert stream.getvalue() == after  # closed: no more redraws


def test_a_plain_display_does_not_tick() -> None:
    stream = io.StringIO()
    display = ProgressDisplay(stream, live=False, clock=Steps(), tick=0.01)
    display.update(VideoTask(id="t", status="queued", progress=0))
    time.sleep(0.1)
    display.close()
    assert stream.getvalue() == "video t: queued 0% [1.0s]\n"
