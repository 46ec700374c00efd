"""A loopback HTTP server for testing provider plugins against their real wire protocol."""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from types import TracebackType

    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

__all__ = ["Fault", "LoopbackServer", "RecordedRequest"]


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request the server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    fault: Fault | None = None

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def header(self, name: str, default: str | None = None) -> str | None:
        """A header by case-insensitive name."""
        return self.headers.get(name.lower(), default)

    @property
    def params(self) -> dict[str, list[str]]:
        """The query string parsed."""
        return parse_qs(self.query)


@dataclass(frozen=True, slots=True)
class Fault:
    """One scripted misbehaviour, consumed by the next request that matches ``path``.

    Build them with the class methods: ``Fault.status(429, headers={"Retry-After": "1"})``,
    ``Fault.delay(0.5)``, ``Fault.hang()``, ``Fault.malformed()``, ``Fault.truncated()``,
    ``Fault.content_type("text/html")``.
    """

    kind: str
    status_code: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    seconds: float = 0.0
    path: str | None = None
    method: str | None = None

    @classmethod
    def status(
        cls,
        status_code: int,
        body: bytes | str | dict[str, Any] | None = None,
        *,
        headers: dict[str, str] | None = None,
        content_type: str = "application/json",
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Answer with ``status_code`` and ``body`` instead of the app."""
        if isinstance(body, dict):
            raw = json.dumps(body).encode()
        elif isinstance(body, str):
            raw = body.encode()
        else:
            raw = body or b""
        merged = {"Content-Type": content_type, **(headers or {})}
        return cls("status", status_code, raw, tuple(merged.items()), path=path, method=method)

    @classmethod
    def delay(cls, seconds: float, *, path: str | None = None, method: str | None = None) -> Fault:
        """Wait ``seconds``, then answer normally."""
        return cls("delay", seconds=seconds, path=path, method=method)

    @classmethod
    def hang(
        cls, seconds: float = 30.0, *, path: str | None = None, method: str | None = None
    ) -> Fault:
        """Send nothing for ``seconds`` (or until the server stops), then close."""
        return cls("hang", seconds=seconds, path=path, method=method)

    @classmethod
    def malformed(
        cls,
        body: bytes = b'{"id": "x", "choices": [',
        *,
        content_type: str = "application/json",
        path: str | None = None,
        method: str | None = None,
    ) -> Fault:
        """Answer 200 with a body that does not parse."""
        return cls.status(200, body, content_type=content_type, path=path, method=method)

    @classmethod
    def truncated(
        cls, keep: float = 0.5, *, path: str | None = None, method: str | None = None
    ) -> Fault:
        """Answer as the app would, but close after ``keep`` of the body (Content-Length stays whole)."""
        return cls("truncated", seconds=keep, path=path, method=method)

    @classmethod
    def content_type(
        cls, value: str, *, path: str | None = None, method: str | None = None
    ) -> Fault:
        """Answer as the app would, with the Content-Type replaced by ``value``."""
        return cls("content_type", headers=(("Content-Type", value),), path=path, method=method)

    def matches(self, method: str, path: str) -> bool:
        return (self.path is None or path.startswith(self.path)) and (
            self.method is None or self.method.upper() == method
        )


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class LoopbackServer:
    """Serve a WSGI app on ``127.0.0.1`` on an ephemeral port in a background thread.

    Every request is recorded in :attr:`requests`. Faults scripted with
    :meth:`script` are consumed one per matching request, in order; ``latency``
    is added to every request::

        with LoopbackServer(app) as server:
            server.script(Fault.status(429, headers={"Retry-After": "0.01"}))
            client.get(server.url + "/v1/things")
            assert len(server.requests) == 2
    """

    def __init__(self, app: WSGIApplication, *, latency: float = 0.0) -> None:
        self.app = app
        self.latency = latency
        self.requests: list[RecordedRequest] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._faults: deque[Fault] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, with no trailing slash."""
        if self._server is None:
            raise RuntimeError(
                "the server is not running; use it as a context manager or call start()"
            )
        return f"http://127.0.0.1:{self._server.server_port}"

    def script(self, *faults: Fault) -> None:
        """Queue faults for the next matching requests."""
        with self._lock:
            self._faults.extend(faults)

    def clear(self) -> None:
        """Forget recorded requests and pending faults."""
        with self._lock:
            self.requests.clear()
            self._faults.clear()

    def requests_to(self, path: str, method: str | None = None) -> list[RecordedRequest]:
        """The recorded requests whose path starts with ``path``."""
        return [
            r
            for r in self.requests
            if r.path.startswith(path) and (method is None or r.method == method.upper())
        ]

    def start(self) -> LoopbackServer:
        server = make_server(
            "127.0.0.1", 0, self._handle, server_class=_Server, handler_class=_QuietHandler
        )
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- request handling -------------------------------------------------------

    def _next_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    self._faults.remove(fault)
                    return fault
        return None

    def _handle(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = _BytesInput(body)
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        headers = {
            key[5:].replace("_", "-").lower(): value
            for key, value in environ.items()
            if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        fault = self._next_fault(method, path)
        with self._lock:
            self.requests.append(
                RecordedRequest(method, path, environ.get("QUERY_STRING", ""), headers, body, fault)
            )
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        return self._stream(fault, environ, start_response)

    def _stream(
        self, fault: Fault | None, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterator[bytes]:
        try:
            yield from self._respond(fault, environ, start_response)
        finally:
            with self._lock:
                self.in_flight -= 1

    def _respond(
        self, fault: Fault | None, environ: WSGIEnvironment, start_response: StartResponse
    ) -> Iterator[bytes]:
        if self.latency:
            self._stopping.wait(self.latency)
        if fault is None:
            yield from self._call_app(environ, start_response)
            return
        if fault.kind == "delay":
            self._stopping.wait(fault.seconds)
            yield from self._call_app(environ, start_response)
        elif fault.kind == "hang":
            self._stopping.wait(fault.seconds)
            start_response("504 Gateway Timeout", [("Content-Length", "0")])
        elif fault.kind == "status":
            start_response(
                _status_line(fault.status_code),
                [*fault.headers, ("Content-Length", str(len(fault.body)))],
            )
            yield fault.body
        elif fault.kind == "truncated":
            captured: dict[str, Any] = {}

            def capture(
                status: str, headers: list[tuple[str, str]], exc_info: Any = None
            ) -> Callable[[bytes], object]:
                captured["status"], captured["headers"] = status, headers
                return lambda _: None

            full = b"".join(self._call_app(environ, capture))
            headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
            start_response(captured["status"], [*headers, ("Content-Length", str(len(full)))])
            yield full[: int(len(full) * fault.seconds)]
        elif fault.kind == "content_type":
            replacement = dict(fault.headers)["Content-Type"]

            def swap(
                status: str, headers: list[tuple[str, str]], exc_info: Any = None
            ) -> Callable[[bytes], object]:
                kept = [(k, v) for k, v in headers if k.lower() != "content-type"]
                return start_response(status, [*kept, ("Content-Type", replacement)])

            yield from self._call_app(environ, swap)

    def _call_app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        return self.app(environ, start_response)


class _BytesInput:
    def __init__(self, data: bytes) -> None:
        import io

        self._buffer = io.BytesIO(data)

    def read(self, size: int = -1) -> bytes:
        return self._buffer.read(size)

    def readline(self, size: int = -1) -> bytes:
        return self._buffer.readline(size)


def _status_line(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Unknown"
