"""``POST /v1/generations`` without FastAPI's per-request machinery, for the requests it accepts.

A single generation is the API's most frequent request, and on a small job
routing, dependency solving and body parsing cost the event loop about as much
as the job's own bookkeeping. :class:`GenerationFastPath` sits inside the
user middlewares (after CORS and the body limit, so both still apply) and
answers a request the route would accept, through the same code
(:func:`inference_serve.api.fast_generation`): a JSON body, a known token,
inputs that pass every check. Anything else (no or an unknown token, a body
that does not parse or validate, another content type) goes on to the route
with its body unread, and gets the route's own answer and errors, as if this
middleware did not exist.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["PATH", "GenerationFastPath"]

PATH = "/v1/generations"


class GenerationFastPath:
    """See the module docstring."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or _route_path(scope) != PATH:
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client left: nobody to answer
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        from inference_serve.api import fast_generation

        response = await fast_generation(Request(scope, replay), body)
        if response is None:
            await self.app(scope, replay, send)
        else:
            await response(scope, replay, send)


def _route_path(scope: Scope) -> str:
    """The path the router matches: without the ``root_path`` the app is mounted under."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    return path[len(root) :] if root and path.startswith(root) else path
