"""Reading input media: bytes, paths, ``data:`` URLs and http(s) URLs.

:func:`load_file` reads what a user gave as a generator input;
:func:`input_url` turns it into a URL a provider can fetch. http(s) inputs go
through :func:`inference_core._download.fetch_bytes`, imported on use so that
``import inference_core`` stays light.

Inputs are bounded: a local path must be a regular file (devices such as
``/dev/zero``, FIFOs, sockets and folders are refused without being read),
within a size limit that depends on the kind of media it holds
(:data:`DEFAULT_INPUT_LIMITS`, overridden with ``INFERENCE_CORE_MAX_INPUT_MB``:
one number for every kind, or ``image=20,video=2000``); http(s) inputs are
fetched with a timeout (``INFERENCE_CORE_INPUT_TIMEOUT`` seconds, default 60)
and the same limit. :func:`check_input_path` is what the ``file`` schema type
runs while validating, so a bad input is refused before any request.
"""

from __future__ import annotations

import os
import pathlib
import stat
from typing import TYPE_CHECKING

from inference_core._media import data_url, parse_data_url, sniff_mime
from inference_core.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = [
    "DEFAULT_INPUT_LIMITS",
    "check_input_path",
    "input_limit",
    "input_timeout",
    "input_url",
    "load_file",
]

_MIB = 2**20
#: The largest input file accepted by default, by kind of media.
DEFAULT_INPUT_LIMITS: dict[str, int] = {
    "image": 50 * _MIB,
    "audio": 200 * _MIB,
    "video": 1024 * _MIB,
}
LIMIT_ENV = "INFERENCE_CORE_MAX_INPUT_MB"
TIMEOUT_ENV = "INFERENCE_CORE_INPUT_TIMEOUT"
_SNIFF_BYTES = 64


def input_limit(kind: str | None = None) -> int:
    """The size limit in bytes of one input of ``kind`` (``None``: the largest of any kind).

    ``INFERENCE_CORE_MAX_INPUT_MB`` overrides the defaults: ``100`` for every
    kind, or ``image=20,video=2000`` per kind. A malformed value is a
    :class:`ConfigurationError`.
    """
    limits = dict(DEFAULT_INPUT_LIMITS)
    raw = os.environ.get(LIMIT_ENV, "").strip()
    if raw:
        try:
            if "=" not in raw:
                limits = dict.fromkeys(limits, int(float(raw) * _MIB))
            else:
                for part in raw.split(","):
                    name, _, value = part.partition("=")
                    if name.strip() not in limits:
                        raise ValueError(name)
                    limits[name.strip()] = int(float(value) * _MIB)
        except ValueError:
            raise ConfigurationError(
                f"{LIMIT_ENV}={raw!r}: give megabytes, as 100 or image=20,video=2000"
            ) from None
    if kind in limits:
        return limits[kind]
    return max(limits.values())


def input_timeout() -> float:
    """Seconds allowed to fetch one http(s) input (``INFERENCE_CORE_INPUT_TIMEOUT``, default 60)."""
    raw = os.environ.get(TIMEOUT_ENV, "").strip()
    if not raw:
        return 60.0
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 0 < value < float("inf"):
        raise ConfigurationError(f"{TIMEOUT_ENV}={raw!r}: give a number of seconds above 0")
    return value


def _kind_of(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _open_regular(path: pathlib.Path) -> tuple[int, int]:
    """Open ``path`` for reading without blocking (a FIFO would); return ``(fd, size)``."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ConfigurationError(f"input file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigurationError(f"input {path} is a folder, not a file") from None
    except OSError as exc:
        raise ConfigurationError(f"cannot read input {path}: {exc.strerror or exc}") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise ConfigurationError(
            f"input {path} is {_kind_of(info.st_mode)}; inputs must be regular files "
            "or http(s) URLs"
        )
    return fd, info.st_size


def _over(path: pathlib.Path, size: int, limit: int, kind: str | None) -> ConfigurationError:
    what = f"{kind} " if kind else ""
    return ConfigurationError(
        f"input file {path} is {size} bytes, over the {limit}-byte limit for {what}inputs "
        f"(raise it with {LIMIT_ENV})"
    )


def check_input_path(value: str | os.PathLike[str], *, max_bytes: int | None = None) -> None:
    """Raise :class:`ConfigurationError` unless ``value`` is a readable regular file within limits.

    The limit is ``max_bytes``, else the one for the kind of media its first
    bytes show (:func:`input_limit`). Nothing beyond those bytes is read.
    """
    path = pathlib.Path(value).expanduser()
    fd, size = _open_regular(path)
    try:
        if max_bytes is None:
            kind = _sniffed_kind(os.read(fd, _SNIFF_BYTES))
            limit = input_limit(kind)
        else:
            kind, limit = None, max_bytes
    finally:
        os.close(fd)
    if size > limit:
        raise _over(path, size, limit, kind)


def _sniffed_kind(head: bytes) -> str | None:
    mime = sniff_mime(head)
    return mime.partition("/")[0] if mime else None


def load_file(value: str | bytes | os.PathLike[str], *, max_bytes: int | None = None) -> bytes:
    """Read input media given as bytes, a path, a ``data:`` URL or an http(s) URL.

    http(s) URLs go through :func:`inference_core._download.fetch_bytes`
    (with :func:`input_timeout`). A malformed ``data:`` URL raises
    :class:`~inference_core.errors.MediaError` saying what is wrong; a missing
    file, anything but a regular file (a folder, a device, a FIFO) or a file
    over ``max_bytes`` (default: :func:`input_limit` for the kind of media it
    holds) raises :class:`ConfigurationError`.
    """
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    if isinstance(value, str) and value.startswith("data:"):
        return parse_data_url(value).data
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        from inference_core._boundary import input_fetch_client
        from inference_core._download import fetch_bytes

        client = input_fetch_client()  # during a tool call: every hop checked for private hosts
        try:
            return fetch_bytes(
                value, max_bytes=max_bytes or input_limit(), timeout=input_timeout(), client=client
            )
        finally:
            if client is not None:
                client.close()
    path = pathlib.Path(value).expanduser()
    fd, size = _open_regular(path)
    with os.fdopen(fd, "rb") as handle:
        head = handle.read(_SNIFF_BYTES)
        kind = None if max_bytes is not None else _sniffed_kind(head)
        limit = max_bytes if max_bytes is not None else input_limit(kind)
        if size > limit:
            raise _over(path, size, limit, kind)
        rest = handle.read(limit + 1 - len(head))  # the file may grow while it is read
    data = head + rest
    if len(data) > limit:
        raise _over(path, len(data), limit, kind)
    return data


def input_url(
    value: str | bytes | os.PathLike[str],
    *,
    accept: Collection[str] | None = None,
    field: str = "images",
    generator_id: str = "generator",
) -> str:
    """A URL a provider can fetch for an input file given as a generator input.

    http(s) and ``data:`` URLs are returned as given; paths and bytes are read
    (:func:`inference_core.load_file`) and returned as a base64 ``data:`` URL
    of their sniffed media type. Content that is not a recognised media type,
    or not one of ``accept`` (``("image/",)``), is an
    :class:`~inference_core.InputValidationError` for ``field``.
    """
    if isinstance(value, str) and value.startswith(("http://", "https://", "data:")):
        return value
    from inference_core._download import _SNIFF, _accepted
    from inference_core.errors import FieldError, InputValidationError

    raw = load_file(value)
    mime = sniff_mime(raw[:_SNIFF])
    if mime is None or (accept is not None and not _accepted(mime, accept)):
        shown = f"{len(raw)} bytes" if isinstance(value, bytes) else str(value)
        wanted = " or ".join(accept) if accept else "a known media type"
        problem = FieldError(
            field, f"{shown} is {mime or 'not a recognised media type'}, expected {wanted}"
        )
        raise InputValidationError(generator_id, [problem])
    return data_url(raw, mime)
