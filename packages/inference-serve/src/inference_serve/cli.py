"""``infer serve`` (run the service) and ``infer serve token create|list|revoke``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from inference_core.errors import ConfigurationError
from inference_pipeline.database import STORE_ENV, redact_url, resolve_store_url
from inference_serve.config import DATA_ENV, ServeConfig, default_data_dir

if TYPE_CHECKING:
    from inference_serve.store import ServeStore

__all__ = ["register"]

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help=f"Job store, assets and job folders (default ${DATA_ENV} or the user data folder).",
    ),
]

Store = Annotated[
    str | None,
    typer.Option(
        "--store",
        help=f"Jobs and histories in this postgresql:// database (default ${STORE_ENV}, "
        "else SQLite in the data folder).",
        show_default=False,
    ),
]

serve_app = typer.Typer(
    help="Run the HTTP API and gallery (see also: infer serve token).",
    no_args_is_help=False,
    invoke_without_command=True,
)
token_app = typer.Typer(
    help="Bearer tokens: create (shown once), list, revoke.", no_args_is_help=True
)
serve_app.add_typer(token_app, name="token")


def _fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


@serve_app.callback()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    data_dir: DataDir = None,
    workers: Annotated[int, typer.Option(min=1, help="Jobs running at once.")] = 4,
    per_token: Annotated[
        int, typer.Option("--per-token", min=1, help="Jobs one token runs at once.")
    ] = 2,
    max_upload_mb: Annotated[
        float, typer.Option("--max-upload-mb", min=0.001, help="Largest request body.")
    ] = 10.0,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option("--cors-origin", help="Allow this origin (repeat); CORS is off without."),
    ] = None,
    keepalive: Annotated[
        float, typer.Option(min=0.01, help="Seconds between SSE keep-alive comments.")
    ] = 15.0,
    store: Store = None,
    executor: Annotated[
        str,
        typer.Option(
            "--executor",
            envvar="INFERENCE_EXECUTOR",
            help="Where batch jobs' scenes run: local, or an installed executor (ray).",
        ),
    ] = "local",
    address: Annotated[
        str | None, typer.Option("--address", help="Cluster of --executor (ray: host:port).")
    ] = None,
) -> None:
    """Serve the API under /v1 (OpenAPI at /docs) and the gallery at /."""
    if ctx.invoked_subcommand is not None:
        return
    import uvicorn

    from inference_pipeline.executor import executor_names
    from inference_serve.app import create_app

    if executor not in executor_names():
        _fail(f"no executor named {executor!r}; installed: {', '.join(executor_names())}")
    if address and executor == "local":
        _fail("--address needs --executor (e.g. --executor ray)")

    url = _store_url(store)
    if url is not None:  # fail before serving: a bad URL or an unreachable server is one line
        _store(data_dir, url).close()
    config = ServeConfig(
        store_url=url,
        data_dir=data_dir or default_data_dir(),
        workers=workers,
        max_running_per_token=per_token,
        max_upload_bytes=int(max_upload_mb * 1024 * 1024),
        cors_origins=list(cor_origins) if (cor_origins := cors_origin) else [],
        keepalive_s=keepalive,
        executor=executor,
        executor_address=address,
    )
    where = f"{config.data_dir}, jobs in {redact_url(url)}" if url else str(config.data_dir)
    typer.echo(f"serving on http://{host}:{port}/ (data in {where})", err=True)
    uvicorn.run(
        create_app(config),
        host=host,
        port=port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        # asyncio's own loop, not uvloop: generations of sync-only plugins run on threads
        # of this process, and uvloop takes the GIL back for every I/O callback (each a
        # wait behind those threads), where asyncio's loop takes it once per turn.
        loop="asyncio",
    )


def _store_url(store: str | None) -> str | None:
    try:
        return resolve_store_url(store)
    except ConfigurationError as exc:
        _fail(str(exc))


def _store(data_dir: Path | None, store: str | None) -> ServeStore:
    from inference_serve.store import ServeStore

    try:
        return ServeStore(data_dir or default_data_dir(), store_url=_store_url(store))
    except ConfigurationError as exc:
        _fail(str(exc))


@token_app.command("create")
def token_create(
    name: Annotated[str, typer.Argument(help="Who the token is for.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="Sees every token's jobs and assets.")
    ] = False,
    data_dir: DataDir = None,
    store_url: Store = None,
) -> None:
    """Make a token and print it once (only its hash is stored)."""
    store = _store(data_dir, store_url)
    try:
        _, secret = store.create_token(name, admin=admin)
    except ValueError as exc:
        _fail(str(exc))
    finally:
        store.close()
    typer.echo(secret)
    typer.echo(
        f"token {name!r} created{' (admin)' if admin else ''}; it is shown only now", err=True
    )


@token_app.command("list")
def token_list(data_dir: DataDir = None, store_url: Store = None) -> None:
    """Token names (never the tokens)."""
    store = _store(data_dir, store_url)
    try:
        for token in store.tokens():
            typer.echo(f"{token.name}{'  admin' if token.admin else ''}")
    finally:
        store.close()


@token_app.command("revoke")
def token_revoke(name: str, data_dir: DataDir = None, store_url: Store = None) -> None:
    """Revoke a token by name."""
    store = _store(data_dir, store_url)
    try:
        if not store.revoke_token(name):
            _fail(f"no token named {name!r}")
    finally:
        store.close()
    typer.echo(f"token {name!r} revoked", err=True)


def register(app: typer.Typer) -> None:
    """Add ``infer serve`` to the ``infer`` application."""
    app.add_typer(serve_app, name="serve")
