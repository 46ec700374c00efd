from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx
import pytest

from inference_core.testing import LoopbackServer, Recording, Replay

if TYPE_CHECKING:
    import pathlib


def record(folder: pathlib.Path, name: str, body: bytes, **meta: object) -> None:
    (folder / f"{name}.body").write_bytes(body)
    (folder / f"{name}.json").write_text(json.dumps(meta))


@pytest.fixture
def recorded(tmp_path: pathlib.Path) -> dict[str, Recording]:
    record(
        tmp_path, "create",
        b'{"id":"p1","status":"starting","urls":{"get":"https://api.example.com/v1/p/p1"},'
        b'"output":["https://cdn.example.com/a.png"]}',
        status=201,
        headers=[["Content-Type", "application/json"], ["Content-Length", "999"],
                 ["Content-Encoding", "gzip"], ["X-Request-Id", "req_1"]],
        chunked=False,
        source={"repo": "someone/cassettes", "request": '{"prompt": "a cat"}'},
    )  # fmt: skip
    record(
        tmp_path, "poll", b"x" * 20000, status=200,
        headers=[["Content-Type", "audio/wav"]], chunked=True,
        source={"request": "GET https://api.example.com/v1/p/p1"},
    )  # fmt: skip
    return Recording.load_all(tmp_path)


def test_load_reads_status_headers_body_and_the_recorded_request(
    recorded: dict[str, Recording],
) -> None:
    create = recorded["create"]
    assert (create.name, create.status, create.chunked) == ("create", 201, False)
    assert create.header("x-request-id") == "req_1"
    assert create.request == {"prompt": "a cat"}  # a JSON string is parsed
    assert recorded["poll"].request == "GET https://api.example.com/v1/p/p1"
    assert create.json()["id"] == "p1"
    assert create.with_json("done", status="succeeded").json()["status"] == "succeeded"


def test_a_body_without_its_json_is_an_error(tmp_path: pathlib.Path) -> None:
    (tmp_path / "lonely.body").write_bytes(b"{}")
    with pytest.raises(FileNotFoundError):
        Recording.load_all(tmp_path)


def test_replay_serves_in_order_rewrites_urls_and_repeats_the_last(
    recorded: dict[str, Recording],
) -> None:
    app = Replay(rewrite={"https://api.example.com": "", "https://cdn.example.com": "/cdn"})
    app.route("POST", "/v1/p", recorded["create"])
    app.route("GET", "/v1/p/", recorded["create"], recorded["poll"])
    with LoopbackServer(app) as server:
        created = httpx.post(f"{server.url}/v1/p", json={})
        first, second, third = (httpx.get(f"{server.url}/v1/p/p1") for _ in range(3))
        missing = httpx.get(f"{server.url}/elsewhere")

    assert created.status_code == 201
    # the recorded transfer headers are dropped: the body goes out decoded, with its true length
    assert "content-encoding" not in created.headers
    assert created.headers["content-length"] == str(len(created.content))
    assert created.json()["urls"]["get"] == f"{server.url}/v1/p/p1"
    assert created.json()["output"] == [f"{server.url}/cdn/a.png"]
    assert first.status_code == 201
    # chunked as recorded: no Content-Length, the whole body all the same
    assert (second.status_code, third.content) == (200, b"x" * 20000)
    assert "content-length" not in second.headers
    assert missing.status_code == 404 and "no recording for GET /elsewhere" in missing.text
    assert app.unmatched == ["GET /elsewhere"]


def test_of_serves_what_was_not_recorded() -> None:
    app = Replay().route("GET", "/img/", Recording.of(b"\x89PNG...", "image/png"))
    with LoopbackServer(app) as server:
        response = httpx.get(f"{server.url}/img/a.png")
    assert (response.status_code, response.headers["content-type"]) == (200, "image/png")
    assert response.content == b"\x89PNG..."
    with pytest.raises(ValueError, match="at least one recording"):
        Replay().route("GET", "/")
