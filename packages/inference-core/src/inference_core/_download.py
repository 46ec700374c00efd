"""Stream provider outputs to disk: http(s) only, size-capped, timed, checked by magic bytes.

:func:`download` (and :func:`adownload`) stream a URL into a file through
:func:`inference_core.atomic_write`, so a failed or rejected download leaves
nothing behind. On the way they

- refuse anything but ``http``/``https`` URLs;
- stop at ``max_bytes`` (announced by ``Content-Length`` or counted);
- stop when the whole transfer takes longer than ``timeout`` seconds
  (each network read is bounded by it as well);
- sniff the first bytes and require a known media type, optionally one of
  ``accept`` (``("image/",)`` accepts any image);
- hash the content (SHA-256) as it passes.

Failures are core errors: HTTP statuses and transport problems through
:class:`inference_core._http_errors.HTTPErrorContext`, an oversized or
unrecognised body as :class:`inference_core.InvalidResponseError`, a slow
one as :class:`inference_core.ProviderTimeoutError`. Headers (for example
Replicate's ``Authorization``) are sent as given and never appear in messages.

Example::

    from inference_core._download import download

    result = download(url, out_dir / "scene-001.png", headers={"Authorization": f"Bearer {key}"},
                      accept=("image/",), max_bytes=50 * 2**20)
    result.path, result.mime_type, result.size, result.sha256

:func:`fetch_bytes` returns a (small) body in memory with the same checks;
:func:`inference_core.load_file` (:mod:`inference_core._inputs`) uses it for http(s) inputs. :func:`http_client`
and :func:`async_http_client` build httpx clients with a shared TLS context,
which makes creating one cheap. (``image_dimensions`` is re-exported from
:mod:`inference_core._media` for the 0.1 path ``inference_core.download``.)
"""

from __future__ import annotations

import functools
import io
import pathlib
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from inference_core._files import atomic_write
from inference_core._http_errors import HTTPErrorContext
from inference_core._media import image_dimensions, sniff_mime
from inference_core.errors import ConfigurationError

if TYPE_CHECKING:
    import os
    import ssl
    from collections.abc import Collection, Mapping
    from typing import IO

    import httpx

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DownloadResult",
    "adownload",
    "afetch_bytes",
    "async_http_client",
    "check_url",
    "download",
    "fetch_bytes",
    "http_client",
    "image_dimensions",
    "loop_http_client",
]

DEFAULT_MAX_BYTES = 512 * 2**20
"""The default size cap of one download: 512 MiB."""
_SNIFF = 64


@dataclass(frozen=True, slots=True)
class DownloadResult:
    """A finished download: where it is, what it is, how big, and its SHA-256."""

    path: pathlib.Path | None
    mime_type: str
    size: int
    sha256: str


@functools.lru_cache(maxsize=1)
def _tls_context() -> ssl.SSLContext:
    import httpx

    return httpx.create_ssl_context()


#: Held while a thread imports an HTTP SDK (httpx, openai) for the first time: two threads
#: importing them at once can each get the other's half-initialised module.
SDK_IMPORT_LOCK = threading.RLock()


def import_sdk(name: str) -> Any:
    """``importlib.import_module(name)``, serialised across threads on first import."""
    import importlib
    import sys

    module = sys.modules.get(name)
    if module is not None and getattr(module, "__spec__", None) is not None:
        initialising = getattr(module.__spec__, "_initializing", False)
        if not initialising:
            return module
    with SDK_IMPORT_LOCK:
        return importlib.import_module(name)


def http_client(
    *,
    timeout: float = 60.0,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> httpx.Client:
    """An ``httpx.Client`` sharing one TLS context (cheap to create), following redirects."""
    sdk = import_sdk("httpx")

    kwargs.setdefault("verify", _tls_context())
    kwargs.setdefault("follow_redirects", True)
    client: httpx.Client = sdk.Client(timeout=timeout, headers=headers, **kwargs)
    return client


def async_http_client(
    *,
    timeout: float = 60.0,
    headers: Mapping[str, str] | None = None,
    **kwargs: Any,
) -> httpx.AsyncClient:
    """An ``httpx.AsyncClient`` sharing one TLS context (cheap to create), following redirects."""
    sdk = import_sdk("httpx")

    kwargs.setdefault("verify", _tls_context())
    kwargs.setdefault("follow_redirects", True)
    client: httpx.AsyncClient = sdk.AsyncClient(timeout=timeout, headers=headers, **kwargs)
    return client


def loop_http_client(
    *, timeout: float = 60.0, headers: Mapping[str, str] | None = None
) -> httpx.AsyncClient:
    """A pooled ``httpx.AsyncClient`` for these settings on the running event loop.

    Built once per event loop (an async connection pool belongs to one loop)
    and shared by every call on it, so a batch reuses its connections instead
    of building a client and connecting afresh for each request; closed when the
    loop shuts down. Do not close it yourself (no ``async with``)::

        client = loop_http_client(timeout=60.0, headers={"Authorization": f"Bearer {key}"})
        response = await client.post(url, json=body)
    """
    from inference_core._loop_clients import loop_client

    key = ("httpx", timeout, tuple(sorted((headers or {}).items())))
    return loop_client(key, lambda: async_http_client(timeout=timeout, headers=headers))


def _accepted(mime: str, accept: Collection[str]) -> bool:
    return any(mime == a or (a.endswith("/") and mime.startswith(a)) for a in accept)


def check_url(url: str) -> None:
    """Raise :class:`ConfigurationError` unless ``url`` is an http(s) URL with a host."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        shown = url if len(url) <= 80 else url[:77] + "..."
        raise ConfigurationError(f"only http(s) URLs can be downloaded, not {shown!r}")


class _Sink:
    """Counts, caps, hashes and sniffs the bytes of one download as they arrive."""

    def __init__(
        self,
        out: IO[bytes],
        errors: HTTPErrorContext,
        max_bytes: int,
        accept: Collection[str] | None,
        deadline: float,
    ) -> None:
        self.out, self.errors, self.max_bytes, self.accept = out, errors, max_bytes, accept
        self.deadline = deadline
        self.size = 0
        self.head = b""
        self.mime: str | None = None
        import hashlib  # on the first download, not when a plugin imports the toolkit

        self.digest = hashlib.sha256()

    def start(self, response: httpx.Response) -> None:
        self.errors.raise_for_status(response)
        announced = response.headers.get("content-length", "")
        if announced.isdigit() and int(announced) > self.max_bytes:
            raise self.errors.invalid(
                f"the output is {int(announced)} bytes, over the {self.max_bytes}-byte cap"
            )

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise self.errors.invalid(f"the output exceeds the {self.max_bytes}-byte cap")
        if time.monotonic() > self.deadline:
            raise self.errors.timeout(f"downloading from {self.errors.provider} took too long")
        if self.mime is None:
            self.head += chunk[:_SNIFF]
            if len(self.head) >= _SNIFF:
                self._sniff()
        self.digest.update(chunk)
        self.out.write(chunk)

    def _sniff(self) -> None:
        mime = sniff_mime(self.head)
        if mime is None:
            raise self.errors.invalid("the downloaded content is not a recognised media type")
        accept = self.accept
        if accept is not None and not _accepted(mime, accept):
            raise self.errors.invalid(f"expected {' or '.join(accept)}, the download is {mime}")
        self.mime = mime

    def finish(self, path: pathlib.Path | None) -> DownloadResult:
        if self.mime is None:
            if not self.size:
                raise self.errors.invalid("the download is empty")
            self._sniff()
        assert self.mime is not None
        return DownloadResult(
            path=path, mime_type=self.mime, size=self.size, sha256=self.digest.hexdigest()
        )


def _context(errors: HTTPErrorContext | None, url: str) -> HTTPErrorContext:
    if errors is not None:
        return errors
    from urllib.parse import urlsplit

    return HTTPErrorContext(urlsplit(url).netloc or "download")


def download(
    url: str,
    dest: str | os.PathLike[str],
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 300.0,
    accept: Collection[str] | None = None,
    client: httpx.Client | None = None,
    errors: HTTPErrorContext | None = None,
    chunk_size: int = 1 << 16,
    fsync: bool = True,
) -> DownloadResult:
    """Stream ``url`` into the file ``dest`` (atomically) and return what arrived.

    ``client`` reuses an existing ``httpx.Client`` (its own timeout applies to
    each read); ``errors`` names the provider and generator in error messages.
    ``fsync=False`` skips flushing the file to stable storage before the
    rename (still atomic, not crash-durable): for scratch copies that are
    saved again later, where the fsync would be paid twice.
    """
    check_url(url)
    ctx = _context(errors, url)
    path = pathlib.Path(dest)
    owned = client is None
    client = http_client(timeout=timeout) if client is None else client
    try:
        with ctx.translate(), atomic_write(path, fsync=fsync) as out:
            sink = _Sink(out, ctx, max_bytes, accept, time.monotonic() + timeout)
            with client.stream("GET", url, headers=headers) as response:
                sink.start(response)
                for chunk in response.iter_bytes(chunk_size):
                    sink.write(chunk)
            result = sink.finish(path)
    finally:
        if owned:
            client.close()
    return result


async def adownload(
    url: str,
    dest: str | os.PathLike[str],
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    timeout: float = 300.0,
    accept: Collection[str] | None = None,
    client: httpx.AsyncClient | None = None,
    errors: HTTPErrorContext | None = None,
    chunk_size: int = 1 << 16,
    fsync: bool = True,
) -> DownloadResult:
    """The async twin of :func:`download` (file writes stay synchronous and small)."""
    check_url(url)
    ctx = _context(errors, url)
    path = pathlib.Path(dest)
    owned = client is None
    client = async_http_client(timeout=timeout) if client is None else client
    try:
        with ctx.translate(), atomic_write(path, fsync=fsync) as out:
            sink = _Sink(out, ctx, max_bytes, accept, time.monotonic() + timeout)
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code >= 400:
                    await response.aread()
                sink.start(response)
                async for chunk in response.aiter_bytes(chunk_size):
                    sink.write(chunk)
            result = sink.finish(path)
    finally:
        if owned:
            await client.aclose()
    return result


def _memory_sink(
    url: str,
    errors: HTTPErrorContext | None,
    max_bytes: int,
    accept: Collection[str] | None,
    timeout: float,
) -> tuple[HTTPErrorContext, io.BytesIO, _Sink]:
    check_url(url)
    ctx = _context(errors, url)
    buffer = io.BytesIO()
    return ctx, buffer, _Sink(buffer, ctx, max_bytes, accept, time.monotonic() + timeout)


def fetch_bytes(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float = 60.0,
    accept: Collection[str] | None = None,
    client: httpx.Client | None = None,
    errors: HTTPErrorContext | None = None,
) -> bytes:
    """The body of ``url`` in memory, with the checks of :func:`download`.

    ``max_bytes`` defaults to 50 MiB here. The body must be a recognised media
    type; ``accept`` narrows which.
    """
    ctx, buffer, sink = _memory_sink(url, errors, max_bytes or 50 * 2**20, accept, timeout)
    owned = client is None
    client = http_client(timeout=timeout) if client is None else client
    try:
        with ctx.translate(), client.stream("GET", url, headers=headers) as response:
            sink.start(response)
            for chunk in response.iter_bytes():
                sink.write(chunk)
            sink.finish(None)
    finally:
        if owned:
            client.close()
    return buffer.getvalue()


async def afetch_bytes(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    max_bytes: int | None = None,
    timeout: float = 60.0,
    accept: Collection[str] | None = None,
    client: httpx.AsyncClient | None = None,
    errors: HTTPErrorContext | None = None,
) -> bytes:
    """The async twin of :func:`fetch_bytes`."""
    ctx, buffer, sink = _memory_sink(url, errors, max_bytes or 50 * 2**20, accept, timeout)
    owned = client is None
    client = async_http_client(timeout=timeout) if client is None else client
    try:
        with ctx.translate():
            async with client.stream("GET", url, headers=headers) as response:
                if response.status_code >= 400:
                    await response.aread()
                sink.start(response)
                async for chunk in response.aiter_bytes():
                    sink.write(chunk)
                sink.finish(None)
    finally:
        if owned:
            await client.aclose()
    return buffer.getvalue()
