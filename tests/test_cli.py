"""The ``tokenclient`` command line, run in process against the in-process fake API."""

from __future__ import annotations

import io
import json
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tokenclient import TokenClient, __version__
from tokenclient.cli import files, main
from tokenclient.cli.errors import CliError, one_line, safe_url
from tokenclient.cli.files import download, numbered
from tokenclient.cli.progress import ProgressDisplay
from tokenclient.cli.runtime import ClientSettings, default_client
from tokenclient.testing import FakeAPI, mock_transport, sample_png
from tokenclient.types.videos import VideoTask

KEY = "sk-cli-Distinctive-9f8e7d6c5b4a"
BASE_URL = "http://localhost/v1"
ENV = {"TOKENCLIENT_API_KEY": KEY, "TOKENCLIENT_BASE_URL": BASE_URL}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


class Steps:
    """A clock that moves ``step`` seconds every time it is read."""

    def __init__(self, step: float = 1.0) -> None:
        self.now = -step
        self.step = step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


@dataclass
class Result:
    """What one run printed and returned."""

    code: int
    out: str
    err: str

    def assert_clean(self) -> None:
        """No traceback and no key anywhere; an error is exactly one line on stderr."""
        for text in (self.out, self.err):
            assert KEY not in text
            assert "Traceback" not in text
        if self.code != 0:  # progress lines may come first; the error is the one last line
            lines = self.err.splitlines()
            ours = [line for line in lines if line.startswith("tokenclient: ")]
            assert ours == lines[-1:], self.err
            prefix = "tokenclient: interrupted" if self.code == 130 else "tokenclient: error: "
            assert lines[-1].startswith(prefix)


def run(
    argv: Sequence[str],
    *,
    api: FakeAPI | None = None,
    transport: httpx.BaseTransport | None = None,
    stdin: str = "",
    environ: Mapping[str, str] = ENV,
    stderr: io.StringIO | None = None,
    clock: Callable[[], float] | None = None,
) -> Result:
    """Run ``tokenclient argv`` in process; API and downloads go through ``transport``."""
    transport = transport or mock_transport(api or FakeAPI(api_key=KEY))

    def client_factory(settings: ClientSettings) -> TokenClient:
        return default_client(settings, httpx.Client(transport=transport))

    out, err = io.StringIO(), stderr if stderr is not None else io.StringIO()
    code = main(
        argv,
        stdin=io.StringIO(stdin),
        stdout=out,
        stderr=err,
        environ=environ,
        client_factory=client_factory,
        http_factory=lambda: httpx.Client(transport=transport),
        clock=clock or Steps(),
    )
    result = Result(code, out.getvalue(), err.getvalue())
    result.assert_clean()
    return result


def last_body(api: FakeAPI) -> dict[str, object]:
    """The JSON body of the last request ``api`` received."""
    body: dict[str, object] = json.loads(api.requests[-1].content)
    return body


# -- chat -------------------------------------------------------------------------------------


def test_chat_streams_the_reply_by_default() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["chat", "Hello there"], api=api)
    assert (result.code, result.out, result.err) == (0, "You said: Hello there\n", "")
    body = last_body(api)
    assert body["stream"] is True
    assert body["model"] == "qwen3-8b"  # the documented default
    assert body["messages"] == [{"role": "user", "content": "Hello there"}]


def test_chat_reads_stdin_and_sends_every_option() -> None:
    api = FakeAPI(api_key=KEY)
    argv = ["chat", "--no-stream", "--model", "openai/gpt-4.1", "--system", "Be brief."]
    argv += ["--max-tokens", "50", "--temperature", "0.5"]
    result = run(argv, api=api, stdin="Piped in\n\n")
    assert (result.code, result.out) == (0, "You said: Piped in\n")
    body = last_body(api)
    assert "stream" not in body
    assert body["model"] == "openai/gpt-4.1"
    assert body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Piped in"},
    ]
    assert (body["max_tokens"], body["temperature"]) == (50, 0.5)


def test_chat_max_tokens_cuts_the_streamed_reply() -> None:
    result = run(["chat", "--max-tokens", "2", "one two three four"])
    assert result.out == "You said: \n"


@pytest.mark.parametrize("stdin", ["", "  \n"])
def test_chat_with_an_empty_message_is_a_usage_error(stdin: str) -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["chat"], api=api, stdin=stdin)
    assert result.code == 2
    assert "the message is empty" in result.err
    assert api.requests == []


def test_chat_stream_error_ends_the_partial_line_then_reports() -> None:
    result = run(["chat", "--model", "stream-error", "a b c d e f"])
    assert result.code == 1
    assert result.out.startswith("You said:")
    assert result.out.endswith("\n")
    assert "APIStreamError: the stream broke off" in result.err
    assert "(code upstream_error)" in result.err


def test_chat_stream_drop_is_a_connection_error() -> None:
    result = run(["chat", "--model", "stream-drop", "a b c d e f"])
    assert result.code == 3
    assert result.out.endswith("\n")
    assert "APIConnectionError" in result.err
    assert "RemoteProtocolError" in result.err


def test_chat_invalid_argument_is_a_usage_error_sent_nowhere() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["chat", "--temperature", "5", "hi"], api=api)
    assert result.code == 2
    assert "temperature" in result.err
    assert api.requests == []


# -- models -----------------------------------------------------------------------------------


def test_models_prints_one_id_per_line() -> None:
    result = run(["models"])
    assert result.code == 0
    ids = result.out.splitlines()
    assert "qwen3-8b" in ids
    assert "openai/gpt-4.1" in ids
    assert all(line.strip() == line and line for line in ids)


def test_models_json_prints_json_lines_with_vendor_fields() -> None:
    result = run(["models", "--json"])
    assert result.code == 0
    models = [json.loads(line) for line in result.out.splitlines()]
    qwen = next(model for model in models if model["id"] == "qwen3-8b")
    assert "context_length" in qwen


# -- image ------------------------------------------------------------------------------------


def test_image_without_out_prints_urls() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["image", "--model", "m", "--prompt", "a cat", "--n", "2"], api=api)
    assert result.code == 0
    urls = result.out.splitlines()
    assert len(urls) == 2
    assert all(url.startswith(f"{BASE_URL}/files/img-") for url in urls)
    body = last_body(api)
    assert (body["response_format"], body["n"]) == ("url", 2)


def test_image_out_saves_numbered_files(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    out = tmp_path / "cat.png"
    argv = ["image", "--model", "m", "--prompt", "a cat", "--n", "2", "--size", "512x512"]
    result = run([*argv, "--out", str(out)], api=api)
    assert result.code == 0
    paths = [tmp_path / "cat-1.png", tmp_path / "cat-2.png"]
    assert result.out.splitlines() == [str(path) for path in paths]
    assert all(path.read_bytes() == sample_png() for path in paths)
    assert sorted(tmp_path.iterdir()) == paths  # no .part files left
    body = last_body(api)
    assert (body["response_format"], body["size"]) == ("b64_json", "512x512")


def test_image_out_single_file_keeps_its_name(tmp_path: Path) -> None:
    out = tmp_path / "one.png"
    result = run(["image", "--model", "m", "--prompt", "a cat", "--out", str(out)])
    assert (result.code, result.out) == (0, f"{out}\n")
    assert out.read_bytes().startswith(PNG_MAGIC)


def _images_format(api: FakeAPI, response_format: str) -> httpx.MockTransport:
    """A transport in front of ``api`` that forces the image ``response_format``."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/images/generations"):
            body = {**json.loads(request.content), "response_format": response_format}
            request = httpx.Request(request.method, request.url, headers=request.headers, json=body)
        return api(request)

    return httpx.MockTransport(handler)


def test_image_out_downloads_a_url_the_provider_sends_anyway(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY)
    out = tmp_path / "cat.png"
    argv = ["image", "--model", "m", "--prompt", "a cat", "--out", str(out)]
    result = run(argv, transport=_images_format(api, "url"))
    assert (result.code, result.out) == (0, f"{out}\n")
    assert "the provider returned a URL; downloading http://localhost/v1/files/" in result.err
    assert out.read_bytes() == sample_png()
    download = api.requests[-1]
    assert download.url.path.startswith("/v1/files/")
    assert "authorization" not in download.headers  # the key never goes to a file host


def test_image_data_without_out_goes_to_a_new_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    api = FakeAPI(api_key=KEY)
    result = run(
        ["image", "--model", "m", "--prompt", "a cat"], transport=_images_format(api, "b64_json")
    )
    assert result.code == 0
    (saved,) = tmp_path.iterdir()
    assert saved.name.startswith("tokenclient-image-")
    assert saved.suffix == ".png"
    assert Path(result.out.strip()).resolve() == saved.resolve()
    assert saved.read_bytes() == sample_png()


def test_image_into_a_missing_directory_is_one_line(tmp_path: Path) -> None:
    out = tmp_path / "missing" / "cat.png"
    result = run(["image", "--model", "m", "--prompt", "a cat", "--out", str(out)])
    assert result.code == 1
    assert "FileNotFoundError" in result.err
    assert "missing" in result.err


def test_numbered_names() -> None:
    assert numbered("a/b.png", 1, 1) == Path("a/b.png")
    assert numbered("a/b.png", 2, 3) == Path("a/b-2.png")
    assert numbered("noext", 1, 2) == Path("noext-1")


# -- video ------------------------------------------------------------------------------------

TASK = re.compile(r"tsk-\w+")


def test_video_prints_the_task_id_and_sends_every_option() -> None:
    api = FakeAPI(api_key=KEY)
    argv = ["video", "--model", "v", "--prompt", "a beach", "--duration", "5"]
    result = run([*argv, "--resolution", "720p", "--aspect-ratio", "16:9"], api=api)
    assert result.code == 0
    assert TASK.fullmatch(result.out.strip())
    body = last_body(api)
    assert (body["duration"], body["resolution"], body["aspect_ratio"]) == (5, "720p", "16:9")


def _stepping_api() -> FakeAPI:
    # Every clock reading moves the task one second on: created at 0, queued until 1 s,
    # done at 3 s. The create answer (1 s) and each poll (2 s, 3 s) see the next state.
    return FakeAPI(api_key=KEY, video_seconds=3, clock=Steps(), poll_retry_after=None)


def test_video_wait_shows_plain_progress_lines_then_the_url(tmp_path: Path) -> None:
    argv = ["video", "--model", "v", "--prompt", "a beach", "--wait", "--poll-interval", "0.01"]
    result = run(argv, api=_stepping_api())
    assert result.code == 0
    lines = [TASK.sub("TASK", line) for line in result.err.splitlines()]
    assert lines == [
        "video TASK: running 1% [1.0s]",
        "video TASK: running 50% [2.0s]",
        "video TASK: succeeded 100% [3.0s]",
    ]
    (url,) = result.out.splitlines()
    assert re.fullmatch(rf"{BASE_URL}/files/tsk-\w+\.mp4", url)


def test_video_wait_on_a_terminal_rewrites_one_line() -> None:
    terminal = Terminal()
    argv = ["video", "--model", "v", "--prompt", "a beach", "--wait", "--poll-interval", "0.01"]
    result = run(argv, api=_stepping_api(), stderr=terminal)
    assert result.code == 0
    assert result.err.startswith("\rvideo tsk-")
    assert result.err.count("\r") >= 3  # and more when a second passes: the clock ticks
    assert result.err.count("\n") == 1
    assert result.err.endswith("succeeded 100% [3.0s]\n")


def test_progress_display_pads_over_a_longer_line() -> None:
    terminal = Terminal()
    display = ProgressDisplay(terminal, live=True, clock=Steps(0.0))
    display.update(VideoTask(id="t", status="running", progress=5.0, raw_status="x" * 20))
    display.update(VideoTask(id="t", status="queued"))
    display.update(VideoTask(id="t", status="queued"))  # same state: not shown again
    display.close()
    first, second = terminal.getvalue().split("\r")[1:]
    assert len(second.rstrip("\n")) == len(first)
    assert second.rstrip().endswith("queued [0.0s]")


def test_video_wait_out_downloads_the_video(tmp_path: Path) -> None:
    api = _stepping_api()
    out = tmp_path / "beach.mp4"
    argv = ["video", "--model", "v", "--prompt", "a beach", "--wait", "--poll-interval", "0.01"]
    result = run([*argv, "--out", str(out)], api=api)
    assert result.code == 0
    assert result.out.startswith(f"{BASE_URL}/files/tsk-")
    assert f"tokenclient: saved {out} (" in result.err
    assert out.stat().st_size > 0
    assert "authorization" not in api.requests[-1].headers


def test_video_out_without_wait_is_a_usage_error() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["video", "--model", "v", "--prompt", "p", "--out", "x.mp4"], api=api)
    assert result.code == 2
    assert "--out needs --wait" in result.err
    assert api.requests == []


def test_video_that_fails_exits_1_with_the_reason() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=0)
    argv = ["video", "--model", "v", "--prompt", "please fail", "--wait", "--poll-interval", "0.01"]
    result = run(argv, api=api)
    assert result.code == 1
    assert result.out == ""
    error = result.err.splitlines()[-1]
    assert error.startswith("tokenclient: error: VideoTaskFailedError:")
    assert "content_policy_violation" in error


def test_video_wait_deadline_exits_3_with_a_resume_hint() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=3600, poll_retry_after=None)
    argv = ["video", "--model", "v", "--prompt", "slow one", "--wait", "--poll-interval", "0.01"]
    result = run([*argv, "--wait-timeout", "0.05"], api=api)
    assert result.code == 3
    error = result.err.splitlines()[-1]
    task = TASK.search(error)
    assert task is not None
    assert "VideoTaskTimeoutError: " in error
    assert error.endswith(f"resume with: tokenclient video-status {task.group()} --wait")


def test_video_status_prints_the_state_and_the_url_once_done() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=0)
    task_id = run(["video", "--model", "v", "--prompt", "p"], api=api).out.strip()
    result = run(["video-status", task_id], api=api)
    assert result.code == 0
    status, url = result.out.splitlines()
    assert status == f"{task_id}: succeeded 100%"
    assert url == f"{BASE_URL}/files/{task_id}.mp4"
    waited = run(["video-status", task_id, "--wait", "--poll-interval", "0.01"], api=api)
    assert (waited.code, waited.out) == (0, f"{url}\n")


def test_video_status_of_an_unknown_task_is_404() -> None:
    result = run(["video-status", "tsk-nope"])
    assert result.code == 1
    assert "404 NotFoundError" in result.err


def test_interrupting_a_video_wait_names_the_running_task() -> None:
    api = FakeAPI(api_key=KEY, video_seconds=3600)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            raise KeyboardInterrupt
        return api(request)

    argv = ["video", "--model", "v", "--prompt", "p", "--wait"]
    result = run(argv, transport=httpx.MockTransport(handler))
    assert result.code == 130
    task = TASK.search(result.err)
    assert task is not None
    assert f"interrupted; video task {task.group()} keeps running" in result.err


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "code", "expected"),
    [
        (["chat", "--model", "error-402", "hi"], 1, "402 InsufficientBalanceError: "),
        (
            ["--max-retries", "0", "chat", "--model", "error-500", "hi"],
            1,
            "500 InternalServerError",
        ),
        (["--max-retries", "0", "chat", "--model", "html-502", "hi"], 1, "502 InternalServerError"),
        (["image", "--model", "error-403", "--prompt", "p"], 1, "403 PermissionDeniedError"),
        (["video", "--model", "error-422", "--prompt", "p"], 1, "422 UnprocessableEntityError"),
        (["chat", "--model", "bad-json", "--no-stream", "hi"], 1, "APIResponseValidationError"),
    ],
)
def test_api_errors_are_one_line_with_the_class(argv: list[str], code: int, expected: str) -> None:
    result = run(argv)
    assert (result.code, result.out) == (code, "")
    assert expected in result.err


def test_wrong_key_is_401_with_the_request_id() -> None:
    result = run(["models"], api=FakeAPI(api_key="sk-the-right-one"))
    assert result.code == 1
    assert re.fullmatch(
        r"tokenclient: error: 401 AuthenticationError: Incorrect API key provided\. "
        r"\(request id req_\w+\)\n",
        result.err,
    )


def test_429_is_retried_then_reported_with_the_server_wait() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["chat", "--model", "error-429", "hi"], api=api)
    assert result.code == 1
    assert "429 RateLimitError: " in result.err
    assert "the server asks to wait 0.01s" in result.err
    assert len(api.requests) == 3  # the first attempt and two retries


def test_max_retries_flag_reaches_the_client() -> None:
    api = FakeAPI(api_key=KEY)
    run(["--max-retries", "0", "chat", "--model", "error-503", "hi"], api=api)
    assert len(api.requests) == 1


def _refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("[Errno 111] Connection refused", request=request)


def test_connection_refused_exits_3() -> None:
    result = run(["--max-retries", "0", "models"], transport=httpx.MockTransport(_refuse))
    assert result.code == 3
    assert result.err == (
        "tokenclient: error: APIConnectionError: Connection error (ConnectError: [Errno 111] "
        f"Connection refused). (GET {BASE_URL}/models)\n"
    )


def test_timeout_exits_3() -> None:
    api = FakeAPI(api_key=KEY, slow_seconds=5)
    result = run(
        ["--timeout", "0.5", "--max-retries", "0", "chat", "--model", "slow", "hi"], api=api
    )
    assert result.code == 3
    assert "APITimeoutError" in result.err


def test_missing_key_names_the_variable() -> None:
    api = FakeAPI(api_key=KEY)
    result = run(["models"], api=api, environ={"TOKENCLIENT_BASE_URL": BASE_URL})
    assert result.code == 2
    assert result.err == (
        "tokenclient: error: No API key: set the TOKENCLIENT_API_KEY environment variable "
        "(or pass --api-key).\n"
    )
    assert api.requests == []


def test_missing_base_url_names_the_variable() -> None:
    result = run(["models"], environ={"TOKENCLIENT_API_KEY": KEY})
    assert result.code == 2
    assert "TOKENCLIENT_BASE_URL" in result.err


@pytest.mark.parametrize("base_url", ["ftp://example.com/v1", "not a url", "http://x/v1?key=1"])
def test_bad_base_url_is_a_usage_error(base_url: str) -> None:
    result = run(["--base-url", base_url, "models"])
    assert result.code == 2
    assert "base_url" in result.err


def test_flags_override_the_environment() -> None:
    api = FakeAPI(api_key=KEY, base_path="/api/v1")
    argv = ["--api-key", KEY, "--base-url", "http://localhost/api/v1", "models"]
    result = run(
        argv,
        api=api,
        environ={"TOKENCLIENT_API_KEY": "sk-env", "TOKENCLIENT_BASE_URL": "http://x/v1"},
    )
    assert result.code == 0
    assert api.requests[-1].headers["authorization"] == f"Bearer {KEY}"


def test_unknown_provider_in_the_environment_is_a_usage_error() -> None:
    result = run(["models"], environ={**ENV, "TOKENCLIENT_PROVIDER": "nope"})
    assert result.code == 2
    assert "unknown provider 'nope'" in result.err


def test_a_key_echoed_by_the_provider_is_redacted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        message = f"Key {KEY} is not allowed\nhere."
        return httpx.Response(403, json={"error": {"message": message, "type": "x"}})

    result = run(["models"], transport=httpx.MockTransport(handler))  # run() asserts no key
    assert result.code == 1
    assert "Key [redacted] is not allowed here." in result.err


def test_keyboard_interrupt_exits_130() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise KeyboardInterrupt

    result = run(["chat", "hi"], transport=httpx.MockTransport(handler))
    assert (result.code, result.err) == (130, "tokenclient: interrupted\n")


def test_an_unexpected_failure_is_still_one_line() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise RuntimeError("boom")

    result = run(["models"], transport=httpx.MockTransport(handler))
    assert (result.code, result.err) == (1, "tokenclient: error: unexpected RuntimeError: boom\n")


def test_a_closed_stdout_stops_quietly() -> None:
    class Closed(io.StringIO):
        def write(self, text: str) -> int:
            raise BrokenPipeError

    err = io.StringIO()
    code = main(
        ["models"],
        stdout=Closed(),
        stderr=err,
        environ=ENV,
        client_factory=lambda s: default_client(
            s, httpx.Client(transport=mock_transport(FakeAPI(api_key=KEY)))
        ),
    )
    assert (code, err.getvalue()) == (1, "")


def test_warnings_become_one_line_each_before_any_error() -> None:
    def client_factory(settings: ClientSettings) -> TokenClient:
        warnings.warn(f"tokenclient: careful with {KEY}\nplease", UserWarning, stacklevel=1)
        transport = mock_transport(FakeAPI(api_key="sk-other"))
        return default_client(settings, httpx.Client(transport=transport))

    out, err = io.StringIO(), io.StringIO()
    code = main(["models"], stdout=out, stderr=err, environ=ENV, client_factory=client_factory)
    assert code == 1
    warning, error = err.getvalue().splitlines()
    assert warning == "tokenclient: warning: careful with [redacted] please"
    assert error.startswith("tokenclient: error: 401 AuthenticationError")


def test_one_line_bounds_and_redacts() -> None:
    assert one_line("a\n b\t\tc", ["zz"]) == "a b c"
    assert one_line("x" * 5000).endswith("...")
    assert len(one_line("x" * 5000)) == 1000
    assert one_line("key abc", ["abc"]) == "key abc"  # too short to be a key: left alone
    assert (
        safe_url("https://user:pw@h.example/v1/f.mp4?sig=secret#x") == "https://h.example/v1/f.mp4"
    )
    assert safe_url("http://[::1") == "<invalid URL>"


# -- usage ------------------------------------------------------------------------------------


def test_version() -> None:
    result = run(["--version"])
    assert (result.code, result.out) == (0, f"tokenclient {__version__}\n")


def test_help_goes_to_stdout_and_mentions_the_environment() -> None:
    result = run(["--help"])
    assert result.code == 0
    assert "TOKENCLIENT_API_KEY" in result.out
    assert "`ps`" in result.out  # why --api-key is discouraged


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["nope"],
        ["chat", "--max-tokens", "0", "hi"],
        ["--timeout", "-1", "models"],
        ["--timeout", "soon", "models"],
        ["--max-retries", "x", "models"],
        ["image", "--prompt", "no model"],
        ["video", "--model", "v", "--prompt", "p", "--poll-interval", "0"],
    ],
)
def test_usage_errors_exit_2(argv: list[str]) -> None:
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err, environ=ENV)
    assert code == 2
    assert out.getvalue() == ""
    assert re.search(r"^tokenclient( [\w-]+)?: error: ", err.getvalue(), re.MULTILINE)


@pytest.fixture
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test here that would open a real connection."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("a unit test tried to open a socket")

    monkeypatch.setattr("socket.socket.connect", refuse)


def test_the_default_factories_build_real_clients(no_sockets: None) -> None:
    settings = ClientSettings(KEY, BASE_URL, None, 7.0, 0)
    with default_client(settings) as client:
        assert client.base_url == BASE_URL
        assert client._config.retry.max_retries == 0
        assert client._config.timeout.read == 7.0
    with default_client(ClientSettings(KEY, None, "tokenoff", None, None)) as client:
        assert client.base_url == "https://tokenoff.com/api/v1"
        assert client._config.retry.max_retries == 2


# -- downloads --------------------------------------------------------------------------------


def _serving(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def _bytes(request: httpx.Request) -> httpx.Response:
    return httpx.Response(200, content=b"x" * 100)


def test_download_saves_the_body_without_the_key(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return _bytes(request)

    path = tmp_path / "f.bin"
    assert download(_serving(handler), "https://cdn.example/f?sig=s", path, clock=Steps()) == 100
    assert path.read_bytes() == b"x" * 100
    assert "authorization" not in seen[0].headers


def _forbidden(request: httpx.Request) -> httpx.Response:
    return httpx.Response(403)


def _raise(error: type[httpx.TransportError]) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("failed", request=request)

    return handler


@pytest.mark.parametrize(
    ("url", "handler", "code", "message"),
    [
        ("ftp://cdn.example/f", _bytes, 1, "only http(s) URLs are downloaded"),
        ("http://[::1", _bytes, 1, "not a valid URL"),
        ("https://cdn.example/f?sig=s", _forbidden, 1, "HTTP 403"),
        ("https://cdn.example/f?sig=s", _raise(httpx.ConnectError), 3, "ConnectError: failed"),
        ("https://cdn.example/f?sig=s", _raise(httpx.ReadTimeout), 3, "timed out (ReadTimeout)"),
    ],
)
def test_download_failures(
    tmp_path: Path,
    url: str,
    handler: Callable[[httpx.Request], httpx.Response],
    code: int,
    message: str,
) -> None:
    path = tmp_path / "f.bin"
    with pytest.raises(CliError) as caught:
        download(_serving(handler), url, path, clock=Steps())
    assert caught.value.code == code
    assert message in caught.value.message
    assert "sig=" not in caught.value.message  # the signature stays secret
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left


def test_download_bounds_size_and_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "f.bin"
    monkeypatch.setattr(files, "DOWNLOAD_MAX_BYTES", 10)
    with pytest.raises(CliError, match="larger than 10 bytes"):
        download(_serving(_bytes), "https://cdn.example/f", path, clock=Steps())
    monkeypatch.setattr(files, "DOWNLOAD_MAX_BYTES", 1000)
    with pytest.raises(CliError, match="took over 600s") as caught:
        download(_serving(_bytes), "https://cdn.example/f", path, clock=Steps(1000.0))
    assert caught.value.code == 3
    assert list(tmp_path.iterdir()) == []


def test_a_video_download_failure_exits_with_its_code(tmp_path: Path) -> None:
    api = FakeAPI(api_key=KEY, video_seconds=0)

    def handler(request: httpx.Request) -> httpx.Response:
        if "/files/" in request.url.path:
            raise httpx.ConnectError("refused", request=request)
        return api(request)

    out = tmp_path / "v.mp4"
    argv = ["video", "--model", "v", "--prompt", "p", "--wait", "--poll-interval", "0.01"]
    result = run([*argv, "--out", str(out)], transport=httpx.MockTransport(handler))
    assert result.code == 3
    assert "cannot download http://localhost/v1/files/tsk-" in result.err
    assert result.out.startswith("http://localhost/v1/files/tsk-")  # the URL is still shown
    assert list(tmp_path.iterdir()) == []


def test_chat_from_a_terminal_says_how_to_end_the_message() -> None:
    class TerminalInput(io.StringIO):
        def isatty(self) -> bool:
            return True

    out, err = io.StringIO(), io.StringIO()
    transport = mock_transport(FakeAPI(api_key=KEY))
    code = main(
        ["chat", "--no-stream"],
        stdin=TerminalInput("typed\n"),
        stdout=out,
        stderr=err,
        environ=ENV,
        client_factory=lambda s: default_client(s, httpx.Client(transport=transport)),
    )
    assert (code, out.getvalue()) == (0, "You said: typed\n")
    assert err.getvalue() == "tokenclient: type the message, then Ctrl-D\n"
