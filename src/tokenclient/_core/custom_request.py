"""The decisions behind ``client.get`` / ``client.post``: where a path goes, what a body becomes.

``split_target`` keeps the API key at home: a relative path is appended to ``base_url``
exactly as the endpoints' paths are; an absolute URL is accepted only on ``base_url``'s own
origin (scheme, host and port), where the key already goes, so a provider's endpoints outside
the base path (``https://host/api/user/balance`` next to ``https://host/api/v1``) stay
reachable. Any other origin, a protocol-relative ``//host`` path and credentials in the URL
are refused before anything is sent.

``check_cast_to`` / ``cast_body`` turn a read response into what ``cast_to`` names: a pydantic
model, or raw JSON as ``dict`` / ``list`` / ``object``.
"""

from __future__ import annotations

import json

import httpx

from .._exceptions import APIResponseValidationError, InvalidRequestError
from .response import parse_model, shorten

__all__ = ["cast_body", "check_cast_to", "split_target"]

_DEFAULT_PORTS = {"http": 80, "https": 443}
_JSON_KINDS: dict[type, str] = {dict: "a JSON object", list: "a JSON array", object: "JSON"}


def _origin(url: httpx.URL) -> tuple[str, str, int | None]:
    return (url.scheme, url.host, url.port or _DEFAULT_PORTS.get(url.scheme))


def _shown(url: httpx.URL) -> str:
    return f"{url.scheme}://{url.netloc.decode('ascii', 'replace')}"


def split_target(base_url: str, path: str) -> tuple[str, str]:
    """``(root, path)``: the request goes to ``root + path``, on ``base_url``'s origin only."""
    if not isinstance(path, str) or not path.strip():
        raise InvalidRequestError(f"path: expected a non-empty string, got {path!r}")
    if any(ord(c) < 0x20 or ord(c) == 0x7F or c == " " for c in path):
        raise InvalidRequestError(
            "path: must not contain spaces or control characters (percent-encode them)"
        )
    if path.startswith("//"):
        raise InvalidRequestError(
            f"path: {shorten(path, 80)!r} is protocol-relative (another host); pass a path "
            "such as '/embeddings'"
        )
    if "://" not in path:
        return base_url, path if path.startswith("/") else f"/{path}"
    try:
        url = httpx.URL(path)
    except httpx.InvalidURL as exc:
        raise InvalidRequestError(f"path: not a valid URL ({exc})") from exc
    base = httpx.URL(base_url)
    if url.userinfo:
        raise InvalidRequestError("path: a URL must not carry credentials")
    if _origin(url) != _origin(base):
        raise InvalidRequestError(
            f"path: {_shown(url)} is not base_url's origin ({_shown(base)}); the API key is "
            "sent only there. Use a relative path, or a client whose base_url is that origin."
        )
    return _shown(base), url.raw_path.decode("ascii")


def check_cast_to(cast_to: object, *, stream: bool) -> None:
    """Refuse, before sending, a ``cast_to`` that ``cast_body`` (or a stream) cannot produce."""
    from pydantic import BaseModel

    if isinstance(cast_to, type) and issubclass(cast_to, BaseModel):
        return
    if stream:
        raise InvalidRequestError(
            f"cast_to: a stream needs a pydantic model class for its chunks, got {cast_to!r}"
        )
    if cast_to not in _JSON_KINDS:
        raise InvalidRequestError(
            f"cast_to: expected a pydantic model class, dict, list or object, got {cast_to!r}"
        )


def cast_body(cast_to: type[object], response: httpx.Response) -> object:
    """The read body of ``response`` as ``cast_to``; ``APIResponseValidationError`` if it is not.

    ``object`` accepts any JSON (``None`` for an empty body); ``dict`` and ``list`` want that
    JSON type. A model class is validated as the endpoints' models are.
    """
    from pydantic import BaseModel

    if issubclass(cast_to, BaseModel):
        return parse_model(cast_to, response)
    content = response.content
    where = f"{response.request.method} {response.request.url.path}"
    if not content.strip():
        if cast_to is object:
            return None
        value: object = None
    else:
        try:
            value = json.loads(content)
        except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
            raise APIResponseValidationError(
                f"{where} returned a body that is not JSON",
                response=response,
                body=content.decode("utf-8", errors="replace"),
            ) from exc
    if cast_to is object or isinstance(value, cast_to):
        return value
    raise APIResponseValidationError(
        f"{where} returned {type(value).__name__}, not {_JSON_KINDS[cast_to]}",
        response=response,
        body=value,
    )
