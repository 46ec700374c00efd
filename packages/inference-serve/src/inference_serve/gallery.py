"""The gallery at ``/``: server-rendered HTML and a little plain JavaScript (no build, no CDN).

Sign in with a token (kept in an HttpOnly, SameSite=Strict cookie, so that
``EventSource``, ``<img>`` and ``<video>`` carry it), pick a generator and
fill the form built from its schema, or upload a storyboard; progress arrives
through ``EventSource``, thumbnails as scenes finish; failed scenes can be
retried; earlier jobs are listed with their prompts and parameters.
"""

from __future__ import annotations

import html
import json
from importlib.resources import files
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from inference_serve.api import COOKIE

__all__ = ["router", "static_files"]

router = APIRouter(include_in_schema=False)


def static_files() -> StaticFiles:
    return StaticFiles(directory=str(files("inference_serve") / "static"))


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>inference-serve gallery</title>
<link rel="stylesheet" href="/static/gallery.css">
</head><body>
<header><h1>inference-serve</h1>{who}</header>
<main>{body}</main>
{script}
</body></html>
"""

_LOGIN = """<section class="card"><h2>Sign in</h2>
<p>Paste a token made with <code>infer serve token create NAME</code>.</p>
{error}
<form method="post" action="/login"><input type="password" name="token" id="token" required
 autocomplete="off" placeholder="isk_..."><button type="submit" id="login">Sign in</button></form>
</section>"""

_MAIN = """<section class="card" id="generate"><h2>Generate</h2>
<label>Generator <select id="generator">{options}</select></label>
<form id="gen-form"><div id="fields"></div><button type="submit">Generate</button></form>
</section>
<section class="card" id="storyboard"><h2>Storyboard</h2>
<form id="batch-form">
<label>File (YAML or JSON) <input type="file" name="file" id="board-file" required></label>
<label>Image generator <select name="generator">{image_options}</select></label>
<label>Narration <select name="narration_generator"><option value="">none</option>{audio_options}</select></label>
<label>Final video <select name="video_generator"><option value="">none</option>{video_options}</select></label>
<label>Style <input name="style" placeholder="e.g. illustration"></label>
<label>Concurrency <input type="number" name="concurrency" min="1" max="64" value="4"></label>
<button type="submit" id="run-batch">Run</button></form>
</section>
<section class="card" id="job" hidden><h2>Job <span id="job-id"></span> <span id="job-status" class="status"></span></h2>
<progress id="progress" value="0" max="1"></progress> <span id="progress-text"></span>
<ul id="log"></ul>
<div id="thumbs" class="thumbs"></div>
<div id="media"></div>
<div id="failed"></div>
<button id="cancel" type="button">Cancel</button>
</section>
<section class="card" id="jobs"><h2>Earlier jobs</h2><table><thead><tr><th>When</th><th>Kind</th>
<th>Status</th><th>Prompt / title</th><th>Parameters</th></tr></thead><tbody>{rows}</tbody></table></section>"""


def _options(generators: list[tuple[str, str]], modality: str | None = None) -> str:
    return "".join(
        f'<option value="{html.escape(gid)}" data-modality="{m}">{html.escape(gid)} ({m})</option>'
        for gid, m in generators
        if modality is None or m == modality
    )


def _describe(request: dict[str, Any]) -> tuple[str, str]:
    if "inputs" in request:
        inputs = dict(request["inputs"])
        prompt = str(inputs.pop("prompt", inputs.pop("text", "")))
        return prompt, json.dumps({"generator": request.get("generator"), **inputs})
    board = request.get("storyboard") or {}
    params = {
        k: request.get(k) for k in ("generator", "narration_generator", "video_generator", "style")
    }
    title = board.get("title") or f"{len(board.get('scenes', []))} scenes"
    return str(title), json.dumps({k: v for k, v in params.items() if v})


def _rows(request: Request, token_id: str, admin: bool) -> str:
    rows, _ = request.app.state.store.jobs(None if admin else token_id, limit=50, offset=0)
    out = []
    for job in rows:
        prompt, params = _describe(job.request)
        out.append(
            f'<tr><td><a href="/?job={job.id}" class="job-link" data-job="{job.id}">'
            f'<time data-ts="{job.created_at}">{job.created_at:.0f}</time></a></td>'
            f"<td>{job.kind}</td><td>{html.escape(job.status)}</td><td>{html.escape(prompt)}</td>"
            f"<td><code>{html.escape(params)}</code></td></tr>"
        )
    return "".join(out) or '<tr><td colspan="5">No jobs yet.</td></tr>'


@router.get("/", response_class=HTMLResponse)
def index(request: Request) -> HTMLResponse:
    """The gallery, or the sign-in form without a valid cookie."""
    from inference_core import get_registry

    token = (
        request.app.state.store.token_for(request.cookies.get(COOKIE, ""))
        if request.cookies.get(COOKIE)
        else None
    )
    if token is None:
        page = _PAGE.format(who="", body=_LOGIN.format(error=""), script="")
        return HTMLResponse(page)
    generators = [
        (gid, m) for m in ("image", "video", "audio") for gid in get_registry(m).list_generators()
    ]
    body = _MAIN.format(
        options=_options(generators),
        image_options=_options(generators, "image"),
        audio_options=_options(generators, "audio"),
        video_options=_options(generators, "video"),
        rows=_rows(request, token.id, token.admin),
    )
    who = (
        f'<form method="post" action="/logout" class="who">{html.escape(token.name)}'
        f'{" (admin)" if token.admin else ""} <button type="submit">Sign out</button></form>'
    )
    page = _PAGE.format(who=who, body=body, script='<script src="/static/gallery.js"></script>')
    return HTMLResponse(page)


@router.post("/login", response_model=None)
def login(request: Request, token: Annotated[str, Form()]) -> Response:
    if request.app.state.store.token_for(token.strip()) is None:
        body = _LOGIN.format(error='<p class="error">Unknown token.</p>')
        return HTMLResponse(_PAGE.format(who="", body=body, script=""), status_code=401)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(COOKIE, token.strip(), httponly=True, samesite="strict", path="/")
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
