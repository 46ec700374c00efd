"""Replay responses recorded from a real provider service over a :class:`LoopbackServer`.

A recording is two files side by side: ``NAME.body``, the body exactly as
the service sent it, and ``NAME.json``, what came with it::

    {"status": 201, "headers": [["Content-Type", "application/json"], ...],
     "chunked": false, "source": {"repo": "...", "path": "...", "request": ...},
     "notes": "..."}

:class:`Replay` is a WSGI app that answers each route with its recordings in
order (the last one repeats, as a prediction polled after it finished does)
and rewrites the absolute URLs the real service put in its bodies so that
they point back at the loopback server::

    recorded = Recording.load_all(Path(__file__).parent / "recorded" / "replicate")
    app = Replay(rewrite={"https://api.replicate.com": "", "https://replicate.delivery": "/delivery"})
    app.route("POST", "/v1/predictions", recorded["sdxl_run_00"])
    app.route("GET", "/v1/predictions/", *(recorded[f"sdxl_run_{i:02}"] for i in range(1, 12)))
    app.route("GET", "/delivery/", recorded["delivery_png"])
    with LoopbackServer(app) as server:
        ...  # the generator polls, then downloads from server.url + "/delivery/..."
"""

from __future__ import annotations

import dataclasses
import json
import pathlib
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import os
    from collections.abc import Iterable, Mapping

    from _typeshed.wsgi import StartResponse, WSGIEnvironment

__all__ = ["Recording", "Replay"]

#: Headers that describe the recorded transfer, not the content: the replay sets its own.
_TRANSFER_HEADERS = frozenset(
    {"content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive"}
)
#: How a body recorded as chunked is sent: in pieces of this size, without a Content-Length.
_CHUNK = 8192


@dataclass(frozen=True)
class Recording:
    """One recorded response: status, headers and body, and where it was recorded.

    ``source`` is the provenance from the ``.json`` (``repo``, ``path``, and
    often ``request``: what was sent to get this answer).
    :meth:`dataclasses.replace` derives a variant; :meth:`of` builds a
    response that was not recorded (an asset served at a rewritten URL).
    """

    name: str
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    chunked: bool = False
    source: Mapping[str, Any] = field(default_factory=dict)
    notes: str = ""

    @classmethod
    def load(cls, folder: str | os.PathLike[str], name: str) -> Recording:
        """``NAME.body`` and ``NAME.json`` from ``folder``."""
        base = pathlib.Path(folder)
        meta = json.loads((base / f"{name}.json").read_text(encoding="utf-8"))
        return cls(
            name=name,
            status=int(meta["status"]),
            headers=tuple((str(k), str(v)) for k, v in meta.get("headers", [])),
            body=(base / f"{name}.body").read_bytes(),
            chunked=bool(meta.get("chunked", False)),
            source=dict(meta.get("source") or {}),
            notes=str(meta.get("notes") or ""),
        )

    @classmethod
    def load_all(cls, folder: str | os.PathLike[str]) -> dict[str, Recording]:
        """Every recording in ``folder``, by name (a ``.body`` without its ``.json`` raises)."""
        base = pathlib.Path(folder)
        return {p.stem: cls.load(base, p.stem) for p in sorted(base.glob("*.body"))}

    @classmethod
    def of(
        cls, body: bytes, content_type: str, *, status: int = 200, name: str = "served"
    ) -> Recording:
        """A response that was not recorded, such as an image served at a rewritten URL."""
        return cls(name=name, status=status, headers=(("Content-Type", content_type),), body=body)

    @property
    def request(self) -> Any:
        """The recorded request (``source.request``), parsed when it is JSON; ``None`` if absent."""
        request = self.source.get("request")
        if isinstance(request, str):
            try:
                return json.loads(request)
            except ValueError:
                return request
        return request

    def header(self, name: str) -> str | None:
        """The first recorded header called ``name`` (case-insensitive)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def json(self) -> Any:
        """The body parsed as JSON."""
        return json.loads(self.body)

    def with_json(self, name: str, **changes: Any) -> Recording:
        """A variant named ``name`` whose JSON body has ``changes`` applied at the top level."""
        payload = {**self.json(), **changes}
        return dataclasses.replace(self, name=name, body=json.dumps(payload).encode())

    def respond(
        self, start_response: StartResponse, rewrite: Mapping[str, str] | None = None
    ) -> Iterable[bytes]:
        """Send this response: the recorded status and headers, the body with ``rewrite`` applied.

        A body recorded as chunked goes out in pieces without a ``Content-Length``
        (the client reads to the end of the stream); any other with its length.
        """
        body = self.body
        for old, new in (rewrite or {}).items():
            body = body.replace(old.encode(), new.encode())
        headers = [(k, v) for k, v in self.headers if k.lower() not in _TRANSFER_HEADERS]
        if not self.chunked:
            headers.append(("Content-Length", str(len(body))))
        start_response(_status_line(self.status), headers)
        if not self.chunked:
            return [body]
        return [body[i : i + _CHUNK] for i in range(0, len(body), _CHUNK)] or [b""]


class Replay:
    """A WSGI app answering each route with its recordings, in order; the last one repeats.

    ``rewrite`` maps absolute URL prefixes found in recorded bodies
    (``"https://api.replicate.com"``) to a path on this server (``""``, or
    ``"/delivery"``); they become ``http://<the host the client used><path>``.
    A request no route matches gets a 404 whose body says so, and is kept in
    :attr:`unmatched`.
    """

    def __init__(self, *, rewrite: Mapping[str, str] | None = None) -> None:
        self.rewrite = dict(rewrite or {})
        self.unmatched: list[str] = []
        self._routes: list[tuple[str, str, list[Recording]]] = []
        self._lock = threading.Lock()

    def route(self, method: str, path: str, *recordings: Recording) -> Replay:
        """Answer ``method`` requests whose path starts with ``path`` with ``recordings``."""
        if not recordings:
            raise ValueError("a route needs at least one recording")
        self._routes.append((method.upper(), path, list(recordings)))
        return self

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/")
        with self._lock:
            chosen = next(
                (queue for m, p, queue in self._routes if m == method and path.startswith(p)),
                None,
            )
            recording = None
            if chosen is not None:
                recording = chosen.pop(0) if len(chosen) > 1 else chosen[0]
        if recording is None:
            self.unmatched.append(f"{method} {path}")
            missing = json.dumps({"error": f"no recording for {method} {path}"}).encode()
            start_response(
                "404 Not Found",
                [("Content-Type", "application/json"), ("Content-Length", str(len(missing)))],
            )
            return [missing]
        base = f"http://{environ.get('HTTP_HOST') or environ['SERVER_NAME']}"
        return recording.respond(
            start_response, {old: base + new for old, new in self.rewrite.items()}
        )


def _status_line(code: int) -> str:
    from http import HTTPStatus

    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return f"{code} Recorded"
