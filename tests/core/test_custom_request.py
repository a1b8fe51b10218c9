"""``split_target``: whatever path a caller passes, the request stays on ``base_url``'s origin."""

from __future__ import annotations

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tokenclient._core.custom_request import check_cast_to, split_target
from tokenclient._exceptions import InvalidRequestError

BASE = "https://api.example.test/api/v1"


@pytest.mark.parametrize(
    ("path", "root", "sub_path"),
    [
        ("/embeddings", BASE, "/embeddings"),
        ("embeddings", BASE, "/embeddings"),
        ("/a/b?c=d", BASE, "/a/b?c=d"),
        (f"{BASE}/embeddings", "https://api.example.test", "/api/v1/embeddings"),
        ("https://api.example.test/balance", "https://api.example.test", "/balance"),
        ("HTTPS://API.EXAMPLE.TEST:443/x?y=1#frag", "https://api.example.test", "/x?y=1"),
    ],
)
def test_targets(path: str, root: str, sub_path: str) -> None:
    assert split_target(BASE, path) == (root, sub_path)


def test_a_base_url_with_a_port() -> None:
    base = "http://127.0.0.1:8080/v1"
    assert split_target(base, "http://127.0.0.1:8080/x") == ("http://127.0.0.1:8080", "/x")
    with pytest.raises(InvalidRequestError, match="origin"):
        split_target(base, "http://127.0.0.1/x")
    with pytest.raises(InvalidRequestError, match="origin"):
        split_target(base, "http://127.0.0.1:8081/x")


@pytest.mark.parametrize(
    "path",
    [
        "https://evil.test/x",
        "http://api.example.test/x",
        "https://api.example.test.evil.test/x",
        "https://evil.test/https://api.example.test/x",
        "https://api.example.test@evil.test/x",
        "https://u:p@api.example.test/x",
        "//evil.test/x",
        "ftp://api.example.test/x",
        "https://[::1/x",
        "",
        " ",
        "/a\tb",
    ],
)
def test_refused(path: str) -> None:
    with pytest.raises(InvalidRequestError, match="path"):
        split_target(BASE, path)


def test_a_non_string_path_is_refused() -> None:
    with pytest.raises(InvalidRequestError, match="path: expected a non-empty string"):
        split_target(BASE, None)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]  # wrong type under test


@pytest.mark.parametrize("cast_to", [str, bytes, int, "dict", None])
def test_casts_that_cannot_be_produced(cast_to: object) -> None:
    with pytest.raises(InvalidRequestError, match="cast_to"):
        check_cast_to(cast_to, stream=False)


_ORIGIN = ("https", "api.example.test", 443)


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or {"http": 80, "https": 443}.get(url.scheme))


_PATHS = st.one_of(
    st.text(max_size=60),
    st.builds(
        "".join,
        st.lists(
            st.sampled_from(
                [
                    "https://",
                    "http://",
                    "//",
                    "/",
                    "@",
                    ":",
                    "443",
                    "api.example.test",
                    "evil.test",
                    ".",
                    "?",
                    "#",
                    "%2F",
                    "\\",
                    "user",
                    "[::1]",
                ]
            ),
            max_size=8,
        ),
    ),
)


@given(_PATHS)
def test_any_accepted_path_stays_on_the_origin(path: str) -> None:
    try:
        root, sub_path = split_target(BASE, path)
    except InvalidRequestError:
        return
    # What build_request sends: root + path, parsed by httpx as the transport will.
    try:
        url = httpx.URL(root + sub_path)
    except httpx.InvalidURL:
        return  # httpx refuses to build the request at all: nothing is sent
    assert _origin(url) == _ORIGIN
    assert not url.userinfo
