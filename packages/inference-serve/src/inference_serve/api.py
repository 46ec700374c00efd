"""The ``/v1`` routes, ``/healthz`` and ``/metrics``.

Every route but ``/healthz`` needs a bearer token (or the gallery's cookie);
a job or asset of another token answers 404, as one that does not exist.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import (
    APIRouter,
    Depends,
    File,
    Form,
    Header,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from sse_starlette import EventSourceResponse

from inference_serve import __version__
from inference_serve._json import dumps_bytes
from inference_serve._metrics import METRICS
from inference_serve.assets import file_response
from inference_serve.checks import (
    RequestInvalid,
    check_batch,
    check_generation,
    find_class,
    public_info,
)
from inference_serve.jobs import asset_url
from inference_serve.models import (
    BatchRequest,
    ErrorOut,
    GenerationRequest,
    GeneratorDetail,
    GeneratorSummary,
    Health,
    JobOut,
    JobPage,
    RetryRequest,
)
from inference_serve.store import ACTIVE, TokenRow

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from inference_serve.jobs import JobManager
    from inference_serve.store import JobRow, ServeStore

__all__ = ["COOKIE", "router"]

COOKIE = "infer_token"
_SHA = re.compile(r"^[0-9a-f]{64}$")
_PREFER_WAIT = re.compile(r"(?:^|[,;\s])wait\s*=\s*(\d+(?:\.\d+)?)")
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token, or an unknown one."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    404: {"model": ErrorOut, "description": "No such thing for this token."},
}

_JSON_ERROR = {"application/json": {"schema": ErrorOut.model_json_schema()}}

router = APIRouter()


def _manager(request: Request) -> JobManager:
    manager: JobManager = request.app.state.manager
    return manager


async def _token(request: Request) -> TokenRow | None:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        secret = request.cookies.get(COOKIE, "")
    store: ServeStore = request.app.state.store
    return await store.atoken_for(secret.strip()) if secret.strip() else None


async def caller(request: Request) -> TokenRow:
    """The token of the request (``Authorization: Bearer``, else the gallery's cookie); 401 without."""
    token = await _token(request)
    if token is None:
        raise HTTPException(
            401, "a valid bearer token is required", headers={"WWW-Authenticate": "Bearer"}
        )
    return token


Caller = Annotated[TokenRow, Depends(caller)]


def _own_job(manager: JobManager, token: TokenRow, job_id: str) -> JobRow:
    job = manager.current(job_id)
    if job is None or not (token.admin or job.token_id == token.id):
        raise HTTPException(404, f"no job {job_id!r}")
    return job


def job_body(manager: JobManager, job: JobRow) -> dict[str, Any]:
    """A job as the API shows it (:class:`JobOut`'s fields), as plain JSON-ready data."""
    assets = [
        {
            "sha256": a.sha256,
            "url": asset_url(a.sha256),
            "mime_type": a.mime_type,
            "size": a.size,
            "width": a.width,
            "height": a.height,
            "scene_id": a.scene_id,
            "role": a.role,
        }
        for a in manager.store.assets_of(job)
    ]
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "request": {k: v for k, v in job.request.items() if k != "rerun"},
        "result": job.result,
        "error": job.error,
        "events_url": f"/v1/jobs/{job.id}/events",
        "assets": assets,
    }


def job_out(manager: JobManager, job: JobRow) -> JobOut:
    return JobOut.model_validate(job_body(manager, job))


def _invalid(exc: RequestInvalid) -> JSONResponse:
    return JSONResponse({"detail": exc.errors}, status_code=422)


@router.get("/healthz", tags=["service"])
async def healthz(request: Request) -> Health:
    """Liveness, without a token."""
    counts = request.app.state.store.counts_by_status()
    return Health(
        status="ok",
        version=__version__,
        jobs_running=counts.get("running", 0),
        jobs_queued=counts.get("queued", 0),
    )


@router.get(
    "/metrics",
    tags=["service"],
    response_class=PlainTextResponse,
    # The errors are JSON, beside the route's text/plain answer.
    responses={
        401: {"content": _JSON_ERROR, "description": "No token, or an unknown one."},
        403: {"content": _JSON_ERROR, "description": "Not an admin token."},
    },
)
async def metrics(request: Request, token: Caller) -> PlainTextResponse:
    """Prometheus text: jobs by state, generation latency, provider errors by class.

    For admin tokens only: the figures cover every token's jobs.
    """
    if not token.admin:
        raise HTTPException(403, "metrics need an admin token")
    counts = request.app.state.store.counts_by_status()
    return PlainTextResponse(METRICS.render(counts), media_type="text/plain; version=0.0.4")


@router.get("/v1/generators", tags=["generators"], responses=_ERRORS)
async def list_generators(token: Caller) -> list[GeneratorSummary]:
    """Every installed generator (ids, modality)."""
    from inference_core import get_registry

    out = []
    for modality in ("image", "video", "audio"):
        for info in get_registry(modality).get_all_generators_info().values():
            out.append(GeneratorSummary(**{k: info[k] for k in GeneratorSummary.model_fields}))
    return out


@router.get("/v1/generators/{generator_id}", tags=["generators"], responses=_NOT_FOUND)
async def get_generator(generator_id: str, token: Caller) -> GeneratorDetail:
    """One generator with the JSON Schema of its inputs (secret fields are never listed)."""
    from inference_core import PluginError

    try:
        info = public_info(find_class(generator_id))
    except PluginError:
        raise HTTPException(404, f"no generator {generator_id!r}") from None
    return GeneratorDetail(**{k: info[k] for k in GeneratorDetail.model_fields})


def _wait(prefer: str | None, limit: float) -> float | None:
    match = _PREFER_WAIT.search(prefer or "")
    return min(float(match[1]), limit) if match else None


async def _answer(request: Request, job: JobRow, prefer: str | None) -> Response:
    manager = _manager(request)
    wait = _wait(prefer, request.app.state.config.max_wait_s)
    headers = {"Location": f"/v1/jobs/{job.id}"}
    stored = False  # the job is stored before anyone is told about it
    if wait is not None:
        headers["Preference-Applied"] = f"wait={wait:g}"
        stored = await manager.wait(job.id, wait)
    if not stored:
        await manager.store.settle()
    done = job.status not in ACTIVE  # ``job`` is the object the worker updates
    return Response(
        dumps_bytes(job_body(manager, job)),
        status_code=200 if done and wait is not None else 202,
        headers=headers,
        media_type="application/json",
    )


_SUBMIT: dict[int | str, dict[str, Any]] = {
    **_ERRORS,
    200: {"model": JobOut, "description": "Finished within the wait asked for (Prefer: wait=N)."},
    202: {"model": JobOut, "description": "Accepted: follow it at events_url."},
    413: {"model": ErrorOut, "description": "Body over the upload limit."},
}


@router.post(
    "/v1/generations", tags=["jobs"], status_code=202, response_model=JobOut, responses=_SUBMIT
)
async def create_generation(
    request: Request,
    body: GenerationRequest,
    token: Caller,
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """Validate, then run one generation as a job. ``Prefer: wait=N`` answers when done within N s.

    A request this accepts is mostly answered by :func:`fast_generation` (see
    :mod:`inference_serve._fastpath`), through the same code.
    """
    try:
        job_request = check_generation(body)
    except RequestInvalid as exc:
        return _invalid(exc)
    return await _generate(request, token, job_request, prefer)


async def _generate(
    request: Request, token: TokenRow, job_request: dict[str, Any], prefer: str | None
) -> Response:
    job = _manager(request).submit(token.id, "generation", job_request)
    return await _answer(request, job, prefer)


async def fast_generation(request: Request, body: bytes) -> Response | None:
    """:func:`create_generation`'s answer to a request it accepts; ``None`` for any other
    (the route then answers it, errors included). ``body`` is the request's body."""
    if request.headers.get("content-type", "").partition(";")[0].strip() != "application/json":
        return None
    token = await _token(request)
    if token is None:
        return None
    try:  # as FastAPI reads it: json.loads, then the model's validation
        job_request = check_generation(GenerationRequest.model_validate(json.loads(body)))
    except (ValueError, RequestInvalid):  # pydantic's ValidationError is a ValueError
        return None
    return await _generate(request, token, job_request, request.headers.get("prefer"))


@router.post(
    "/v1/batches", tags=["jobs"], status_code=202, response_model=JobOut, responses=_SUBMIT
)
async def create_batch(
    request: Request,
    body: BatchRequest,
    token: Caller,
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """Run a storyboard (object, or YAML/JSON text) as a batch job."""
    try:
        job_request = check_batch(body)
    except RequestInvalid as exc:
        return _invalid(exc)
    job = _manager(request).submit(token.id, "batch", job_request)
    return await _answer(request, job, prefer)


@router.post(
    "/v1/batches/upload", tags=["jobs"], status_code=202, response_model=JobOut, responses=_SUBMIT
)
async def upload_batch(
    request: Request,
    token: Caller,
    file: Annotated[UploadFile, File(description="scenes.yaml or storyboard JSON")],
    generator: Annotated[str, Form(min_length=1, max_length=200)],
    fallbacks: Annotated[str, Form(description="Comma-separated generator ids.")] = "",
    narration_generator: Annotated[str, Form()] = "",
    video_generator: Annotated[str, Form()] = "",
    style: Annotated[str, Form()] = "",
    concurrency: Annotated[int, Form(ge=1, le=64)] = 4,
    prefer: Annotated[str | None, Header()] = None,
) -> Response:
    """A storyboard file upload (YAML or JSON) run as a batch job."""
    limit = request.app.state.config.max_upload_bytes
    data = await file.read(limit + 1)
    if len(data) > limit:
        return JSONResponse({"detail": f"upload over {limit} bytes"}, status_code=413)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return _invalid(
            RequestInvalid(
                [{"loc": ["body", "file"], "msg": "not UTF-8 text", "type": "value_error"}]
            )
        )
    try:
        body = BatchRequest(
            storyboard=text,
            generator=generator,
            fallbacks=[f.strip() for f in fallbacks.split(",") if f.strip()],
            narration_generator=narration_generator or None,
            video_generator=video_generator or None,
            style=style or None,
            concurrency=concurrency,
        )
        job_request = check_batch(body)
    except RequestInvalid as exc:
        return _invalid(exc)
    except ValueError as exc:  # pydantic's ValidationError
        return _invalid(
            RequestInvalid(
                [{"loc": ["body"], "msg": str(exc).splitlines()[0], "type": "value_error"}]
            )
        )
    job = _manager(request).submit(token.id, "batch", job_request)
    return await _answer(request, job, prefer)


@router.get("/v1/jobs", tags=["jobs"], responses=_ERRORS)
async def list_jobs(
    request: Request,
    token: Caller,
    limit: Annotated[int, Query(ge=1, le=200)] = 20,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> JobPage:
    """The caller's jobs, newest first (every job for an admin token)."""
    manager = _manager(request)
    rows, total = manager.store.jobs(None if token.admin else token.id, limit=limit, offset=offset)
    items = [job_out(manager, manager.current(r.id) or r) for r in rows]
    more = offset + len(rows) < total
    return JobPage(items=items, total=total, next_offset=offset + len(rows) if more else None)


@router.get("/v1/jobs/{job_id}", tags=["jobs"], responses=_NOT_FOUND)
async def get_job(request: Request, job_id: str, token: Caller) -> JobOut:
    manager = _manager(request)
    return job_out(manager, _own_job(manager, token, job_id))


@router.delete("/v1/jobs/{job_id}", tags=["jobs"], responses=_NOT_FOUND)
async def cancel_job(request: Request, job_id: str, token: Caller) -> JobOut:
    """Cancel a queued or running job (a finished one is returned as it is).

    Answers once the job has stopped (a running batch finishes the file it is
    writing first), or after 10 seconds with the job still ``running``.
    """
    manager = _manager(request)
    job = manager.cancel(_own_job(manager, token, job_id))
    await manager.wait(job.id, 10.0)
    return job_out(manager, manager.current(job.id) or job)


@router.post(
    "/v1/jobs/{job_id}/retry",
    tags=["jobs"],
    status_code=202,
    responses={**_NOT_FOUND, 409: {"model": ErrorOut, "description": "Not a finished batch."}},
)
async def retry_job(request: Request, job_id: str, body: RetryRequest, token: Caller) -> JobOut:
    """Generate scenes of a finished batch again: the given ``scene_ids``, or the failed ones."""
    manager = _manager(request)
    job = _own_job(manager, token, job_id)
    if job.kind != "batch" or job.status in ACTIVE:
        raise HTTPException(409, "only a finished batch can be retried")
    if body.scene_ids:
        known = {
            str(s.get("id", s.get("scene_id"))) for s in job.request["storyboard"].get("scenes", [])
        }
        unknown = [s for s in body.scene_ids if s not in known]
        if unknown:
            raise HTTPException(409, f"no scene {unknown[0]!r} in this batch")
    return job_out(manager, manager.retry(job, body.scene_ids))


@router.get(
    "/v1/jobs/{job_id}/events",
    tags=["jobs"],
    response_class=EventSourceResponse,
    responses={
        **_NOT_FOUND,
        200: {"content": {"text/event-stream": {}}, "description": "Server-Sent Events."},
    },
)
async def job_events(
    request: Request,
    job_id: str,
    token: Caller,
    last_event_id: Annotated[str | None, Header()] = None,
) -> EventSourceResponse:
    """The job's events as Server-Sent Events; resume with ``Last-Event-ID``."""
    manager = _manager(request)
    job = _own_job(manager, token, job_id)
    after = int(last_event_id) if last_event_id and last_event_id.strip().isdigit() else 0

    async def stream() -> AsyncIterator[bytes]:
        backlog, sub = manager.subscribe(job.id, after)
        sent = backlog[-1][0] if backlog else after
        try:
            if backlog:
                yield b"".join(message for _, message in backlog)
            if sub is None:
                return
            while True:
                items = [await sub.queue.get()]
                while not sub.queue.empty():  # a slow reader gets what piled up in one write
                    items.append(sub.queue.get_nowait())
                chunk = []
                for item in items:
                    if item is None:
                        break
                    if item[0] > sent:
                        sent = item[0]
                        chunk.append(item[1])
                if chunk:
                    yield b"".join(chunk)
                if None in items:
                    return
        finally:
            if sub is not None:
                manager.unsubscribe(job.id, sub)

    return EventSourceResponse(
        stream(),
        ping=request.app.state.config.keepalive_s,
        sep="\n",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


@router.get(
    "/v1/assets/{sha256}",
    tags=["assets"],
    response_class=Response,
    responses={
        **_NOT_FOUND,
        200: {"content": {"application/octet-stream": {}}, "description": "The file."},
        206: {"description": "Part of the file (Range)."},
        304: {"description": "Not modified."},
        416: {"description": "Range not satisfiable."},
    },
)
async def get_asset(
    request: Request,
    sha256: str,
    token: Caller,
    range: Annotated[str | None, Header()] = None,
    if_none_match: Annotated[str | None, Header()] = None,
) -> Response:
    """A file by its SHA-256, with its type, ETag and range requests."""
    manager = _manager(request)
    mime = (
        manager.store.asset_mime(sha256, None if token.admin else token.id)
        if _SHA.match(sha256)
        else None
    )
    path = manager.assets.path(sha256)
    if mime is None or not path.is_file():
        raise HTTPException(404, f"no asset {sha256!r}")
    return file_response(path, sha256, mime, range_header=range, if_none_match=if_none_match)
