"""The FastAPI application: API, gallery, limits, CORS, and the worker pool's lifespan.

::

    from inference_serve import ServeConfig, create_app

    app = create_app(ServeConfig(data_dir=Path("serve-data")))
    # uvicorn.run(app, host="127.0.0.1", port=8000)
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline

from inference_serve import __version__
from inference_serve._fastpath import GenerationFastPath
from inference_serve._metrics import METRICS
from inference_serve.api import router
from inference_serve.config import ServeConfig
from inference_serve.gallery import router as gallery_router
from inference_serve.gallery import static_files
from inference_serve.jobs import JobManager
from inference_serve.store import ServeStore

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from fastapi import FastAPI
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["DOCS_STATIC", "BodyLimit", "create_app"]

#: Where the Swagger UI files of ``/docs`` are served from.
DOCS_STATIC = "/static/docs"


class BodyLimit:
    """413 for a request whose body is over ``limit`` bytes (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"0").decode("latin-1")
        if not length.isdigit() or int(length) > self.limit:
            await self._too_large(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await self._too_large(scope, receive, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = JSONResponse({"detail": f"body over {self.limit} bytes"}, status_code=413)
        await response(scope, receive, send)


class _TooLarge(Exception):
    pass


def create_app(config: ServeConfig | None = None) -> FastAPI:
    """The service as an ASGI application; jobs start with the app and resume what was left."""
    config = config or ServeConfig()
    config.data_dir = config.data_dir.resolve()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = ServeStore(config.data_dir, store_url=config.store_url)
        manager = JobManager(store, config)
        app.state.store, app.state.manager, app.state.config = store, manager, config
        METRICS.enabled = True
        manager.start()
        try:
            yield
        finally:
            await manager.stop()
            store.close()

    # Swagger UI at /docs from files shipped in the fastapi-offline wheel (no CDN: it works
    # offline); no online validator badge either.
    app = FastAPIOffline(
        title="inference-serve",
        version=__version__,
        description="Generators, jobs with live progress (Server-Sent Events) and content-addressed assets.",
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
        static_url=DOCS_STATIC,
        swagger_ui_parameters={"validatorUrl": None},
    )

    # Innermost of the middlewares added here: the body limit and CORS apply to it too.
    app.add_middleware(GenerationFastPath)
    app.add_middleware(BodyLimit, limit=config.max_upload_bytes)
    if config.cors_origins:
        from fastapi.middleware.cors import CORSMiddleware

        app.add_middleware(
            CORSMiddleware,
            allow_origins=config.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type", "Prefer", "Last-Event-ID", "Range"],
        )
    app.include_router(router)
    app.include_router(gallery_router)
    app.mount("/static", static_files(), name="static")
    return app
