from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from inference_core.testing import Fault, LoopbackServer

if TYPE_CHECKING:
    from collections.abc import Iterable


def echo_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = json.dumps({"path": environ["PATH_INFO"], "data": "x" * 100}).encode()
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def test_records_requests() -> None:
    with LoopbackServer(echo_app) as server:
        response = httpx.post(
            server.url + "/v1/x?a=1", json={"k": 1}, headers={"Authorization": "Bearer t"}
        )
        assert response.json()["path"] == "/v1/x"
    (request,) = server.requests
    assert (request.method, request.path, request.query) == ("POST", "/v1/x", "a=1")
    assert request.header("authorization") == "Bearer t"
    assert request.json() == {"k": 1}


def test_scripted_faults_in_order() -> None:
    with LoopbackServer(echo_app) as server:
        server.script(
            Fault.status(429, {"error": "slow down"}, headers={"Retry-After": "0.01"}),
            Fault.malformed(),
            Fault.content_type("text/html"),
        )
        first = httpx.get(server.url + "/a")
        assert first.status_code == 429 and first.headers["retry-after"] == "0.01"
        with pytest.raises(json.JSONDecodeError):
            httpx.get(server.url + "/a").json()
        assert httpx.get(server.url + "/a").headers["content-type"] == "text/html"
        assert httpx.get(server.url + "/a").status_code == 200
    assert [r.fault.kind if r.fault else None for r in server.requests] == [
        "status",
        "status",
        "content_type",
        None,
    ]


def test_faults_match_paths() -> None:
    with LoopbackServer(echo_app) as server:
        server.script(Fault.status(500, path="/b"))
        assert httpx.get(server.url + "/a").status_code == 200
        assert httpx.get(server.url + "/b").status_code == 500


def test_truncated_body_and_hang() -> None:
    with LoopbackServer(echo_app) as server:
        server.script(Fault.truncated(), Fault.hang(5))
        with pytest.raises(httpx.RemoteProtocolError):
            httpx.get(server.url + "/t")
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(server.url + "/h", timeout=0.2)


def test_latency_and_in_flight() -> None:
    with LoopbackServer(echo_app, latency=0.01) as server:
        assert httpx.get(server.url + "/").status_code == 200
    assert server.max_in_flight == 1
