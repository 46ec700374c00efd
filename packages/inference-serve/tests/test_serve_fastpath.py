"""``POST /v1/generations`` answers the requests it accepts on a fast path (without FastAPI's
per-request machinery); every answer is the one the route gives, errors included."""

from __future__ import annotations

import json
import signal
from pathlib import Path

from conftest import Server, Tokens, make_token

BODY = {"generator": "mock_image_generator", "inputs": {"prompt": "a heron", "width": 24}}


def test_a_json_request_and_a_plus_json_one_get_the_same_answer(
    server: Server, tokens: Tokens
) -> None:
    # application/json takes the fast path; a +json type is read by the route itself.
    answers = []
    with server.client(tokens.alice) as client:
        for content_type in ("application/json", "application/vnd.example+json"):
            response = client.post(
                "/v1/generations",
                content=json.dumps(BODY).encode(),
                headers={"Content-Type": content_type, "Prefer": "wait=30"},
            )
            assert response.status_code == 200, response.text
            assert response.headers["content-type"] == "application/json"
            assert response.headers["preference-applied"] == "wait=30"
            job = response.json()
            assert response.headers["location"] == f"/v1/jobs/{job['id']}"
            assert job == client.get(f"/v1/jobs/{job['id']}").json()  # what the job route shows
            answers.append(job)
    fast, route = answers
    assert fast.keys() == route.keys()
    assert fast["status"] == route["status"] == "completed"
    assert fast["request"] == route["request"]
    assert [a.keys() for a in fast["assets"]] == [a.keys() for a in route["assets"]]


def test_what_the_route_refuses_gets_the_routes_errors(server: Server, tokens: Tokens) -> None:
    with server.client("isk_not-a-token") as stranger:
        refused = stranger.post("/v1/generations", json=BODY)
        assert refused.status_code == 401
        assert refused.headers["www-authenticate"] == "Bearer"
    with server.client(tokens.alice) as client:
        broken = client.post(
            "/v1/generations",
            content=b'{"generator": ',
            headers={"Content-Type": "application/json"},
        )
        assert broken.status_code == 422
        assert broken.json()["detail"][0]["type"] == "json_invalid"
        extra = client.post("/v1/generations", json={**BODY, "colour": "red"})
        assert extra.status_code == 422
        assert extra.json()["detail"][0]["loc"] == ["body", "colour"]
        hinted = client.post(
            "/v1/generations", json={**BODY, "inputs": {"prompt": "p", "widht": 8}}
        )
        assert hinted.json()["detail"][0]["hint"] == "did you mean 'width'?"


def test_cors_applies_to_generations(tmp_path: Path) -> None:
    token = make_token(tmp_path, "alice")
    server = Server(tmp_path, ("--cors-origin", "https://app.example")).start()
    try:
        origin = {"Origin": "https://app.example"}
        with server.client(token) as client:
            answered = client.post("/v1/generations", json=BODY, headers=origin)
            assert answered.status_code == 202
            assert answered.headers["access-control-allow-origin"] == "https://app.example"
        with server.client("isk_not-a-token") as stranger:
            refused = stranger.post("/v1/generations", json=BODY, headers=origin)
            assert refused.status_code == 401
            assert refused.headers["access-control-allow-origin"] == "https://app.example"
    finally:
        server.kill(signal.SIGTERM)
