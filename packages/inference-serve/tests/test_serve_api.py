"""The API as a client sees it: generations, validation, assets, limits, health and metrics."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from conftest import Server, Tokens, wait_done


def test_health_needs_no_token_and_everything_else_does(server: Server) -> None:
    with server.client() as anon:
        assert anon.get("/healthz").json()["status"] == "ok"
        for path in ("/v1/generators", "/v1/jobs", "/metrics"):
            response = anon.get(path)
            assert response.status_code == 401, path
            assert response.headers["www-authenticate"] == "Bearer"
    with server.client("isk_not-a-token") as wrong:
        assert wrong.get("/v1/jobs").status_code == 401


def test_generators_list_and_schema(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client:
        listed = {g["id"]: g for g in client.get("/v1/generators").json()}
        assert listed["mock_image_generator"]["modality"] == "image"
        assert listed["espeak_tts_generator"]["modality"] == "audio"
        detail = client.get("/v1/generators/mock_image_generator").json()
        assert detail["input_schema"]["properties"]["prompt"]["type"] == "string"
        assert client.get("/v1/generators/nope").status_code == 404


def test_prefer_wait_answers_with_the_finished_result(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client:
        response = client.post(
            "/v1/generations",
            json={
                "generator": "mock_image_generator",
                "inputs": {"prompt": "a fox", "width": 48, "height": 32},
            },
            headers={"Prefer": "wait=30"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["preference-applied"] == "wait=30"
        job = response.json()
        assert job["status"] == "completed"
        (asset,) = job["assets"]
        assert (asset["width"], asset["height"], asset["mime_type"]) == (48, 32, "image/png")
        data = client.get(asset["url"])
        assert data.headers["content-type"] == "image/png"
        assert hashlib.sha256(data.content).hexdigest() == asset["sha256"]
        assert data.headers["etag"] == f'"{asset["sha256"]}"'
        again = client.get(asset["url"], headers={"If-None-Match": data.headers["etag"]})
        assert again.status_code == 304 and again.content == b""
        part = client.get(asset["url"], headers={"Range": "bytes=0-7"})
        assert part.status_code == 206
        assert part.content == b"\x89PNG\r\n\x1a\n"
        assert part.headers["content-range"] == f"bytes 0-7/{len(data.content)}"
        tail = client.get(asset["url"], headers={"Range": "bytes=-4"})
        assert tail.content == data.content[-4:]
        assert client.get(asset["url"], headers={"Range": "bytes=99999-"}).status_code == 416


def test_without_prefer_the_job_is_accepted(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.bob) as client:
        response = client.post(
            "/v1/generations",
            json={"generator": "mock_image_generator", "inputs": {"prompt": "x", "width": 16}},
        )
        assert response.status_code == 202
        assert response.headers["location"] == f"/v1/jobs/{response.json()['id']}"
        assert response.json()["status"] in ("queued", "running", "completed")


def test_validation_lists_every_field_with_hints(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client:
        response = client.post(
            "/v1/generations",
            json={
                "generator": "mock_image_generator",
                "inputs": {"widht": 64, "height": "tall", "images": ["/etc/passwd"]},
            },
        )
        assert response.status_code == 422
        errors = {tuple(e["loc"]): e for e in response.json()["detail"]}
        assert errors[("body", "inputs", "widht")]["hint"] == "did you mean 'width'?"
        assert ("body", "inputs", "prompt") in errors
        assert ("body", "inputs", "height") in errors
        assert "data: URLs" in errors[("body", "inputs", "images", 0)]["msg"]
        unknown = client.post("/v1/generations", json={"generator": "mock_imag_generator"})
        assert unknown.json()["detail"][0]["hint"] == "did you mean 'mock_image_generator'?"
        board = client.post(
            "/v1/batches", json={"generator": "mock_image_generator", "storyboard": {"scenes": []}}
        )
        assert board.status_code == 422
        assert board.json()["detail"][0]["loc"][:2] == ["body", "storyboard"]
        refs = client.post(
            "/v1/batches",
            json={
                "generator": "mock_image_generator",
                "storyboard": {
                    "characters": {"M": {"reference_images": ["/etc/hostname"]}},
                    "scenes": [{"id": 1, "visual": {"prompt": "p"}}],
                },
            },
        )
        assert refs.status_code == 422 and "data: URLs" in refs.json()["detail"][0]["msg"]


def test_upload_limit(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client:
        big = "x" * (1024 * 1024 + 1)
        response = client.post(
            "/v1/generations", json={"generator": "mock_image_generator", "inputs": {"prompt": big}}
        )
        assert response.status_code == 413
        upload = client.post(
            "/v1/batches/upload",
            files={"file": ("b.yaml", big.encode())},
            data={"generator": "mock_image_generator"},
        )
        assert upload.status_code == 413


def test_yaml_upload_runs_a_batch(server: Server, tokens: Tokens) -> None:
    from conftest import wait_done

    text = "scenes:\n  - id: a\n    visual: {prompt: one}\n  - id: b\n    visual: {prompt: two}\ndefaults: {image: {width: 32}}\n"
    with server.client(tokens.alice) as client:
        response = client.post(
            "/v1/batches/upload",
            files={"file": ("s.yaml", text.encode())},
            data={"generator": "mock_image_generator"},
        )
        assert response.status_code == 202, response.text
        job = wait_done(client, response.json()["id"])
        assert job["status"] == "completed"
        assert sorted(a["scene_id"] for a in job["assets"]) == ["a", "b"]  # type: ignore[union-attr, index]


def test_cors_is_off_unless_configured(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client:
        response = client.get("/v1/jobs", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in response.headers
        preflight = client.options(
            "/v1/jobs",
            headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "GET"},
        )
        assert "access-control-allow-origin" not in preflight.headers


def test_metrics_in_prometheus_format(server: Server, tokens: Tokens) -> None:
    with server.client(tokens.alice) as client, server.client(tokens.admin) as admin:
        client.post(
            "/v1/generations",
            json={"generator": "mock_image_generator", "inputs": {"prompt": "m", "width": 16}},
            headers={"Prefer": "wait=30"},
        )
        denied = client.get("/metrics")  # the figures cover every token's jobs
        assert (
            denied.status_code == 403 and denied.json()["detail"] == "metrics need an admin token"
        )
        text = admin.get("/metrics")
    assert text.headers["content-type"].startswith("text/plain")
    lines = text.text.splitlines()
    assert "# TYPE inference_jobs gauge" in lines
    assert any(line.startswith('inference_jobs{state="completed"} ') for line in lines)
    assert "# TYPE inference_generation_seconds histogram" in lines
    count = next(
        line
        for line in lines
        if line.startswith('inference_generation_seconds_count{generator="mock_image_generator"}')
    )
    assert int(count.split()[-1]) >= 1
    assert "# TYPE inference_provider_errors_total counter" in lines


def test_openapi_at_docs_with_every_file_served_here(server: Server) -> None:
    with server.client() as anon:
        page = anon.get("/docs")
        assert page.status_code == 200 and "swagger" in page.text.lower()
        # Every file the page loads (stylesheet, script, icon, the OpenAPI document) comes
        # from this server: nothing from a CDN, so /docs works offline.
        refs = re.findall(r"""(?:href|src)=["']([^"']+)["']|url: ?["']([^"']+)["']""", page.text)
        urls = {a or b for a, b in refs}
        assert len(urls) >= 4, urls
        for url in urls:
            assert url.startswith("/") and not url.startswith("//"), url
            response = anon.get(url)
            assert response.status_code == 200, url
            assert response.content, url
        assert {Path(u).suffix for u in urls} >= {".js", ".css", ".json"}
        assert re.search(r"validatorUrl\"?: ?null", page.text)  # no badge from an online validator
        paths = anon.get("/openapi.json").json()["paths"]
    assert {
        "/v1/generations",
        "/v1/batches",
        "/v1/jobs",
        "/v1/jobs/{job_id}/events",
        "/v1/assets/{sha256}",
    } <= paths.keys()


def test_a_key_in_a_batch_request_is_never_stored(server: Server, tokens: Tokens) -> None:
    key = "sk-planted-in-a-request-71c3"
    with server.client(tokens.alice) as client:
        job = client.post(
            "/v1/batches",
            json={
                "generator": "mock_image_generator",
                "params": {"image": {"api_key": key}},
                "storyboard": {
                    "defaults": {"image": {"api_key": key}},
                    "scenes": [{"id": 1, "visual": {"prompt": "p"}, "params": {"token": key}}],
                },
            },
        )
        assert job.status_code in (201, 202), job.text
        done = wait_done(client, job.json()["id"])
        assert done["status"] == "failed"  # a key is no input: refused before any request
        assert "infer keys set" in str(done["error"]) or "no input" in str(done["error"])
        assert key not in client.get(f"/v1/jobs/{job.json()['id']}").text
    stored = b"".join(p.read_bytes() for p in server.data_dir.glob("serve.sqlite*") if p.is_file())
    assert stored and key.encode() not in stored
