"""The ``tokenclient`` command on a real terminal: a child process on a pseudo-terminal.

The child runs ``python -m tokenclient`` with this checkout's ``src`` first on its path,
talking to the bundled server on a loopback socket. Ctrl-C is the byte ``\\x03`` written to
the terminal, which the terminal turns into SIGINT, as a user's keyboard would.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

import tokenclient
from tokenclient.testing import serve

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

KEY = "sk-pty-Distinctive-0a1b2c3d"
SRC = str(Path(tokenclient.__file__).resolve().parent.parent)


class Child:
    """``python -m tokenclient argv`` with stdin, stdout and stderr on one pseudo-terminal."""

    def __init__(self, argv: Sequence[str], environ: dict[str, str]) -> None:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": os.environ["HOME"],
            "PYTHONPATH": SRC,
            "TERM": "dumb",
            **environ,
        }
        pid, fd = pty.fork()
        if pid == 0:  # the child: become tokenclient (exec, so no test state runs here)
            try:
                os.execve(sys.executable, [sys.executable, "-m", "tokenclient", *argv], env)
            finally:
                os._exit(127)
        self.pid, self.fd = pid, fd
        self.output = b""
        self.status: int | None = None

    def read_until(self, done: Callable[[str], bool], timeout: float) -> str:
        """Collect output until ``done(output)`` or the child ends; fail after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not done(self.text):
            left = deadline - time.monotonic()
            assert left > 0, f"timed out; the terminal showed {self.text!r}"
            ready, _, _ = select.select([self.fd], [], [], min(left, 0.5))
            if ready:
                try:
                    data = os.read(self.fd, 4096)
                except OSError:  # EIO: the child closed the terminal
                    data = b""
                if not data:
                    break
                self.output += data
        return self.text

    @property
    def text(self) -> str:
        return self.output.decode(errors="replace")

    def wait(self, timeout: float) -> int:
        """The exit code, reading what is left; the child is killed after ``timeout``."""
        self.read_until(lambda _: False, timeout)  # to the end of the output
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                return self.status
            time.sleep(0.02)
        self.kill()
        raise AssertionError(f"the child did not exit; the terminal showed {self.text!r}")

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os.close(self.fd)


@pytest.mark.slow
def test_video_wait_ticks_every_second_and_ctrl_c_prints_the_resume_command() -> None:
    # Queued for 20 s and polled every 30 s: nothing new comes from the server while we look.
    with serve(api_key=KEY, video_seconds=60, poll_retry_after=None) as base_url:
        argv = ["video", "-m", "v", "--prompt", "a beach", "--wait", "--poll-interval", "30"]
        child = Child([*argv, "--base-url", base_url], {"TOKENCLIENT_API_KEY": KEY})
        try:
            frames = re.compile(r"\rvideo (tsk-\w+): queued 0% \[(\d+)\.\ds\]")
            child.read_until(lambda text: len(frames.findall(text)) >= 3, timeout=20)
            os.write(child.fd, b"\x03")  # Ctrl-C
            code = child.wait(timeout=15)
        finally:
            child.kill()
    text = child.text
    seen = frames.findall(text)
    task = seen[0][0]
    seconds = [int(elapsed) for _, elapsed in seen]
    # The same state, redrawn each second with the elapsed time moving on.
    assert seconds[0] == 0
    assert seconds[:3] == sorted(set(seconds[:3]))
    progress = text.split("tokenclient: interrupted")[0].replace("^C", "")  # the echoed Ctrl-C
    assert "\n" not in progress.rstrip("\r\n")  # one line, redrawn in place
    assert code == 130
    last = text.rstrip().splitlines()[-1]
    assert last == (
        f"tokenclient: interrupted; video task {task} keeps running; resume with: "
        f"tokenclient video-status {task} --wait --base-url {base_url}"
    )
    assert KEY not in text


def test_chat_with_text_on_a_terminal_does_not_wait_for_stdin() -> None:
    with serve(api_key=KEY) as base_url:
        environ = {"TOKENCLIENT_API_KEY": KEY, "TOKENCLIENT_BASE_URL": base_url}
        child = Child(["chat", "--no-log", "hello there"], environ)
        try:
            code = child.wait(timeout=20)
        finally:
            child.kill()
    assert code == 0
    assert child.text.replace("\r\n", "\n") == "You said: hello there\n"
