"""Reading input media: bytes, paths, ``data:`` URLs and http(s) URLs.

:func:`load_file` reads what a user gave as a generator input;
:func:`input_url` turns it into a URL a provider can fetch. http(s) inputs go
through :func:`inference_core._download.fetch_bytes`, imported on use so that
``import inference_core`` stays light.

Inputs are bounded (:mod:`inference_core._input_files`): a local path must be
a regular file within the size limit of its kind of media, and http(s) inputs
are fetched within a timeout and the same limit.
"""

from __future__ import annotations

import os
import pathlib
from typing import TYPE_CHECKING

from inference_core._input_files import (
    SNIFF_BYTES,
    input_limit,
    input_timeout,
    open_regular,
    over_limit,
    sniffed_kind,
)
from inference_core._media import data_url, parse_data_url, sniff_mime

if TYPE_CHECKING:
    from collections.abc import Collection

__all__ = ["input_url", "load_file"]


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
    fd, size = open_regular(path)
    with os.fdopen(fd, "rb") as handle:
        head = handle.read(SNIFF_BYTES)
        kind = None if max_bytes is not None else sniffed_kind(head)
        limit = max_bytes if max_bytes is not None else input_limit(kind)
        if size > limit:
            raise over_limit(path, size, limit, kind)
        rest = handle.read(limit + 1 - len(head))  # the file may grow while it is read
    data = head + rest
    if len(data) > limit:
        raise over_limit(path, len(data), limit, kind)
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
