"""Limits on input media: what a local input path may be, how big, how long a fetch may take.

A local path must be a regular file (devices such as ``/dev/zero``, FIFOs,
sockets and folders are refused without being read), within a size limit
that depends on the kind of media it holds (:data:`DEFAULT_INPUT_LIMITS`,
overridden with ``INFERENCE_CORE_MAX_INPUT_MB``: one number for every kind, or
``image=20,video=2000``); http(s) inputs are fetched within
``INFERENCE_CORE_INPUT_TIMEOUT`` seconds (default 60). The ``file`` schema
type runs :func:`check_input_path` while validating, and
:func:`inference_core.load_file` reads through :func:`open_regular`.
"""

from __future__ import annotations

import os
import pathlib
import stat

from inference_core._media import sniff_mime
from inference_core.errors import ConfigurationError

__all__ = [
    "DEFAULT_INPUT_LIMITS",
    "LIMIT_ENV",
    "SNIFF_BYTES",
    "TIMEOUT_ENV",
    "check_input_path",
    "input_limit",
    "input_timeout",
    "open_regular",
    "over_limit",
    "sniffed_kind",
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
SNIFF_BYTES = 64


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


def open_regular(path: pathlib.Path) -> tuple[int, int]:
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


def over_limit(path: pathlib.Path, size: int, limit: int, kind: str | None) -> ConfigurationError:
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
    fd, size = open_regular(path)
    try:
        if max_bytes is None:
            kind = sniffed_kind(os.read(fd, SNIFF_BYTES))
            limit = input_limit(kind)
        else:
            kind, limit = None, max_bytes
    finally:
        os.close(fd)
    if size > limit:
        raise over_limit(path, size, limit, kind)


def sniffed_kind(head: bytes) -> str | None:
    mime = sniff_mime(head)
    return mime.partition("/")[0] if mime else None
